"""Fine-tuning multilingual-e5-small's top layer on the CPU, measured against
the frozen encoder on the same folds (issue 15 item 4; docs/evaluation.md,
"Fine-tuning the encoder's top layers on the CPU").

Reads the cache `finetune_cache` writes (`~/.cache/rhetor/finetune/k1`:
the states after the frozen bottom layers, the top layer's weights, the
labels and the 5-fold assignment of `rhetor train --cv 5`) and, per test
fold:

1. runs the top layer frozen over every window: the frozen encoder's
   paragraph embeddings (pooled as rhetor pools them: mean of each window's
   tokens, markers included; windows weighted by length; L2-normalised);
2. fits the embedding heads on them (the *frozen* arm): techniques on
   [paragraph, article] embedding (23 sigmoids), frames on the article
   embedding (the normalised mean of its paragraphs; 14 sigmoids), genre
   (3-way softmax), by full-batch Adam with an L2 penalty;
3. fine-tunes the top layer and the heads jointly (started from step 2's
   heads), techniques + frames + genre losses summed, AdamW, for EPOCHS
   passes over the training windows in length-bucketed batches. An
   article's embedding needs all its paragraphs: those not in the batch
   come from a buffer of their latest window means (no gradient);
4. runs the fine-tuned layer over every window and fits fresh heads on
   its embeddings exactly as in step 2 (the *fine-tuned* arm).

Training uses 3 of the 4 training folds; the 4th (fold test+1 mod 5)
chooses one global decision threshold per multi-label task (techniques,
frames) for micro-F1; the test fold is scored. Genre is the argmax.

Usage: python3 finetune.py [--folds 0] [--epochs 2] [--out results.json]
"""

import argparse
import json
import os
import time

import numpy as np

import jax
import jax.numpy as jnp
import optax

N_TECH, N_FRAMES, N_GENRE = 23, 14, 3
BUCKETS = [16, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384, 512]
TOKENS_PER_BATCH = 4096


def load(cache):
    meta = json.load(open(os.path.join(cache, "meta.json")))
    h = meta["hidden"]
    states = np.fromfile(os.path.join(cache, "states.f16"), dtype="<f2").reshape(-1, h)
    flat = np.fromfile(os.path.join(cache, "top.f32"), dtype="<f4")
    params, at = {}, 0
    for t in meta["tensors"]:
        n = int(np.prod(t["shape"]))
        name = t["name"].split(".", 1)[1]  # drop the layer number (K = 1)
        params[name] = jnp.asarray(flat[at : at + n].reshape(t["shape"]))
        at += n
    assert at == flat.size, "top.f32 does not match meta.json"
    return meta, states, params


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / jnp.sqrt(var + eps) * w + b


def top_layer(p, x, mask, heads, eps):
    """One post-LN BERT block, as rhetor-encoder's bert.rs runs it.
    x: [B, L, H]; mask: [B, L] (1 = token). Returns the window means [B, H]
    (mean over the window's tokens, markers included)."""
    return window_means(block(p, x, mask, heads, eps), mask)


def window_means(x, mask):
    """Each window's mean state over its tokens (markers included)."""
    n = mask.sum(-1, keepdims=True)
    return (x * mask[..., None]).sum(1) / jnp.maximum(n, 1.0)


def block(p, x, mask, heads, eps):
    """One post-LN BERT block (tensor names without the layer number):
    the states after it, [B, L, H]."""
    B, L, H = x.shape
    hd = H // heads

    def lin(name, v):
        return v @ p[name + ".weight"].T + p[name + ".bias"]

    def split(v):
        return v.reshape(B, L, heads, hd).transpose(0, 2, 1, 3)

    q, k, v = split(lin("query", x)), split(lin("key", x)), split(lin("value", x))
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd)
    scores = jnp.where(mask[:, None, None, :] > 0, scores, -1e9)
    ctx = jax.nn.softmax(scores, axis=-1) @ v
    ctx = ctx.transpose(0, 2, 1, 3).reshape(B, L, H)
    x1 = layer_norm(x + lin("attn_out", ctx), p["attn_norm.weight"], p["attn_norm.bias"], eps)
    mid = jax.nn.gelu(lin("ffn_in", x1), approximate=False)
    return layer_norm(x1 + lin("ffn_out", mid), p["out_norm.weight"], p["out_norm.bias"], eps)


class Data:
    """Windows, paragraphs, articles and labels as arrays."""

    def __init__(self, meta, states):
        self.states = states
        self.heads, self.eps, self.h = meta["heads"], meta["eps"], meta["hidden"]
        win = np.array(meta["windows"], dtype=np.int64)
        self.win_para, self.win_off, self.win_len = win[:, 0], win[:, 1], win[:, 2]
        self.win_weight = np.maximum(self.win_len - 2, 1).astype(np.float32)
        paras, arts = meta["paragraphs"], meta["articles"]
        self.n_para, self.n_art = len(paras), len(arts)
        self.para_art = np.array([p["article"] for p in paras])
        self.tech = np.zeros((self.n_para, N_TECH), np.float32)
        self.tech_gold = np.zeros(self.n_para, bool)
        for i, p in enumerate(paras):
            if p["techniques"] is not None:
                self.tech_gold[i] = True
                self.tech[i, p["techniques"]] = 1
        self.frames = np.zeros((self.n_art, N_FRAMES), np.float32)
        self.frames_gold = np.zeros(self.n_art, bool)
        self.genre = np.zeros(self.n_art, np.int32)
        self.genre_gold = np.zeros(self.n_art, bool)
        for i, a in enumerate(arts):
            if a["frames"] is not None:
                self.frames_gold[i] = True
                self.frames[i, a["frames"]] = 1
            if a["genre"] is not None:
                self.genre_gold[i] = True
                self.genre[i] = a["genre"]
        self.fold = np.array([a["fold"] for a in arts])
        self.folder = np.array([a["folder"] for a in arts])

    # Window lengths padded up to one of these (so every shape compiles once).
    buckets = BUCKETS

    def batches(self, windows, rng=None, tokens=TOKENS_PER_BATCH):
        """Length-bucketed batches of window indices, each with its padded
        shape fixed by its bucket (so every shape compiles once)."""
        windows = np.asarray(windows)
        bucket = np.searchsorted(self.buckets, self.win_len[windows])
        out = []
        for b, L in enumerate(self.buckets):
            ws = windows[bucket == b]
            if len(ws) == 0:
                continue
            if rng is not None:
                ws = rng.permutation(ws)
            size = max(1, tokens // L)
            for s in range(0, len(ws), size):
                out.append((L, size, ws[s : s + size]))
        if rng is not None:
            out = [out[i] for i in rng.permutation(len(out))]
        return out

    def tensors(self, L, size, ws):
        """The padded batch: states [size, L, H] (or token ids [size, L]
        when `states` holds ids) and its mask."""
        ids = self.states.ndim == 1
        x = np.zeros((size, L) + self.states.shape[1:], np.int32 if ids else np.float32)
        mask = np.zeros((size, L), np.float32)
        for j, w in enumerate(ws):
            n = self.win_len[w]
            x[j, :n] = self.states[self.win_off[w] : self.win_off[w] + n]
            mask[j, :n] = 1
        return jnp.asarray(x), jnp.asarray(mask)


def normalize(v):
    return v / jnp.maximum(jnp.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def embeddings(d, win_means):
    """Paragraph and article embeddings from window means (as rhetor pools)."""
    para = jax.ops.segment_sum(win_means * d.win_weight_j[:, None], d.win_para_j, d.n_para)
    para = normalize(para)
    art = normalize(jax.ops.segment_sum(para, d.para_art_j, d.n_art))
    return para, art


# Normalised embeddings have components of about 1/sqrt(384): scaled to unit
# variance before the heads so one learning rate suits every head.
SCALE = np.sqrt(384.0)


def head_logits(hp, para, art, para_art):
    t_in = jnp.concatenate([para, art[para_art]], -1) * SCALE
    tech = t_in @ hp["tech_w"] + hp["tech_b"]
    frames = art * SCALE @ hp["frames_w"] + hp["frames_b"]
    genre = art * SCALE @ hp["genre_w"] + hp["genre_b"]
    return tech, frames, genre


def losses(hp, para, art, d, pmask, amask, gmask):
    """Mean BCE of techniques over paragraphs `pmask`, of frames over
    articles `amask`, genre CE over `gmask`; summed."""
    tech, frames, genre = head_logits(hp, para, art, d.para_art_j)
    lt = optax.sigmoid_binary_cross_entropy(tech, d.tech_j).mean(-1)
    lf = optax.sigmoid_binary_cross_entropy(frames, d.frames_j).mean(-1)
    lg = optax.softmax_cross_entropy_with_integer_labels(genre, d.genre_j)
    avg = lambda l, m: (l * m).sum() / jnp.maximum(m.sum(), 1.0)
    return avg(lt, pmask) + avg(lf, amask) + avg(lg, gmask)


def init_heads(key, h):
    k1, k2, k3 = jax.random.split(key, 3)
    return {
        "tech_w": 0.01 * jax.random.normal(k1, (2 * h, N_TECH)),
        "tech_b": jnp.zeros(N_TECH),
        "frames_w": 0.01 * jax.random.normal(k2, (h, N_FRAMES)),
        "frames_b": jnp.zeros(N_FRAMES),
        "genre_w": 0.01 * jax.random.normal(k3, (h, N_GENRE)),
        "genre_b": jnp.zeros(N_GENRE),
    }


def l2(hp):
    return sum((hp[k] ** 2).sum() for k in ("tech_w", "frames_w", "genre_w"))


def fit_heads(d, win_means, train_art, seed, steps, lr, penalty):
    """Full-batch Adam on the heads over the training articles' paragraphs."""
    para, art = embeddings(d, win_means)
    pm, am, gm = masks(d, train_art)
    hp = init_heads(jax.random.PRNGKey(seed), d.h)
    opt = optax.adam(lr)
    state = opt.init(hp)

    @jax.jit
    def step(hp, state):
        loss, g = jax.value_and_grad(
            lambda hp: losses(hp, para, art, d, pm, am, gm) + penalty * l2(hp)
        )(hp)
        up, state = opt.update(g, state, hp)
        return optax.apply_updates(hp, up), state, loss

    for _ in range(steps):
        hp, state, loss = step(hp, state)
    return hp, float(loss)


def masks(d, arts):
    sel = np.zeros(d.n_art, bool)
    sel[arts] = True
    pm = jnp.asarray((sel[d.para_art] & d.tech_gold).astype(np.float32))
    am = jnp.asarray((sel & d.frames_gold).astype(np.float32))
    gm = jnp.asarray((sel & d.genre_gold).astype(np.float32))
    return pm, am, gm


def forward_all(d, p):
    """Window means of every window through the top layer `p`."""
    fwd = jax.jit(lambda p, x, m: top_layer(p, x, m, d.heads, d.eps))
    out = np.zeros((len(d.win_len), d.h), np.float32)
    for L, size, ws in d.batches(np.arange(len(d.win_len))):
        x, m = d.tensors(L, size, ws)
        out[ws] = np.asarray(fwd(p, x, m))[: len(ws)]
    return jnp.asarray(out)


def f1(tp, fp, fn):
    return 2 * tp / max(2 * tp + fp + fn, 1)


def micro_f1(probs, gold, th):
    pred = probs >= th
    tp = (pred & gold).sum()
    return f1(tp, (pred & ~gold).sum(), (~pred & gold).sum())


def best_threshold(probs, gold):
    grid = np.arange(0.05, 0.951, 0.01)
    scores = [micro_f1(probs, gold, t) for t in grid]
    return float(grid[int(np.argmax(scores))])


def macro_f1(pred, gold, n):
    return float(
        np.mean(
            [
                f1(((pred == c) & (gold == c)).sum(), ((pred == c) & (gold != c)).sum(), ((pred != c) & (gold == c)).sum())
                for c in range(n)
            ]
        )
    )


def score(d, hp, win_means, val_art, test_art):
    """Techniques and frames micro-F1 (one threshold per task chosen on
    `val_art`), genre macro-F1, on `test_art`; and per language."""
    para, art = embeddings(d, win_means)
    tech, frames, genre = (np.asarray(v) for v in head_logits(hp, para, art, d.para_art_j))
    tp, fp = 1 / (1 + np.exp(-tech)), 1 / (1 + np.exp(-frames))
    sel = lambda arts: np.isin(np.arange(d.n_art), arts)
    vp = sel(val_art)[d.para_art] & d.tech_gold
    va = sel(val_art) & d.frames_gold
    th_t = best_threshold(tp[vp], d.tech[vp] > 0)
    th_f = best_threshold(fp[va], d.frames[va] > 0)
    res = {"threshold_techniques": th_t, "threshold_frames": th_f}

    def block(arts):
        sp = sel(arts)[d.para_art] & d.tech_gold
        sa = sel(arts) & d.frames_gold
        sg = sel(arts) & d.genre_gold
        return {
            "techniques_micro_f1": micro_f1(tp[sp], d.tech[sp] > 0, th_t),
            "frames_micro_f1": micro_f1(fp[sa], d.frames[sa] > 0, th_f),
            "genre_macro_f1": macro_f1(genre[sg].argmax(-1), d.genre[sg], N_GENRE),
            "paragraphs": int(sp.sum()),
            "articles": int(sa.sum()),
        }

    res["test"] = block(test_art)
    res["by_language"] = {
        str(lang): block(np.intersect1d(test_art, np.where(d.folder == lang)[0]))
        for lang in sorted(set(d.folder))
    }
    return res


def finetune(d, p, hp, buffer, train_art, args):
    """EPOCHS passes of AdamW over the training windows; returns the layer,
    the heads, and the seconds (wall, CPU) each epoch took."""
    train_sel = np.isin(d.para_art[d.win_para], train_art)
    windows = np.where(train_sel)[0]
    pm, am, gm = masks(d, train_art)
    labels = {
        "layer": jax.tree_util.tree_map(lambda _: "layer", p),
        "heads": jax.tree_util.tree_map(lambda _: "heads", hp),
    }
    opt = optax.multi_transform(
        {
            "layer": optax.adamw(args.lr_layer, weight_decay=0.01),
            "heads": optax.adamw(args.lr_heads, weight_decay=0.0),
        },
        labels,
    )
    params = {"layer": p, "heads": hp}
    state = opt.init(params)
    win_para_j, para_art_j = d.win_para_j, d.para_art_j

    @jax.jit
    def step(params, state, buffer, x, m, ws, valid):
        def loss_fn(params):
            means = top_layer(params["layer"], x, m, d.heads, d.eps)
            # The batch's windows replace their buffered means (padding rows
            # write to a scratch row past the end).
            full = buffer.at[ws].set(means)[:-1]
            para, art = embeddings(d, full)
            # Only the paragraphs and articles the batch touches carry loss.
            touched_p = jnp.zeros(d.n_para + 1).at[jnp.where(valid, win_para_j_pad[ws], d.n_para)].set(1.0)[:-1]
            touched_a = jnp.zeros(d.n_art + 1).at[
                jnp.where(valid, para_art_j[win_para_j_pad[ws] % d.n_para], d.n_art)
            ].set(1.0)[:-1]
            loss = losses(params["heads"], para, art, d, pm * touched_p, am * touched_a, gm * touched_a)
            return loss + args.penalty * l2(params["heads"]), means

        (loss, means), g = jax.value_and_grad(loss_fn, has_aux=True)(params)
        up, state = opt.update(g, state, params)
        buffer = buffer.at[ws].set(jax.lax.stop_gradient(means))
        return optax.apply_updates(params, up), state, buffer, loss

    win_para_j_pad = jnp.concatenate([win_para_j, jnp.array([0])])
    n_win = len(d.win_len)
    buffer = jnp.concatenate([buffer, jnp.zeros((1, d.h))])  # scratch row n_win
    rng = np.random.default_rng(args.seed)
    times = []
    for epoch in range(args.epochs):
        t0, c0 = time.time(), time.process_time()
        batches = d.batches(windows, rng)
        total = 0.0
        for i, (L, size, ws) in enumerate(batches):
            x, m = d.tensors(L, size, ws)
            idx = np.full(size, n_win)
            idx[: len(ws)] = ws
            valid = np.arange(size) < len(ws)
            params, state, buffer, loss = step(params, state, buffer, x, m, jnp.asarray(idx), jnp.asarray(valid))
            total += float(loss)
            if i % 50 == 0:
                print(f"  epoch {epoch + 1} batch {i}/{len(batches)} loss {total / (i + 1):.4f} {time.time() - t0:.0f} s", flush=True)
        times.append({"wall_s": time.time() - t0, "cpu_s": time.process_time() - c0, "loss": total / len(batches)})
        print(f"  epoch {epoch + 1}: {times[-1]}", flush=True)
    return params["layer"], params["heads"], times


def check(d, meta, p, cache):
    """The top layer run here on the cached states against the encoder's own
    embeddings of the first paragraphs (one window each)."""
    ref = np.fromfile(os.path.join(cache, "check.f32"), dtype="<f4").reshape(-1, d.h)
    paras = meta["check"]
    ws = [int(np.where(d.win_para == q)[0][0]) for q in paras]
    fwd = jax.jit(lambda p, x, m: top_layer(p, x, m, d.heads, d.eps))
    got = []
    for w in ws:
        L = int(BUCKETS[np.searchsorted(BUCKETS, d.win_len[w])])
        x, m = d.tensors(L, 1, [w])
        got.append(np.asarray(normalize(fwd(p, x, m)))[0])
    err = np.abs(np.array(got) - ref).max()
    cos = (np.array(got) * ref).sum(-1).min()
    return float(err), float(cos)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/rhetor/finetune/k1"))
    ap.add_argument("--folds", default="0")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr-layer", type=float, default=5e-5)
    ap.add_argument("--lr-heads", type=float, default=1e-3)
    ap.add_argument("--penalty", type=float, default=1e-4)
    ap.add_argument("--head-steps", type=int, default=300)
    ap.add_argument("--head-lr", type=float, default=1e-2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", default="results.json")
    args = ap.parse_args()

    t0 = time.time()
    meta, states, p0 = load(args.cache)
    d = Data(meta, states)
    d.win_weight_j = jnp.asarray(d.win_weight)
    d.win_para_j = jnp.asarray(d.win_para)
    d.para_art_j = jnp.asarray(d.para_art)
    d.tech_j, d.frames_j, d.genre_j = jnp.asarray(d.tech), jnp.asarray(d.frames), jnp.asarray(d.genre)
    err, cos = check(d, meta, p0, args.cache)
    print(f"check: top layer on the cache vs the encoder: max |Δ| {err:.2e}, min cosine {cos:.6f}", flush=True)
    results = {"args": vars(args), "check_max_abs": err, "check_min_cos": cos, "folds": {}}

    t1, c1 = time.time(), time.process_time()
    frozen = forward_all(d, p0)
    results["frozen_forward"] = {"wall_s": time.time() - t1, "cpu_s": time.process_time() - c1}
    print(f"frozen forward: {results['frozen_forward']}", flush=True)

    for fold in (int(f) for f in args.folds.split(",")):
        test_art = np.where(d.fold == fold)[0]
        val_art = np.where(d.fold == (fold + 1) % 5)[0]
        train_art = np.where((d.fold != fold) & (d.fold != (fold + 1) % 5))[0]
        r = {}
        hp, _ = fit_heads(d, frozen, train_art, args.seed, args.head_steps, args.head_lr, args.penalty)
        r["frozen"] = score(d, hp, frozen, val_art, test_art)
        print(f"fold {fold} frozen: {r['frozen']['test']}", flush=True)
        t1, c1 = time.time(), time.process_time()
        p, hp_joint, times = finetune(d, p0, hp, frozen, train_art, args)
        tuned = forward_all(d, p)
        r["finetune_epochs"] = times
        r["finetune_wall_s"] = time.time() - t1
        r["finetune_cpu_s"] = time.process_time() - c1
        r["tuned_joint_heads"] = score(d, hp_joint, tuned, val_art, test_art)
        hp2, _ = fit_heads(d, tuned, train_art, args.seed, args.head_steps, args.head_lr, args.penalty)
        r["tuned"] = score(d, hp2, tuned, val_art, test_art)
        print(f"fold {fold} fine-tuned (joint heads): {r['tuned_joint_heads']['test']}", flush=True)
        print(f"fold {fold} fine-tuned (heads refitted): {r['tuned']['test']}", flush=True)
        results["folds"][fold] = r
        np.save(os.path.join(args.cache, f"tuned-windows-fold{fold}.npy"), np.asarray(tuned))
        json.dump(results, open(args.out, "w"), indent=1)
    results["total_wall_s"] = time.time() - t0
    json.dump(results, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
