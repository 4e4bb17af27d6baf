"""One game at a time per data dir.

Two games writing the same save slots would each overwrite the other's
autosave and named saves, and the last writer would win without a word.
The game takes an exclusive lock on `<data dir>/.lock` while it runs; a
second game with the same data dir is told which process holds it and
how to run beside it (another --data-dir). The lock is an OS file lock
(flock), so it goes away with the process however it ends: a crash never
leaves a stale lock behind."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; the lock is advisory there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"


class DataDirBusy(Exception):
    """Another process holds the data dir; the message says which and what to do."""


class DataDirLock:
    def __init__(self, root: Path):
        self.path = Path(root) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise DataDirBusy. A data dir that cannot be
        written is not locked (saving will say why it fails)."""
        if self._fd is not None or fcntl is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            who = (
                f"another rocky-adventure (process {holder})"
                if holder
                else "another rocky-adventure"
            )
            raise DataDirBusy(
                f"{who} is using the data dir {self.path.parent}: its saves would overwrite "
                f"this game's. Quit that one first, or give this one its own --data-dir."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None and fcntl is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and len(text) < 12 else None
