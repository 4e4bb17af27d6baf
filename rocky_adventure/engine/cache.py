"""The load cache: a validated Story kept in the user cache dir, keyed by
the story files' content hash and the engine version.

Entries are pickles read back with an unpickler that only knows the story
model's own classes, so a corrupt or tampered cache file cannot run code:
it is ignored, and the story is loaded from its YAML again."""

from __future__ import annotations

import gc
import os
import pickle
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .. import __version__

if TYPE_CHECKING:
    from .model import Story

_PathLike = str | os.PathLike[str]

CACHE_FORMAT = 2  # 2: equal values stored once (see shared)
_MAGIC = b"RAC1"
_ALLOWED = {
    ("rocky_adventure.engine.model", name)
    for name in (
        "Variable",
        "Chapter",
        "Ending",
        "Effect",
        "Choice",
        "Scene",
        "HudBar",
        "Display",
        "StoryFile",
        "PackInfo",
        "Story",
    )
} | {
    ("rocky_adventure.engine.expr", "Expr"),
    ("rocky_adventure.engine.text", "Template"),
    ("rocky_adventure.engine.text", "Branches"),
    ("builtins", "frozenset"),
    ("builtins", "set"),
}


def default_cache_dir() -> Path:
    env = os.environ.get("ROCKY_ADVENTURE_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("rocky-adventure", appauthor=False)) / "stories"


def _path(digest: str, cache_dir: _PathLike | None) -> Path:
    d = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return d / f"{digest[:40]}-{__version__}-{CACHE_FORMAT}.pickle"


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the story cache")


def load_cached(digest: str, cache_dir: _PathLike | None = None) -> Story | None:
    """The story kept under `digest`, or None. It is unpickled as the file
    is read (never the whole file in memory as well as the story)."""
    from .model import Story

    try:
        f = open(_path(digest, cache_dir), "rb")
    except OSError:
        return None
    enabled = gc.isenabled()
    gc.disable()
    try:
        with f:
            if f.read(len(_MAGIC)) != _MAGIC:
                return None
            story = _SafeUnpickler(f).load()
    except Exception:  # a corrupt (or unreadable) cache entry is only a cache miss
        return None
    finally:
        if enabled:
            gc.enable()
    if not isinstance(story, Story) or story.hash != digest:
        return None
    return story


def shared(story: Story) -> Story:
    """A copy of `story` in which equal strings, integers and tuples are one
    object: a story repeats its ids, names, expression sources and
    expression trees many times over (some 20% of its memory), and a pickle
    keeps each object it is given, so the cache stores them once and every
    load from it shares them. Only immutable values are merged; an object
    the story reaches twice stays one object."""
    return cast("Story", _Sharing().copy(story))  # (a copy has the type of its original)


class _Sharing:
    """One `shared` copy. (A class, not a closure: a nested function that
    calls itself is a reference cycle, and would keep every object of the
    walk until the next full collection.)"""

    def __init__(self) -> None:
        from .expr import Expr
        from .text import Template

        self.stateful = (Expr, Template)
        self.values: dict[
            tuple[type, Any], Any
        ] = {}  # (type, value), or for a tuple (type, its items' ids) -> the one object
        self.copies: dict[
            int, tuple[Any, Any]
        ] = {}  # id(original) -> (original, copy): holding it keeps its id its own

    def copy(self, o: Any) -> Any:  # (any value a story holds)
        t: Any = type(o)
        if t is str or t is int:
            return self.values.setdefault((t, o), o)
        if o is None or t is bool or t is float:
            return o
        seen = self.copies.get(id(o))
        if seen is not None:
            return seen[1]
        copy = self.copy
        new: Any
        if t is tuple or t is frozenset:
            new = t(map(copy, o))
            # keyed by what it holds, by identity: its items are the one objects already, and
            # equality would merge (1,) with (True,) and (1.0,)
            key = (t, tuple(map(id, new)) if t is tuple else frozenset(map(id, new)))
            new = self.values.setdefault(key, new)
        elif t is dict:
            new = {copy(k): copy(v) for k, v in o.items()}
        elif t is list:
            new = [copy(x) for x in o]
        elif t in self.stateful:
            new = t.__new__(t)
            new.__setstate__(tuple(map(copy, o.__getstate__())))
        elif isinstance(o, tuple):  # the model's NamedTuples, text.Branches
            items = map(copy, o)
            new = t._make(items) if hasattr(t, "_make") else t(items)
        else:
            new = o
        self.copies[id(o)] = (o, new)
        return new


def store_cached(digest: str, story: Story, cache_dir: _PathLike | None = None) -> None:
    """Write atomically; a cache that cannot be written is not an error.
    The entry holds the story's `shared` copy."""
    story = shared(story)
    path = _path(digest, cache_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC)
                pickle.dump(story, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, pickle.PicklingError, RecursionError, TypeError):
        pass
