"""Helpers for tests that build story folders."""

from __future__ import annotations

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
