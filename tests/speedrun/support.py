"""Helpers shared by the speedrun tests (imported as `support`: pytest puts
this folder on sys.path, as it puts tests/ there for `helpers`): a clock
that moves only by hand, stories built from text, run files as JSON, a fake
LiveSplit Server on loopback and the speedrun TUI app. Fixtures built on them
are in conftest.py."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from pathlib import Path

import pytest
from helpers import ROOT, write_story

from rocky_adventure.engine import load_story
from rocky_adventure.speedrun.livesplit import LiveSplitBridge, LiveSplitClient

TINY = ROOT / "examples" / "tiny-bout"
STARTER = ROOT / "examples" / "starter"
WAIT = 10.0  # seconds: a bound against a hang, never a measurement


class HandClock:
    """A clock that moves only when told to (`advance`, or `t` set by hand);
    `t` is where it starts, in seconds."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def story_from_text(tmp_path_factory, name: str, manifest: str, scenes: str):
    """The story of `manifest` (story.yaml) and `scenes` (s.yaml), loaded
    from a fresh folder named after `name`."""
    folder = write_story(tmp_path_factory.mktemp(name), {"story.yaml": manifest, "s.yaml": scenes})
    return load_story(folder, cache=False)


def story_fixture(name: str, manifest: str, scenes: str):
    """A module-scoped fixture giving the story of `manifest` and `scenes`
    (see `story_from_text`), named after the module variable it is assigned
    to: `story = story_fixture("race", MANIFEST, SCENES)`."""

    @pytest.fixture(scope="module")
    def story(tmp_path_factory):
        return story_from_text(tmp_path_factory, name, manifest, scenes)

    return story


def run_file(run) -> dict:
    """The run's record as a run file reads back: through JSON."""
    return json.loads(json.dumps(run.record()))


def wait_for(cond, timeout: float = WAIT) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return False


# What LiveSplit is sent for a run that starts, splits at 1.5 s of game time
# and ticks at 1.75 s: the opening the LiveSplit tests play.
OPENING = [
    "starttimer",
    "alwayspausegametime",
    "setgametime 0:00:01.500",
    "split",
    "setgametime 0:00:01.750",
]


class FakeLiveSplit:
    """A LiveSplit Server stand-in on loopback: it accepts connections and
    records every line received, in order; `kill()` drops it as a LiveSplit
    that quits."""

    def __init__(self, port: int = 0):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        buf = b""
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                with self.changed:
                    self.lines.append(line.decode())
                    self.changed.notify_all()

    def wait_lines(self, n: int) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.lines) >= n, WAIT)

    def wait_line(self, line: str) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: line in self.lines, WAIT)

    def kill(self, abort: bool = False) -> None:
        """LiveSplit goes away: nothing listens on the port any more, then its
        connections close (reset with `abort`). The port is closed first and
        the accepting thread joined, so a client that notices the loss and
        dials again at once is refused, never accepted into a connection
        that nobody would close."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() in the server thread
        except OSError:
            pass
        self.sock.close()
        self._thread.join(WAIT)
        for c in self.conns:
            if abort:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            c.close()


class LiveSplitRig:
    """Fake LiveSplit Servers and the clients and bridges that talk to them,
    all closed by `close()` (the `livesplit` fixture calls it): the clients
    first, then every server started."""

    def __init__(self) -> None:
        self.servers: list[FakeLiveSplit] = []
        self.clients: list[LiveSplitClient] = []

    def serve(self, port: int = 0) -> FakeLiveSplit:
        """A fake LiveSplit Server on `port` (0: any free one)."""
        server = FakeLiveSplit(port)
        self.servers.append(server)
        return server

    def client(self, port: int, retry: float = 0.02) -> LiveSplitClient:
        """A client for LiveSplit on `port`, trying again every `retry` s."""
        client = LiveSplitClient("127.0.0.1", port, retry=retry)
        self.clients.append(client)
        return client

    def connect(self, port: int, retry: float = 0.02) -> tuple[LiveSplitClient, LiveSplitBridge]:
        """A client for LiveSplit on `port` and the bridge that drives it."""
        client = self.client(port, retry)
        return client, LiveSplitBridge(client)

    def close(self) -> None:
        for client in self.clients:
            client.close()
        for server in self.servers:
            server.kill()


def speedrun_app(story, data: Path, clock, category: str = "any", bridge=None):
    """A SpeedrunApp on `story` with seed 7 and slow text whose one Speedrun
    (of `category`, timed by `clock`, records in `data`) talks to `bridge`."""
    from rocky_adventure.game.settings import Settings
    from rocky_adventure.speedrun.attempts import Speedrun
    from rocky_adventure.speedrun.records import Records
    from rocky_adventure.speedrun.run import parse_category
    from rocky_adventure.tui.speedrun import SpeedrunApp

    def factory(story, data_dir):
        return Speedrun(
            story,
            parse_category(story, category),
            7,
            Records(data, story.id),
            bridge=bridge,
            clock=clock,
        )

    return SpeedrunApp(
        factory,
        story=story,
        seed=7,
        data_dir=data,
        settings=Settings(text_speed="slow"),
        motion=False,
    )
