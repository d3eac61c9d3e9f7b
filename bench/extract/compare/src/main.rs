use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let pages = &args[1];
    let out = &args[2];
    let mut files: Vec<_> = std::fs::read_dir(pages).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().map_or(false, |e| e == "html")).collect();
    files.sort();
    for which in ["traf", "smoothie", "smoothie2"] {
        let dir = format!("{out}/{which}");
        std::fs::create_dir_all(&dir).unwrap();
        let t = Instant::now();
        let reps = 20;
        for rep in 0..reps {
            for f in &files {
                let bytes = std::fs::read(f).unwrap();
                let text = match which {
                    "traf" => rs_trafilatura::extract_bytes(&bytes).map(|r| r.content_text).unwrap_or_default(),
                    _ => {
                        let html = String::from_utf8_lossy(&bytes).into_owned();
                        let mut cfg = dom_smoothie::Config::default();
                        cfg.text_mode = dom_smoothie::TextMode::Formatted;
                        if which == "smoothie2" { cfg.candidate_select_mode = dom_smoothie::CandidateSelectMode::DomSmoothie; }
                        let mut r = dom_smoothie::Readability::new(html, None, Some(cfg)).unwrap();
                        r.parse().map(|a| a.text_content.to_string()).unwrap_or_default()
                    }
                };
                if rep == 0 {
                    let name = f.file_stem().unwrap().to_string_lossy();
                    std::fs::write(format!("{dir}/{name}.txt"), text).unwrap();
                }
            }
        }
        let el = t.elapsed().as_secs_f64();
        println!("{which}: {:.2} ms/page", el * 1000.0 / (reps * files.len()) as f64);
    }
}
