//! Fixtures written for these tests: planted outlets and planted stories.
#![allow(dead_code)]

use rhetor_core::{Frame, Genre, GenreScores, Scored, Technique};
use rhetor_extract::Article;
use rhetor_store::Analysed;

/// A small deterministic generator (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// Words about energy prices: every generated "same topic" article draws
/// from this pool, so they share vocabulary but not sentences.
pub const TOPIC_WORDS: &[&str] = &[
    "energy",
    "prices",
    "gas",
    "electricity",
    "government",
    "minister",
    "households",
    "winter",
    "bills",
    "supply",
    "pipeline",
    "market",
    "costs",
    "inflation",
    "subsidy",
    "plan",
    "industry",
    "heating",
    "consumers",
    "tariff",
    "crisis",
    "reserves",
    "import",
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "for",
    "on",
    "said",
    "will",
    "new",
    "rise",
    "record",
    "policy",
    "europe",
    "demand",
    "shortage",
    "cap",
    "budget",
    "report",
];

/// A paragraph of `n` topic words in random order.
pub fn topic_paragraph(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| TOPIC_WORDS[rng.below(TOPIC_WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn article(
    id: &str,
    source: &str,
    published: &str,
    lang: &str,
    title: &str,
    body: &str,
) -> Article {
    Article {
        id: id.into(),
        url: Some(format!("https://example.org/{id}")),
        source: Some(source.into()),
        published: Some(published.into()),
        language: Some(lang.into()),
        title: title.into(),
        text: body.into(),
    }
}

/// An article with labels planted: `techniques[i]` on body paragraph i.
pub fn analysed(a: Article, frames: &[Frame], techniques: &[Vec<Technique>]) -> Analysed {
    let mut d = a.to_document();
    d.language = a.language.clone();
    d.model = Some("planted".into());
    d.genre = Some(GenreScores::certain(Genre::Reporting));
    d.frames = frames.iter().map(|f| Scored::new(*f, 0.9)).collect();
    for (p, techs) in d.paragraphs.iter_mut().skip(1).zip(techniques) {
        p.techniques = techs.iter().map(|t| Scored::new(*t, 0.8)).collect();
    }
    Analysed {
        hash: a.content_hash(),
        article: a,
        document: d,
    }
}

/// The planted story, first version (written for these tests).
pub const STORY: &[&str] = &[
    "The harbour authority of Port Delmar confirmed on Tuesday that a cargo ship carrying fertiliser ran aground near the northern breakwater during the storm on Monday night.",
    "According to the authority, none of the twenty one crew members was injured and the hull shows no sign of leaking, although divers will inspect it again at first light.",
    "Local fishermen said the channel had not been dredged for three years and that the warning buoys were moved last spring without any notice to the small boat owners.",
    "The shipping company, registered in Valletta, declined to comment on the cause but said salvage tugs were on their way and the cargo would be unloaded by barge.",
    "The mayor of Port Delmar called for an independent inquiry and asked the ministry of transport to publish the dredging contracts signed since the last election.",
];
