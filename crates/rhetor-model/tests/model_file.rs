//! Mutated copies of the shipped `models/fast.bin`: every one is either read
//! or refused with an error naming the file, never a panic, and those that
//! break a count, a bound or a label inventory are refused.

use rhetor_model::{FastModel, ModelError};

const NAME: &str = "mutated.bin";

fn shipped_bytes() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/fast.bin");
    std::fs::read(path).expect("models/fast.bin is committed")
}

/// Loads `bytes`; a panic fails the test by itself.
fn load(bytes: &[u8]) -> Result<FastModel, ModelError> {
    FastModel::from_bytes(bytes, NAME)
}

fn refused(bytes: &[u8]) -> String {
    match load(bytes) {
        Ok(_) => panic!("a mutated model file was accepted"),
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.starts_with(NAME), "the error names the file: {msg}");
            msg
        }
    }
}

#[test]
fn the_shipped_file_loads() {
    load(&shipped_bytes()).expect("models/fast.bin");
}

#[test]
fn every_truncation_is_refused() {
    let bytes = shipped_bytes();
    let n = bytes.len();
    // Inside the header, the section table, and spread over the sections
    // (one byte short included).
    let mut cuts = vec![0, 1, 7, 8, 11, 12, 16, 24, 40, 64, 100, 1000, n - 1];
    cuts.extend((1..24).map(|k| n / 24 * k));
    for cut in cuts {
        let msg = refused(&bytes[..cut]);
        assert!(!msg.is_empty(), "cut at {cut}");
    }
}

#[test]
fn flipped_bytes_in_the_header_and_section_table_never_panic() {
    let bytes = shipped_bytes();
    // Magic (8 bytes), version (4), then the section table. Each load of a
    // file that gets past the header decodes 40 MB, so the flips are few.
    for i in 0..40 {
        for mask in [0x01u8, 0xff] {
            let mut b = bytes.clone();
            b[i] ^= mask;
            let result = load(&b);
            if i < 12 {
                assert!(result.is_err(), "flip {mask:#x} at byte {i} accepted");
            }
        }
    }
}

#[test]
fn a_head_with_the_wrong_number_of_labels_is_refused() {
    let model = load(&shipped_bytes()).unwrap();
    // The techniques head (23 labels) stored where the frames head (14) goes.
    let wrong = FastModel::new(
        model.trained_on.clone(),
        model.seed,
        model.techniques().clone(),
        model.techniques().clone(),
        model.genre().clone(),
        model.spans().clone(),
    );
    let mut bytes = Vec::new();
    wrong.write_to(&mut bytes).unwrap();
    let msg = refused(&bytes);
    assert!(
        msg.contains("FRAM") && msg.contains("23 labels") && msg.contains("14"),
        "{msg}"
    );
}
