"""The run timer. Real time (RTA) comes from a monotonic clock; in-game time
(IGT) is RTA less only the time spent in the pause menu and in the game's
own I/O. The clock is injected, so tests drive it by hand."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

Clock = Callable[[], float]


def ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def format_time(millis: int | None, signed: bool = False, places: int = 3) -> str:
    """1:02:03.456, 2:03.456 or 3.456; '-' for no time."""
    if millis is None:
        return "-"
    sign = ""
    if signed:
        sign = "-" if millis < 0 else "+"
    millis = abs(millis)
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, frac = divmod(rest, 1000)
    tail = f".{frac:03d}"[: places + 1] if places else ""
    if h:
        return f"{sign}{h}:{m:02d}:{s:02d}{tail}"
    if m:
        return f"{sign}{m}:{s:02d}{tail}"
    return f"{sign}{s}{tail}"


class RunTimer:
    """Starts once, stops once. Pauses and I/O are excluded from IGT only."""

    def __init__(self, clock: Clock = time.monotonic):
        self.clock = clock
        self.started_at: float | None = None
        self.stopped_at: float | None = None
        self.excluded = 0.0  # seconds left out of IGT so far
        self._paused_at: float | None = None
        self._io_depth = 0
        self._io_at: float | None = None

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def start(self) -> None:
        if self.started_at is None:
            self.started_at = self.clock()

    def stop(self) -> None:
        if self.running:
            now = self.clock()
            self._close_exclusions(now)
            self.stopped_at = now

    def _now(self) -> float:
        return self.stopped_at if self.stopped_at is not None else self.clock()

    def times(self) -> tuple[float, float]:
        """(IGT, RTA) in seconds, from one reading of the clock."""
        if self.started_at is None:
            return 0.0, 0.0
        now = self._now()
        excluded = self.excluded
        open_since = self._open_exclusion_since()
        if open_since is not None and self.stopped_at is None:
            excluded += now - open_since
        rta = now - self.started_at
        return max(0.0, rta - excluded), rta

    def rta(self) -> float:
        return self.times()[1]

    def igt(self) -> float:
        return self.times()[0]

    def _open_exclusion_since(self) -> float | None:
        starts = [t for t in (self._paused_at, self._io_at) if t is not None]
        return min(starts) if starts else None

    def _close_exclusions(self, now: float) -> None:
        since = self._open_exclusion_since()
        if since is not None:
            self.excluded += now - since
        self._paused_at = None
        self._io_at = None if self._io_depth == 0 else now

    def pause(self) -> None:
        """The pause menu opened: IGT stops, RTA runs on."""
        if self.running and self._paused_at is None:
            now = self.clock()
            if self._io_at is not None:  # fold the open I/O span in first
                self.excluded += now - self._io_at
                self._io_at = now
            self._paused_at = now

    def resume(self) -> None:
        if self._paused_at is not None:
            now = self.clock()
            self.excluded += now - self._paused_at
            self._paused_at = None
            if self._io_at is not None:
                self._io_at = now

    @contextmanager
    def io(self):
        """Time inside is the game's own I/O (saving, loading), left out of IGT."""
        if not self.running:
            yield
            return
        self._io_depth += 1
        if self._io_depth == 1 and self._paused_at is None:
            self._io_at = self.clock()
        try:
            yield
        finally:
            self._io_depth -= 1
            if self._io_depth == 0 and self._io_at is not None:
                if self.running:
                    self.excluded += self.clock() - self._io_at
                self._io_at = None
