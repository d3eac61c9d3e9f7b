//! Any bytes as `rhetor analyze` reads JSON Lines: stdin read whole
//! (`parse_stdin_bytes`: JSON Lines records or one article), and the
//! streaming reader of JSON Lines files and stdin (`JsonLinesReader`), which
//! must give the same records as the whole-text parser wherever the whole
//! text decodes (same ids, same errors naming the same lines).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rhetor_formats::articles::{parse_json_lines, JsonLinesReader, Record};
use rhetor_formats::error::{decode_text, Source};

fuzz_target!(|data: &[u8]| {
    for doc in rhetor_formats::articles::parse_stdin_bytes(data.to_vec()) {
        if let Err(e) = doc {
            let _ = e.to_string();
        }
    }
    let source = Source::file("in.jsonl");
    let streamed: Vec<Result<String, String>> = JsonLinesReader::new(data, source.clone(), "in")
        .map(Record::into_document)
        .map(|r| r.map(|d| d.id).map_err(|e| e.to_string()))
        .collect();
    assert!(!streamed.is_empty(), "no record and no error");
    // (UTF-16 and a leading UTF-8 mark are what the whole reader is for.)
    let utf16 = data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]);
    match decode_text(&source, data.to_vec()) {
        Ok(text) if !utf16 && !text.starts_with('\u{feff}') => {
            let whole: Vec<Result<String, String>> = parse_json_lines(&source, "in", &text)
                .into_iter()
                .map(|r| r.map(|d| d.id).map_err(|e| e.to_string()))
                .collect();
            assert_eq!(streamed, whole);
        }
        _ => {}
    }
});
