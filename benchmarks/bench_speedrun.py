"""Speedrun benchmarks.

    python benchmarks/bench_speedrun.py [--resets 30]

Prints, measured in this one run on the bundled story:
- reset: from ctrl+r to the fresh run's scene drawn in the game (headless,
  80x24: the first write after which the story and choices stop changing;
  the HUD's timer ticks on by itself), median and worst (target < 100 ms),
  and its ratio to a plain turn (a choice key to the next scene drawn,
  measured the same way in the same app);
- the engine part of a reset alone (a new Run at the start scene);
- verify: re-simulating a finished Any% run file, against replaying the same
  choices with the bare engine (the cost of the checks themselves)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import best_of  # noqa: E402


async def ui(resets: int, data: str) -> tuple[list[float], list[float]]:
    from rocky_adventure.game.settings import Settings
    from rocky_adventure.speedrun.attempts import Speedrun
    from rocky_adventure.speedrun.records import Records
    from rocky_adventure.speedrun.run import parse_category
    from rocky_adventure.tui.speedrun import SpeedrunApp

    def factory(story, data_dir):
        return Speedrun(story, parse_category(story, "any"), None, Records(Path(data), story.id))

    app = SpeedrunApp(factory, data_dir=data, settings=Settings(text_speed="instant"), motion=False)
    reset_times: list[float] = []
    turn_times: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        while app.session is None:
            await pilot.pause(0.01)
        await pilot.pause()
        writes: list[tuple[float, list]] = []
        display = app._display
        text_width = 80 - 38  # the story and choices; the sidebar's timer ticks on its own

        def timed(screen, renderable) -> None:
            display(screen, renderable)
            t = time.perf_counter()
            picture = [
                tuple((seg.text, seg.style) for seg in strip.crop(0, text_width))
                for strip in screen._compositor.render_strips()[1:]
            ]  # below the header's turn count
            writes.append((t, picture))

        def drawn(t0: float) -> float:
            """Key to the first write that shows what the text area finally shows."""
            final = writes[-1][1]
            return next(t for t, picture in writes if picture == final) - t0

        app._display = timed
        for _ in range(resets):
            for _ in range(3):  # play a little, so the reset has something to throw away
                writes.clear()
                before = app.session.state
                t0 = time.perf_counter()
                await pilot.press("1")
                await pilot.pause()
                if app.session.state is not before and writes:
                    turn_times.append(drawn(t0))
            old = app.session
            writes.clear()
            t0 = time.perf_counter()
            await pilot.press("ctrl+r")
            await pilot.pause()
            if app.session is old or not writes:
                raise SystemExit("ctrl+r did not start a new run")
            reset_times.append(drawn(t0))
    return reset_times, turn_times


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--resets", type=int, default=30)
    args = ap.parse_args()
    from rocky_adventure.engine import load_story, replay
    from rocky_adventure.speedrun.run import Run, parse_category
    from rocky_adventure.speedrun.verify import verify_run

    story = load_story()
    with tempfile.TemporaryDirectory() as data:
        resets, turns = asyncio.run(ui(args.resets, data))
    r_med, t_med = statistics.median(resets), statistics.median(turns)
    print(
        f"reset (ctrl+r to the new run drawn): median {r_med * 1000:.1f} ms, worst {max(resets) * 1000:.1f} ms "
        f"over {len(resets)} resets (target < 100 ms); {r_med / t_med:.2f}x a plain turn "
        f"({t_med * 1000:.1f} ms median)"
    )
    category = parse_category(story, "any")
    new_run = best_of(lambda: Run(story, category, seed=1), 20)
    print(f"engine part of a reset (a new Run): {new_run * 1000:.2f} ms")

    # a finished run to verify: random choices until an ending
    from rocky_adventure.engine.rng import Random

    rng = Random(5)
    run = Run(story, category, seed=5)
    while not run.finished:
        opts = run.open_choices()
        run.choose(opts[rng.below(len(opts))])
    record = run.record()
    ids = [c[1] for c in record["choices"]]
    bare = best_of(lambda: replay(story, 5, ids), 10)
    checked = best_of(lambda: verify_run(story, record), 10)
    assert verify_run(story, record).ok
    print(
        f"verify a {len(ids)}-choice run: {checked * 1000:.1f} ms = {checked / bare:.2f}x a bare replay "
        f"({bare * 1000:.1f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
