"""Helpers for tests that build story folders."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MANIFEST = """\
format: 1
id: t
title: Test
start: a
variables:
  n: {type: int, default: 1, min: 0, max: 10}
  flag: {type: bool, default: false}
  name: {type: str, default: "Duke"}
chapters:
  - {id: one, title: One}
endings:
  - {id: end, title: The End, epilogue: "Goodbye, {name}."}
"""


def write_story(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


# -- tampering with JSON documents (property tests) ------------------------------


def json_values(max_leaves: int = 10):
    """A hypothesis strategy: any JSON value, small."""
    from hypothesis import strategies as st

    scalars = (
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def json_paths(doc, limit: int | None = None) -> list[tuple]:
    """The path (keys and indexes) of every value inside `doc`, not `doc`
    itself; `limit` keeps only the first items of each list."""
    paths: list[tuple] = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node[:limit]):
                walk(v, path + (i,))

    walk(doc, ())
    return paths[1:]


def replace_at(doc, path: tuple, value) -> None:
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def build_wheel(out: Path) -> Path:
    """Build the project's wheel into `out` with hatchling (the caller skips
    when hatchling is absent) and return its path."""
    r = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    return next(out.glob("*.whl"))


def distinct_objects(s) -> int:
    """The distinct objects reachable from `s` (through dicts, sequences and
    __getstate__): what a model holds, each shared object once."""
    seen, todo = set(), [s]
    while todo:
        o = todo.pop()
        if id(o) in seen or o is None or isinstance(o, (bool, float)):
            continue
        seen.add(id(o))
        if isinstance(o, dict):
            todo += [*o.keys(), *o.values()]
        elif isinstance(o, (tuple, list, frozenset)):
            todo += list(o)
        elif hasattr(o, "__getstate__") and not isinstance(o, (str, int)):
            todo += list(o.__getstate__())
    return len(seen)
