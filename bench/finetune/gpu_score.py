"""Scores `gpu_finetune.py`'s held-out probabilities (issue 15 item 4;
docs/evaluation.md, "Fine-tuning the whole encoder on a GPU").

For every scheme (`cv5`: the five folds of `rhetor train --cv 5`; `lolo`:
each language left out) and arm (frozen encoder, tuned encoder with its
jointly trained heads, tuned encoder with refitted heads, and the frozen and
tuned arms' probabilities averaged): techniques and
frames micro-F1 with one threshold per task chosen, for each held-out group,
on the other groups' held-out probabilities (so no group's own labels choose
its threshold), and genre macro-F1 of the argmax; pooled over the groups and
per language.

Usage: python3 gpu_score.py PACK RUN_DIR [RUN_DIR ...] [--json OUT]
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import finetune as ft  # noqa: E402

GRID = np.arange(0.05, 0.951, 0.01)


def counts(p, gold, th):
    pred = p >= th
    return np.array([(pred & gold).sum(), (pred & ~gold).sum(), (~pred & gold).sum()])


def best_threshold(p, gold):
    return float(GRID[int(np.argmax([ft.f1(*counts(p, gold, t)) for t in GRID]))])


def cross_fitted(probs, gold, group, rows):
    """Per-cell decisions: each group's cells thresholded at the threshold
    that is best on the other groups' cells."""
    pred = np.zeros_like(gold)
    for g in np.unique(group[rows]):
        inside = rows & (group == g)
        outside = rows & (group != g)
        th = best_threshold(probs[outside], gold[outside])
        pred[inside] = probs[inside] >= th
    return pred


def micro(pred, gold, rows):
    p, g = pred[rows], gold[rows]
    return ft.f1((p & g).sum(), (p & ~g).sum(), (~p & g).sum())


def score(d, oof, scheme, arm):
    art_group = d.fold if scheme == "cv5" else np.unique(d.folder, return_inverse=True)[1]
    tech = oof[f"{scheme}/{arm}/tech"].astype(np.float32)
    frames = oof[f"{scheme}/{arm}/frames"].astype(np.float32)
    genre = oof[f"{scheme}/{arm}/genre"].astype(np.float32)
    prow = d.tech_gold & ~np.isnan(tech).any(1)
    arow = d.frames_gold & ~np.isnan(frames).any(1)
    grow = d.genre_gold & ~np.isnan(genre).any(1)
    tgold, fgold = d.tech > 0, d.frames > 0
    pgroup = art_group[d.para_art]
    tpred = cross_fitted(tech, tgold, np.repeat(pgroup[:, None], ft.N_TECH, 1), np.repeat(prow[:, None], ft.N_TECH, 1))
    fpred = cross_fitted(frames, fgold, np.repeat(art_group[:, None], ft.N_FRAMES, 1), np.repeat(arow[:, None], ft.N_FRAMES, 1))
    gpred = np.where(grow, np.nan_to_num(genre).argmax(1), -1)

    def block(asel):
        ps = np.repeat((prow & asel[d.para_art])[:, None], ft.N_TECH, 1)
        fs = np.repeat((arow & asel)[:, None], ft.N_FRAMES, 1)
        gs = grow & asel
        return {
            "techniques": round(micro(tpred, tgold, ps), 4),
            "frames": round(micro(fpred, fgold, fs), 4),
            "genre": round(ft.macro_f1(gpred[gs], d.genre[gs], ft.N_GENRE), 4),
        }

    out = {"all": block(np.ones(d.n_art, bool))}
    for lang in sorted(set(d.folder)):
        out[str(lang)] = block(d.folder == lang)
    return out


def main():
    args = sys.argv[1:]
    out_json = None
    if "--json" in args:
        i = args.index("--json")
        out_json = args[i + 1]
        del args[i : i + 2]
    pack, runs = args[0], args[1:]
    meta = json.load(open(os.path.join(pack, "meta.json")))
    d = ft.Data(meta, None)
    report = {}
    for run in runs:
        oof = dict(np.load(os.path.join(run, "oof.npz")))
        schemes = sorted({k.split("/")[0] for k in oof})
        for scheme in schemes:
            # Two encoders as one ensemble: the frozen and the tuned arm's
            # probabilities averaged (what shipping both would cost: two
            # encoder passes per paragraph).
            for part in ("tech", "frames", "genre"):
                oof[f"{scheme}/blend/{part}"] = (
                    oof[f"{scheme}/frozen/{part}"].astype(np.float32) + oof[f"{scheme}/tuned/{part}"].astype(np.float32)
                ) / 2
            for arm in ("frozen", "tuned", "tuned_refit", "blend"):
                r = score(d, oof, scheme, arm)
                report[f"{run}:{scheme}:{arm}"] = r
                langs = " ".join(f"{k} {v['techniques']:.3f}/{v['frames']:.3f}" for k, v in r.items() if k != "all")
                a = r["all"]
                print(f"{os.path.basename(run.rstrip('/')):>8} {scheme:4} {arm:12} tech {a['techniques']:.4f} frames {a['frames']:.4f} genre {a['genre']:.4f} | {langs}")
    if out_json:
        json.dump(report, open(out_json, "w"), indent=1)


if __name__ == "__main__":
    main()
