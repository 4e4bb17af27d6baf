"""The load cache: a validated Story kept in the user cache dir, keyed by
the story files' content hash and the engine version.

Entries are pickles read back with an unpickler that only knows the story
model's own classes, so a corrupt or tampered cache file cannot run code:
it is ignored, and the story is loaded from its YAML again."""

from __future__ import annotations

import gc
import io
import os
import pickle
import tempfile
from pathlib import Path

from .. import __version__

CACHE_FORMAT = 1
_MAGIC = b"RAC1"
_ALLOWED = {
    ("rocky_adventure.engine.model", name) for name in (
        "Variable", "Chapter", "Ending", "Effect", "Choice", "Scene", "HudBar", "Display", "StoryFile", "Story")
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


def _path(digest: str, cache_dir) -> Path:
    d = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return d / f"{digest[:40]}-{__version__}-{CACHE_FORMAT}.pickle"


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the story cache")


def load_cached(digest: str, cache_dir=None):
    from .model import Story
    try:
        data = _path(digest, cache_dir).read_bytes()
    except OSError:
        return None
    if not data.startswith(_MAGIC):
        return None
    enabled = gc.isenabled()
    gc.disable()
    try:
        story = _SafeUnpickler(io.BytesIO(memoryview(data)[len(_MAGIC):])).load()
    except Exception:  # a corrupt cache entry is only a cache miss
        return None
    finally:
        if enabled:
            gc.enable()
    if not isinstance(story, Story) or story.hash != digest:
        return None
    return story


def store_cached(digest: str, story, cache_dir=None) -> None:
    """Write atomically; a cache that cannot be written is not an error."""
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
