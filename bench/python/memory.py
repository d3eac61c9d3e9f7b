#!/usr/bin/env python3
"""Peak RSS of one Python worker with each model: a fresh interpreter imports
rhetor, loads the model and analyses 200 articles from DATA_DIR (as a Spark
Python worker does), then reports its peak RSS.

    memory.py [DATA_DIR]
"""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHILD = r"""
import json, resource, sys
from pathlib import Path
import rhetor
model, data = sys.argv[1], Path(sys.argv[2])
texts = [p.read_text(encoding="utf-8") for p in sorted(data.glob("*/unlabeled-articles/*.txt"))[:200]]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
an = rhetor.Analyzer(model)
name = an.load()
an.analyze_many(texts)
print(json.dumps({"model": name, "articles": len(texts), "interpreter_mb": base / 1024,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else str(REPO.parent / "shared/data/semeval2023-task3")
    for model in ("fast", "accurate"):
        out = subprocess.run([sys.executable, "-c", CHILD, model, data], capture_output=True, text=True)
        if out.returncode:
            print(f"{model}: failed: {out.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(out.stdout)
        print(f"{r['model']}: peak RSS {r['peak_mb']:.0f} MB after {r['articles']} articles "
              f"(the interpreter with rhetor imported: {r['interpreter_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
