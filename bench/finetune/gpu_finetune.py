"""Fine-tuning the whole of multilingual-e5-small (all 12 layers; the
embedding tables frozen) for techniques, frames and genre, measured against
the frozen encoder on the same folds (issue 15 item 4; docs/evaluation.md,
"Fine-tuning the whole encoder on a GPU"). Written for one GPU, and runs on
a CPU (slowly) for the small smoke test (`--limit`).

Reads the folder `gpu_pack.py` writes (token ids of every window, the
encoder's weights, labels, the 5-fold assignment of `rhetor train --cv 5`,
each article's language) and, for each held-out group of articles (the five
folds of `--cv 5`, then each language left out):

1. the frozen encoder's window means over every window, and the embedding
   heads of `finetune.py` fitted on the training articles (the *frozen* arm);
2. all 12 layers and those heads fine-tuned jointly (AdamW with warm-up and
   linear decay, weight decay on the layers' matrices, gradients clipped at
   norm 1), techniques + frames + genre losses summed, length-bucketed
   batches; an article's other paragraphs come from a buffer of their latest
   window means (no gradient through them), as in `finetune.py`;
3. the tuned encoder's window means, scored by the jointly trained heads
   (*tuned*) and by heads refitted as in step 1 (*tuned-refit*).

Writes to OUT: `results.json` (settings, times, the check, per-group sizes)
and `oof.npz`: every arm's held-out probabilities (techniques per paragraph,
frames and genre per article) for the `cv5` and `lolo` schemes, which
`gpu_score.py` turns into F1 with thresholds chosen out of fold. With
`--full`, also the encoder tuned on every article, its layers in Q4_0 blocks
as the shipped file holds them (`tuned-q4.npz`).

Usage: python3 gpu_finetune.py PACK OUT [--epochs 3] [--limit N] [--schemes cv5,lolo] [--full]
"""

import argparse
import json
import os
import sys
import time

import numpy as np

import jax
import jax.numpy as jnp
import optax

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import finetune as ft  # noqa: E402  (the heads, pooling and block, shared)

BUCKETS = [64, 128, 256, 512]
LAYER_NAMES = {"q": "query", "k": "key", "v": "value", "ao": "attn_out", "fi": "ffn_in", "fo": "ffn_out"}
NORM_NAMES = {"aln": "attn_norm", "oln": "out_norm"}


def dequant_q4(raw):
    """Q4_0 blocks (an f16 scale, then 16 bytes: weight j in the low nibble
    of byte j, weight j + 16 in the high one, both offset by 8) to f32."""
    blocks = raw.reshape(-1, 18)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)
    q = blocks[:, 2:]
    lo = (q & 0x0F).astype(np.int32) - 8
    hi = (q >> 4).astype(np.int32) - 8
    return (np.concatenate([lo, hi], axis=1).astype(np.float32) * d).reshape(-1)


def quant_q4(w):
    """f32 to Q4_0 blocks as the shipped file holds them (the scale is the
    block's value of largest magnitude over −8, as ggml's Q4_0 does)."""
    x = w.reshape(-1, 32).astype(np.float32)
    idx = np.abs(x).argmax(1)
    m = x[np.arange(len(x)), idx]
    d = (m / -8.0).astype(np.float16)
    inv = np.where(d != 0, 1.0 / d.astype(np.float32), 0.0)
    q = np.clip(np.floor(x * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    return np.concatenate([d.view(np.uint8).reshape(-1, 2), packed], axis=1).reshape(-1)


def load(pack):
    z = np.load(os.path.join(pack, "weights.npz"))
    config = json.loads(str(z["config"]))
    h, inter = config["hidden"], config["intermediate"]

    def tensor(name):
        if "q4:" + name in z:
            return dequant_q4(z["q4:" + name])
        return z["f32:" + name]

    frozen = {
        "word": jnp.asarray(dequant_q4(z["q4:emb.word"]).reshape(-1, h)),
        "pos": jnp.asarray(tensor("emb.pos").reshape(-1, h)),
        "type": jnp.asarray(tensor("emb.type")[:h]),
        "ln_w": jnp.asarray(tensor("emb.ln.w")),
        "ln_b": jnp.asarray(tensor("emb.ln.b")),
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (inter, h), "fo": (h, inter)}
    layers = []
    for i in range(config["layers"]):
        p = {}
        for short, name in LAYER_NAMES.items():
            p[name + ".weight"] = tensor(f"l{i}.{short}.w").reshape(shapes[short])
            p[name + ".bias"] = tensor(f"l{i}.{short}.b")
        for short, name in NORM_NAMES.items():
            p[name + ".weight"] = tensor(f"l{i}.{short}.w")
            p[name + ".bias"] = tensor(f"l{i}.{short}.b")
        layers.append(p)
    stacked = {k: jnp.asarray(np.stack([l[k] for l in layers])) for k in layers[0]}
    meta = json.load(open(os.path.join(pack, "meta.json")))
    ids = np.load(os.path.join(pack, "ids.npy")).astype(np.int32)
    return config, meta, ids, frozen, stacked


def encode(layers, frozen, ids, mask, heads, eps):
    """Window means of the whole encoder, as bert.rs runs it: word +
    position + type embeddings, LayerNorm, 12 post-LN blocks."""
    L = ids.shape[1]
    x = frozen["word"][ids] + frozen["pos"][:L][None] + frozen["type"]
    x = ft.layer_norm(x, frozen["ln_w"], frozen["ln_b"], eps)

    def body(x, p):
        return ft.block(p, x, mask, heads, eps), None

    x, _ = jax.lax.scan(body, x, layers)
    return ft.window_means(x, mask)


class IdData(ft.Data):
    """`finetune.Data` over token ids instead of cached states, in fewer
    length buckets (a GPU pads cheaply; each shape compiles once)."""

    buckets = BUCKETS


def prepare(d):
    d.win_weight_j = jnp.asarray(d.win_weight)
    d.win_para_j = jnp.asarray(d.win_para)
    d.para_art_j = jnp.asarray(d.para_art)
    d.tech_j, d.frames_j, d.genre_j = jnp.asarray(d.tech), jnp.asarray(d.frames), jnp.asarray(d.genre)


def forward_all(d, layers, frozen, fwd, tokens):
    out = np.zeros((len(d.win_len), d.h), np.float32)
    for L, size, ws in d.batches(np.arange(len(d.win_len)), tokens=tokens):
        x, m = d.tensors(L, size, ws)
        out[ws] = np.asarray(fwd(layers, frozen, x, m))[: len(ws)]
    return jnp.asarray(out)


def make_step(d, args):
    """One jitted training step, compiled once per batch shape: the fold's
    masks and the learning rates are arguments, not constants."""
    adam = optax.scale_by_adam()
    win_para_pad = jnp.concatenate([d.win_para_j, jnp.array([0])])

    def loss_fn(params, frozen, buffer, x, m, ws, valid, pm, am, gm):
        means = encode(params["layers"], frozen, x, m, d.heads, d.eps)
        full = buffer.at[ws].set(means)[:-1]
        para, art = ft.embeddings(d, full)
        touched_p = jnp.zeros(d.n_para + 1).at[jnp.where(valid, win_para_pad[ws], d.n_para)].set(1.0)[:-1]
        touched_a = jnp.zeros(d.n_art + 1).at[
            jnp.where(valid, d.para_art_j[win_para_pad[ws] % d.n_para], d.n_art)
        ].set(1.0)[:-1]
        loss = ft.losses(params["heads"], para, art, d, pm * touched_p, am * touched_a, gm * touched_a)
        return loss + args.penalty * ft.l2(params["heads"]), means

    @jax.jit
    def step(params, state, frozen, buffer, x, m, ws, valid, pm, am, gm, lr_layer, lr_heads):
        (loss, means), g = jax.value_and_grad(loss_fn, has_aux=True)(
            params, frozen, buffer, x, m, ws, valid, pm, am, gm
        )
        norm = optax.global_norm(g)
        g = jax.tree_util.tree_map(lambda v: v * jnp.minimum(1.0, 1.0 / (norm + 1e-6)), g)
        up, state = adam.update(g, state)
        layers = {
            k: p - lr_layer * (up["layers"][k] + (args.weight_decay * p if k.endswith(".weight") and "norm" not in k else 0.0))
            for k, p in params["layers"].items()
        }
        heads = {k: p - lr_heads * up["heads"][k] for k, p in params["heads"].items()}
        buffer = buffer.at[ws].set(jax.lax.stop_gradient(means))
        return {"layers": layers, "heads": heads}, state, buffer, loss

    return adam, step


def finetune(d, layers0, frozen, hp, buffer0, train_art, args, adam, step):
    windows = np.where(np.isin(d.para_art[d.win_para], train_art))[0]
    pm, am, gm = ft.masks(d, train_art)
    params = {"layers": layers0, "heads": hp}
    state = adam.init(params)
    n_win = len(d.win_len)
    buffer = jnp.concatenate([buffer0, jnp.zeros((1, d.h))])
    rng = np.random.default_rng(args.seed)
    plan = [d.batches(windows, rng, tokens=args.batch_tokens) for _ in range(args.epochs)]
    total = sum(len(p) for p in plan)
    warm = max(1, int(0.1 * total))
    t, times = 0, []
    for epoch, batches in enumerate(plan):
        t0, loss_sum = time.time(), 0.0
        for L, size, ws in batches:
            x, m = d.tensors(L, size, ws)
            idx = np.full(size, n_win)
            idx[: len(ws)] = ws
            valid = np.arange(size) < len(ws)
            scale = (t + 1) / warm if t < warm else max(0.0, (total - t) / max(1, total - warm))
            params, state, buffer, loss = step(
                params, state, frozen, buffer, x, m, jnp.asarray(idx), jnp.asarray(valid),
                pm, am, gm, args.lr_layer * scale, args.lr_heads * scale,
            )
            loss_sum += float(loss)
            t += 1
        times.append({"wall_s": round(time.time() - t0, 2), "loss": loss_sum / max(1, len(batches)), "steps": len(batches)})
        print(f"    epoch {epoch + 1}: {times[-1]}", flush=True)
    return params["layers"], params["heads"], times


def probs(d, hp, win_means):
    para, art = ft.embeddings(d, win_means)
    tech, frames, genre = (np.asarray(v) for v in ft.head_logits(hp, para, art, d.para_art_j))
    sig = lambda v: 1 / (1 + np.exp(-v))
    g = np.exp(genre - genre.max(-1, keepdims=True))
    return sig(tech), sig(frames), g / g.sum(-1, keepdims=True)


def groups(d, scheme):
    if scheme == "cv5":
        return [(f"fold{f}", np.where(d.fold == f)[0]) for f in range(5)]
    return [(f"lolo-{lang}", np.where(d.folder == lang)[0]) for lang in sorted(set(d.folder))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pack")
    ap.add_argument("out")
    ap.add_argument("--schemes", default="cv5,lolo")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr-layer", type=float, default=3e-5)
    ap.add_argument("--lr-heads", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--penalty", type=float, default=1e-4)
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--forward-tokens", type=int, default=32768)
    ap.add_argument("--head-steps", type=int, default=300)
    ap.add_argument("--head-lr", type=float, default=1e-2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles (smoke test)")
    ap.add_argument("--budget-s", type=float, default=1e9, help="start no new group after this many seconds")
    ap.add_argument("--full", action="store_true", help="also tune on every article and write tuned-q4.npz")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()
    print(f"jax {jax.__version__} on {jax.devices()}", flush=True)

    config, meta, ids, frozen, layers0 = load(args.pack)
    if args.limit:
        arts = meta["articles"][: args.limit]
        n_para = arts[-1]["paragraphs"][1]
        meta["articles"] = arts
        meta["paragraphs"] = meta["paragraphs"][:n_para]
        meta["windows"] = [w for w in meta["windows"] if w[0] < n_para]
    d = IdData(meta, ids)
    prepare(d)
    fwd = jax.jit(lambda l, f, x, m: encode(l, f, x, m, d.heads, d.eps))

    # The check: this forward pass against the Rust encoder's (all f32).
    ref = np.fromfile(os.path.join(args.pack, "check.f32"), dtype="<f4").reshape(-1, d.h)
    ws = [int(np.where(d.win_para == q)[0][0]) for q in meta["check"] if q < d.n_para]
    got = []
    for w in ws:
        x, m = d.tensors(int(BUCKETS[np.searchsorted(BUCKETS, d.win_len[w])]), 1, [w])
        got.append(np.asarray(ft.normalize(fwd(layers0, frozen, x, m)))[0])
    got = np.array(got)
    err = float(np.abs(got - ref[: len(got)]).max())
    cos = float((got * ref[: len(got)]).sum(-1).min())
    print(f"check: {len(got)} paragraphs, max |Δ| {err:.2e}, min cosine {cos:.6f}", flush=True)
    results = {"args": vars(args), "check_max_abs": err, "check_min_cos": cos, "groups": {}}

    t0 = time.time()
    frozen_means = forward_all(d, layers0, frozen, fwd, args.forward_tokens)
    results["frozen_forward_s"] = round(time.time() - t0, 2)
    print(f"frozen forward: {results['frozen_forward_s']} s", flush=True)

    adam, step = make_step(d, args)
    arms = ("frozen", "tuned", "tuned_refit")
    oof = {}
    for scheme in [s for s in args.schemes.split(",") if s in ("cv5", "lolo")]:
        for arm in arms:
            oof[f"{scheme}/{arm}/tech"] = np.full((d.n_para, ft.N_TECH), np.nan, np.float32)
            oof[f"{scheme}/{arm}/frames"] = np.full((d.n_art, ft.N_FRAMES), np.nan, np.float32)
            oof[f"{scheme}/{arm}/genre"] = np.full((d.n_art, ft.N_GENRE), np.nan, np.float32)
        for name, test_art in groups(d, scheme):
            if time.time() - t_start > args.budget_s:
                print(f"  {scheme} {name}: skipped (budget)", flush=True)
                continue
            if len(test_art) == 0:
                continue
            train_art = np.setdiff1d(np.arange(d.n_art), test_art)
            tp = np.isin(d.para_art, test_art)
            g0 = time.time()
            hp, _ = ft.fit_heads(d, frozen_means, train_art, args.seed, args.head_steps, args.head_lr, args.penalty)
            outs = {"frozen": probs(d, hp, frozen_means)}
            layers, hp_joint, times = finetune(d, layers0, frozen, hp, frozen_means, train_art, args, adam, step)
            tuned = forward_all(d, layers, frozen, fwd, args.forward_tokens)
            outs["tuned"] = probs(d, hp_joint, tuned)
            hp2, _ = ft.fit_heads(d, tuned, train_art, args.seed, args.head_steps, args.head_lr, args.penalty)
            outs["tuned_refit"] = probs(d, hp2, tuned)
            for arm, (t, f, g) in outs.items():
                oof[f"{scheme}/{arm}/tech"][tp] = t[tp]
                oof[f"{scheme}/{arm}/frames"][test_art] = f[test_art]
                oof[f"{scheme}/{arm}/genre"][test_art] = g[test_art]
            results["groups"][f"{scheme}/{name}"] = {
                "test_articles": int(len(test_art)), "epochs": times, "wall_s": round(time.time() - g0, 2),
            }
            print(f"  {scheme} {name}: {len(test_art)} test articles, {time.time() - g0:.1f} s", flush=True)
            np.savez(os.path.join(args.out, "oof.npz"), **{k: v.astype(np.float16) for k, v in oof.items()})
            json.dump(results, open(os.path.join(args.out, "results.json"), "w"), indent=1)

    if args.full and time.time() - t_start <= args.budget_s:
        everything = np.arange(d.n_art)
        hp, _ = ft.fit_heads(d, frozen_means, everything, args.seed, args.head_steps, args.head_lr, args.penalty)
        layers, hp_joint, times = finetune(d, layers0, frozen, hp, frozen_means, everything, args, adam, step)
        q4 = {k: quant_q4(np.asarray(v)) for k, v in layers.items() if k.endswith(".weight") and "norm" not in k}
        rest = {k: np.asarray(v) for k, v in layers.items() if k not in q4}
        np.savez(
            os.path.join(args.out, "tuned-q4.npz"),
            **{"q4:" + k: v for k, v in q4.items()},
            **{"f32:" + k: v for k, v in rest.items()},
            **{"head:" + k: np.asarray(v) for k, v in hp_joint.items()},
        )
        results["full"] = {"epochs": times}
    results["total_wall_s"] = round(time.time() - t_start, 2)
    json.dump(results, open(os.path.join(args.out, "results.json"), "w"), indent=1)
    print(f"done in {results['total_wall_s']} s", flush=True)


if __name__ == "__main__":
    main()
