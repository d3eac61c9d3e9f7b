//! Any bytes as an RSS or Atom feed.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rhetor_extract::feed::read_feed(data, "fuzz.xml", None).len();
});
