"""What the loader may keep from one load of a story to the next, in one
process: the language server loads the same story again after every edit,
and most of its files have not changed.

Off unless `enable()` is called (the language server does); a command that
loads once never pays for it. What is kept is keyed by everything it was
computed from, so a load with the memo gives the same Story and the same
diagnostics as one without:
- a file's parse (its text, its fields after the schema, the errors said):
  by its name and a digest of its bytes;
- an expression's parse: by its source and the names it can read (the
  variables in order, with their types, and the scene ids);
- a text template: by those names, the file's digest and the text's place.
Only the latest version of each file is kept (an edit replaces it), and the
names of the two latest sets of declarations: what is kept is about one
more copy of the story's parse."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_enabled = False


class Lru(Generic[K, V]):
    """A dict that keeps its `size` most recently used entries."""

    def __init__(self, size: int):
        self.size = size
        self._d: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        v = self._d.get(key)
        if v is not None:
            self._d.move_to_end(key)
        return v

    def put(self, key: K, value: V) -> V:
        self._d[key] = value
        self._d.move_to_end(key)
        while len(self._d) > self.size:
            self._d.popitem(last=False)
        return value

    def clear(self) -> None:
        self._d.clear()

    def __len__(self) -> int:
        return len(self._d)


# The most files kept (engine.files.MAX_FILES is 2000 a story: room for a few)
MAX_FILES = 8192
# file name -> (digest of its bytes, what parse_file found)
FILES: Lru[str, tuple[str, object]] = Lru(MAX_FILES)
# the names expressions can read -> {source: parse}
EXPRESSIONS: Lru[object, dict[str, object]] = Lru(2)
# file name -> (the names, digest of its bytes, {(line, col, style, text): template})
TEMPLATES: Lru[str, tuple[object, str, dict[object, object]]] = Lru(MAX_FILES)


def enable(on: bool = True) -> None:
    """Keep parses between loads (or stop, and forget them)."""
    global _enabled
    _enabled = on
    if not on:
        for m in (FILES, EXPRESSIONS, TEMPLATES):
            m.clear()


def enabled() -> bool:
    return _enabled
