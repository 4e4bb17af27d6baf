"""A story's title and author before it has loaded, for the title screen's
first frame.

Loading a story (engine.load_story) hashes every file and reads the load
cache, or parses and validates everything: tens of milliseconds at best.
The title screen would wait for that before it could say what it is. So
`peek_heading` reads the manifest alone, bounded, and takes the top-level
`title:` and `author:` lines when they are simple one-line scalars (plain,
'single-' or "double-quoted" without escapes). Anything else (a block
scalar, a flow mapping, an escape, a tab, a file too big) gives None for
that field and the screen waits for the load as before. Nothing here
parses YAML (importing the parser would cost the first frame more than the
peek saves), nothing is evaluated, and a wrong guess cannot last: the title
screen shows the loaded story's own title as soon as it is ready, and a
story that fails to load ends the game with its errors."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from .files import MANIFEST_NAME, NotRegular, _read_regular, bundled_story_dir

MAX_PEEK_BYTES = 256 * 1024  # a manifest larger than this is not peeked at
MAX_HEADING = 200  # characters: a longer title waits for the load (and its checks)

# `key: value` at the start of a line, the value on that line only.
_LINE = re.compile(rb"^(title|author)[ ]*:[ ]+(.+?)[ ]*(?:\r)?$", re.MULTILINE)
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^#]*?")  # no comment, no indicator first


class Heading(NamedTuple):
    title: str
    author: str


def peek_heading(root: str | os.PathLike[str] | None) -> Heading | None:
    """The title and author the story folder `root` (None: the bundled
    story) declares, or None when the manifest cannot be read cheaply or
    its title is not a simple scalar."""
    folder = Path(root) if root is not None else bundled_story_dir()
    try:
        data, _ = _read_regular(str(folder / MANIFEST_NAME), MAX_PEEK_BYTES)
    except (OSError, NotRegular):
        return None
    if data is None:
        return None
    found: dict[bytes, str] = {}
    for m in _LINE.finditer(data):
        key = m.group(1)
        if key in found:  # a duplicate key is the loader's error to report
            return None
        value = _scalar(m.group(2))
        if value is None:
            if key == b"title":
                return None
            continue
        found[key] = value
    title = found.get(b"title")
    if not title:
        return None
    return Heading(title, found.get(b"author", ""))


def _scalar(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(text) > MAX_HEADING + 2 or not text.isprintable():
        return None
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        inner = text[1:-1]
        if text[0] == '"' and ("\\" in inner or '"' in inner):
            return None  # escapes: the loader's job
        if text[0] == "'" and "'" in inner:
            return None  # '' inside single quotes
        return inner or None
    if _PLAIN.fullmatch(text) is None or ": " in text or text.endswith(":"):
        return None
    return text
