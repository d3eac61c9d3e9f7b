//! The BERT forward pass over a batch of token sequences.
//!
//! The tokens of every sequence in a batch are stacked into one `[T, H]`
//! activation matrix, so each dense layer is one GEMM that streams its
//! weights once per batch; attention runs per sequence, so sequences never
//! see each other and no padding or mask is needed.

use crate::qgemm::{self, QLayer, QLinear, Scratch};
use crate::weights::{BertWeights, Linear, Norm};

/// `c[m, n] = scale · a[m, k] · b[k, n] (+ c when accumulate)`, each matrix
/// given by a pointer and its row and column strides.
///
/// # Safety
/// Every strided index of the three matrices must lie in its allocation.
#[allow(clippy::too_many_arguments)]
unsafe fn matmul(
    m: usize,
    k: usize,
    n: usize,
    scale: f32,
    a: (*const f32, isize, isize),
    b: (*const f32, isize, isize),
    accumulate: bool,
    c: (*mut f32, isize, isize),
) {
    gemm::gemm(
        m,
        n,
        k,
        c.0,
        c.2,
        c.1,
        accumulate,
        a.0,
        a.2,
        a.1,
        b.0,
        b.2,
        b.1,
        1.0,
        scale,
        false,
        false,
        false,
        gemm::Parallelism::None,
    )
}

/// `y[t, out] = x[t, inp] · Wᵀ + b`.
fn linear(x: &[f32], t: usize, l: &Linear, y: &mut [f32]) {
    // Checked in release builds too: the unsafe GEMM below relies on it.
    assert!(x.len() >= t * l.inp && y.len() >= t * l.out);
    assert_eq!(
        l.weight.len(),
        l.out * l.inp,
        "f32 weights released but no int8 copy given"
    );
    for row in y[..t * l.out].chunks_exact_mut(l.out) {
        row.copy_from_slice(&l.bias);
    }
    // SAFETY: the strides describe x as [t][inp], W (stored [out][inp]) as
    // its transpose [inp][out], and y as [t][out]; the asserts above
    // guarantee every index lies inside its slice.
    unsafe {
        matmul(
            t,
            l.inp,
            l.out,
            1.0,
            (x.as_ptr(), l.inp as isize, 1),
            (l.weight.as_ptr(), 1, l.inp as isize),
            true,
            (y.as_mut_ptr(), l.out as isize, 1),
        );
    }
}

/// `x = LayerNorm(x + y)` row by row (or `LayerNorm(x)` without `y`).
fn add_norm(x: &mut [f32], y: Option<&[f32]>, n: &Norm, h: usize, eps: f32) {
    for (r, row) in x.chunks_exact_mut(h).enumerate() {
        if let Some(y) = y {
            for (a, b) in row.iter_mut().zip(&y[r * h..(r + 1) * h]) {
                *a += b;
            }
        }
        let mean = row.iter().sum::<f32>() / h as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, w), b) in row.iter_mut().zip(&n.weight).zip(&n.bias) {
            *v = (*v - mean) * inv * w + b;
        }
    }
}

/// `e^x` to about 2e-7 relative error, written without branches or calls
/// so loops over it vectorise (libm's `expf` and `erff` took a third of the
/// forward pass).
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that k·ln2 is exact to f32 precision.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer.
    const ROUND: f32 = 12_582_912.0;
    // max/min rather than clamp: they drop a NaN (from a user's weights or
    // an overflow upstream), which then gives e^-87 ≈ 0 instead of reaching
    // the unchecked conversion below. Same result as clamp for any number.
    #[allow(clippy::manual_clamp)] // clamp would keep the NaN
    let x = x.max(-87.0).min(88.0);
    let k = (x * LOG2E + ROUND) - ROUND;
    let r = x - k * LN2_HI - k * LN2_LO;
    // Taylor series of e^r on |r| ≤ ln2/2.
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r / 5040.0))))));
    // SAFETY: x is a number in [-87, 88] (NaN and infinities included, see
    // above), so k is an integer in [-126, 127] and the conversion cannot
    // overflow (the checked `as` kept this loop from vectorising).
    let k: i32 = unsafe { k.to_int_unchecked() };
    p * f32::from_bits(((k + 127) as u32) << 23)
}

/// The error function to about 1e-6 absolute error in f32 (Abramowitz and Stegun
/// 7.1.26).
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * fast_exp(-a * a);
    y.copysign(x)
}

/// GELU with the error function, as BERT defines it.
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// True when the CPU has AVX2 and FMA, for which the element-wise loops
/// below are compiled a second time: the baseline x86-64 target vectorises
/// them only 4 wide, without FMA, and not at all where rounding is needed.
#[cfg(target_arch = "x86_64")]
fn wide_cpu() -> bool {
    static WIDE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WIDE.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    })
}

/// Runs `$body` (a block over the given arguments) compiled for AVX2+FMA
/// when the CPU has them, else for the baseline target.
macro_rules! wide {
    (fn $name:ident($($arg:ident: $ty:ty),*) $body:block) => {
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn wide($($arg: $ty),*) $body
                if wide_cpu() {
                    // SAFETY: wide_cpu() checked the features.
                    return unsafe { wide($($arg),*) };
                }
            }
            $body
        }
    };
}

wide! {
    fn gelu_all(xs: &mut [f32]) {
        xs.iter_mut().for_each(|m| *m = gelu(*m));
    }
}

wide! {
    fn softmax_rows(scores: &mut [f32], l: usize) {
        for row in scores.chunks_exact_mut(l) {
            softmax(row);
        }
    }
}

/// Sums `xs` in 8 lanes, which vectorises (a plain f32 sum cannot be
/// reordered, so it would stay scalar).
#[inline(always)]
fn lane_sum(xs: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = xs.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    acc.iter().sum::<f32>() + rest
}

#[inline(always)]
fn lane_max(xs: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks
        .remainder()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = a.max(v);
        }
    }
    acc.iter().fold(rest, |m, &v| m.max(v))
}

/// In-place softmax of one row.
#[inline(always)]
fn softmax(row: &mut [f32]) {
    let max = lane_max(row);
    row.iter_mut().for_each(|s| *s = fast_exp(*s - max));
    let inv = 1.0 / lane_sum(row);
    row.iter_mut().for_each(|s| *s *= inv);
}

/// One dense layer through the int8 kernel when its copy exists.
fn dense(x: &[f32], t: usize, l: &Linear, q: Option<&QLinear>, y: &mut [f32], s: &mut Scratch) {
    match q {
        Some(q) => qgemm::linear(x, t, q, y, s),
        None => linear(x, t, l, y),
    }
}

/// Runs the encoder over `seqs` (token ids, specials included, each at most
/// `max_positions` long) and returns each sequence's mean-pooled final
/// hidden state (not normalised), `hidden` floats per sequence.
/// `int8` holds each layer's int8 copy (see [`qgemm`]) or is empty.
pub fn forward(w: &BertWeights, int8: &[QLayer], seqs: &[&[u32]]) -> Vec<Vec<f32>> {
    let h = w.config.hidden;
    let t: usize = seqs.iter().map(|s| s.len()).sum();
    if t == 0 {
        return vec![vec![0.0; h]; seqs.len()];
    }
    let (x, bounds) = hidden_states(w, int8, seqs);
    bounds
        .iter()
        .map(|&(a, b)| mean_rows(&x, a, b, h))
        .collect()
}

/// The mean of rows `a..b` (of `h` floats) of `x`: a sequence's pooled state.
pub fn mean_rows(x: &[f32], a: usize, b: usize, h: usize) -> Vec<f32> {
    let mut pooled = vec![0f32; h];
    if b <= a {
        return pooled;
    }
    for row in x[a * h..b * h].chunks_exact(h) {
        for (p, v) in pooled.iter_mut().zip(row) {
            *p += v;
        }
    }
    let inv = 1.0 / (b - a) as f32;
    pooled.iter_mut().for_each(|p| *p *= inv);
    pooled
}

/// Runs the encoder over `seqs` like [`forward`] and returns every token's
/// final hidden state (the 12th layer's, `hidden` floats per token, the
/// sequences one after the other) with each sequence's token range in it:
/// what [`forward`] pools, and what the accurate model's span tagger reads.
pub fn hidden_states(
    w: &BertWeights,
    int8: &[QLayer],
    seqs: &[&[u32]],
) -> (Vec<f32>, Vec<(usize, usize)>) {
    hidden_states_to(w, int8, seqs, w.layers.len())
}

/// [`hidden_states`] after only the first `layers` transformer blocks (the
/// embeddings' LayerNorm output when 0): the frozen part whose states the
/// fine-tuning experiment caches (`bench/finetune`).
pub fn hidden_states_to(
    w: &BertWeights,
    int8: &[QLayer],
    seqs: &[&[u32]],
    layers: usize,
) -> (Vec<f32>, Vec<(usize, usize)>) {
    let c = &w.config;
    let (h, ff, nh) = (c.hidden, c.intermediate, c.heads);
    let hd = h / nh;
    let t: usize = seqs.iter().map(|s| s.len()).sum();
    if t == 0 {
        return (Vec::new(), vec![(0, 0); seqs.len()]);
    }
    let mut bounds = Vec::with_capacity(seqs.len());
    let mut x = vec![0f32; t * h];
    let mut start = 0;
    for s in seqs {
        debug_assert!(s.len() <= c.max_positions);
        for (p, &id) in s.iter().enumerate() {
            let row = &mut x[(start + p) * h..(start + p + 1) * h];
            let id = (id as usize).min(c.vocab - 1);
            w.word.row(id, row);
            for ((v, pe), te) in row
                .iter_mut()
                .zip(&w.position[p * h..(p + 1) * h])
                .zip(&w.token_type)
            {
                *v += pe + te;
            }
        }
        bounds.push((start, start + s.len()));
        start += s.len();
    }
    add_norm(&mut x, None, &w.embed_norm, h, c.eps);

    let longest = seqs.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut q = vec![0f32; t * h];
    let mut k = vec![0f32; t * h];
    let mut v = vec![0f32; t * h];
    let mut ctx = vec![0f32; t * h];
    let mut tmp = vec![0f32; t * h];
    let mut mid = vec![0f32; t * ff];
    let mut scores = vec![0f32; longest * longest];
    let scale = 1.0 / (hd as f32).sqrt();
    let mut scratch = Scratch::default();
    for (i, layer) in w.layers.iter().enumerate().take(layers) {
        let ql = int8.get(i);
        let s = &mut scratch;
        dense(&x, t, &layer.query, ql.map(|l| &l.query), &mut q, s);
        dense(&x, t, &layer.key, ql.map(|l| &l.key), &mut k, s);
        dense(&x, t, &layer.value, ql.map(|l| &l.value), &mut v, s);
        for &(a, b) in &bounds {
            let l = b - a;
            for head in 0..nh {
                let off = a * h + head * hd;
                // SAFETY: rows a..b of q/k/v/ctx with columns
                // head*hd..(head+1)*hd, at row stride h, lie inside the
                // [t][h] buffers; scores holds l*l ≤ longest² floats.
                unsafe {
                    matmul(
                        l,
                        hd,
                        l,
                        scale,
                        (q.as_ptr().add(off), h as isize, 1),
                        (k.as_ptr().add(off), 1, h as isize),
                        false,
                        (scores.as_mut_ptr(), l as isize, 1),
                    );
                }
                softmax_rows(&mut scores[..l * l], l);
                // SAFETY: as above.
                unsafe {
                    matmul(
                        l,
                        l,
                        hd,
                        1.0,
                        (scores.as_ptr(), l as isize, 1),
                        (v.as_ptr().add(off), h as isize, 1),
                        false,
                        (ctx.as_mut_ptr().add(off), h as isize, 1),
                    );
                }
            }
        }
        let s = &mut scratch;
        dense(
            &ctx,
            t,
            &layer.attn_out,
            ql.map(|l| &l.attn_out),
            &mut tmp,
            s,
        );
        add_norm(&mut x, Some(&tmp), &layer.attn_norm, h, c.eps);
        dense(&x, t, &layer.ffn_in, ql.map(|l| &l.ffn_in), &mut mid, s);
        gelu_all(&mut mid);
        dense(&mid, t, &layer.ffn_out, ql.map(|l| &l.ffn_out), &mut tmp, s);
        add_norm(&mut x, Some(&tmp), &layer.out_norm, h, c.eps);
    }
    (x, bounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_and_erf_are_accurate() {
        let mut x = -20.0f32;
        while x < 20.0 {
            let e = fast_exp(x);
            assert!(((e - x.exp()) / x.exp()).abs() < 1e-6, "exp({x}) = {e}");
            assert!(
                (erf(x) - libm::erff(x)).abs() < 1e-6,
                "erf({x}) = {}",
                erf(x)
            );
            x += 0.0137;
        }
        assert!(fast_exp(-200.0) < 1e-37);
    }

    #[test]
    fn fast_exp_is_defined_for_nan_and_infinities() {
        // These used to reach to_int_unchecked as NaN: undefined behaviour.
        for x in [
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
        ] {
            let e = fast_exp(x);
            assert!(e.is_finite() && e >= 0.0, "exp({x}) = {e}");
        }
        assert!(fast_exp(f32::NAN) < 1e-37);
        assert!(fast_exp(f32::INFINITY) > 1e38);
    }

    #[test]
    fn gelu_matches_known_values() {
        assert!((gelu(0.0)).abs() < 1e-7);
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-5);
        assert!((gelu(-1.0) + 0.158_655_3).abs() < 1e-5);
    }

    #[test]
    fn linear_is_x_times_w_transposed_plus_bias() {
        // W = [[1,2],[3,4],[5,6]] (3 out, 2 in), b = [1,0,-1]
        let l = Linear::new(vec![1., 2., 3., 4., 5., 6.], vec![1., 0., -1.], 3, 2).unwrap();
        let x = [1., 1., 2., 0.];
        let mut y = [0f32; 6];
        linear(&x, 2, &l, &mut y);
        assert_eq!(y, [4., 7., 10., 3., 6., 9.]);
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let n = Norm {
            weight: vec![1.0; 4],
            bias: vec![0.5; 4],
        };
        let mut x = vec![1., 2., 3., 4.];
        add_norm(&mut x, None, &n, 4, 1e-12);
        let mean: f32 = x.iter().sum::<f32>() / 4.0;
        assert!((mean - 0.5).abs() < 1e-6);
        let var: f32 = x.iter().map(|v| (v - 0.5) * (v - 0.5)).sum::<f32>() / 4.0;
        assert!((var - 1.0).abs() < 1e-4);
    }

    #[test]
    fn linear_refuses_short_buffers_instead_of_reading_past_them() {
        let l = Linear::new(vec![1.0; 6], vec![0.0; 3], 3, 2).unwrap();
        let run = |x_len: usize, y_len: usize| {
            let l = l.clone();
            std::panic::catch_unwind(move || {
                linear(&vec![1.0; x_len], 2, &l, &mut vec![0.0; y_len])
            })
        };
        assert!(run(4, 6).is_ok());
        assert!(run(3, 6).is_err(), "x holds 1.5 rows of 2");
        assert!(run(4, 5).is_err(), "y holds 1.67 rows of 3");
        // Released dense weights (the int8 copy in use) are refused too.
        let mut gone = l.clone();
        gone.weight.clear();
        let r = std::panic::catch_unwind(move || linear(&[1.0; 4], 2, &gone, &mut [0.0; 6]));
        assert!(r.is_err());
    }

    /// A tiny encoder (hidden 8, 2 heads, 1 layer) with deterministic
    /// weights, small enough for Miri to run the whole forward pass.
    fn tiny() -> BertWeights {
        use crate::weights::{Config, Layer, WordTable};
        let (h, ff, vocab, positions) = (8, 16, 6, 5);
        let mut seed = 7u32;
        let mut rnd = move |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
                })
                .collect()
        };
        let mut lin =
            |out: usize, inp: usize| Linear::new(rnd(out * inp), rnd(out), out, inp).unwrap();
        let norm = || Norm {
            weight: vec![1.0; 8],
            bias: vec![0.0; 8],
        };
        let layer = Layer {
            query: lin(h, h),
            key: lin(h, h),
            value: lin(h, h),
            attn_out: lin(h, h),
            attn_norm: norm(),
            ffn_in: lin(ff, h),
            ffn_out: lin(h, ff),
            out_norm: norm(),
        };
        let w = BertWeights {
            config: Config {
                hidden: h,
                layers: 1,
                heads: 2,
                intermediate: ff,
                vocab,
                max_positions: positions,
                eps: 1e-12,
            },
            word: WordTable::F32 {
                rows: rnd(vocab * h),
                hidden: h,
            },
            position: rnd(positions * h),
            token_type: rnd(h),
            embed_norm: norm(),
            layers: vec![layer],
        };
        w.validate().unwrap();
        w
    }

    #[test]
    fn hidden_states_to_stops_after_the_blocks_asked_for() {
        // All blocks: the same bits as the full pass; none: the embeddings'
        // LayerNorm output, rows of mean 0 (norm weights 1, biases 0).
        let w = tiny();
        let seqs: [&[u32]; 2] = [&[1, 2, 3], &[4, 0]];
        let full = hidden_states(&w, &[], &seqs);
        assert_eq!(hidden_states_to(&w, &[], &seqs, w.layers.len()), full);
        let (x0, bounds) = hidden_states_to(&w, &[], &seqs, 0);
        assert_eq!(bounds, full.1);
        assert_ne!(x0, full.0);
        for row in x0.chunks_exact(8) {
            assert!(row.iter().sum::<f32>().abs() < 1e-5);
        }
    }

    #[test]
    fn sequences_of_a_batch_never_see_each_other() {
        // The attention GEMMs run through raw pointers over each sequence's
        // rows of the stacked [T, H] buffers: a batch must give each
        // sequence exactly what it gives alone.
        let w = tiny();
        let seqs: [&[u32]; 3] = [&[1, 2, 3, 4], &[5], &[0, 9, 2]];
        let batch = forward(&w, &[], &seqs);
        assert_eq!(batch.len(), 3);
        for (s, b) in seqs.iter().zip(&batch) {
            let alone = forward(&w, &[], &[s]);
            assert_eq!(b.len(), 8);
            assert!(b.iter().all(|v| v.is_finite()));
            for (x, y) in b.iter().zip(&alone[0]) {
                assert!((x - y).abs() < 1e-5, "{b:?} vs {alone:?}");
            }
        }
        assert_ne!(batch[0], batch[2]);
    }
}
