"""A story folder's files, their hash, and `load_base_story`: everything the
load cache's path needs, without the YAML parser, the schema or the format. A
story comes back from the cache with only the model's own modules; the
loader (and PyYAML) is imported only when a story must be parsed.

Only regular files are ever opened: a file is opened without following a
symbolic link and without blocking (a FIFO named *.yaml cannot hang the
loader), the open file itself is checked with fstat, and no more than the
size limit (and one byte) is ever read from it."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .diagnostics import E_READ, Diagnostic, StoryLoadError
from .digests import sha256_for

if TYPE_CHECKING:
    from _hashlib import HASH  # (what digests.sha256_for's objects are: see digests.py)

    from .model import Story

MANIFEST_NAME = "story.yaml"
MAX_FILES = 2000
# All the files of a story (or of a pack) together: 1 GiB of YAML is some 1.4 million
# scenes of the synthetic story (benchmarks/gen_story.py: 740 bytes a scene), and a
# story of 500,000 scenes (370 MiB) loads where memory allows (docs/performance.md,
# "Big stories"). It bounds what a folder can make the loader read and hold.
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_FILE_BYTES = 32 * 1024 * 1024  # yamlio.MAX_FILE_BYTES is this one

# Open for reading: never through a symbolic link, never blocking (a FIFO opens at once, and
# fstat then refuses it), not inherited by child processes
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


# The text of files open in an editor and not saved (the language server's buffers), by
# absolute path: read instead of what is on disk. Only files listed on disk are read from
# it, under the same limits. Empty but in the language server (rocky_adventure/lsp).
OVERLAY: dict[str, bytes] = {}


class NotRegular(Exception):
    """An opened path that is not a regular file; `what` says what it is."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a message: "a FIFO (named pipe)"."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _read_regular(path: str, limit: int) -> tuple[bytes | None, int]:
    """Open `path` (see _OPEN_FLAGS), refuse it unless the open file is a
    regular one (NotRegular), and read it: (its bytes, their number), or
    (None, a size past `limit`) when it is larger than `limit`. At most
    limit + 1 bytes are read, so a file that grows after fstat (or a file
    whose size fstat does not know) is still bounded. Raises OSError."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(file_kind(st.st_mode))
        if st.st_size > limit:
            return None, st.st_size
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(data) > limit:
        return None, len(data)
    return data, len(data)


def _read(path: str, limit: int) -> tuple[bytes | None, int]:
    """A file's bytes as _read_regular gives them, from OVERLAY when an
    editor holds it."""
    if OVERLAY:
        data = OVERLAY.get(os.path.abspath(path))
        if data is not None:
            return (data, len(data)) if len(data) <= limit else (None, len(data))
    return _read_regular(path, limit)


def bundled_story_dir() -> Path:
    """The Rocky IV story: inside the installed package, or beside it in a
    source checkout."""
    here = Path(__file__).resolve().parent.parent
    inside = here / "story"
    if (inside / MANIFEST_NAME).is_file():
        return inside
    return here.parent / "story"


class _Listing(NamedTuple):
    """A folder's *.yaml files, before any is opened."""

    shown: str  # the folder, as messages name it
    kind: str  # "story" or "pack"
    found: list[tuple[str, int]]  # (relative path, size from lstat): the manifest first
    errors: list[Diagnostic]


def _list_files(root: Path, manifest_name: str, kind: str) -> _Listing:
    """Every *.yaml file below root (manifest first, then by path), none of
    them opened yet. Symbolic links and files that are not regular are
    errors; hidden folders and linked folders are skipped. A folder that
    cannot be a story (no manifest, too many files) lists nothing and says
    why."""
    shown = str(root)
    if not root.is_dir():
        what = f"is a file, not a {kind} folder" if root.exists() else "does not exist"
        return _Listing(
            shown,
            kind,
            [],
            [Diagnostic(shown, 0, 0, E_READ, f"{what}: expected a folder holding {manifest_name}")],
        )
    manifest = _manifest_problem(root, manifest_name, kind)
    if manifest is not None:
        return _Listing(shown, kind, [], [manifest])
    found: list[tuple[str, int]] = []
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
            where = _join(shown, rel)
            try:
                st = os.lstat(full)
            except OSError as e:
                errors.append(Diagnostic(where, 0, 0, E_READ, f"cannot read: {e.strerror or e}"))
                continue
            if stat.S_ISLNK(st.st_mode):
                errors.append(
                    Diagnostic(
                        where, 0, 0, E_READ, f"symbolic links are not followed in {kind} folders"
                    )
                )
                continue
            if not stat.S_ISREG(st.st_mode):
                errors.append(_not_regular(where, file_kind(st.st_mode), kind))
                continue
            found.append((rel, st.st_size))
            if len(found) > MAX_FILES:
                return _Listing(
                    shown,
                    kind,
                    [],
                    [
                        Diagnostic(
                            shown,
                            0,
                            0,
                            E_READ,
                            f"more than {MAX_FILES} YAML files: is this really a {kind} folder?",
                        )
                    ],
                )
    found.sort(key=lambda f: (f[0] != manifest_name, f[0]))
    return _Listing(shown, kind, found, errors)


def _manifest_problem(root: Path, manifest_name: str, kind: str) -> Diagnostic | None:
    """Why the folder's manifest cannot be read, or None."""
    path = root / manifest_name
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        return Diagnostic(
            _join(str(root), manifest_name), 0, 0, E_READ, f"cannot read: {e.strerror or e}"
        )
    if mode is None:
        return Diagnostic(
            str(root),
            0,
            0,
            E_READ,
            f"no {manifest_name} in this folder: expected a {kind} manifest",
        )
    where = _join(str(root), manifest_name)
    if stat.S_ISLNK(mode):
        return Diagnostic(
            where,
            0,
            0,
            E_READ,
            f"{manifest_name} is a symbolic link: links are not followed in {kind} folders; "
            f"copy the file instead",
        )
    if not stat.S_ISREG(mode):
        return Diagnostic(
            where,
            0,
            0,
            E_READ,
            f"not a regular file: {manifest_name} is {file_kind(mode)}; expected a {kind} manifest",
        )
    return None


def _not_regular(where: str, what: str, kind: str) -> Diagnostic:
    return Diagnostic(
        where,
        0,
        0,
        E_READ,
        f"not a regular file: {what}; only regular files are read in {kind} folders",
    )


def _contents(root: Path, listing: _Listing) -> Iterator[tuple[str, bytes]]:
    """(relative path, bytes) of each listed file, opened and read one at a
    time; what cannot be read goes to listing.errors. Each file is bounded
    by the file limit, and all of them together by MAX_TOTAL_BYTES: past
    that nothing more is read."""
    shown, kind, errors = listing.shown, listing.kind, listing.errors
    file_limit = fmt_limit()
    total_limit = MAX_TOTAL_BYTES
    total = 0
    for rel, _size in listing.found:
        where = _join(shown, rel)
        bound = min(file_limit, total_limit - total)
        try:
            data, size = _read(str(root / rel), bound)
        except NotRegular as e:
            errors.append(_not_regular(where, e.what, kind))
            continue
        except OSError as e:
            errors.append(Diagnostic(where, 0, 0, E_READ, f"cannot read: {e.strerror or e}"))
            continue
        if data is None and size > file_limit:
            # (a size past the bound was read, or a file grew after fstat: more than the bound)
            big = _amount(size) if size > bound + 1 else f"more than {_amount(bound)}"
            errors.append(
                Diagnostic(
                    where,
                    0,
                    0,
                    E_READ,
                    f"file is too large ({big}); a {kind} file may be at most "
                    f"{_amount(file_limit)}",
                )
            )
            continue
        if data is None:  # within the file limit, past what the total leaves
            errors.append(
                Diagnostic(
                    where,
                    0,
                    0,
                    E_READ,
                    f"the {kind}'s files are too large together: with this file they pass "
                    f"{_amount(total_limit)}, the most a whole {kind} may hold",
                )
            )
            return
        total += size
        yield rel, data


def _amount(n: int) -> str:
    """A size for a message: a limit exactly ("1 GiB", "32 MiB", "4 KiB"), a
    file's size to the nearest unit."""
    for unit, name in ((1024**3, "GiB"), (1024 * 1024, "MiB"), (1024, "KiB")):
        if n >= unit and (n % unit == 0 or n >= 10 * unit):
            return f"{n // unit} {name}"
    return f"{n} bytes"


def read_files(
    root: Path, manifest_name: str = MANIFEST_NAME, kind: str = "story"
) -> tuple[list[tuple[str, bytes]], list[Diagnostic]]:
    """Every *.yaml file below root (manifest first, then by path). Symlinks
    and hidden folders are skipped, only regular files are opened, sizes are
    bounded. Branch packs are read the same way, with their own manifest
    name (kind "pack")."""
    listing = _list_files(root, manifest_name, kind)
    files = list(_contents(root, listing))
    return files, listing.errors


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
        _hash_file(h, rel, data)
    return h.hexdigest()


def _hash_file(h: HASH, rel: str, data: bytes) -> None:
    """One file's part of story_hash."""
    h.update(rel.encode())
    h.update(b"\0")
    h.update(len(data).to_bytes(8, "little"))
    h.update(data)


class Scan(NamedTuple):
    """What the load cache checks an entry against: the story's hash, each
    file's (relative path, sha256) as Story.files records them, and the
    files' size in all."""

    digest: str
    files: tuple[tuple[str, str], ...]
    size: int


def scan_story(path: Path, display: str) -> Scan:
    """Read the story folder one file at a time (never all of it in memory
    at once): story_hash() of its files, and the sha256 of each. Raises
    StoryLoadError as loading would."""
    listing = _list_files(path, MANIFEST_NAME, "story")
    # (the sizes listed choose the implementation of SHA-256, as story_hash's do; the digests
    # do not depend on it)
    listed = sum(size for _rel, size in listing.found)
    h = sha256_for(listed)
    digests = []
    size = 0
    for rel, data in _contents(path, listing):
        _hash_file(h, rel, data)
        one = sha256_for(listed)
        one.update(data)
        digests.append((rel, one.hexdigest()))
        size += len(data)
    if listing.errors or not digests:
        raise StoryLoadError(
            listing.errors or [Diagnostic(display, 0, 0, E_READ, "no story files")]
        )
    return Scan(h.hexdigest(), tuple(digests), size)


def load_base_story(
    root: str | os.PathLike[str] | None = None,
    *,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Story:
    """Load and validate a story folder (default: the bundled story).

    With `cache`, a validated story is kept in the user cache dir keyed by
    the files' content hash and the engine version, so an unchanged story
    loads without parsing. An entry is used only when it matches the files
    read now (its hash and each file's sha256) and is sound (see
    cache.load_cached). Raises StoryLoadError listing every problem."""
    path = Path(root) if root is not None else bundled_story_dir()
    display = str(root) if root is not None else "story"
    if cache:
        from .cache import load_cached

        scan = scan_story(path, display)  # one file at a time: no bytes held after it
        story = load_cached(scan.digest, cache_dir, scan.files, scan.size)
        if story is not None:
            return story
    files = _story_files(path, display)  # a miss: read again, for the parser
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
