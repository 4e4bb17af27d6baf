"""Play benchmarks: long runs through the public API, and Cursor against the
minimal engines.

    python benchmarks/bench_play.py [--quick]

Prints, measured in this one run:
- (a) long runs: the public API's cost of one choice (`choose`, which
  checks the choice is open and returns a new State) at the 100th and at
  the 4,000th choice of one long run, and their ratio (target <= 1.2x). The
  run plays the 10k synthetic story (benchmarks/gen_story.py: its random
  targets make it a graph full of cycles) with random picks that keep away
  from the endings, so the path grows to 4,000 steps and the visit counts
  to some 3,000 scenes. Each figure is the least time of many rounds of
  repeated `choose` calls from the same State (a State is a value: the
  call is the same every time), the two choices measured alternately;
- (b) random play: Cursor (`options()` and `take()`, the loop randomtest
  runs) against the minimal engines of benchmarks/minimal_engine.py on the
  10k synthetic story, the same runs (seeds) and the same picks, so every
  engine makes the same choices (checked); the baseline is the faster
  engine of the run (target: Cursor >= 0.35x);
- (c) the same on the bundled story, a small one.

Times are CPU time of this process (time.process_time), the best of
several rounds taken alternately: the machines are shared."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from common import synthetic  # noqa: E402
from minimal_engine import CompiledEngine, MinimalEngine, random_play  # noqa: E402

from rocky_adventure.engine import (  # noqa: E402
    Cursor,
    available_choices,
    choose,
    load_story,
    new_game,
)


def long_run(story: Any, length: int, seed: int = 1) -> tuple[list[Any], list[str]]:
    """States and choice ids of one run of `length` choices that avoids the endings."""
    rng = random.Random(seed)
    state = new_game(story, seed)
    states, picks = [state], []
    while len(picks) < length:
        opts = available_choices(story, state)
        safe = [
            o
            for o in opts
            if all(story.scenes[t].ending is None for t in (o.targets if o.id != "next" else ()))
        ] or opts
        cid = safe[rng.randrange(len(safe))].id
        state = choose(story, state, cid)
        states.append(state)
        picks.append(cid)
        if state.ending is not None:
            raise SystemExit("the long run reached an ending; try another seed")
    return states, picks


def per_choice(
    story: Any, states: list[Any], picks: list[str], ks: list[int], rounds: int
) -> list[float]:
    """The least time of one `choose` for the k-th choice, each k, in rounds taken alternately."""
    n = 200
    best = [float("inf")] * len(ks)
    for _ in range(rounds):
        for i, k in enumerate(ks):
            state, cid = states[k - 1], picks[k - 1]
            t = time.process_time()
            for _ in range(n):
                choose(story, state, cid)
            best[i] = min(best[i], (time.process_time() - t) / n)
    return best


def cursor_play(story: Any, runs: range, picker_seed: int = 1, step_limit: int = 10_000) -> int:
    """Random play on Cursor, picking as the minimal engines do; returns the choices made."""
    pick = random.Random(picker_seed).random
    start = Cursor.start
    choices = 0
    for seed in runs:
        c = start(story, seed)
        steps = 0
        while c.ending is None and steps < step_limit:
            opts = c.options()
            n = len(opts)
            if not n:
                break
            c.take(opts[int(pick() * n)] if n > 1 else opts[0])
            steps += 1
        choices += steps
    return choices


def race(story: Any, runs: int, rounds: int) -> dict[str, float]:
    """Choices per CPU second of Cursor and of each minimal engine, the best of
    `rounds` rounds (the engines take turns within a round)."""
    engines: dict[str, Callable[[], int]] = {"Cursor": lambda: cursor_play(story, range(runs))}
    for cls in (MinimalEngine, CompiledEngine):
        engine = cls(story)
        engines[cls.__name__] = lambda e=engine: random_play(e, range(runs))  # type: ignore[misc]
    best: dict[str, float] = {}
    made: dict[str, int] = {}
    for _ in range(rounds):
        for name, fn in engines.items():
            t = time.process_time()
            made[name] = fn()
            rate = made[name] / (time.process_time() - t)
            best[name] = max(best.get(name, 0.0), rate)
    if len(set(made.values())) != 1:
        raise SystemExit(f"the engines played different runs: {made}")
    return best


def show_race(what: str, best: dict[str, float], target: str = "") -> float:
    base_name = max((k for k in best if k != "Cursor"), key=lambda k: best[k])
    ratio = best["Cursor"] / best[base_name]
    others = ", ".join(f"{k} {v:,.0f}/s" for k, v in best.items() if k != "Cursor")
    print(
        f"({what}) random play: Cursor {best['Cursor']:,.0f} choices/s = {ratio:.2f}x "
        f"the faster minimal engine ({others}){target}"
    )
    return ratio


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="fewer rounds")
    args = ap.parse_args()
    rounds = 5 if args.quick else 15
    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic(10_000, Path(tmp))
        story = load_story(root, cache=True, cache_dir=Path(tmp) / "cache")
        bundled = load_story(ROOT / "story", cache=False)

        states, picks = long_run(story, 4000)
        last = states[-1]
        a100, a4000 = per_choice(story, states, picks, [100, 4000], rounds * 2)
        print(
            f"(a) long run, 10k story ({len(last.path):,} choices, {len(last.visits):,} scenes "
            f"visited): choice 100 {a100 * 1e6:.1f} us, choice 4,000 {a4000 * 1e6:.1f} us "
            f"= {a4000 / a100:.2f}x (target <= 1.2x)"
        )
        show_race(
            "b: 10k story",
            race(story, 300 if args.quick else 600, rounds // 2 + 1),
            " (target >= 0.35x)",
        )
        show_race("c: bundled story", race(bundled, 150 if args.quick else 300, rounds // 2 + 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
