"""Files the game keeps, written so that nothing already saved is lost.

Every write is atomic (a temp file in the same folder, fsync, os.replace)
and keeps one backup generation beside the file (`NAME.bak`). A file that
cannot be read falls back to its backup; a file that cannot be used is set
aside (renamed, never deleted). `Writer` writes on one background thread so
the game can draw the next scene first. Pure Python, no textual."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

_STALE_TEMP_SECONDS = 120.0


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not on every platform (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def atomic_write(path: Path, data: bytes, backup: bool = True) -> None:
    """Replace `path` with `data` so that a crash at any moment leaves either
    the old file or the new one, never a mix; the old one becomes NAME.bak.
    The file itself is never missing: the backup is a hard link (or a copy)
    made before the new file replaces the old."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if backup and path.exists():
            bak = backup_path(path)
            bak_tmp = folder / f".{bak.name}.tmp-{os.getpid()}-{threading.get_ident()}"
            try:
                try:
                    os.link(path, bak_tmp)
                except OSError:  # no hard links here: copy instead
                    with open(path, "rb") as src, open(bak_tmp, "wb") as dst:
                        dst.write(src.read())
                        dst.flush()
                        os.fsync(dst.fileno())
                os.replace(bak_tmp, bak)
            except OSError:
                _unlink(bak_tmp)  # a backup we cannot make is not worth failing the save
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    _fsync_dir(folder)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_json(path: Path, obj: Any, backup: bool = True) -> None:
    atomic_write(path, json_bytes(obj), backup)


def json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


class Unreadable(Exception):
    """A file that exists but does not hold what it should."""


MAX_JSON_BYTES = 32 * 1024 * 1024  # the largest JSON file read, unless its reader says less


def read_json(path: Path, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The JSON in `path`, read with engine/jsonio.py's bounds (size, depth,
    numbers); FileNotFoundError if absent, Unreadable if damaged or refused.
    Only a regular file is read, and never more than max_bytes + 1 bytes."""
    from ..engine.jsonio import JSONError, loads

    with open(path, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise Unreadable("it is not a regular file")
        data = f.read(max_bytes + 1)
    try:
        return loads(data, max_bytes=max_bytes)
    except JSONError as e:
        what = "truncated or damaged" if "not valid JSON" in str(e) else "refused"
        raise Unreadable(f"the file is {what}: {e}") from None


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """`folder/stem+suffix`, or `stem-2`, `stem-3`... when that name is taken."""
    target = folder / f"{stem}{suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target


def set_aside(path: Path, folder: Path | None = None, now: datetime | None = None) -> Path | None:
    """Move a file we cannot use out of the way (renamed, never deleted);
    returns its new path."""
    folder = folder or path.parent / "set-aside"
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = free_path(folder, f"{path.stem}-{stamp}", path.suffix)
        os.replace(path, target)
        return target
    except OSError:
        return None


def clean_stale_temps(folder: Path) -> None:
    """Temp files left by a process killed mid-write."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for e in entries:
        if e.name.startswith(".") and ".tmp-" in e.name:
            try:
                if e.stat().st_mtime < cutoff:
                    os.unlink(e.path)
            except OSError:
                pass


class Writer:
    """Writes files on one background thread, in order, newest data per path
    wins: the game hands it the autosave after each scene and goes on
    drawing. `delay` lets the frame that shows the scene go first (and
    coalesces a burst of scenes into one write). `flush()` waits for
    everything handed in so far."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self._pending: dict[Path, tuple[bytes, bool]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._hurry = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def submit(self, path: Path, data: bytes, backup: bool = True) -> None:
        with self._lock:
            self._pending[path] = (data, backup)
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="rocky-writer", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self.delay:
                self._hurry.wait(self.delay)
            while True:
                with self._lock:
                    if not self._pending:
                        self._idle.set()
                        break
                    path = next(iter(self._pending))
                    data, backup = self._pending.pop(path)
                try:
                    atomic_write(path, data, backup)
                except OSError as e:
                    with self._lock:
                        self.errors.append(f"could not write {path}: {e.strerror or e}")

    def take_errors(self) -> list[str]:
        """The writes that failed since the last call (each said once)."""
        with self._lock:
            errors, self.errors = self.errors, []
        return errors

    def flush(self, timeout: float | None = 10.0) -> bool:
        self._hurry.set()
        try:
            return self._idle.wait(timeout)
        finally:
            self._hurry.clear()


def read_with_backup(
    path: Path, clock: Callable[[], datetime] = datetime.now, max_bytes: int = MAX_JSON_BYTES
) -> tuple[Any, str | None]:
    """JSON from path, else from its backup (which is then restored, with a
    note saying so); FileNotFoundError when neither exists, Unreadable when
    neither reads."""
    try:
        return read_json(path, max_bytes), None
    except FileNotFoundError:
        raise
    except (Unreadable, OSError) as e:
        bak = backup_path(path)
        try:
            data = read_json(bak, max_bytes)
        except (FileNotFoundError, Unreadable, OSError):
            raise Unreadable(str(e)) from None
        moved = set_aside(path, now=clock())
        if moved is not None:
            try:
                os.replace(bak, path)
            except OSError:
                pass
        return data, f"{path.name} was damaged ({e}); its previous version was restored"


def read_or_none(
    path: Path, clock: Callable[[], datetime] = datetime.now, max_bytes: int = MAX_JSON_BYTES
) -> Any:
    """The JSON in a file the game keeps for itself (settings, gallery, read
    text): None when it is absent, or damaged beyond its backup (it is then
    set aside, and the game starts that file afresh)."""
    try:
        data, _ = read_with_backup(path, clock, max_bytes)
    except FileNotFoundError:
        return None
    except (Unreadable, OSError):
        set_aside(path, now=clock())
        return None
    return data


def iso_time(now: datetime) -> str:
    """A timestamp for a file: local time with its offset (a clock that
    gives an aware datetime, as tests do, is kept as it is)."""
    if now.tzinfo is None:
        now = now.astimezone()
    return now.isoformat(timespec="seconds")


class StoryFiles:
    """The folder one story keeps under the data dir, and how its files are
    written (through the background writer when there is one) and read (after
    what is still queued has been written)."""

    def __init__(
        self,
        root: Path,
        story_id: str,
        writer: Writer | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ):
        self.root = Path(root)
        self.story_id = story_id
        self.dir = self.root / "stories" / story_id
        self.writer = writer
        self.clock = clock
        self._opened()

    def _opened(self) -> None:
        """What a kind of file does when the story's folder is opened."""

    def _write(self, path: Path, obj: Any, backup: bool = True) -> None:
        data = json_bytes(obj)
        if self.writer is not None:
            self.writer.submit(path, data, backup)
        else:
            atomic_write(path, data, backup)

    def flush(self) -> None:
        if self.writer is not None:
            self.writer.flush()

    def _read_with_backup(
        self, path: Path, max_bytes: int = MAX_JSON_BYTES
    ) -> tuple[Any, str | None]:
        return read_with_backup(path, self.clock, max_bytes)  # (its callers have flushed)

    def _read_or_none(self, path: Path, max_bytes: int = MAX_JSON_BYTES) -> Any:
        self.flush()  # a write still queued (an ending a moment ago) is what the reader must see
        return read_or_none(path, self.clock, max_bytes)
