//! Generates a corpus for `bench/corpus/run.sh`: N articles written from a
//! made-up vocabulary (no dataset text), stored with generated analyses
//! through the store API (the model is not run: the bench times queries,
//! not analysis).
//!
//!   cargo run --release -p rhetor-corpus --example make_corpus -- DB N [FIRST]
//!
//! 60 outlets, 6 languages, dates over 2023–2024, 6 paragraphs of 35 words;
//! techniques drawn per paragraph (one outlet leans on Appeal to fear);
//! 3 % of articles republish an earlier one with a few words changed, so
//! narratives has clusters to find. FIRST (default 0) numbers the articles,
//! so a second run adds new ones.

use rhetor_core::{Frame, Genre, GenreScores, Scored, Technique};
use rhetor_extract::Article;
use rhetor_store::{Analysed, SqliteStore, Store};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const LANGS: [&str; 6] = ["en", "fr", "de", "it", "pl", "ru"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(n)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: make_corpus DB N [FIRST]");
        std::process::exit(2);
    };
    let first: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(0);
    let mut rng = Rng(first as u64 * 7919 + 1);
    // A vocabulary of 20,000 made-up words (syllable pairs and triples).
    let syll = [
        "ka", "lo", "mi", "re", "tu", "sa", "ne", "vo", "di", "pa", "zi", "ro", "be", "gu", "fe",
        "ta", "li", "mo", "ju", "ce",
    ];
    let vocab: Vec<String> = (0..20_000)
        .map(|i| {
            let mut w = String::new();
            let mut x = i;
            for _ in 0..(2 + i % 2) {
                w.push_str(syll[x % syll.len()]);
                x /= syll.len();
            }
            w
        })
        .collect();
    let mut store = SqliteStore::open(std::path::Path::new(db)).expect("open the database");
    let mut batch: Vec<Analysed> = Vec::with_capacity(1000);
    let mut recent: Vec<(String, String)> = Vec::new(); // (title, body) to republish
    let start = std::time::Instant::now();
    for i in first..first + n {
        let outlet = rng.below(60);
        let lang = LANGS[outlet % LANGS.len()];
        let (title, body) = if i > 100 && rng.below(100) < 3 && !recent.is_empty() {
            // Republish a recent article with ~5 % of its words changed.
            let (t, b) = recent[rng.below(recent.len())].clone();
            let mut words: Vec<String> = b.split(' ').map(str::to_string).collect();
            for _ in 0..words.len() / 20 {
                let k = rng.below(words.len());
                if !words[k].contains('\n') {
                    words[k] = vocab[rng.below(vocab.len())].clone();
                }
            }
            (format!("{t} (republished)"), words.join(" "))
        } else {
            // Zipf-like word choice: low ranks far more often.
            let pick = |rng: &mut Rng| {
                let r = rng.below(vocab.len()) as f64 / vocab.len() as f64;
                vocab[((r * r * r) * vocab.len() as f64) as usize].clone()
            };
            let title: Vec<String> = (0..6).map(|_| pick(&mut rng)).collect();
            let paras: Vec<String> = (0..6)
                .map(|_| {
                    (0..35)
                        .map(|_| pick(&mut rng))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            (title.join(" "), paras.join("\n"))
        };
        if recent.len() < 2000 {
            recent.push((title.clone(), body.clone()));
        } else {
            let k = rng.below(recent.len());
            recent[k] = (title.clone(), body.clone());
        }
        let day = rng.below(730);
        let published = format!(
            "{}-{:02}-{:02}T{:02}:00:00Z",
            2023 + day / 365,
            1 + (day % 365) / 31 % 12,
            1 + day % 28,
            rng.below(24)
        );
        let a = Article {
            id: format!("gen-{i}"),
            url: Some(format!("https://outlet{outlet}.example/{i}")),
            source: Some(format!("Outlet {outlet:02}")),
            published: Some(published),
            language: Some(lang.into()),
            title,
            text: body,
        };
        let mut d = a.to_document();
        d.language = Some(lang.into());
        d.model = Some("generated".into());
        d.genre = Some(GenreScores::certain(Genre::ALL[rng.below(3)]));
        d.frames = (0..1 + rng.below(3))
            .map(|_| Scored::new(Frame::ALL[rng.below(Frame::ALL.len())], 0.7))
            .collect();
        d.frames.dedup_by_key(|f| f.label);
        for p in d.paragraphs.iter_mut() {
            let fear = if outlet == 7 { 40 } else { 8 };
            if rng.below(100) < fear {
                p.techniques
                    .push(Scored::new(Technique::AppealToFearPrejudice, 0.6));
            }
            if rng.below(100) < 25 {
                let t = Technique::ALL[rng.below(Technique::ALL.len())];
                if !p.techniques.iter().any(|x| x.label == t) {
                    p.techniques.push(Scored::new(t, 0.5));
                }
            }
        }
        batch.push(Analysed {
            hash: a.content_hash(),
            article: a,
            document: d,
        });
        if batch.len() == 1000 {
            store.write_batch("generated", &batch).expect("write");
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.write_batch("generated", &batch).expect("write");
    }
    eprintln!(
        "make_corpus: {n} articles stored in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}
