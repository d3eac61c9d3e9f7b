//! Any bytes as an input of `rhetor extract`/`ingest`: sniffed by content
//! (HTML, feed, WARC, gzip, JSON Lines, text) and read.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rhetor_extract::inputs::read_bytes(data.to_vec(), "fuzz", "fuzz", None, false).len();
});
