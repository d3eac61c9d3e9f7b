//! Names of up to 16 bytes as numbers: a sorted table of names (the
//! elements `prune.rs` knows, the noise words of `noise_names.rs`) is a
//! sorted table of numbers, searched with one comparison per step.

/// A name of up to 16 bytes as one number, first byte highest, so that
/// numbers sort as the names do (a sorted table of names is a sorted table
/// of keys, searched without a byte comparison per step).
pub(crate) const fn key(name: &[u8]) -> u128 {
    let mut key = 0u128;
    let mut i = 0;
    while i < 16 {
        key <<= 8;
        if i < name.len() {
            key |= name[i] as u128;
        }
        i += 1;
    }
    key
}

/// The [`key`] of `name` in ASCII lower case; `None` for a name longer
/// than 16 bytes or holding a NUL (which [`key`] would not tell from the
/// name without it), neither of which is in a table.
pub(crate) fn lower_key(name: &[u8]) -> Option<u128> {
    if name.len() > 16 || name.contains(&0) {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes[..name.len()].copy_from_slice(name);
    bytes.make_ascii_lowercase();
    Some(u128::from_be_bytes(bytes))
}
