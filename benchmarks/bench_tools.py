"""Authoring-tool benchmarks.

    python benchmarks/bench_tools.py [--quick]

Prints, measured in this one run:
- randomtest throughput in choices/s on the 10k synthetic story
  (benchmarks/gen_story.py), with one job and with one job per core,
  rendering text as `randomtest` does by default;
- explore throughput in distinct states/s on the same story;
- the time `route` takes to find the fewest-choices route to every ending
  of the bundled story (target: under 2 s);
- `balance` throughput in runs/s on the bundled story, from the start of
  the bout with a trained Rocky, with one job and with one job per core,
  against a bare Cursor loop of random play measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import best_of, synthetic

from rocky_adventure.engine import StoryLoadError, load_story
from rocky_adventure.engine.play import Cursor
from rocky_adventure.engine.rng import Random
from rocky_adventure.engine.start import Start, start_state
from rocky_adventure.tools.balance import balance
from rocky_adventure.tools.explore import Explorer, routes_for
from rocky_adventure.tools.randomtest import randomtest

# The start of the bout with a trained Rocky (closing note of the balance issue)
BOUT = ("arena", ["strength=5", "speed=7", "stamina=8", "chin=7", "resolve=10"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs and states")
    args = ap.parse_args()
    runs = 2_000 if args.quick else 20_000
    states = 50_000 if args.quick else 300_000
    repeat = 1 if args.quick else 3
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic(10_000, Path(tmp))
        story = load_story(root, cache=False)
        print(f"10k synthetic story: {len(story.scenes):,} scenes, {len(story.endings)} endings")

        for jobs in (1, cores):
            steps = 0

            def run(jobs=jobs):
                nonlocal steps
                steps = randomtest(story, runs=runs, seed=1, jobs=jobs)["choices_made"]

            t = best_of(run, repeat)
            print(
                f"randomtest, {jobs} job{'s' if jobs > 1 else ''}: {runs:,} runs, {steps:,} choices in "
                f"{t:.2f} s = {steps / t:,.0f} choices/s"
            )
        t0 = time.perf_counter()
        steps = randomtest(story, runs=runs, seed=1, render=False)["choices_made"]
        t = time.perf_counter() - t0
        print(f"randomtest --no-render, 1 job: {steps / t:,.0f} choices/s")

        n = 0

        def walk():
            nonlocal n
            n = Explorer(story).run(states).states

        t = best_of(walk, repeat)
        print(f"explore: {n:,} states in {t:.2f} s = {n / t:,.0f} states/s")

    try:
        bundled = load_story(None, cache=False)
    except StoryLoadError as e:
        print(
            f"bundled story does not load yet ({len(e.diagnostics)} errors): route timing skipped"
        )
        return 0
    found = []

    def route_all():
        nonlocal found
        found = routes_for(bundled)[1]

    t = best_of(route_all, repeat)
    print(
        f"route to every ending of the bundled story: {len(found)}/{len(bundled.endings)} endings in "
        f"{t:.2f} s (target < 2 s)"
    )
    bench_balance(bundled, 100 if args.quick else 500, repeat, cores)
    bench_check_packs(bundled, repeat)
    return 0


def deep_pack(story, root: Path, scenes: int = 20) -> Path:
    """A pack of `scenes` scenes in a row, hooked into the first scene with
    choices of the story's last chapter (deep: the analysis must start from
    the states real playthroughs reach there)."""
    last = story.chapters[-1].id
    hook = next(s for s in story.scenes.values() if s.chapter == last and s.choices)
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(
        f"format: 1\nname: deep\ntitle: Deep\nversion: 1.0.0\nextends: {story.id}\n"
        f"endings:\n  - {{id: out, title: Out, epilogue: Gone.}}\n"
        f"hooks:\n  - scene: {hook.id}\n    choices:\n      - {{id: leave, text: Leave, to: d0}}\n",
        encoding="utf-8",
    )
    lines = [f"chapter: {last}", "scenes:"]
    for i in range(scenes):
        nxt = f"d{i + 1}" if i + 1 < scenes else "d_end"
        lines += [
            f"  - id: d{i}",
            f"    text: Step {i}.",
            "    choices:",
            f"      - {{id: on, text: On, to: {nxt}}}",
        ]
    lines += ["  - id: d_end", "    text: The end.", "    ending: out"]
    (root / "deep.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def bench_check_packs(bundled, repeat: int) -> None:
    """check's lints on the bundled story, without a pack (the baseline) and
    with a 20-scene pack hooked into the last chapter, so the pack analysis
    (states sampled at the hook, then explored) is on."""
    from rocky_adventure.tools.lint import lint

    with tempfile.TemporaryDirectory() as tmp:
        pack = deep_pack(bundled, Path(tmp) / "deep")
        with_pack = load_story(None, [pack], cache=False)
        base = best_of(lambda: lint(bundled), repeat)
        t = best_of(lambda: lint(with_pack), repeat)
    print(f"check's lints, the bundled story: {base:.2f} s (the baseline)")
    print(
        f"check's lints with a 20-scene pack hooked into the last chapter (pack analysis on): "
        f"{t:.2f} s = {t / base:.2f}x"
    )


def bench_balance(story, runs: int, repeat: int, cores: int) -> None:
    """balance's runs/s: the random policy against the bare loop of random
    play that is its floor (the same runs), then the whole default report
    (the declared policies, random, first and the dominance scan)."""
    start = Start.parse(story, *BOUT)
    total = 0

    def bare():
        # what a random run costs at the least: Cursor, options, a uniform pick, take
        for seed in range(runs):
            c = Cursor.from_state(story, start_state(story, Start(start.scene, start.values, seed)))
            rnd = Random(seed)
            while c.ending is None:
                opts = c.options()
                c.take(opts[rnd.below(len(opts))] if len(opts) > 1 else opts[0])

    base = runs / best_of(bare, repeat)
    print(f"balance baseline, a bare random Cursor loop from the bout: {base:,.0f} runs/s")
    t = best_of(lambda: balance(story, ["random"], runs=runs, start=start), repeat)
    print(
        f"balance --policy random, 1 job: {runs / t:,.0f} runs/s ({runs / t / base:.2f}x the bare loop)"
    )
    one = 0.0
    for jobs in (1, cores):

        def report(jobs=jobs):
            nonlocal total
            r = balance(story, runs=runs, start=start, jobs=jobs)
            total = sum(p["runs"] for p in r["policies"])

        t = best_of(report, repeat)
        rate = total / t
        one = one or rate
        print(
            f"balance, the default report, {jobs} job{'s' if jobs > 1 else ''}: {total:,} runs "
            f"({runs} a policy) in {t:.2f} s = {rate:,.0f} runs/s"
            + (f" ({rate / one:.2f}x 1 job)" if jobs > 1 else "")
        )


if __name__ == "__main__":
    sys.exit(main())
