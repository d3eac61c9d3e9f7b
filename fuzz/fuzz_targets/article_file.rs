//! Any bytes as an article file: decoded as `rhetor analyze` decodes a
//! `.txt` (UTF-8, UTF-16 with a mark, refusals), then analysed by the
//! shipped fast model; every span must point at its own text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rhetor_core::{Detector, Document, OffsetMap, Task};
use rhetor_formats::error::{decode_text, Source};
use std::sync::OnceLock;

static MODEL: OnceLock<rhetor_model::FastModel> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let source = Source::file("fuzz.txt");
    let Ok(text) = decode_text(&source, data.to_vec()) else {
        return;
    };
    let model = MODEL.get_or_init(|| rhetor_model::shipped().unwrap());
    let mut doc = Document::from_text("fuzz", text);
    model.annotate(&mut doc, &Task::ALL).unwrap();
    let map = OffsetMap::new(&doc.text);
    for s in &doc.spans {
        assert_eq!(map.slice(&doc.text, s.start, s.end), Some(s.text.as_str()));
    }
});
