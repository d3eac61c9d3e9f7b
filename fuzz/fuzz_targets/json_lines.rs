//! Any bytes as `rhetor analyze -` reads stdin: JSON Lines records or one
//! article, errors naming the line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for doc in rhetor_formats::articles::parse_stdin_bytes(data.to_vec()) {
        if let Err(e) = doc {
            let _ = e.to_string();
        }
    }
});
