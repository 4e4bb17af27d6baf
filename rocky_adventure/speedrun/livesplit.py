"""A LiveSplit Server client: plain TCP, one command a line ending in \\r\\n.

Sending never blocks the caller: commands go into a queue that a daemon
thread drains. The thread connects, reconnects when LiveSplit restarts
(with a short back-off), and reports its state for the HUD.

LiveSplit is told the run's state, not a log of it. The bridge keeps what
LiveSplit should show (started, the splits that fell, the game time), and
on every connection, the first or a reconnect, the queue is replaced by a
catch-up built from that state: `starttimer`, `alwayspausegametime`, each
split already done (`setgametime` at its time then `split`, or
`skipsplit`), then the current game time. So a command lost with the
connection, or sent while LiveSplit was down, costs nothing, and the game
time ticks queued meanwhile (stale by then) are never replayed. A tick that
would not move the game time forward is dropped, and a tick still waiting
in the queue is replaced by the newer one."""

from __future__ import annotations

import collections
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .timer import format_time

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 16834
MAX_QUEUED = 200
TICK = "setgametime "


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
    """The connection. `lock` (re-entrant) guards the queue; the bridge holds
    it while it changes its state and queues, so a catch-up never misses or
    repeats a command. `on_connect`, called in the client thread with the
    lock held after every (re)connect, returns the commands that replace
    the queue (None keeps the queue as it is)."""

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
        self.on_connect: Callable[[], list[str] | None] | None = None
        self.lock = threading.RLock()
        self.attempted = threading.Event()  # set once the first connection attempt is over
        self._queue: collections.deque[str] = collections.deque(maxlen=MAX_QUEUED)
        self._sending = False
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._connects = 0
        self._thread = threading.Thread(target=self._run, name="livesplit", daemon=True)
        self._thread.start()

    @property
    def connects(self) -> int:
        return self._connects

    def send(self, command: str) -> None:
        with self.lock:
            self._queue.append(command)
        self._wake.set()

    def send_tick(self, command: str) -> None:
        """A game time tick: it replaces a tick still waiting at the queue's
        end (a split's own `setgametime` is always followed by its `split`)."""
        with self.lock:
            if self._queue and self._queue[-1].startswith(TICK):
                self._queue[-1] = command
            else:
                self._queue.append(command)
        self._wake.set()

    def pending(self) -> list[str]:
        with self.lock:
            return list(self._queue)

    def close(self, timeout: float = 1.0) -> None:
        """Send what is queued (if connected, for up to `timeout`), then stop."""
        self._closing.set()
        self._wake.set()
        self._thread.join(timeout)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self._drop()

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait until the queue is sent (plain mode's exit; tests)."""
        end = time.monotonic() + timeout
        while (self._queue or self._sending) and time.monotonic() < end:
            time.sleep(0.01)
        return not (self._queue or self._sending)

    def _drop(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def _lost(self) -> None:
        self._drop()
        self.state = "disconnected"

    def _connect(self) -> bool:
        try:
            sock = socket.create_connection(self.address, timeout=self.connect_timeout)
            sock.settimeout(self.connect_timeout)
            if sock.getsockname() == sock.getpeername():
                # TCP's self-connect: dialling a free local port in the ephemeral
                # range can pick that same port as the source; nobody is there
                sock.close()
                raise OSError("connected to itself")
        except OSError:
            self.state = "disconnected"
            return False
        with self.lock:
            self._sock = sock
            self._connects += 1
            self.state = "connected"
            hook = self.on_connect
            if hook is not None:
                try:
                    commands = hook()
                except Exception:  # a hook must never kill the client
                    commands = None
                if commands is not None:
                    self._queue.clear()
                    self._queue.extend(commands)
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._sock is None:
                if self._closing.is_set():
                    return  # nothing to deliver to: do not connect just to close
                ok = self._connect()
                self.attempted.set()
                if not ok:
                    self._closing.wait(self.retry)
                    continue
            if not self._closing.is_set():
                self._wake.wait(0.5)
                self._wake.clear()
            self._drain()
            if self._closing.is_set() and (self._sock is None or not self._queue):
                return
            if self._sock is not None and not self._queue:
                self._probe()

    def _drain(self) -> None:
        while self._sock is not None and not self._stop.is_set():
            with self.lock:
                if not self._queue:
                    return
                command = self._queue.popleft()
                self._sending = True
            try:
                self._sock.sendall(command.encode("utf-8") + b"\r\n")
            except OSError:
                # lost with the connection: the catch-up on reconnect covers it
                self._lost()
            finally:
                self._sending = False

    def _probe(self) -> None:
        """Notice a server that went away while we had nothing to say."""
        sock = self._sock
        if sock is None:
            return
        try:
            sock.setblocking(False)
            try:
                if sock.recv(1, socket.MSG_PEEK) == b"":
                    raise OSError("closed")
            except BlockingIOError:
                pass
            finally:
                sock.settimeout(self.connect_timeout)
        except OSError:
            self._lost()


class LiveSplitBridge:
    """Ties a Run to LiveSplit: start, game time, splits and reset. It keeps
    what LiveSplit has been told about the run, to catch LiveSplit up
    whenever a connection is made."""

    def __init__(self, client: LiveSplitClient):
        self.client = client
        self.run: Any = None
        self._started = False  # starttimer was sent for this run
        self._splits: list[int | None] = []  # the game time of each split done; None: skipped
        self._game_time: int | None = None  # the last game time LiveSplit was given
        client.on_connect = self.catch_up

    def start(self, run) -> None:
        """A new Run. A run LiveSplit was timing and nobody reset is reset."""
        with self.client.lock:
            if self._started:
                self._reset()
            self.run = run

    def on_first_choice(self) -> None:
        with self.client.lock:
            self._started = True
            self._splits = []
            self._game_time = 0
            self.client.send("starttimer")
            self.client.send("alwayspausegametime")

    def on_splits(self, events) -> None:
        with self.client.lock:
            if not self._started:
                return
            for e in events:
                self._splits.append(e.igt_ms)
                for command in self._split_commands(e.igt_ms):
                    self.client.send(command)
                if e.igt_ms is not None:
                    self._game_time = max(self._game_time or 0, e.igt_ms)

    def tick(self) -> None:
        """The slow tick: keep LiveSplit's game time in step. A tick that
        would not move it forward (stale, or paused) is not sent."""
        with self.client.lock:
            run = self.run
            if run is None or not self._started or not run.timer.running:
                return
            igt, _ = run.now()
            if self._game_time is not None and igt <= self._game_time:
                return
            self._game_time = igt
            self.client.send_tick(f"setgametime {game_time(igt)}")

    def reset(self) -> None:
        """New game, reset or quit: LiveSplit resets too."""
        with self.client.lock:
            self._reset()

    def _reset(self) -> None:
        self._started = False
        self._splits = []
        self._game_time = None
        self.client.send("reset")

    @staticmethod
    def _split_commands(igt_ms: int | None) -> list[str]:
        if igt_ms is None:
            return ["skipsplit"]
        return [f"setgametime {game_time(igt_ms)}", "split"]

    def catch_up(self) -> list[str]:
        """What a LiveSplit that knows nothing of this run needs to show it:
        called on every connection (in the client thread, with the lock)."""
        with self.client.lock:
            if not self._started:
                return []
            commands = ["starttimer", "alwayspausegametime"]
            for igt in self._splits:
                commands += self._split_commands(igt)
            run = self.run
            if run is not None and run.timer.running:
                igt, _ = run.now()
                igt = max(igt, self._game_time or 0)
                self._game_time = igt
                commands.append(f"setgametime {game_time(igt)}")
            return commands

    def status(self) -> str:
        return f"LiveSplit: {self.client.state}"

    def close(self, timeout: float = 1.0) -> None:
        """Quit: reset LiveSplit, send what is queued, and stop the client."""
        self.reset()
        self.client.close(timeout)


__all__ = ["LiveSplitBridge", "LiveSplitClient", "format_time", "game_time", "parse_address"]
