//! The encoder's weights in memory, whichever file layout they came from.
//!
//! Dense layer matrices are kept as f32 (row-major `[out][in]`, the layout
//! both file formats use), because the f32 GEMM is what runs fast here; the
//! 250k-row word table stays in 4-bit blocks when it arrives that way, since
//! only the rows of a batch's tokens are ever read (96M weights: 54 MB as
//! Q4_0, 384 MB as f32).

/// Shape of a BERT encoder.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Width of the hidden states (384 for e5-small).
    pub hidden: usize,
    /// Transformer blocks.
    pub layers: usize,
    /// Attention heads per block.
    pub heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate: usize,
    /// Vocabulary size (rows of the token table).
    pub vocab: usize,
    /// Longest input, in tokens (rows of the position table).
    pub max_positions: usize,
    /// LayerNorm's epsilon.
    pub eps: f32,
}

impl Config {
    /// Checks that the shape is one the forward pass can run.
    pub fn validate(&self) -> Result<(), String> {
        if self.hidden == 0 || self.heads == 0 || !self.hidden.is_multiple_of(self.heads) {
            return Err(format!(
                "hidden size {} is not a multiple of {} heads",
                self.hidden, self.heads
            ));
        }
        if self.layers == 0 || self.intermediate == 0 || self.vocab == 0 {
            return Err("zero layers, intermediate size or vocabulary".into());
        }
        if self.max_positions < 3 {
            return Err(format!(
                "{} positions leave no room for text",
                self.max_positions
            ));
        }
        Ok(())
    }
}

/// `y = x · Wᵀ + b` with `W` stored `[out][inp]`.
#[derive(Debug, Clone)]
pub struct Linear {
    /// `out × inp` weights, row by output.
    pub weight: Vec<f32>,
    /// One bias per output.
    pub bias: Vec<f32>,
    /// Output width.
    pub out: usize,
    /// Input width.
    pub inp: usize,
}

impl Linear {
    /// A layer from its tensors, refused when their sizes do not match `out × inp`.
    pub fn new(weight: Vec<f32>, bias: Vec<f32>, out: usize, inp: usize) -> Result<Self, String> {
        if weight.len() != out * inp || bias.len() != out {
            return Err(format!(
                "linear layer {out}x{inp}: got {} weights and {} biases",
                weight.len(),
                bias.len()
            ));
        }
        Ok(Linear {
            weight,
            bias,
            out,
            inp,
        })
    }
}

/// LayerNorm's scale and shift.
#[derive(Debug, Clone)]
pub struct Norm {
    /// Per-feature scale.
    pub weight: Vec<f32>,
    /// Per-feature shift.
    pub bias: Vec<f32>,
}

/// One transformer block.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Attention query projection.
    pub query: Linear,
    /// Attention key projection.
    pub key: Linear,
    /// Attention value projection.
    pub value: Linear,
    /// Attention output projection.
    pub attn_out: Linear,
    /// LayerNorm after attention and its residual.
    pub attn_norm: Norm,
    /// Feed-forward expansion.
    pub ffn_in: Linear,
    /// Feed-forward contraction.
    pub ffn_out: Linear,
    /// LayerNorm after the feed-forward layer and its residual.
    pub out_norm: Norm,
}

impl Layer {
    /// Frees the dense layers' f32 weights (biases stay) once int8 copies
    /// of them exist; the f32 forward pass must not run on this layer after.
    pub fn release_dense_weights(&mut self) {
        for l in [
            &mut self.query,
            &mut self.key,
            &mut self.value,
            &mut self.attn_out,
            &mut self.ffn_in,
            &mut self.ffn_out,
        ] {
            l.weight = Vec::new();
        }
    }
}

/// Number of weights in one Q4_0 block.
pub const Q4_BLOCK: usize = 32;
/// Bytes of one Q4_0 block: an f16 scale, then 16 bytes of nibbles.
pub const Q4_BLOCK_BYTES: usize = 18;

/// Expands Q4_0 blocks into f32: byte `j` of a block holds weight `j` in its
/// low nibble and weight `j + 16` in its high nibble, both offset by 8 and
/// multiplied by the block's scale.
pub fn dequantize_q4(blocks: &[u8], out: &mut [f32]) {
    debug_assert_eq!(blocks.len() / Q4_BLOCK_BYTES * Q4_BLOCK, out.len());
    for (b, o) in blocks
        .chunks_exact(Q4_BLOCK_BYTES)
        .zip(out.chunks_exact_mut(Q4_BLOCK))
    {
        let d = half::f16::from_le_bytes([b[0], b[1]]).to_f32();
        for (j, &q) in b[2..].iter().enumerate() {
            o[j] = ((q & 0x0F) as i32 - 8) as f32 * d;
            o[j + 16] = ((q >> 4) as i32 - 8) as f32 * d;
        }
    }
}

/// The token embedding table.
#[derive(Debug, Clone)]
pub enum WordTable {
    /// Q4_0 blocks, `hidden / 32` blocks per row.
    Q4 {
        /// Every row's blocks, row after row.
        blocks: Vec<u8>,
        /// Floats per row.
        hidden: usize,
    },
    /// Plain f32 rows (from safetensors).
    F32 {
        /// Every row's floats, row after row.
        rows: Vec<f32>,
        /// Floats per row.
        hidden: usize,
    },
}

impl WordTable {
    /// Rows in the table (the vocabulary size).
    pub fn rows(&self) -> usize {
        match self {
            WordTable::Q4 { blocks, hidden } => blocks.len() / (hidden / Q4_BLOCK * Q4_BLOCK_BYTES),
            WordTable::F32 { rows, hidden } => rows.len() / hidden,
        }
    }

    /// Writes row `id` into `out` (`hidden` floats).
    pub fn row(&self, id: usize, out: &mut [f32]) {
        match self {
            WordTable::Q4 { blocks, hidden } => {
                let bytes = hidden / Q4_BLOCK * Q4_BLOCK_BYTES;
                dequantize_q4(&blocks[id * bytes..(id + 1) * bytes], out);
            }
            WordTable::F32 { rows, hidden } => {
                out.copy_from_slice(&rows[id * hidden..(id + 1) * hidden])
            }
        }
    }
}

/// Everything the forward pass reads.
#[derive(Debug, Clone)]
pub struct BertWeights {
    /// The encoder's shape.
    pub config: Config,
    /// The token embedding table.
    pub word: WordTable,
    /// `[max_positions][hidden]`.
    pub position: Vec<f32>,
    /// Row 0 of the token-type table: every token is of type 0.
    pub token_type: Vec<f32>,
    /// LayerNorm of the summed embeddings.
    pub embed_norm: Norm,
    /// The transformer blocks, in order.
    pub layers: Vec<Layer>,
}

impl BertWeights {
    /// Checks every tensor's size against the config.
    pub fn validate(&self) -> Result<(), String> {
        let c = &self.config;
        c.validate()?;
        let h = c.hidden;
        if self.word.rows() != c.vocab {
            return Err(format!(
                "word table has {} rows, config says {}",
                self.word.rows(),
                c.vocab
            ));
        }
        if self.position.len() != c.max_positions * h || self.token_type.len() != h {
            return Err("position or token-type table has the wrong size".into());
        }
        if self.layers.len() != c.layers {
            return Err(format!(
                "{} layers, config says {}",
                self.layers.len(),
                c.layers
            ));
        }
        let norms = std::iter::once(&self.embed_norm)
            .chain(self.layers.iter().flat_map(|l| [&l.attn_norm, &l.out_norm]));
        for n in norms {
            if n.weight.len() != h || n.bias.len() != h {
                return Err("a LayerNorm has the wrong size".into());
            }
        }
        for l in &self.layers {
            let shapes = [
                (&l.query, h, h),
                (&l.key, h, h),
                (&l.value, h, h),
                (&l.attn_out, h, h),
                (&l.ffn_in, c.intermediate, h),
                (&l.ffn_out, h, c.intermediate),
            ];
            for (lin, out, inp) in shapes {
                if lin.out != out || lin.inp != inp {
                    return Err(format!(
                        "a {}x{} layer where {out}x{inp} was expected",
                        lin.out, lin.inp
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q4_block_layout() {
        // scale 0.5; byte j = (low nibble j%16, high nibble 15 - j%16)
        let mut block = half::f16::from_f32(0.5).to_le_bytes().to_vec();
        for j in 0..16u8 {
            block.push(j | ((15 - j) << 4));
        }
        let mut out = [0f32; 32];
        dequantize_q4(&block, &mut out);
        for j in 0..16 {
            assert_eq!(out[j], (j as f32 - 8.0) * 0.5);
            assert_eq!(out[j + 16], ((15 - j) as f32 - 8.0) * 0.5);
        }
    }
}
