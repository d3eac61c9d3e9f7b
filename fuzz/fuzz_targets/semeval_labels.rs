//! Any text as each of the four SemEval label files.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rhetor_formats::error::Source;
use rhetor_formats::labels::{parse_frames, parse_genres, parse_spans, parse_techniques};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let source = Source::file("labels.txt");
    let _ = parse_genres(&source, &text).map_err(|e| e.to_string());
    let _ = parse_frames(&source, &text).map_err(|e| e.to_string());
    let _ = parse_techniques(&source, &text).map_err(|e| e.to_string());
    let _ = parse_spans(&source, &text).map_err(|e| e.to_string());
});
