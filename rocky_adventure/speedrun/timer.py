"""The run timer. Real time (RTA) comes from a monotonic clock; in-game time
(IGT) is RTA less only the time spent in the pause menu and in the game's
own I/O. The clock is injected, so tests drive it by hand.

Every span left out of IGT is logged, in whole milliseconds on the RTA clock
(milliseconds since the start trigger): `pauses` for the pause menu and `io`
for the game's own I/O. The two never overlap (I/O while the pause menu is
open is inside the pause), and IGT in milliseconds is exactly RTA less the
logged spans, so verification can re-add them (speedrun/verify.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Clock = Callable[[], float]
Span = tuple[int, int]  # (start_ms, end_ms) on the RTA clock


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
    """Starts once, stops once. Pauses and I/O are excluded from IGT only,
    and each excluded span is logged (`pauses`, `io`)."""

    def __init__(self, clock: Clock = time.monotonic):
        self.clock = clock
        self.started_at: float | None = None
        self.stopped_at: float | None = None
        self.excluded_ms = 0  # the closed spans, in ms: the sum of `pauses` and `io`
        self.pauses: list[Span] = []
        self.io_spans: list[Span] = []
        self._pause_from: int | None = None  # the open pause, ms on the RTA clock
        self._io_from: int | None = None  # the open I/O span (never while paused)
        self._io_depth = 0

    @property
    def excluded(self) -> float:
        """Seconds left out of IGT so far (closed spans)."""
        return self.excluded_ms / 1000

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None

    @property
    def paused(self) -> bool:
        return self._pause_from is not None

    def _at(self, t: float) -> int:
        assert self.started_at is not None
        return ms(t - self.started_at)

    def _now_ms(self) -> int:
        return self._at(self.clock())

    def start(self) -> None:
        if self.started_at is None:
            self.started_at = self.clock()

    def stop(self) -> None:
        if self.running:
            now = self.clock()
            at = self._at(now)
            self._close_pause(at)
            self._close_io(at)
            self.stopped_at = now

    def times_ms(self) -> tuple[int, int]:
        """(IGT, RTA) in ms, from one reading of the clock: IGT is exactly
        RTA less the logged spans (and the one open now)."""
        if self.started_at is None:
            return 0, 0
        stopped = self.stopped_at is not None
        rta = self._at(self.stopped_at if self.stopped_at is not None else self.clock())
        excluded = self.excluded_ms
        if not stopped:
            for since in (self._pause_from, self._io_from):
                if since is not None:
                    excluded += max(0, rta - since)
        return max(0, rta - excluded), rta

    def times(self) -> tuple[float, float]:
        """(IGT, RTA) in seconds, from one reading of the clock."""
        igt, rta = self.times_ms()
        return igt / 1000, rta / 1000

    def rta(self) -> float:
        return self.times()[1]

    def igt(self) -> float:
        return self.times()[0]

    def _close_pause(self, at: int) -> None:
        if self._pause_from is not None:
            start, self._pause_from = self._pause_from, None
            end = max(at, start)
            self.pauses.append((start, end))
            self.excluded_ms += end - start

    def _close_io(self, at: int) -> None:
        if self._io_from is not None:
            start, self._io_from = self._io_from, None
            end = max(at, start)
            if end > start:  # an I/O span under a millisecond takes nothing off
                self.io_spans.append((start, end))
                self.excluded_ms += end - start

    def pause(self) -> None:
        """The pause menu opened: IGT stops, RTA runs on."""
        if self.running and self._pause_from is None:
            at = self._now_ms()
            self._close_io(at)  # the I/O under way goes on inside the pause
            self._pause_from = at

    def resume(self) -> None:
        if self._pause_from is not None:
            at = self._now_ms()
            self._close_pause(at)
            if self._io_depth and self.running:
                self._io_from = at

    @contextmanager
    def io(self) -> Iterator[None]:
        """Time inside is the game's own I/O (saving, loading), left out of IGT."""
        if not self.running:
            yield
            return
        self._io_depth += 1
        if self._io_depth == 1 and self._pause_from is None:
            self._io_from = self._now_ms()
        try:
            yield
        finally:
            self._io_depth -= 1
            if self._io_depth == 0 and self.running:
                self._close_io(self._now_ms())
            elif self._io_depth == 0:
                self._io_from = None
