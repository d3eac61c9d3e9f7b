#!/usr/bin/env python3
"""scikit-learn reference baseline for rhetor (SemEval-2023 Task 3).

TF-IDF word 1-2-grams + TF-IDF char_wb 2-5-grams (both sublinear_tf, min_df=2,
default lower-casing), hstacked; LogisticRegression(C=4, class_weight="balanced").
All languages pooled into one model. Evaluated by 5-fold CV on a fixed fold rule
shared with the Rust side, and by leave-one-language-out (LOLO).

Run from the repository root:
    python3 bench/reference/reference.py --data ../shared/data/semeval2023-task3 \
        --out bench/reference/results.json

See README.md next to this file for the exact settings.
"""

import os

# One BLAS/OpenMP thread everywhere: liblinear is single-threaded anyway, the
# parallelism used for CV is process-level (joblib, n_jobs=2), and the
# throughput measurement must run on one core.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
           "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import json
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

LANGS = ["en", "fr", "ge", "it", "po", "ru"]
K = 5
C = 4.0
MAX_ITER = 1000
SOLVER_OVR = "liblinear"      # binary problems of the one-vs-rest models
DUAL = True                   # liblinear dual coordinate descent (same optimum, faster here)
N_JOBS = 2
SEED = 0                      # liblinear's dual CD shuffles; fixed for reproducibility


# --------------------------------------------------------------------------- data

def read_text(path):
    """File content as stored: UTF-8, no newline translation (keeps \\r)."""
    return path.read_bytes().decode("utf-8")


def article_lines(text):
    """Split on \\n and strip one trailing \\r per line (1-based line i = lines[i-1])."""
    return [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]


def read_tsv(path):
    rows = []
    for ln in read_text(path).split("\n"):
        ln = ln.rstrip("\r")
        if ln.strip() == "":
            continue
        rows.append(ln.split("\t"))
    return rows


def split_labels(s):
    return [x.strip() for x in s.split(",") if x.strip()]


def read_label_list(path):
    return [ln.strip() for ln in read_text(path).split("\n") if ln.strip()]


def load(data):
    data = Path(data)
    techniques = read_label_list(data / "techniques.txt")
    frames = read_label_list(data / "frames.txt")
    genres = read_label_list(data / "genres.txt")
    tech_idx = {t: i for i, t in enumerate(techniques)}
    frame_idx = {t: i for i, t in enumerate(frames)}

    articles = {}   # id -> dict(lang, fold, text, lines)
    tech_rows, genre_rows, frame_rows = [], [], []
    unlabeled = {}  # lang -> list of paragraphs
    for lang in LANGS:
        d = data / lang
        ids = []
        for p in (d / "train-articles").iterdir():
            if p.name.startswith("article") and p.name.endswith(".txt"):
                ids.append("".join(ch for ch in p.name if ch.isdigit()))
        ids.sort()  # lexicographic, as strings
        for i, aid in enumerate(ids):
            if aid in articles:
                raise SystemExit(f"article id {aid} is not unique across languages")
            text = read_text(d / "train-articles" / f"article{aid}.txt")
            articles[aid] = dict(lang=lang, fold=i % K, text=text,
                                 lines=article_lines(text))
        for r in read_tsv(d / "train-labels-subtask-3.txt"):
            aid, line = r[0], int(r[1])
            labs = split_labels(r[2]) if len(r) > 2 else []
            y = np.zeros(len(techniques), dtype=np.int8)
            for t in labs:
                y[tech_idx[t]] = 1
            a = articles[aid]
            tech_rows.append(dict(lang=lang, id=aid, line=line, fold=a["fold"],
                                  text=a["lines"][line - 1], y=y))
        for r in read_tsv(d / "train-labels-subtask-1.txt"):
            aid = r[0]
            g = r[1].strip()
            assert g in genres, g
            a = articles[aid]
            genre_rows.append(dict(lang=lang, id=aid, fold=a["fold"], text=a["text"], y=g))
        for r in read_tsv(d / "train-labels-subtask-2.txt"):
            aid = r[0]
            y = np.zeros(len(frames), dtype=np.int8)
            for t in split_labels(r[1] if len(r) > 1 else ""):
                y[frame_idx[t]] = 1
            a = articles[aid]
            frame_rows.append(dict(lang=lang, id=aid, fold=a["fold"], text=a["text"], y=y))
        paras = []
        for p in sorted((d / "unlabeled-articles").glob("*.txt")):
            for ln in article_lines(read_text(p)):
                if ln.strip():
                    paras.append(ln)
        unlabeled[lang] = paras
    return dict(techniques=techniques, frames=frames, genres=genres,
                articles=articles, tech=tech_rows, genre=genre_rows,
                frame=frame_rows, unlabeled=unlabeled)


# --------------------------------------------------------------------------- models

def features():
    return FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2,
                                 sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                 sublinear_tf=True)),
    ])


def canonical_csr(X):
    """hstack output as canonical CSR (sorted indices, no duplicates): the joblib
    workers receive read-only memmaps and cannot sort them in place."""
    X = X.tocsr()
    X.sum_duplicates()
    return X


def features_step():
    return Pipeline([("union", features()),
                     ("csr", FunctionTransformer(canonical_csr, accept_sparse=True))])


def lr():
    return LogisticRegression(C=C, class_weight="balanced", solver=SOLVER_OVR,
                              dual=DUAL, max_iter=MAX_ITER, random_state=SEED)


def multilabel_model(n_jobs=N_JOBS):
    return Pipeline([("tfidf", features_step()),
                     ("clf", OneVsRestClassifier(lr(), n_jobs=n_jobs))])


def genre_model(n_jobs=N_JOBS):
    """Multiclass by one-vs-rest liblinear (scikit-learn >= 1.7 no longer does this
    implicitly); predict = argmax of the three decision functions."""
    return Pipeline([("tfidf", features_step()),
                     ("clf", OneVsRestClassifier(lr(), n_jobs=n_jobs))])


def fit_predict(kind, X, y, Xt):
    """Fit one model (single process) on texts X / targets y, predict texts Xt.
    Runs inside a joblib worker; returns predictions, seconds and the number of
    ConvergenceWarnings raised by liblinear."""
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if kind == "genre":
            m = genre_model(n_jobs=1)
            m.fit(X, y)
            p = list(m.predict(Xt))
        else:
            m = multilabel_model(n_jobs=1)
            m.fit(X, y)
            p = m.predict(Xt).astype(np.int8)
    nconv = sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))
    return p, time.perf_counter() - t0, nconv


# --------------------------------------------------------------------------- metrics

def metrics(kind, rows, preds, labels):
    if kind == "genre":
        yt = [r["y"] for r in rows]
        present = sorted(set(yt))
        return dict(
            n=len(rows),
            macro_f1=f1_score(yt, preds, labels=labels, average="macro", zero_division=0),
            macro_f1_present=f1_score(yt, preds, labels=present, average="macro",
                                      zero_division=0),
            accuracy=float(np.mean([a == b for a, b in zip(yt, preds)])),
        )
    Y = np.vstack([r["y"] for r in rows])
    P = np.vstack(preds)
    present = np.where(Y.sum(0) > 0)[0]
    out = dict(
        n=len(rows),
        micro_f1=f1_score(Y, P, average="micro", zero_division=0),
        macro_f1=f1_score(Y, P, average="macro", zero_division=0),
        macro_f1_present=f1_score(Y[:, present], P[:, present], average="macro",
                                  zero_division=0),
        gold_pairs=int(Y.sum()),
        pred_pairs=int(P.sum()),
    )
    if kind == "techniques":
        out["per_label_f1"] = dict(zip(labels, [float(x) for x in f1_score(
            Y, P, average=None, zero_division=0)]))
    return out


def evaluate(kind, rows, preds, labels):
    res = {}
    for lang in LANGS:
        idx = [i for i, r in enumerate(rows) if r["lang"] == lang]
        res[lang] = metrics(kind, [rows[i] for i in idx], [preds[i] for i in idx], labels)
    res["all"] = metrics(kind, rows, preds, labels)
    return res


# --------------------------------------------------------------------------- runs

TASKS = (("techniques", "tech"), ("frames", "frame"), ("genre", "genre"))


def run_splits(D, log, lolo=True):
    """All CV folds (and LOLO splits) of all three tasks as independent jobs,
    N_JOBS of them at a time; every job fits a fresh pipeline (vectorisers
    included) on its training split only."""
    jobs = []
    for kind, key in TASKS:
        rows = D[key]
        splits = [("cv", f, [r["fold"] != f for r in rows]) for f in range(K)]
        if lolo:
            splits += [("lolo", l, [r["lang"] != l for r in rows]) for l in LANGS]
        for mode, name, is_train in splits:
            tr = [i for i, t in enumerate(is_train) if t]
            te = [i for i, t in enumerate(is_train) if not t]
            jobs.append((kind, key, mode, name, tr, te))

    def target(kind, rows, idx):
        if kind == "genre":
            return [rows[i]["y"] for i in idx]
        return np.vstack([rows[i]["y"] for i in idx])

    def texts(rows, idx):
        return [rows[i]["text"] for i in idx]

    t0 = time.perf_counter()
    out = Parallel(n_jobs=N_JOBS, return_as="generator")(
        delayed(fit_predict)(kind, texts(D[key], tr), target(kind, D[key], tr),
                             texts(D[key], te))
        for kind, key, mode, name, tr, te in jobs)
    results = []
    for job, (p, secs, nconv) in zip(jobs, out):
        kind, key, mode, name, tr, te = job
        log(f"  {mode} {kind} {name}: train {len(tr)} test {len(te)} fit+predict "
            f"{secs:.0f}s, convergence warnings {nconv} "
            f"(elapsed {time.perf_counter() - t0:.0f}s)")
        results.append((job, p, secs, nconv))
    wall = time.perf_counter() - t0

    labels = {"techniques": D["techniques"], "genre": D["genres"], "frames": D["frames"]}
    cv, lo, oof = {}, {}, {}
    job_secs = {"cv": {}, "lolo": {}}
    conv = 0
    for kind, key in TASKS:
        rows = D[key]
        preds = [None] * len(rows)
        lo[kind] = {}
        for (k, _, mode, name, tr, te), p, secs, nconv in results:
            if k != kind:
                continue
            conv += nconv
            job_secs[mode][kind] = job_secs[mode].get(kind, 0.0) + secs
            if mode == "cv":
                for j, i in enumerate(te):
                    preds[i] = p[j]
            else:
                lo[kind][name] = metrics(kind, [rows[i] for i in te], list(p), labels[kind])
        assert all(x is not None for x in preds)
        cv[kind] = evaluate(kind, rows, preds, labels[kind])
        oof[kind] = preds
    timing = {"splits_wall_s": wall, "fit_predict_cpu_s_sum": job_secs,
              "convergence_warnings": conv}
    return cv, (lo if lolo else None), oof, timing


def write_oof(D, oof, outdir):
    outdir = Path(outdir)
    T, F = D["techniques"], D["frames"]
    files = {}
    for lang in LANGS + [None]:
        d = outdir if lang is None else outdir / lang
        d.mkdir(parents=True, exist_ok=True)
        sel = (lambda r: True) if lang is None else (lambda r, l=lang: r["lang"] == l)
        with open(d / "techniques.txt", "w", encoding="utf-8", newline="\n") as fh:
            for r, p in zip(D["tech"], oof["techniques"]):
                if sel(r):
                    fh.write(f"{r['id']}\t{r['line']}\t"
                             + ",".join(T[i] for i in np.flatnonzero(p)) + "\n")
        with open(d / "genre.txt", "w", encoding="utf-8", newline="\n") as fh:
            for r, p in zip(D["genre"], oof["genre"]):
                if sel(r):
                    fh.write(f"{r['id']}\t{p}\n")
        with open(d / "frames.txt", "w", encoding="utf-8", newline="\n") as fh:
            for r, p in zip(D["frame"], oof["frames"]):
                if sel(r):
                    fh.write(f"{r['id']}\t" + ",".join(F[i] for i in np.flatnonzero(p)) + "\n")
        files[lang or "all"] = str(d)
    return files


def run_timing(D, log, repeats=5):
    rows = D["tech"]
    X = [r["text"] for r in rows]
    Y = np.vstack([r["y"] for r in rows])
    out = {"loadavg_before": list(os.getloadavg()), "cpu_count": os.cpu_count()}
    # Full pooled fit of the techniques model, single process (n_jobs=1).
    with threadpool_limits(1):
        t0, c0 = time.perf_counter(), time.process_time()
        m = multilabel_model(n_jobs=1)
        m.fit(X, Y)
        out["train_techniques_full_s_1core"] = time.perf_counter() - t0
        out["train_techniques_full_cpu_s"] = time.process_time() - c0
    out["train_rows"] = len(X)
    out["n_features_word"] = len(m.named_steps["tfidf"].named_steps["union"].transformer_list[0][1].vocabulary_)
    out["n_features_char"] = len(m.named_steps["tfidf"].named_steps["union"].transformer_list[1][1].vocabulary_)
    log(f"  full techniques fit (1 core): {out['train_techniques_full_s_1core']:.1f}s")

    paras = [p for lang in LANGS for p in D["unlabeled"][lang]]
    out["unlabeled_paragraphs"] = len(paras)
    out["unlabeled_paragraphs_per_lang"] = {l: len(D["unlabeled"][l]) for l in LANGS}
    times, cpu = [], []
    with threadpool_limits(1):
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            P = m.predict(paras)          # vectorize + predict
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    out["predict_s_runs"] = times
    out["predict_cpu_s_runs"] = cpu
    # wall clock is inflated when other processes compete for the 2 cores;
    # process CPU time of this single-threaded process is the steadier figure
    out["paragraphs_per_cpu_s"] = len(paras) / statistics.median(cpu)
    out["predict_s_median"] = statistics.median(times)
    out["paragraphs_per_s_1core"] = len(paras) / statistics.median(times)
    out["paragraphs_per_s_1core_best"] = len(paras) / min(times)
    out["predicted_pairs_unlabeled"] = int(P.sum())
    out["loadavg_after"] = list(os.getloadavg())
    log(f"  throughput (1 core): {out['paragraphs_per_s_1core']:.0f} paragraphs/s wall, "
        f"{out['paragraphs_per_cpu_s']:.0f} per CPU-second, over {len(paras)} paragraphs "
        f"(median of {repeats}); loadavg {out['loadavg_before']} -> {out['loadavg_after']}")
    return out


# --------------------------------------------------------------------------- report

def table(res):
    lines = []
    cols = LANGS + ["all"]
    hdr = f"{'':28s}" + "".join(f"{c:>8s}" for c in cols)
    lines.append("CV (5 folds, pooled model, out-of-fold)")
    lines.append(hdr)
    cv = res["cv"]
    for name, kind, key in (("techniques micro-F1", "techniques", "micro_f1"),
                            ("techniques macro-F1 (23)", "techniques", "macro_f1"),
                            ("genre macro-F1 (3)", "genre", "macro_f1"),
                            ("genre macro-F1 (present)", "genre", "macro_f1_present"),
                            ("frames micro-F1", "frames", "micro_f1")):
        lines.append(f"{name:28s}" + "".join(f"{cv[kind][c][key]:8.3f}" for c in cols))
    lines.append("")
    lines.append("LOLO (train on the other 5 languages)")
    lines.append(f"{'':28s}" + "".join(f"{c:>8s}" for c in LANGS))
    lo = res["lolo"]
    for name, kind, key in (("techniques micro-F1", "techniques", "micro_f1"),
                            ("techniques macro-F1 (23)", "techniques", "macro_f1"),
                            ("genre macro-F1 (3)", "genre", "macro_f1"),
                            ("genre macro-F1 (present)", "genre", "macro_f1_present"),
                            ("frames micro-F1", "frames", "micro_f1")):
        lines.append(f"{name:28s}" + "".join(f"{lo[kind][c][key]:8.3f}" for c in LANGS))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="semeval2023-task3 data folder")
    ap.add_argument("--out", required=True, help="results.json path")
    ap.add_argument("--oof", default=None,
                    help="out-of-fold predictions folder (default: oof/ next to --out)")
    ap.add_argument("--skip-lolo", action="store_true")
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--timing-only", action="store_true",
                    help="only redo the timing block and merge it into an existing --out")
    args = ap.parse_args()
    oof_dir = Path(args.oof) if args.oof else Path(args.out).parent / "oof"

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    t_all = time.perf_counter()
    D = load(args.data)
    log(f"loaded: {len(D['articles'])} articles, {len(D['tech'])} paragraph rows, "
        f"{len(D['genre'])} genre, {len(D['frame'])} frames; ids unique across languages")

    res = {"settings": dict(
        word=dict(analyzer="word", ngram_range=[1, 2], min_df=2, sublinear_tf=True,
                  lowercase=True),
        char=dict(analyzer="char_wb", ngram_range=[2, 5], min_df=2, sublinear_tf=True,
                  lowercase=True),
        combine="hstack (FeatureUnion), each block L2-normalised by its TfidfVectorizer",
        techniques_frames=dict(model="OneVsRestClassifier(LogisticRegression)", C=C,
                               class_weight="balanced", solver=SOLVER_OVR, dual=DUAL,
                               max_iter=MAX_ITER, random_state=SEED, threshold=0.5),
        genre=dict(model="OneVsRestClassifier(LogisticRegression), argmax of decision "
                         "function", C=C, class_weight="balanced (per binary problem)",
                   solver=SOLVER_OVR, dual=DUAL, max_iter=MAX_ITER, random_state=SEED),
        folds=("K=5; per language, article ids (digits of train-articles/article<ID>.txt) "
               "sorted as strings; fold = index mod 5; vectorisers refit on each "
               "training split"),
        macro_f1="over all labels (23 techniques / 3 genres), zero_division=0; "
                 "macro_f1_present: only labels with gold support in that subset",
        versions=dict(python=platform.python_version(), numpy=np.__version__,
                      scipy=scipy.__version__, sklearn=sklearn.__version__),
    )}
    if args.timing_only:
        with open(args.out, encoding="utf-8") as fh:
            old = json.load(fh)
        log("timing ...")
        old.setdefault("timing", {}).update(run_timing(D, log))
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(old, fh, indent=1)
            fh.write("\n")
        t = old["timing"]
        print(f"full techniques fit (1 core): {t['train_techniques_full_s_1core']:.1f}s; "
              f"prediction: {t['paragraphs_per_s_1core']:.0f} paragraphs/s on 1 core; "
              f"updated {args.out}")
        return
    log(f"cross-validation{'' if args.skip_lolo else ' + leave-one-language-out'} "
        f"({N_JOBS} jobs in parallel) ...")
    cv, lolo, oof, timing = run_splits(D, log, lolo=not args.skip_lolo)
    res["cv"] = cv
    if lolo is not None:
        res["lolo"] = lolo
    res["oof_files"] = write_oof(D, oof, oof_dir)
    res["timing"] = timing
    if not args.skip_timing:
        log("timing ...")
        res["timing"].update(run_timing(D, log))
    res["timing"]["total_s"] = time.perf_counter() - t_all

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(res, fh, indent=1, sort_keys=False)
        fh.write("\n")
    if "lolo" in res:
        print(table(res))
    if "paragraphs_per_s_1core" in res["timing"]:
        t = res["timing"]
        print(f"\nfull techniques fit (1 core): {t['train_techniques_full_s_1core']:.1f}s; "
              f"prediction: {t['paragraphs_per_s_1core']:.0f} paragraphs/s on 1 core "
              f"({t['unlabeled_paragraphs']} unlabeled paragraphs, vectorise+predict)")
    print(f"total {res['timing']['total_s']:.0f}s; wrote {args.out}")


if __name__ == "__main__":
    main()
