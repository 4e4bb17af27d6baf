"""A LiveSplit Server client: plain TCP, one command a line ending in \\r\\n.

Sending never blocks the caller: commands go into a queue that a daemon
thread drains. The thread connects, reconnects when LiveSplit restarts
(with a short back-off), and reports its state for the HUD. A lost
connection loses no commands sent while it was down (up to a bound); after a
reconnect the bridge re-sends the timer's state."""

from __future__ import annotations

import collections
import socket
import threading
import time
from collections.abc import Callable

from .timer import format_time

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 16834
MAX_QUEUED = 200


def parse_address(text: str | None) -> tuple[str, int]:
    """'HOST:PORT', 'HOST' or ':PORT' (default 127.0.0.1:16834)."""
    if not text:
        return DEFAULT_HOST, DEFAULT_PORT
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, DEFAULT_PORT
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"bad LiveSplit address {text!r}: expected HOST:PORT") from None
    if not 0 < number < 65536:
        raise ValueError(f"bad LiveSplit port {number}")
    return host or DEFAULT_HOST, number


def game_time(millis: int) -> str:
    """LiveSplit's time format: H:MM:SS.mmm."""
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, frac = divmod(rest, 1000)
    return f"{h}:{m:02d}:{s:02d}.{frac:03d}"


class LiveSplitClient:
    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        retry: float = 1.0,
        connect_timeout: float = 1.0,
    ):
        self.address = (host, port)
        self.retry = retry
        self.connect_timeout = connect_timeout
        self.state = "connecting"  # connecting | connected | disconnected
        self.on_connect: Callable[[], None] | None = (
            None  # called (in the client thread) after every (re)connect
        )
        self._queue: collections.deque[str] = collections.deque(maxlen=MAX_QUEUED)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._connects = 0
        self._thread = threading.Thread(target=self._run, name="livesplit", daemon=True)
        self._thread.start()

    @property
    def connects(self) -> int:
        return self._connects

    def send(self, command: str) -> None:
        self._queue.append(command)
        self._wake.set()

    def close(self, timeout: float = 1.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self._drop()

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait until the queue is sent (for tests and plain mode's exit)."""
        end = time.monotonic() + timeout
        while self._queue and time.monotonic() < end:
            time.sleep(0.01)
        return not self._queue

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._sock is None:
                try:
                    self._sock = socket.create_connection(
                        self.address, timeout=self.connect_timeout
                    )
                    self._sock.settimeout(self.connect_timeout)
                    self.state = "connected"
                    self._connects += 1
                    hook = self.on_connect
                    if hook is not None:
                        try:
                            hook()
                        except Exception:  # a hook must never kill the client
                            pass
                except OSError:
                    self.state = "disconnected"
                    self._stop.wait(self.retry)
                    continue
            self._wake.wait(0.5)
            self._wake.clear()
            while self._queue and self._sock is not None and not self._stop.is_set():
                command = self._queue[0]
                try:
                    self._sock.sendall(command.encode("utf-8") + b"\r\n")
                    self._queue.popleft()
                except OSError:
                    self._drop()
                    self.state = "disconnected"
            if self._sock is not None and not self._queue:
                self._probe()

    def _probe(self) -> None:
        """Notice a server that went away while we had nothing to say."""
        try:
            self._sock.setblocking(False)  # type: ignore[union-attr]
            try:
                if self._sock.recv(1, socket.MSG_PEEK) == b"":  # type: ignore[union-attr]
                    raise OSError("closed")
            except BlockingIOError:
                pass
            finally:
                if self._sock is not None:
                    self._sock.settimeout(self.connect_timeout)
        except OSError:
            self._drop()
            self.state = "disconnected"


class LiveSplitBridge:
    """Ties a Run to LiveSplit: start, game time, splits and reset."""

    def __init__(self, client: LiveSplitClient):
        self.client = client
        self.run = None
        client.on_connect = self._resync

    def start(self, run) -> None:
        self.run = run

    def on_first_choice(self) -> None:
        self.client.send("starttimer")
        self.client.send("alwayspausegametime")

    def on_splits(self, events) -> None:
        for e in events:
            if e.skipped:
                self.client.send("skipsplit")
            else:
                self.client.send(f"setgametime {game_time(e.igt_ms)}")
                self.client.send("split")

    def tick(self) -> None:
        """The slow tick: keep LiveSplit's game time in step."""
        run = self.run
        if run is not None and run.timer.running:
            igt, _ = run.now()
            self.client.send(f"setgametime {game_time(igt)}")

    def reset(self) -> None:
        self.client.send("reset")

    def _resync(self) -> None:
        """After a reconnect (LiveSplit restarted), start its timer again at
        our game time; on the first connect the queue already holds it all."""
        run = self.run
        if self.client.connects > 1 and run is not None and run.timer.running:
            igt, _ = run.now()
            self.client._queue.extendleft(
                reversed(["starttimer", "alwayspausegametime", f"setgametime {game_time(igt)}"])
            )

    def status(self) -> str:
        return f"LiveSplit: {self.client.state}"


__all__ = ["LiveSplitBridge", "LiveSplitClient", "format_time", "game_time", "parse_address"]
