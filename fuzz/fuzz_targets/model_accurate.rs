//! Any bytes as an accurate-heads file: refused with an error naming the
//! file, or heads that pass every check.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match rhetor_accurate::AccurateHeads::from_bytes(data, "fuzz.bin") {
        Ok(h) => rhetor_accurate::check::check_heads(&h.heads, h.dim).unwrap(),
        Err(e) => assert!(e.to_string().starts_with("fuzz.bin")),
    }
});
