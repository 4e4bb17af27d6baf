"""Terminal game benchmarks.

    python benchmarks/bench_tui.py [--quick]

Prints, measured in this one run on the bundled story:
- start-up: from launching Python to the title screen drawn and taking keys
  (headless), against a bare Textual app with a Header, a Static and an
  OptionList; each run is a fresh process, alternating the two apps, and
  the figure is the ratio of the medians, and the median of each game
  launch's ratio to the bare launch just before it ("paired")
  (target <= 1.15x);
- the title text visible from outside the process: from launching
  `python -m rocky_adventure` in an 80x24 pseudo-terminal to the title's
  bytes on that terminal, against the bare app's first frame, the same way
  (target <= 1.15x);
- turn latency: from a choice key to the next scene fully drawn, with
  instant text: the time from posting the key to the app's write to the
  (headless) terminal after which the screen no longer changes (target
  <= 16 ms median); and until Textual's last write of the turn (the same
  when a turn is one write, as it should be: a later write that redraws
  the same picture is wasted work);
- peak RSS of the game at the title screen with the story loaded, and
  after playing 100 turns, against the bare app at its first frame, each
  in its own process (target <= 1.25x).

The story comes from the load cache and the code from its bytecode, as for
a player who has run the game before: a warm-up run fills the cache, and the
package is compiled first (a child started with PYTHONDONTWRITEBYTECODE set
would otherwise compile every module it imports on every launch, and count
the compiler's memory and time as the game's).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# One process: start an app headless. "start": say "ready" when the first
# frame is written to the (headless) terminal: the title screen, drawn and
# taking keys. "rss": then do the work and print the peak RSS in KiB (the
# game: once the story is loaded, and again after 100 turns).
CHILD = r"""
import asyncio, os, resource, sys
kind, what, data = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "bare":
    from textual.app import App
    from textual.widgets import Header, OptionList, Static

    class Bare(App):
        def compose(self):
            yield Header()
            yield Static("Rocky IV: The Adventure")
            yield OptionList("New game", "Continue", "Load", "Endings", "Settings", "Help", "Quit")

    app = Bare()
else:
    from rocky_adventure.game.settings import Settings
    from rocky_adventure.tui.app import RockyApp
    app = RockyApp(data_dir=data, settings=Settings(text_speed="instant"))

display = app._display


def peak_kib():
    # VmHWM starts afresh at exec; ru_maxrss can carry the forking parent's peak
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def first_frame(screen, renderable):
    display(screen, renderable)
    if what == "start":
        os.write(1, b"ready\n")
        os._exit(0)


app._display = first_frame


async def pilot(p):
    await p.pause()
    os.write(1, b"ready\n")
    if kind == "game":
        while app.story is None:
            await asyncio.sleep(0.01)
        await p.pause()
        os.write(1, b"%d " % peak_kib())  # the title screen with the story loaded
        await p.press("n")
        for _ in range(100):
            if app.session.state.ending is not None:
                app.do("new_game")
            await p.press("1")
    os.write(1, b"%d\n" % peak_kib())
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=pilot)
"""


def launch(kind: str, what: str, data: str) -> tuple[float, list[int]]:
    """(seconds from launch to the first frame, the peak RSS figures in KiB)."""
    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, kind, what, data],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=ROOT,
            text=True,
        )
        line = proc.stdout.readline()
        ready = time.perf_counter() - t0
        rest = proc.stdout.read()
        proc.wait(timeout=120)
        if line.strip() != "ready" or proc.returncode != 0 or (what == "rss" and not rest.strip()):
            err.seek(0)
            raise SystemExit(f"{kind} {what} failed ({proc.returncode}): {line}{rest}{err.read()}")
    return ready, [int(x) for x in rest.split()] if what == "rss" else []


BARE_APP = r"""
from textual.app import App
from textual.widgets import Header, OptionList, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("Rocky IV: The Adventure")
        yield OptionList("New game", "Continue", "Load", "Endings", "Settings", "Help", "Quit")

Bare().run()
"""
TITLE = b"Rocky IV: The Adventure"


def in_pty(argv: list[str], marker: bytes = TITLE, timeout: float = 30.0) -> float:
    """Seconds from launching `argv` in an 80x24 pseudo-terminal to `marker`
    appearing in what it writes to that terminal: what a player sees, from
    outside the process. The process is killed once the marker is seen."""
    import fcntl
    import os
    import pty
    import select
    import signal
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env.pop("TEXTUAL", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    try:
        while True:
            left = timeout - (time.perf_counter() - t0)
            if left <= 0:
                raise SystemExit(f"{argv}: no {marker!r} within {timeout:.0f} s: {seen[-400:]!r}")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                raise SystemExit(f"{argv} ended before {marker!r}: {seen[-400:]!r}") from None
            seen += chunk
            if marker in seen:
                return time.perf_counter() - t0
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
        os.close(master)


def startup_pty(runs: int, data: str) -> tuple[float, float, float]:
    """Seconds to the title text in a real (pseudo-)terminal, alternating: the
    bare app's first frame and `rocky-adventure` as a player starts it
    (medians), and the median of each launch's ratio to the bare launch just
    before it (steadier when the machine's speed drifts during the runs)."""
    game_argv = [sys.executable, "-m", "rocky_adventure", "--data-dir", data]
    bare, game = [], []
    for _ in range(runs):
        bare.append(in_pty([sys.executable, "-c", BARE_APP]))
        game.append(in_pty(game_argv))
    return _summary(bare, game)


def startup(runs: int, data: str) -> tuple[float, float, float]:
    bare, game = [], []
    for _ in range(runs):
        bare.append(launch("bare", "start", data)[0])
        game.append(launch("game", "start", data)[0])
    return _summary(bare, game)


def _summary(bare: list[float], game: list[float]) -> tuple[float, float, float]:
    paired = statistics.median(g / b for b, g in zip(bare, game))
    return statistics.median(bare), statistics.median(game), paired


def peak_rss(runs: int, data: str) -> tuple[int, int, int]:
    """Peak RSS in KiB: the bare app; the game with the story loaded; the
    game after 100 turns (each the least of `runs` processes)."""
    bare = min(launch("bare", "rss", data)[1][0] for _ in range(runs))
    game = [launch("game", "rss", data)[1] for _ in range(runs)]
    return bare, min(g[0] for g in game), min(g[1] for g in game)


async def turn_latency(turns: int, data: str) -> list[tuple[float, float]]:
    """(key to the scene drawn, key to Textual's last write) of each turn."""
    from rocky_adventure.game.settings import Settings
    from rocky_adventure.tui.app import RockyApp

    # motion=False: a change shown as +1 stays until the next turn instead of
    # fading on a timer, and the play time does not tick: either would
    # redraw the screen in the middle of some later turn and count against it.
    app = RockyApp(data_dir=data, settings=Settings(text_speed="instant"), motion=False)
    latencies: list[tuple[float, float]] = []
    async with app.run_test(size=(80, 24)) as pilot:
        while app.story is None:
            await pilot.pause(0.01)
        await pilot.press("n")
        writes: list[tuple[float, list]] = []
        display = app._display

        def timed_display(screen, renderable) -> None:
            display(screen, renderable)
            t = time.perf_counter()
            # what the screen shows after this write
            picture = [
                tuple((seg.text, seg.style) for seg in strip)
                for strip in screen._compositor.render_strips()
            ]
            writes.append((t, picture))

        app._display = timed_display  # every write to the terminal, and what the screen then shows
        for _ in range(turns):
            if app.session.state.ending is not None:
                app.do("new_game")
                await pilot.pause()
            before = app.session.state
            writes.clear()
            t0 = time.perf_counter()
            await pilot.press("1")
            await pilot.pause()
            if app.session.state is before or not writes:
                raise SystemExit("a turn did not change the scene")
            final = writes[-1][1]
            drawn = next(t for t, picture in writes if picture == final)
            latencies.append((drawn - t0, writes[-1][0] - t0))
        app.writer.flush()
    return latencies


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs")
    args = ap.parse_args()
    runs = 5 if args.quick else 15
    turns = 100 if args.quick else 400
    compileall.compile_dir(
        ROOT / "rocky_adventure", quiet=1
    )  # (writes even with PYTHONDONTWRITEBYTECODE)
    with tempfile.TemporaryDirectory() as data:
        launch("game", "start", data)  # warm-up: fills the load cache
        launch("bare", "start", data)
        bare, game, paired = startup(runs, data)
        print(
            f"start-up to the title screen (median of {runs}): bare Textual app {bare * 1000:.0f} ms, "
            f"game {game * 1000:.0f} ms = {game / bare:.2f}x, paired {paired:.2f}x (target <= 1.15x)"
        )
        in_pty([sys.executable, "-m", "rocky_adventure", "--data-dir", data])  # warm-up
        pbare, pgame, ppaired = startup_pty(runs, data)
        print(
            f"title text visible in an 80x24 pseudo-terminal (median of {runs}): bare Textual "
            f"app's first frame {pbare * 1000:.0f} ms, `rocky-adventure` {pgame * 1000:.0f} ms "
            f"= {pgame / pbare:.2f}x, paired {ppaired:.2f}x (target <= 1.15x)"
        )
        rb, rt, rg = peak_rss(
            max(runs // 5, 2), data
        )  # before this process grows with the latency test
        lat = asyncio.run(turn_latency(turns, data))
        drawn = sorted(d * 1000 for d, _ in lat)
        last = sorted(x * 1000 for _, x in lat)
        p95 = drawn[int(len(drawn) * 0.95) - 1]
        print(
            f"turn latency, key to next scene drawn ({turns} turns, instant text): "
            f"median {statistics.median(drawn):.1f} ms, p95 {p95:.1f} ms, max {drawn[-1]:.1f} ms "
            f"(target <= 16 ms median); Textual's last write of the turn: median "
            f"{statistics.median(last):.1f} ms"
        )
        print(
            f"peak RSS (target <= 1.25x): bare Textual app {rb / 1024:.1f} MiB; game at the title with the "
            f"story loaded {rt / 1024:.1f} MiB = {rt / rb:.2f}x; after 100 turns {rg / 1024:.1f} MiB "
            f"= {rg / rb:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
