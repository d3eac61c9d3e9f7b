//! Any bytes as a WARC or WARC.gz file: every record read or refused.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rhetor_extract::warc::WarcReader::from_bytes(data.to_vec(), "fuzz.warc").count();
});
