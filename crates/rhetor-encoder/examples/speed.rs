use rhetor_encoder::Encoder;
use std::path::Path;
use std::time::Instant;
fn main() {
    let e = Encoder::load(Path::new("/tmp/e5dir")).unwrap();
    let mut paras = Vec::new();
    for lang in ["en", "fr", "ge", "it", "po", "ru"] {
        let d = format!("/work/shared/data/semeval2023-task3/{lang}/unlabeled-articles");
        let mut files: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let s = std::fs::read_to_string(f).unwrap();
            for l in s.lines() {
                if !l.trim().is_empty() {
                    paras.push(l.to_string());
                }
            }
        }
    }
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(600);
    // take every k-th paragraph for a representative sample
    let step = (paras.len() / n).max(1);
    let sample: Vec<String> = paras.iter().step_by(step).take(n).cloned().collect();
    let toks: Vec<usize> = sample.iter().map(|p| e.token_ids(p).len() + 2).collect();
    let total: usize = toks.iter().sum();
    let mut sorted = toks.clone();
    sorted.sort();
    eprintln!(
        "{} paragraphs of {}, {} tokens, mean {:.1}, median {}, p90 {}, max {}",
        sample.len(),
        paras.len(),
        total,
        total as f64 / sample.len() as f64,
        sorted[sorted.len() / 2],
        sorted[sorted.len() * 9 / 10],
        sorted[sorted.len() - 1]
    );
    let t = Instant::now();
    let v = e.embed(&sample);
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "{:.2}s: {:.1} paragraphs/s, {:.0} tokens/s ({})",
        s,
        sample.len() as f64 / s,
        total as f64 / s,
        v.len()
    );
}
