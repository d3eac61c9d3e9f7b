#!/usr/bin/env python3
"""Independent check of rhetor's SemEval-2023 Task 3 metrics.

Written apart from the Rust code (crates/rhetor-eval) on purpose: genre,
frames and techniques are scored with scikit-learn's f1_score over
MultiLabelBinarizer vectors, as the official task scorers do; spans with a
plain-Python version of the SemEval-2020 Task 11 partial-overlap formula.

Usage:
  metrics_check.py --task genre|frames|techniques|spans \
                   --labels LABEL_INVENTORY.txt --gold GOLD --pred PRED [--digits N]

  metrics_check.py --batch JOBS.tsv [--digits N]

Prints `micro-F1: ...` and `macro-F1: ...` (and `precision: `, `recall: `
for spans), like `rhetor eval`. With --batch, JOBS.tsv holds one job a line,
`task<TAB>labels<TAB>gold<TAB>pred`, and each job's lines follow a header
line `== N` (N the 1-based job number): one process, one scikit-learn import.

Conventions (the same as rhetor's, stated here to be checked, not shared):
  * every gold unit (article id, or (id, line) for techniques) is scored;
    a unit missing from the prediction counts as an empty label set;
  * predicted units not in the gold are ignored;
  * a repeated key: the last row wins (a dict);
  * classes without gold or predictions score 0 (sklearn's zero_division);
  * spans: overlapping spans of one technique in one article are merged
    first (gold and prediction); every predicted span counts, whether or
    not its article has gold spans; 0/0 is 0.
"""

import argparse
import sys
import warnings


def rows(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if line.strip():
            yield line.split("\t")


def label_set(field):
    return {x.strip() for x in field.split(",") if x.strip()}


def read_units(task, path):
    units = {}
    for f in rows(path):
        if task == "genre":
            units[f[0].strip()] = {f[1].strip()}
        elif task == "frames":
            units[f[0].strip()] = label_set(f[1] if len(f) > 1 else "")
        else:  # techniques
            units[(f[0].strip(), int(f[1]))] = label_set(f[2] if len(f) > 2 else "")
    return units


def classification(task, classes, gold_path, pred_path):
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    gold = read_units(task, gold_path)
    pred = read_units(task, pred_path)
    keys = list(gold)
    mlb = MultiLabelBinarizer(classes=classes)
    mlb.fit([classes])
    y_true = mlb.transform([gold[k] for k in keys])
    y_pred = mlb.transform([pred.get(k, set()) for k in keys])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        micro = f1_score(y_true, y_pred, average="micro")
        macro = f1_score(y_true, y_pred, average="macro")
    return {"micro-F1": micro, "macro-F1": macro}


def merged(spans):
    out = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def span_groups(path):
    groups = {}
    for f in rows(path):
        groups.setdefault((f[0].strip(), f[1].strip()), []).append((int(f[2]), int(f[3])))
    return {k: merged(v) for k, v in groups.items()}


def div(a, b):
    return a / b if b else 0.0


def spans(classes, gold_path, pred_path):
    gold = span_groups(gold_path)
    pred = span_groups(pred_path)
    per = {c: [0.0, 0.0, 0, 0] for c in classes}  # p credit, r credit, |S|, |T|
    for key in set(gold) | set(pred):
        acc = per[key[1]]
        g = gold.get(key, [])
        p = pred.get(key, [])
        acc[2] += len(p)
        acc[3] += len(g)
        for s in p:
            for t in g:
                inter = min(s[1], t[1]) - max(s[0], t[0])
                if inter > 0:
                    acc[0] += inter / (s[1] - s[0])
                    acc[1] += inter / (t[1] - t[0])

    def f1(p, r):
        return div(2 * p * r, p + r)

    prec = div(sum(a[0] for a in per.values()), sum(a[2] for a in per.values()))
    rec = div(sum(a[1] for a in per.values()), sum(a[3] for a in per.values()))
    macro = sum(f1(div(a[0], a[2]), div(a[1], a[3])) for a in per.values()) / len(classes)
    return {"micro-F1": f1(prec, rec), "macro-F1": macro, "precision": prec, "recall": rec}


def score(task, labels, gold, pred):
    with open(labels, encoding="utf-8") as f:
        classes = [l.strip() for l in f if l.strip()]
    if task == "spans":
        return spans(classes, gold, pred)
    return classification(task, classes, gold, pred)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", choices=["genre", "frames", "techniques", "spans"])
    ap.add_argument("--labels", help="label inventory, one label a line")
    ap.add_argument("--gold")
    ap.add_argument("--pred")
    ap.add_argument("--batch", help="file of task<TAB>labels<TAB>gold<TAB>pred jobs")
    ap.add_argument("--digits", type=int, default=4)
    a = ap.parse_args()
    if a.batch:
        with open(a.batch, encoding="utf-8") as f:
            jobs = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    elif a.task and a.labels and a.gold and a.pred:
        jobs = [[a.task, a.labels, a.gold, a.pred]]
    else:
        ap.error("give --task, --labels, --gold and --pred, or --batch")
    for n, job in enumerate(jobs, 1):
        if a.batch:
            print(f"== {n}")
        for name, value in score(*job).items():
            print(f"{name}: {value:.{a.digits}f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
