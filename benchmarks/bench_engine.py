"""Engine benchmarks: loading and random play on synthetic stories.

    python benchmarks/bench_engine.py [--quick]

Prints, for 1,000 and 10,000 scenes, measured in this one run:
- plain yaml.load(..., Loader=yaml.CSafeLoader) of the same files (the baseline);
- our cold load + validate, and its ratio to the baseline (target <= 1.0x);
- a second load from the load cache, and its ratio (target <= 0.1x);
and random-play throughput in choices per second on the 10k story
(target >= 150,000/s)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml
from common import best_of, synthetic

from rocky_adventure.engine import Cursor, load_story
from rocky_adventure.engine.rng import Random


def baseline(root: Path) -> None:
    for f in sorted(root.rglob("*.yaml")):
        yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def random_play(story, seconds: float, seed: int = 1) -> tuple[int, int, float]:
    """Play random runs for about `seconds`; returns (choices, runs, elapsed)."""
    rng = Random(seed)
    choices = runs = 0
    start = time.perf_counter()
    deadline = start + seconds
    run_seed = 0
    while time.perf_counter() < deadline:
        for _ in range(50):
            c = Cursor.start(story, run_seed)
            run_seed += 1
            steps = 0
            while c.ending is None and steps < 10_000:
                opts = c.options()
                if not opts:
                    break
                c.take(opts[rng.below(len(opts))])
                steps += 1
            choices += steps
            runs += 1
    return choices, runs, time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    repeat = 2 if args.quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        story10k = None
        for n in (1000, 10000):
            root = synthetic(n, tmpdir)
            size = sum(f.stat().st_size for f in root.rglob("*.yaml")) / 1e6
            base = best_of(lambda: baseline(root), repeat)
            cold = best_of(lambda: load_story(root, cache=False), repeat)
            cache_dir = tmpdir / f"cache{n}"
            story = load_story(root, cache=True, cache_dir=cache_dir)  # fills the cache
            warm = best_of(lambda: load_story(root, cache=True, cache_dir=cache_dir), repeat)
            print(
                f"{n:>6} scenes ({size:.1f} MB): yaml.load CSafeLoader {base * 1000:7.1f} ms | "
                f"cold load+validate {cold * 1000:7.1f} ms = {cold / base:.2f}x (target <= 1.0x) | "
                f"cached {warm * 1000:6.1f} ms = {warm / base:.3f}x (target <= 0.1x)"
            )
            if n == 10000:
                story10k = story
        choices, runs, elapsed = random_play(story10k, 1.0 if args.quick else 3.0)
        rate = choices / elapsed
        print(
            f"random play, 10k story: {choices:,} choices in {runs:,} runs, {elapsed:.2f} s = "
            f"{rate:,.0f} choices/s (target >= 150,000/s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
