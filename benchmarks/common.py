"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of `repeat` runs, in seconds: on a shared, noisy machine the
    minimum is the figure least disturbed by other work."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def cpu_rounds(fns: dict[str, Callable[[], object]], repeat: int = 5) -> dict[str, float]:
    """The least CPU time (time.process_time: this process's user and system
    time, in seconds) each of `fns` took over `repeat` rounds, the functions
    taking turns within a round: on a shared machine CPU time is the figure
    least moved by other work, and taking turns gives every function the
    same share of whatever load there is."""
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - t)
    return best


def median_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def synthetic(n: int, root: Path) -> Path:
    from gen_story import generate

    out = root / f"story{n}"
    if not (out / "story.yaml").exists():
        generate(n, out)
    return out
