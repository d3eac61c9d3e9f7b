//! The model file's container: named sections, each a sequence of blobs,
//! every blob stored raw or LZ4-compressed (optionally byte-shuffled first).
//!
//! Each head has its own section, so a reader finds every section without
//! decoding any, and large arrays are stored as little-endian bytes that
//! load with one copy (or one LZ4 pass) instead of element-by-element
//! parsing.
//!
//! ```text
//! file    = "RHETORFM" version:u32 section*
//! section = tag:[u8; 4] len:u64 blob*            (len: bytes of the blobs)
//! blob    = codec:u8 width:u8 raw_len:u64 stored_len:u64 bytes[stored_len]
//! ```
//!
//! All integers are little-endian. `codec` is `RAW` or `LZ4`; a
//! `width` above 1 means the raw bytes were byte-shuffled with that element
//! width before compression (all first bytes of the elements, then all second
//! bytes, …), which lets LZ4 find the runs in the high bytes of small
//! integers.
//!
//! A blob holds either a large array (little-endian elements, see
//! [`SectionWriter::array`]) or a small value (settings, calibration,
//! scales: [`SectionWriter::small`]) in the postcard encoding, a
//! maintained, documented serde format (varint integers, f32 as 4
//! little-endian bytes), which must fill its blob exactly.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;

/// Every rhetor file (fast model, accurate heads, embedding cache) starts
/// with 8 magic bytes naming its kind and a little-endian u32 (its format
/// version, or for the cache its dimension).
pub fn write_header(out: &mut impl Write, magic: &[u8; 8], value: u32) -> std::io::Result<()> {
    out.write_all(magic)?;
    out.write_all(&value.to_le_bytes())
}

/// The header's u32 and the bytes after it, or None when `bytes` does not
/// start with `magic`.
pub fn read_header<'a>(bytes: &'a [u8], magic: &[u8; 8]) -> Option<(u32, &'a [u8])> {
    let (head, rest) = bytes.split_at_checked(12)?;
    (&head[..8] == magic).then(|| {
        let value = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        (value, rest)
    })
}

const RAW: u8 = 0;
const LZ4: u8 = 1;
const BLOB_HEADER: usize = 18;
/// Compression is kept only when it saves at least this fraction: a raw
/// blob loads with a plain copy.
const MIN_SAVING: f64 = 0.10;

/// Builds one section's blobs. Raw arrays are kept by reference (or as
/// the caller's buffer), never copied, and nothing is joined until the
/// section is written: saving a model needs little memory beyond it.
#[derive(Debug, Default)]
pub struct SectionWriter<'a> {
    parts: Vec<Cow<'a, [u8]>>,
}

impl<'a> SectionWriter<'a> {
    /// A small value (settings, calibration, scales): postcard, stored raw.
    pub fn small<T: Serialize>(&mut self, value: &T) -> Result<(), String> {
        let bytes = postcard::to_allocvec(value).map_err(|e| e.to_string())?;
        self.blob(RAW, 1, bytes.len(), Cow::Owned(bytes));
        Ok(())
    }

    /// A large array given as little-endian bytes, `width` bytes an element:
    /// whichever of raw, LZ4 and byte-shuffled LZ4 is smallest (LZ4 of the
    /// bytes as they are on a tie), compression only where it saves at
    /// least `MIN_SAVING`.
    pub fn array(&mut self, bytes: impl Into<Cow<'a, [u8]>>, width: usize) {
        let bytes: Cow<'a, [u8]> = bytes.into();
        let len = bytes.len();
        let fits = |packed: usize| (packed as f64) <= (1.0 - MIN_SAVING) * len as f64;
        let mut plain = Some(lz4_flex::block::compress(&bytes));
        let plain_len = plain.as_ref().map_or(0, Vec::len);
        if width > 1 && width < 256 && len.is_multiple_of(width) {
            // Only one compressed copy is held at a time (a model's arrays
            // are tens of MB): the plain one is recomputed if it wins.
            plain = None;
            let shuffled = lz4_flex::block::compress(&shuffle(&bytes, width));
            if shuffled.len() < plain_len {
                if fits(shuffled.len()) {
                    self.blob(LZ4, width as u8, len, Cow::Owned(shuffled));
                    return;
                }
            } else if fits(plain_len) {
                drop(shuffled);
                plain = Some(lz4_flex::block::compress(&bytes));
            }
        }
        match plain {
            Some(packed) if fits(packed.len()) => self.blob(LZ4, 1, len, Cow::Owned(packed)),
            _ => self.blob(RAW, 1, len, bytes),
        }
    }

    fn blob(&mut self, codec: u8, width: u8, raw_len: usize, stored: Cow<'a, [u8]>) {
        let mut header = Vec::with_capacity(BLOB_HEADER);
        header.push(codec);
        header.push(width);
        header.extend_from_slice(&(raw_len as u64).to_le_bytes());
        header.extend_from_slice(&(stored.len() as u64).to_le_bytes());
        self.parts.push(Cow::Owned(header));
        self.parts.push(stored);
    }

    /// Writes the section: its tag, length and blobs.
    pub fn write_to(&self, tag: [u8; 4], out: &mut impl Write) -> std::io::Result<()> {
        let len: usize = self.parts.iter().map(|p| p.len()).sum();
        out.write_all(&tag)?;
        out.write_all(&(len as u64).to_le_bytes())?;
        for p in &self.parts {
            out.write_all(p)?;
        }
        Ok(())
    }

    /// The section's blobs, joined.
    pub fn into_bytes(self) -> Vec<u8> {
        self.parts.concat()
    }
}

/// Reads one section's blobs in the order they were written.
#[derive(Debug)]
pub struct SectionReader<'a> {
    src: Src<'a>,
    pos: usize,
}

/// Where a section's bytes live: in the binary itself (the shipped model),
/// so raw blobs can be used in place for the life of the program, or in a
/// buffer that raw blobs must be copied out of.
#[derive(Debug, Clone, Copy)]
enum Src<'a> {
    Static(&'static [u8]),
    Temporary(&'a [u8]),
}

impl<'a> SectionReader<'a> {
    /// A reader whose raw blobs are copied out of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        SectionReader {
            src: Src::Temporary(data),
            pos: 0,
        }
    }

    /// A reader whose raw blobs are borrowed, not copied.
    pub fn new_static(data: &'static [u8]) -> SectionReader<'static> {
        SectionReader {
            src: Src::Static(data),
            pos: 0,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        match self.src {
            Src::Static(b) => b,
            Src::Temporary(b) => b,
        }
    }

    /// Decodes the next blob as a small postcard value (settings, calibration, scales).
    pub fn small<T: DeserializeOwned>(&mut self) -> Result<T, String> {
        let bytes = self.blob()?;
        match postcard::take_from_bytes(&bytes) {
            Ok((value, [])) => Ok(value),
            Ok((_, rest)) => Err(format!("{} bytes after a small value", rest.len())),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The raw bytes of the next blob: borrowed when stored raw in static
    /// data, owned otherwise.
    pub fn array(&mut self) -> Result<Cow<'static, [u8]>, String> {
        self.blob()
    }

    /// Errors unless every blob was read.
    pub fn finish(self) -> Result<(), String> {
        let left = self.bytes().len() - self.pos;
        if left == 0 {
            Ok(())
        } else {
            Err(format!("{left} unread bytes at the end of a section"))
        }
    }

    fn blob(&mut self) -> Result<Cow<'static, [u8]>, String> {
        let d = &self.bytes()[self.pos..];
        if d.len() < BLOB_HEADER {
            return Err("truncated section".into());
        }
        let (codec, width) = (d[0], d[1] as usize);
        let raw_len = read_u64(&d[2..10]);
        let stored_len = read_u64(&d[10..18]);
        if stored_len > (d.len() - BLOB_HEADER) as u64 {
            return Err("truncated blob".into());
        }
        let start = self.pos + BLOB_HEADER;
        let range = start..start + stored_len as usize;
        self.pos = range.end;
        match codec {
            RAW if raw_len == stored_len => Ok(match self.src {
                Src::Static(b) => Cow::Borrowed(&b[range]),
                Src::Temporary(b) => Cow::Owned(b[range].to_vec()),
            }),
            // LZ4 never expands more than 255-fold: refuse absurd sizes
            // before allocating.
            LZ4 if raw_len <= 255 * stored_len + 16 && width >= 1 => {
                let raw = lz4_flex::block::decompress(&self.bytes()[range], raw_len as usize)
                    .map_err(|e| e.to_string())?;
                if raw.len() as u64 != raw_len {
                    return Err("blob decompresses to the wrong size".into());
                }
                if width > 1 {
                    if !raw.len().is_multiple_of(width) {
                        return Err("shuffled blob of a wrong length".into());
                    }
                    Ok(Cow::Owned(unshuffle(&raw, width)))
                } else {
                    Ok(Cow::Owned(raw))
                }
            }
            _ => Err(format!("unknown blob encoding {codec}/{width}")),
        }
    }
}

fn read_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// A section's tag and blobs.
pub type Section<'a> = ([u8; 4], &'a [u8]);

/// The sections that follow the file header, in file order (no blob is
/// decoded).
pub fn read_sections(mut data: &[u8]) -> Result<Vec<Section<'_>>, String> {
    let mut out = Vec::new();
    while !data.is_empty() {
        if data.len() < 12 {
            return Err("truncated section header".into());
        }
        let mut tag = [0u8; 4];
        tag.copy_from_slice(&data[..4]);
        let len = read_u64(&data[4..12]);
        if len > (data.len() - 12) as u64 {
            return Err(format!(
                "section {} is truncated",
                String::from_utf8_lossy(&tag)
            ));
        }
        let (body, rest) = data[12..].split_at(len as usize);
        out.push((tag, body));
        data = rest;
    }
    Ok(out)
}

fn shuffle(bytes: &[u8], width: usize) -> Vec<u8> {
    let n = bytes.len() / width;
    let mut out = vec![0u8; bytes.len()];
    for (i, elem) in bytes.chunks_exact(width).enumerate() {
        for (k, &b) in elem.iter().enumerate() {
            out[k * n + i] = b;
        }
    }
    out
}

fn unshuffle(bytes: &[u8], width: usize) -> Vec<u8> {
    let n = bytes.len() / width;
    let mut out = vec![0u8; bytes.len()];
    for (k, plane) in bytes.chunks_exact(n.max(1)).enumerate().take(width) {
        for (i, &b) in plane.iter().enumerate() {
            out[i * width + k] = b;
        }
    }
    out
}

/// Little-endian bytes of `u32`s, delta-coded (each minus the previous):
/// sorted row indices become small numbers that compress well.
pub fn deltas_to_bytes(sorted: &[u32]) -> Vec<u8> {
    let mut prev = 0u32;
    let mut out = Vec::with_capacity(sorted.len() * 4);
    for &x in sorted {
        out.extend_from_slice(&x.wrapping_sub(prev).to_le_bytes());
        prev = x;
    }
    out
}

/// Inverse of [`deltas_to_bytes`]; errors unless the values strictly
/// increase (the first may be 0) and stay below `limit`.
pub fn sorted_from_delta_bytes(bytes: &[u8], limit: u32) -> Result<Vec<u32>, String> {
    if !bytes.len().is_multiple_of(4) {
        return Err("row list of a wrong length".into());
    }
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let mut prev = 0u32;
    for (k, c) in bytes.chunks_exact(4).enumerate() {
        let d = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        if k > 0 && d == 0 {
            return Err("row list not strictly increasing".into());
        }
        let x = prev
            .checked_add(d)
            .filter(|&x| x < limit)
            .ok_or("row outside its hash space")?;
        out.push(x);
        prev = x;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_refusals() {
        let mut out = Vec::new();
        write_header(&mut out, b"RHETORXX", 7).unwrap();
        out.extend(b"body");
        assert_eq!(read_header(&out, b"RHETORXX"), Some((7, &b"body"[..])));
        assert_eq!(read_header(&out, b"RHETORYY"), None);
        assert_eq!(read_header(&out[..11], b"RHETORXX"), None);
    }

    #[test]
    fn blobs_round_trip_whatever_their_codec() {
        let small: Vec<u16> = (0..5000).map(|i| (i % 7) as u16).collect();
        let small_bytes: Vec<u8> = small.iter().flat_map(|x| x.to_le_bytes()).collect();
        let noise: Vec<u8> = {
            let mut r = crate::hashing::Rng::new(9);
            (0..4000).map(|_| r.next_u64() as u8).collect()
        };
        let mut w = SectionWriter::default();
        w.small(&("settings", 3u32)).unwrap();
        w.array(&small_bytes[..], 2);
        w.array(&noise[..], 1);
        w.array(&[][..], 4);
        let data = w.into_bytes();
        assert!(
            data.len() < small_bytes.len(),
            "repetitive data is compressed"
        );
        let mut r = SectionReader::new(&data);
        assert_eq!(r.small::<(String, u32)>().unwrap(), ("settings".into(), 3));
        assert_eq!(&*r.array().unwrap(), &small_bytes[..]);
        assert_eq!(&*r.array().unwrap(), &noise[..]);
        assert!(r.array().unwrap().is_empty());
        r.finish().unwrap();
        // From static data, raw blobs are used in place.
        let data: &'static [u8] = Box::leak(data.into_boxed_slice());
        let mut r = SectionReader::new_static(data);
        r.small::<(String, u32)>().unwrap();
        assert!(matches!(r.array().unwrap(), Cow::Owned(_)));
        let n = r.array().unwrap();
        assert!(
            matches!(n, Cow::Borrowed(_)),
            "incompressible data is stored raw"
        );
        assert_eq!(&*n, &noise[..]);
    }

    #[test]
    fn corrupt_sections_are_errors_not_panics() {
        let mut w = SectionWriter::default();
        w.array(vec![1u8; 1000], 1);
        let data = w.into_bytes();
        for cut in [0, 5, BLOB_HEADER, data.len() - 1] {
            assert!(SectionReader::new(&data[..cut]).array().is_err());
        }
        let mut bad = data.clone();
        bad[2..10].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(SectionReader::new(&bad).array().is_err());
        let mut file = Vec::new();
        let mut w = SectionWriter::default();
        w.array(vec![1u8; 1000], 1);
        w.write_to(*b"ABCD", &mut file).unwrap();
        assert!(read_sections(&file[..file.len() - 1]).is_err());
        assert_eq!(read_sections(&file).unwrap()[0].0, *b"ABCD");
    }

    #[test]
    fn row_deltas_round_trip_and_are_checked() {
        let rows = vec![0, 3, 4, 1000, 65_000];
        let b = deltas_to_bytes(&rows);
        assert_eq!(sorted_from_delta_bytes(&b, 65_536).unwrap(), rows);
        assert!(sorted_from_delta_bytes(&b, 65_000).is_err());
        assert!(sorted_from_delta_bytes(&deltas_to_bytes(&[2, 2]), 10).is_err());
    }
}
