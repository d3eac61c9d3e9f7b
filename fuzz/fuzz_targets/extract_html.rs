//! Any bytes as a saved web page.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(article)) = rhetor_extract::html::read_html(data) {
        let _ = article.to_document();
    }
});
