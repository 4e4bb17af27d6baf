"""A story folder's files, their hash, and `load_base_story`: everything the
load cache's path needs, without the YAML parser, the schema or the format. A
story comes back from the cache with only the model's own modules; the
loader (and PyYAML) is imported only when a story must be parsed."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import E_READ, Diagnostic, StoryLoadError
from .digests import sha256_for

if TYPE_CHECKING:
    from .model import Story

MANIFEST_NAME = "story.yaml"
MAX_FILES = 2000
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_FILE_BYTES = 32 * 1024 * 1024  # yamlio.MAX_FILE_BYTES is this one


def bundled_story_dir() -> Path:
    """The Rocky IV story: inside the installed package, or beside it in a
    source checkout."""
    here = Path(__file__).resolve().parent.parent
    inside = here / "story"
    if (inside / MANIFEST_NAME).is_file():
        return inside
    return here.parent / "story"


def read_files(
    root: Path, manifest_name: str = MANIFEST_NAME, kind: str = "story"
) -> tuple[list[tuple[str, bytes]], list[Diagnostic]]:
    """Every *.yaml file below root (manifest first, then by path). Symlinks
    and hidden folders are skipped, sizes are bounded. Branch packs are read
    the same way, with their own manifest name (kind "pack")."""
    shown = str(root)
    if not root.is_dir():
        what = f"is a file, not a {kind} folder" if root.exists() else "does not exist"
        return [], [
            Diagnostic(shown, 0, 0, E_READ, f"{what}: expected a folder holding {manifest_name}")
        ]
    manifest = root / manifest_name
    if not manifest.is_file() or manifest.is_symlink():
        return [], [
            Diagnostic(
                shown,
                0,
                0,
                E_READ,
                f"no {manifest_name} in this folder: expected a {kind} manifest",
            )
        ]
    found: list[str] = []
    errors: list[Diagnostic] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and not os.path.islink(os.path.join(dirpath, d))
        )
        for name in sorted(filenames):
            if not name.endswith((".yaml", ".yml")) or name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if os.path.islink(full):
                errors.append(
                    Diagnostic(
                        _join(shown, rel),
                        0,
                        0,
                        E_READ,
                        f"symbolic links are not followed in {kind} folders",
                    )
                )
                continue
            found.append(rel)
            if len(found) > MAX_FILES:
                return [], [
                    Diagnostic(
                        shown,
                        0,
                        0,
                        E_READ,
                        f"more than {MAX_FILES} YAML files: is this really a {kind} folder?",
                    )
                ]
    found.sort(key=lambda r: (r != manifest_name, r))
    files: list[tuple[str, bytes]] = []
    total = 0
    limit = fmt_limit()
    for rel in found:
        path = root / rel
        try:
            size = path.stat().st_size
            total += size
            if size > limit or total > MAX_TOTAL_BYTES:
                errors.append(
                    Diagnostic(
                        _join(shown, rel),
                        0,
                        0,
                        E_READ,
                        f"file is too large ({size // 1024} KiB); a story file may be at most "
                        f"{limit // (1024 * 1024)} MiB",
                    )
                )
                continue
            files.append((rel, path.read_bytes()))
        except OSError as e:
            errors.append(
                Diagnostic(_join(shown, rel), 0, 0, E_READ, f"cannot read: {e.strerror or e}")
            )
    return files, errors


def fmt_limit() -> int:
    """The largest story file: the YAML reader's limit (yamlio.MAX_FILE_BYTES,
    which a test may lower); it is this module's own until yamlio is loaded."""
    yamlio = sys.modules.get(f"{__package__}.yamlio")
    return MAX_FILE_BYTES if yamlio is None else yamlio.MAX_FILE_BYTES


def _join(root: str, rel: str) -> str:
    return rel if root in ("", ".") else f"{root.rstrip('/')}/{rel}"


def story_hash(files: list[tuple[str, bytes]]) -> str:
    h = sha256_for(sum(len(data) for _rel, data in files))
    for rel, data in files:
        h.update(rel.encode())
        h.update(b"\0")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def load_base_story(
    root: str | os.PathLike[str] | None = None,
    *,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Story:
    """Load and validate a story folder (default: the bundled story).

    With `cache`, a validated story is kept in the user cache dir keyed by
    the files' content hash and the engine version, so an unchanged story
    loads without parsing. Raises StoryLoadError listing every problem."""
    path = Path(root) if root is not None else bundled_story_dir()
    display = str(root) if root is not None else "story"
    files: list[tuple[str, bytes]] | None  # (None while a cached story is read back)
    files = _story_files(path, display)
    digest = story_hash(files)
    if cache:
        from .cache import load_cached

        files = None  # not held while the cached story is read back: a miss reads them again
        story = load_cached(digest, cache_dir)
        if story is not None:
            return story
        files = _story_files(path, display)
        digest = story_hash(files)
    from .loader import build_story  # a cache miss: only now the YAML parser and the schema

    story = build_story(files, display, str(path), digest)
    if cache:
        from .cache import store_cached

        store_cached(digest, story, cache_dir)
    return story


def _story_files(path: Path, display: str) -> list[tuple[str, bytes]]:
    files, errors = read_files(path)
    if errors or not files:
        raise StoryLoadError(errors or [Diagnostic(display, 0, 0, E_READ, "no story files")])
    return files
