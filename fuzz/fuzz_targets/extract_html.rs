//! Any bytes as a saved web page; the page read the fast way (the insides
//! of boxes the clean-up removes cut before parsing, the metadata found in
//! one walk, Readability's JSON-LD reading off) must give the record (or
//! error) the plain way gives (the page parsed whole, one selector per kind
//! of metadata element, JSON-LD read), and the record's language read from
//! its title and text must be that of the document built from them.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pruned = rhetor_extract::html::read_html(data);
    let plain = rhetor_extract::html::read_html_unpruned(data);
    assert_eq!(format!("{pruned:?}"), format!("{plain:?}"));
    if let Ok(Some(article)) = pruned {
        let doc = article.to_document();
        let lid = rhetor_core::lang::LanguageIdentifier::new();
        assert_eq!(
            rhetor_extract::identify_language(&lid, &article).as_deref(),
            rhetor_core::lang::identify_document(&lid, &doc)
        );
    }
});
