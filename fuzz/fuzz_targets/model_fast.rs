//! Any bytes as a fast-model file (`--model FILE`): refused with an error,
//! or loaded and then able to analyse an article without a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rhetor_core::{Detector, Document, Task};

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = rhetor_model::FastModel::from_bytes(data, "fuzz.bin") {
        let mut doc = Document::from_title_and_body("f", "Title", "A « short » paragraph?");
        model.annotate(&mut doc, &Task::ALL).unwrap();
    }
});
