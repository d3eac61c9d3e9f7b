#!/usr/bin/env python3
"""Lists import cycles between the source files of each crate.

A file `a.rs` depends on `b.rs` when it names a path into `b`'s module:
`use crate::b::...`, `crate::b::...` in an expression, or `super::b` from
a sibling. Unit-test modules (from `#[cfg(test)]` to the end of the file)
count too: a test that reaches back into a module that imports the file
is a cycle as well. Paths through the crate root (`crate::Name`, the
re-exports of lib.rs, the crate's public face) are not followed. Exits 1
and prints each cycle when there is one.

    tools/import_cycles.py [CRATES_DIR]    (default: crates)
"""

import re
import sys
from pathlib import Path


def module_of(src: Path, f: Path) -> tuple:
    """Module path of a file under `src` (`lib.rs`/`main.rs` is the root)."""
    parts = list(f.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("lib", "main", "mod"):
        parts.pop()
    return tuple(parts)


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def expand_use_groups(text: str):
    """Yields every path a `use` tree or an expression names, braces expanded."""
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        yield from expand(m.group(1).replace("\n", " ").replace(" ", ""))
    for m in re.finditer(r"\b((?:crate|super|self)(?:::\w+)+)", text):
        yield m.group(1)


def expand(tree: str):
    m = re.match(r"^(.*?)::\{(.*)\}$", tree)
    if not m:
        yield tree
        return
    prefix, inner = m.groups()
    depth, cur, items = 0, "", []
    for ch in inner:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    items.append(cur)
    for item in items:
        if item:
            yield from (f"{prefix}::{p}" for p in expand(item))


def resolve(path: str, here: tuple, is_dir_module: bool, modules: set):
    """The longest known module a path points into, or None."""
    segs = path.split("::")
    base = list(here) if is_dir_module else list(here[:-1]) if here else []
    if segs[0] == "crate":
        cur = []
    elif segs[0] == "super":
        cur = list(base)
        segs = segs[1:]
        while segs and segs[0] == "super":
            cur = cur[:-1]
            segs = segs[1:]
        segs = ["_"] + segs
    elif segs[0] == "self":
        cur = list(here)
    else:
        return None
    best = None
    for s in segs[1:]:
        cur = cur + [s]
        if tuple(cur) in modules:
            best = tuple(cur)
        else:
            break
    return best


def crate_graph(src: Path):
    files = {module_of(src, f): f for f in src.rglob("*.rs")}
    modules = set(files)
    graph = {m: set() for m in files}
    for m, f in files.items():
        text = strip_comments(f.read_text())
        is_dir_module = f.name in ("lib.rs", "main.rs", "mod.rs")
        for path in expand_use_groups(text):
            target = resolve(path, m, is_dir_module, modules)
            # A file may name its own submodules (and the root names all):
            # only edges to files outside its own subtree count.
            if target is not None and target[: len(m)] != m:
                graph[m].add(target)
    return files, graph


def cycles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "crates")
    found = 0
    checked = 0
    for src in sorted(root.glob("*/src")):
        files, graph = crate_graph(src)
        checked += len(files)
        for comp in cycles(graph):
            found += 1
            names = sorted(str(files[m].relative_to(root)) for m in comp)
            print(f"cycle in {src.parent.name}: " + " <-> ".join(names))
    print(f"{checked} files checked, {found} import cycles")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
