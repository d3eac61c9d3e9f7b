#!/usr/bin/env python3
"""Extraction quality and speed: rhetor's extractor and trafilatura
(Python, when installed: `pip install trafilatura`) on the same pages.

    cargo build --release && python3 bench/extract/run.py [--copies 50]
    python3 bench/extract/run.py --by-layout --copies 100   # speed per page layout
    python3 bench/extract/run.py --by-layout --layouts table,wordpress --copies 2000 \
        --before OLD_BIN                                     # paired, two layouts

Quality: the shingle F1 of score.py on bench/extract/pages (layouts that
were in view while rhetor's clean-up rules were written) and on
bench/extract/heldout (layouts written after; the honest figure). Every
page's gold body is in NAME.gold.txt. Speed: each extractor in one process
over both sets copied --copies times (rhetor: `rhetor extract DIR`, which
also identifies each article's language, with 1 thread and with one per
core; trafilatura: `extract()` per page, one thread). Both wall-clock
pages/s and CPU-time pages/s (user + system seconds of the process) are
reported: on a shared machine the CPU figure is the stable one.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from score import score  # noqa: E402


def rhetor_preds(binary, pages):
    out = subprocess.run([binary, "extract", pages], check=True, capture_output=True, text=True).stdout
    return {json.loads(l)["id"]: json.loads(l)["text"] for l in out.splitlines()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=50)
    ap.add_argument("--sets", default="pages,heldout")
    ap.add_argument("--rhetor", default=os.path.join(ROOT, "target", "release", "rhetor"))
    ap.add_argument("--by-layout", action="store_true",
                    help="speed only: CPU time of rhetor (1 thread) and trafilatura per page layout, "
                         "best of --repeats runs each")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--layouts", metavar="A,B",
                    help="with --by-layout: only these layouts (e.g. table,wordpress)")
    ap.add_argument("--before", metavar="BIN",
                    help="with --by-layout: also time this other rhetor build, alternating with --rhetor "
                         "and trafilatura in the same loop (a paired before/after measurement)")
    args = ap.parse_args()
    sets = [os.path.join(HERE, s) for s in args.sets.split(",")]
    files = [os.path.join(d, f) for d in sets for f in sorted(os.listdir(d)) if f.endswith(".html")]
    if args.by_layout:
        by_layout(args, files)
        return
    result = {"pages": {os.path.basename(d): len([f for f in files if f.startswith(d)]) for d in sets}}

    def quality(preds_for):
        out = {}
        for d in sets:
            P, R, F, rows = score(d, preds_for(d))
            out[os.path.basename(d)] = {"precision": round(P, 4), "recall": round(R, 4), "f1": round(F, 4)}
        return out

    result["rhetor"] = quality(lambda d: rhetor_preds(args.rhetor, d))

    with tempfile.TemporaryDirectory() as tmp:
        for c in range(args.copies):
            for f in files:
                shutil.copy(f, os.path.join(tmp, f"{c:03d}-{os.path.basename(f)}"))
        total = len(files) * args.copies
        for threads in ["1", str(os.cpu_count())]:
            t = time.perf_counter()
            c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([args.rhetor, "extract", tmp], check=True, stdout=subprocess.DEVNULL,
                           env=dict(os.environ, RAYON_NUM_THREADS=threads))
            el = time.perf_counter() - t
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
            result["rhetor"][f"pages_per_s_{threads}_threads"] = round(total / el, 1)
            result["rhetor"][f"pages_per_cpu_s_{threads}_threads"] = round(total / cpu, 1)
        result["timed_pages"] = total

        try:
            import trafilatura
        except ImportError:
            print("trafilatura is not installed (pip install trafilatura): rhetor only", file=sys.stderr)
            print(json.dumps(result, indent=1))
            return
        result["trafilatura_version"] = trafilatura.__version__
        def tpreds(d):
            out = {}
            for f in sorted(os.listdir(d)):
                if f.endswith(".html"):
                    html = open(os.path.join(d, f), "rb").read()
                    out[f[:-5]] = trafilatura.extract(html, include_comments=False, include_tables=False) or ""
            return out

        result["trafilatura"] = quality(tpreds)
        copies = sorted(os.listdir(tmp))
        t = time.perf_counter()
        c0 = time.process_time()
        for f in copies:
            trafilatura.extract(open(os.path.join(tmp, f), "rb").read(), include_comments=False, include_tables=False)
        el = time.perf_counter() - t
        cpu = time.process_time() - c0
        result["trafilatura"]["pages_per_s_1_threads"] = round(total / el, 1)
        result["trafilatura"]["pages_per_cpu_s_1_threads"] = round(total / cpu, 1)
        r, t_ = result["rhetor"], result["trafilatura"]
        result["speedup_wall_1_thread"] = round(r["pages_per_s_1_threads"] / t_["pages_per_s_1_threads"], 1)
        result["speedup_cpu_1_thread"] = round(r["pages_per_cpu_s_1_threads"] / t_["pages_per_cpu_s_1_threads"], 1)
    print(json.dumps(result, indent=1))


def by_layout(args, files):
    """Pages per CPU-second of each layout (the last part of a page's name:
    classic, divs, teaser, sections, wordpress, portal, component, table),
    rhetor `extract` on one thread against trafilatura's `extract()`, the
    pages of that layout copied --copies times; each figure the best of
    --repeats runs (the machine is shared: the least disturbed run)."""
    import trafilatura
    layouts = {}
    for f in files:
        layouts.setdefault(os.path.basename(f)[:-5].rsplit("-", 1)[1], []).append(f)
    if args.layouts:
        wanted = args.layouts.split(",")
        layouts = {k: v for k, v in layouts.items() if k in wanted}
    rows = []
    for layout, pages in sorted(layouts.items()):
        with tempfile.TemporaryDirectory() as tmp:
            for c in range(args.copies):
                for f in pages:
                    shutil.copy(f, os.path.join(tmp, f"{c:03d}-{os.path.basename(f)}"))
            total = len(pages) * args.copies
            blobs = [open(os.path.join(tmp, f), "rb").read() for f in sorted(os.listdir(tmp))]
            rhetor, traf, before = [], [], []

            def cpu_of(binary):
                c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run([binary, "extract", tmp], check=True, stdout=subprocess.DEVNULL,
                               env=dict(os.environ, RAYON_NUM_THREADS="1"))
                c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                return (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)

            for _ in range(args.repeats):
                if args.before:
                    before.append(cpu_of(args.before))
                rhetor.append(cpu_of(args.rhetor))
                t0 = time.process_time()
                for html in blobs:
                    trafilatura.extract(html, include_comments=False, include_tables=False)
                traf.append(time.process_time() - t0)
            r, t = total / min(rhetor), total / min(traf)
            rows.append({"layout": layout, "pages": total, "rhetor_pages_per_cpu_s": round(r),
                         "trafilatura_pages_per_cpu_s": round(t), "ratio": round(r / t, 1),
                         "rhetor_cpu_s": [round(x, 3) for x in rhetor],
                         "trafilatura_cpu_s": [round(x, 3) for x in traf]})
            if before:
                b = total / min(before)
                rows[-1].update({"before_pages_per_cpu_s": round(b), "before_ratio": round(b / t, 1),
                                 "before_cpu_s": [round(x, 3) for x in before]})
            print(json.dumps(rows[-1]), flush=True)
    worst = min(rows, key=lambda r: r["ratio"])
    print(f"worst layout: {worst['layout']} at {worst['ratio']}x trafilatura "
          f"(trafilatura {trafilatura.__version__})")


if __name__ == "__main__":
    main()
