use rhetor_encoder::Encoder;
use std::io::Write;
use std::path::Path;
fn main() {
    let e = Encoder::load(Path::new("/tmp/e5dir")).unwrap();
    let mut paras = Vec::new();
    let d = "/work/shared/data/semeval2023-task3/ru/unlabeled-articles";
    let mut files: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files.iter().take(5) {
        let s = std::fs::read_to_string(f).unwrap();
        for l in s.lines() {
            if !l.trim().is_empty() {
                paras.push(l.to_string());
            }
        }
    }
    let v = e.embed(&paras);
    let mut out = std::io::stdout();
    for r in v {
        writeln!(
            out,
            "{}",
            r.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        )
        .unwrap();
    }
    eprintln!("int8: {}", e.uses_int8());
}
