//! `models/accurate.bin` validated on load (issue 10, item 6): mutated
//! copies of the committed file are refused with an error naming the file
//! and what is wrong, never a panic.

use rhetor_accurate::{shipped_heads, AccurateHeads, HeadsError};

fn committed() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/accurate.bin"
    ))
    .expect("models/accurate.bin is committed")
}

#[test]
fn heads_that_decode_but_do_not_fit_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heads.bin");
    let good = shipped_heads().unwrap();
    type Mutation = (&'static str, fn(&mut AccurateHeads));
    let cases: [Mutation; 4] = [
        // The header's dimension no longer matches the heads' inputs.
        (
            "techniques head, linear: 768 input dimensions, expected 770",
            |h| h.dim = 385,
        ),
        ("frames head, linear: 13 outputs, expected 14", |h| {
            h.heads.frames.linear.bias.pop();
        }),
        ("genre head, fast_dims: 4 fast inputs, expected 3", |h| {
            h.heads.genre.fast_dims = 4
        }),
        ("techniques head, seen-language blend: weight[", |h| {
            h.heads.techniques.seen.weights[3][1] = f32::NAN
        }),
    ];
    for (expected, mutate) in cases {
        let mut h = good.clone();
        mutate(&mut h);
        h.save(&path).unwrap();
        let err = AccurateHeads::load(&path).unwrap_err();
        assert!(matches!(err, HeadsError::Corrupt { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.starts_with(&path.display().to_string()), "{msg}");
        assert!(msg.contains(expected), "{msg:?} should name {expected:?}");
    }
    // Saved unchanged, the same file loads.
    good.save(&path).unwrap();
    assert_eq!(AccurateHeads::load(&path).unwrap(), good);
}

#[test]
fn truncated_and_flipped_copies_are_refused_never_a_panic() {
    let bytes = committed();
    let mut refused = 0;
    // Every truncation point in the header, then a spread through the body.
    let cuts = (0..64).chain((64..bytes.len()).step_by(bytes.len() / 97 + 1));
    for cut in cuts {
        let err = AccurateHeads::from_bytes(&bytes[..cut], "cut.bin").unwrap_err();
        assert!(err.to_string().starts_with("cut.bin"), "{err}");
        refused += 1;
    }
    // Flipped bytes: the gzip checksum or the decoder refuses them, or the
    // heads still decode and pass every check (a flipped weight bit).
    for i in (0..bytes.len()).step_by(bytes.len() / 211 + 1) {
        let mut b = bytes.clone();
        b[i] ^= 0x5a;
        match AccurateHeads::from_bytes(&b, "flip.bin") {
            Err(e) => assert!(e.to_string().starts_with("flip.bin"), "{e}"),
            Ok(h) => assert!(rhetor_accurate::check::check_heads(&h.heads, h.dim).is_ok()),
        }
    }
    assert!(refused > 64);
}
