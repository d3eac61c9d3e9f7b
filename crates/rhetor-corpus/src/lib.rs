//! rhetor-corpus: what an analyst asks of a store of analysed articles.
//!
//! - [`stats`]: label rates per group (outlet, language, month, week) with
//!   95 % intervals and lift against the rest of the corpus;
//! - [`search`]: full-text search with label and metadata filters;
//! - [`narratives`]: clusters of articles telling the same story
//!   (MinHash/LSH near-duplicates), kept up to date incrementally.
//!
//! Everything here goes through [`rhetor_store::CorpusStore`]; no SQL.

#![warn(missing_docs)]

pub mod interval;
pub mod narratives;
pub mod search;
pub mod stats;

pub use rhetor_store::{CorpusFilter, CorpusStore, GroupBy, LabelTask, StoreError};

/// Checks a `--since`/`--until` bound: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or
/// a date and time (`YYYY-MM-DDTHH:MM…`). Dates compare as ISO 8601
/// strings, so anything else would silently match the wrong articles.
pub fn check_date(s: &str) -> Result<String, String> {
    let bad = || {
        format!("malformed date {s:?}: expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS")
    };
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|x| x.iter().all(u8::is_ascii_digit))
    };
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    if !digits(0..4) {
        return Err(bad());
    }
    if b.len() == 4 {
        return Ok(s.to_string());
    }
    if b[4] != b'-' || !digits(5..7) || !(1..=12).contains(&num(5..7)) {
        return Err(bad());
    }
    if b.len() == 7 {
        return Ok(s.to_string());
    }
    if b[7] != b'-' || !digits(8..10) || !(1..=31).contains(&num(8..10)) {
        return Err(bad());
    }
    if b.len() == 10 {
        return Ok(s.to_string());
    }
    if (b[10] == b'T' || b[10] == b' ')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
    {
        return Ok(s.to_string());
    }
    Err(bad())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        for ok in [
            "2024",
            "2024-03",
            "2024-03-05",
            "2024-03-05T10:00:00Z",
            "2024-03-05 10:00",
        ] {
            assert!(super::check_date(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "24-03",
            "2024-13",
            "2024-03-32",
            "March 2024",
            "2024/03/05",
            "2024-03-05T1",
        ] {
            let e = super::check_date(bad).unwrap_err();
            assert!(e.contains("malformed date"), "{bad}");
        }
    }
}
