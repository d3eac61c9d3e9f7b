//! Any bytes as a saved web page; the page read with `prune` (the insides
//! of boxes the clean-up removes, cut before parsing) must give the record
//! (or error) the page parsed whole gives.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pruned = rhetor_extract::html::read_html(data);
    let plain = rhetor_extract::html::read_html_unpruned(data);
    assert_eq!(format!("{pruned:?}"), format!("{plain:?}"));
    if let Ok(Some(article)) = pruned {
        let _ = article.to_document();
    }
});
