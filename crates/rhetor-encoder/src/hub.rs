//! Reader for the layout users download from a model hub: `config.json`
//! plus `model.safetensors` with BERT's tensor names (optionally under a
//! `bert.` prefix), in f32, f16 or bf16.

use crate::weights::{BertWeights, Config, Layer, Linear, Norm, WordTable};
use safetensors::{Dtype, SafeTensors};
use serde::Deserialize;

#[derive(Deserialize)]
struct HubConfig {
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    vocab_size: usize,
    max_position_embeddings: usize,
    #[serde(default = "default_eps")]
    layer_norm_eps: f32,
    #[serde(default)]
    hidden_act: Option<String>,
}

fn default_eps() -> f32 {
    1e-12
}

/// Parses `config.json`.
pub fn parse_config(json: &str) -> Result<Config, String> {
    let c: HubConfig = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if let Some(act) = c.hidden_act.as_deref() {
        if act != "gelu" {
            return Err(format!("activation {act:?}: only \"gelu\" is supported"));
        }
    }
    let config = Config {
        hidden: c.hidden_size,
        layers: c.num_hidden_layers,
        heads: c.num_attention_heads,
        intermediate: c.intermediate_size,
        vocab: c.vocab_size,
        max_positions: c.max_position_embeddings,
        eps: c.layer_norm_eps,
    };
    config.validate()?;
    Ok(config)
}

/// Builds weights from a parsed config and the bytes of `model.safetensors`.
pub fn parse(config: Config, bytes: &[u8]) -> Result<BertWeights, String> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    let prefix = if st.tensor("bert.embeddings.word_embeddings.weight").is_ok() {
        "bert."
    } else {
        ""
    };
    let tensor = |name: &str, shape: &[usize]| -> Result<Vec<f32>, String> {
        let full = format!("{prefix}{name}");
        let t = st
            .tensor(&full)
            .map_err(|_| format!("missing tensor {full}"))?;
        if t.shape() != shape {
            return Err(format!(
                "tensor {full} has shape {:?}, expected {shape:?}",
                t.shape()
            ));
        }
        let data = t.data();
        let out: Vec<f32> = match t.dtype() {
            Dtype::F32 => data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Dtype::F16 => data
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            Dtype::BF16 => data
                .chunks_exact(2)
                .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            d => return Err(format!("tensor {full}: dtype {d:?} is not supported")),
        };
        Ok(out)
    };
    // Older checkpoints name LayerNorm parameters gamma/beta.
    let norm = |name: &str, h: usize| -> Result<Norm, String> {
        let get = |a: &str, b: &str| {
            tensor(&format!("{name}.{a}"), &[h]).or_else(|_| tensor(&format!("{name}.{b}"), &[h]))
        };
        Ok(Norm {
            weight: get("weight", "gamma")?,
            bias: get("bias", "beta")?,
        })
    };
    let linear = |name: &str, out: usize, inp: usize| -> Result<Linear, String> {
        Linear::new(
            tensor(&format!("{name}.weight"), &[out, inp])?,
            tensor(&format!("{name}.bias"), &[out])?,
            out,
            inp,
        )
    };
    let (h, ff) = (config.hidden, config.intermediate);
    let mut layers = Vec::with_capacity(config.layers);
    for i in 0..config.layers {
        let p = format!("encoder.layer.{i}");
        layers.push(Layer {
            query: linear(&format!("{p}.attention.self.query"), h, h)?,
            key: linear(&format!("{p}.attention.self.key"), h, h)?,
            value: linear(&format!("{p}.attention.self.value"), h, h)?,
            attn_out: linear(&format!("{p}.attention.output.dense"), h, h)?,
            attn_norm: norm(&format!("{p}.attention.output.LayerNorm"), h)?,
            ffn_in: linear(&format!("{p}.intermediate.dense"), ff, h)?,
            ffn_out: linear(&format!("{p}.output.dense"), h, ff)?,
            out_norm: norm(&format!("{p}.output.LayerNorm"), h)?,
        });
    }
    let type_table = {
        let full = format!("{prefix}embeddings.token_type_embeddings.weight");
        let rows = st
            .tensor(&full)
            .map_err(|_| format!("missing tensor {full}"))?
            .shape()
            .first()
            .copied()
            .unwrap_or(0);
        tensor("embeddings.token_type_embeddings.weight", &[rows, h])?
    };
    if type_table.len() < h {
        return Err("empty token-type table".into());
    }
    let weights = BertWeights {
        word: WordTable::F32 {
            rows: tensor("embeddings.word_embeddings.weight", &[config.vocab, h])?,
            hidden: h,
        },
        position: tensor(
            "embeddings.position_embeddings.weight",
            &[config.max_positions, h],
        )?,
        token_type: type_table[..h].to_vec(),
        embed_norm: norm("embeddings.LayerNorm", h)?,
        layers,
        config,
    };
    weights.validate()?;
    Ok(weights)
}
