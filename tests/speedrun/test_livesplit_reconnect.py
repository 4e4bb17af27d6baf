"""LiveSplit over a real TCP socket on loopback: a fake LiveSplit Server that
is killed and started again mid-run, LiveSplit started after the run, stale
game time ticks, reset on new game and quit, and plain mode's LiveSplit.

No sleep here measures anything: the tests wait (with generous timeouts) for
the server to have received lines, or for the client to report a state."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys

from helpers import ROOT
from support import OPENING, TINY, wait_for

from rocky_adventure.engine import load_story
from rocky_adventure.speedrun.livesplit import game_time
from rocky_adventure.speedrun.run import SplitEvent, parse_category


class FakeTimer:
    def __init__(self):
        self.started_at: float | None = None
        self.running = False


class FakeRun:
    """What the bridge reads of a Run: its timer and its times, set by hand."""

    def __init__(self):
        self.timer = FakeTimer()
        self.igt = 0

    def start(self) -> None:
        self.timer.started_at = 0.0
        self.timer.running = True

    def now(self) -> tuple[int, int]:
        return self.igt, self.igt + 100


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def split(index: int, igt: int | None) -> SplitEvent:
    return SplitEvent(index, f"S{index}", igt, None if igt is None else igt + 100)


def started(livesplit, port: int):
    """A client and its bridge, connected to the LiveSplit on `port`, and a
    run started on them (its first choice made)."""
    client, bridge = livesplit.connect(port)
    run = FakeRun()
    assert wait_for(lambda: client.connects == 1)
    bridge.start(run)
    run.start()
    bridge.on_first_choice()
    return client, bridge, run


def test_livesplit_killed_and_restarted_mid_run_is_caught_up(livesplit):
    server = livesplit.serve()
    port = server.port
    client, bridge, run = started(livesplit, port)
    run.igt = 1500
    bridge.on_splits([split(0, 1500)])
    run.igt = 1750
    bridge.tick()
    assert server.wait_lines(5)
    assert server.lines == OPENING
    # LiveSplit quits; the game does not know yet, and goes on: what it sends
    # now is lost with the connection (or waits in the queue)
    server.kill()
    run.igt = 2000
    bridge.tick()
    bridge.on_splits([split(1, None)])
    run.igt = 2500
    bridge.on_splits([split(2, 2500)])
    assert wait_for(lambda: client.state == "disconnected")
    run.igt = 2600
    bridge.tick()  # a tick while LiveSplit is down: stale once it is back
    run.igt = 2750
    server = livesplit.serve(port)  # LiveSplit is back, knowing nothing of the run
    assert server.wait_lines(8)
    assert server.lines == [
        "starttimer",
        "alwayspausegametime",
        "setgametime 0:00:01.500",
        "split",
        "skipsplit",
        "setgametime 0:00:02.500",
        "split",
        "setgametime 0:00:02.750",  # the current game time; no stale tick after it
    ]
    assert client.connects == 2
    bridge.tick()  # the game time has not moved: nothing to send
    run.igt = 3000
    bridge.tick()
    run.igt = 3200
    run.timer.running = False  # the last split: the run is over
    bridge.on_splits([split(3, 3200)])
    bridge.tick()  # a finished run sends no tick
    bridge.reset()
    assert server.wait_line("reset")
    assert server.lines[8:] == [
        "setgametime 0:00:03.000",
        "setgametime 0:00:03.200",
        "split",
        "reset",
    ]


def test_livesplit_dropped_with_a_reset_connection_loses_nothing(livesplit):
    server = livesplit.serve()
    port = server.port
    client, bridge, run = started(livesplit, port)
    assert server.wait_lines(2)
    server.kill(abort=True)
    run.igt = 1234
    bridge.on_splits([split(0, 1234)])  # sent into the dead connection
    assert wait_for(lambda: client.state == "disconnected")
    server = livesplit.serve(port)
    assert server.wait_lines(5)
    assert server.lines == [
        "starttimer",
        "alwayspausegametime",
        "setgametime 0:00:01.234",
        "split",
        "setgametime 0:00:01.234",
    ]


def test_livesplit_started_mid_run_gets_only_the_current_state(livesplit):
    port = free_port()
    client, bridge = livesplit.connect(port)
    run = FakeRun()
    assert wait_for(lambda: client.state == "disconnected")
    bridge.start(run)
    run.start()
    bridge.on_first_choice()
    for t in range(100, 3100, 100):  # half a minute of ticks with no LiveSplit
        run.igt = t
        bridge.tick()
        if t == 1200:
            bridge.on_splits([split(0, 1200)])
    server = livesplit.serve(port)
    assert server.wait_lines(5)
    bridge.reset()
    assert server.wait_line("reset")
    assert server.lines == [
        "starttimer",
        "alwayspausegametime",
        "setgametime 0:00:01.200",
        "split",
        "setgametime 0:00:03.000",
        "reset",
    ]


def test_stale_game_time_ticks_are_dropped(livesplit):
    server = livesplit.serve()
    client, bridge, run = started(livesplit, server.port)
    assert server.wait_lines(2)
    with client.lock:  # the client cannot send meanwhile: these wait in the queue
        run.igt = 1000
        bridge.tick()
        run.igt = 1100
        bridge.tick()  # replaces the tick still waiting
        run.igt = 1200
        bridge.on_splits([split(0, 1200)])
        run.igt = 1300
        bridge.tick()
        run.igt = 1250
        bridge.tick()  # behind what LiveSplit was given: never sent
        bridge.tick()
    bridge.reset()
    assert server.wait_line("reset")
    assert server.lines[2:] == [
        "setgametime 0:00:01.100",
        "setgametime 0:00:01.200",
        "split",
        "setgametime 0:00:01.300",
        "reset",
    ]


def test_new_game_and_quit_reset_livesplit(livesplit):
    server = livesplit.serve()
    client, bridge = livesplit.connect(server.port)
    assert wait_for(lambda: client.connects == 1)
    first, second = FakeRun(), FakeRun()
    bridge.start(first)
    first.start()
    bridge.on_first_choice()
    first.igt = 900
    bridge.on_splits([split(0, 900)])
    bridge.start(second)  # a new game while LiveSplit times the first: reset
    second.start()
    bridge.on_first_choice()
    bridge.close()  # quitting: reset, delivered before the client stops
    assert server.wait_lines(8)
    assert server.lines == [
        "starttimer",
        "alwayspausegametime",
        "setgametime 0:00:00.900",
        "split",
        "reset",
        "starttimer",
        "alwayspausegametime",
        "reset",
    ]
    bridge.reset()
    bridge.start(FakeRun())  # reset already: no second reset
    assert client.pending() == ["reset"]  # queued on a closed client, never sent


# -- plain mode ----------------------------------------------------------------


def _plain(tmp_path, text: str, livesplit: str):
    from rocky_adventure.plain.speedrun import run_plain_speedrun

    story = load_story(TINY, cache=False)
    out, err = io.StringIO(), io.StringIO()
    code = run_plain_speedrun(
        story,
        parse_category(story, "any"),
        3,
        tmp_path,
        io.StringIO(text),
        out,
        err,
        livesplit=livesplit,
        tick=None,
    )
    return code, out.getvalue(), err.getvalue()


def _split_lines(run_file: dict) -> list[str]:
    lines: list[str] = []
    for s in run_file["splits"]:
        if s["igt_ms"] is None:
            lines.append("skipsplit")
        else:
            lines += [f"setgametime {game_time(s['igt_ms'])}", "split"]
    return lines


def test_plain_speedrun_drives_livesplit_and_resets_at_new_game_and_quit(livesplit, tmp_path):
    server = livesplit.serve()
    code, out, err = _plain(tmp_path, "1\n1\n", f"127.0.0.1:{server.port}")
    assert code == 0, err
    assert "LiveSplit: connected" in out.splitlines()
    (path,) = (tmp_path / "speedrun" / "tiny-bout" / "runs").glob("*.json")
    expected = [
        "reset",  # the new game
        "starttimer",
        "alwayspausegametime",
        *_split_lines(json.loads(path.read_text())),
        "reset",  # the quit
    ]
    assert server.wait_lines(len(expected))
    assert server.lines == expected


def test_plain_speedrun_quit_mid_run_resets_livesplit(livesplit, tmp_path):
    server = livesplit.serve()
    code, out, _ = _plain(tmp_path, "1\n", f"127.0.0.1:{server.port}")
    assert code == 2  # input ended before the ending
    assert server.wait_lines(4)
    assert server.lines == ["reset", "starttimer", "alwayspausegametime", "reset"]


def test_plain_speedrun_without_livesplit_running_says_so_and_plays_on(tmp_path):
    code, out, err = _plain(tmp_path, "1\n1\n", f"127.0.0.1:{free_port()}")
    assert code == 0 and "Traceback" not in err
    assert "LiveSplit: disconnected" in out.splitlines()
    assert "Run finished" in out


def test_cli_plain_speedrun_drives_livesplit(livesplit, tmp_path):
    server = livesplit.serve()
    r = subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "--data-dir", str(tmp_path)]
        + ["play", "--plain", "--speedrun", "--story", str(TINY), "--seed", "3"]
        + ["--livesplit", f"127.0.0.1:{server.port}"],
        input="1\n1\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "LiveSplit: connected" in r.stdout.splitlines()
    assert server.wait_line("starttimer")
    assert wait_for(lambda: server.lines.count("reset") == 2)  # the new game and the quit
    assert server.lines[0] == "reset" and server.lines[-1] == "reset"
    assert [line for line in server.lines if line == "split"]
