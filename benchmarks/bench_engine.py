"""Engine benchmarks: loading, its memory, and random play on synthetic stories.

    python benchmarks/bench_engine.py [--quick]

Prints, for 1,000 and 10,000 scenes, measured in this one run (each load
figure the least CPU time of 5 rounds in which the loads take turns, see
common.cpu_rounds; the machines are shared):
- plain yaml.load(..., Loader=yaml.CSafeLoader) of the same files, with the
  garbage collector off as the loader has it (the baseline);
- our cold load + validate (no cache), and its ratio to the baseline
  (target <= 0.8x);
- a first run: the cache on and empty (the load, then the entry written),
  and its ratio to the cold load (target <= 1.2x);
- a second load from the load cache, and its ratio to the baseline
  (target <= 0.1x);
- memory, each figure in a fresh child process that has imported the
  loader: the peak RSS a cold load adds (VmHWM, reset just before the load,
  less VmRSS before it) against the YAML's size (target <= 8x), and the RSS
  it keeps (VmRSS after the load and a collection, less before) against the
  model's own size (target <= 3x). The model's size is a deep
  sys.getsizeof walk from the Story over gc.get_referents, each object
  counted once however often it is shared (classes, functions and modules
  left out); its pickle's size is printed too. yaml.load's own peak is
  printed for comparison.
and random-play throughput in choices per second on the 10k story
(target >= 150,000/s)."""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from common import cpu_rounds, synthetic

from rocky_adventure.engine import Cursor, load_story
from rocky_adventure.engine.rng import Random

MiB = 1024 * 1024


def baseline(root: Path) -> None:
    for f in sorted(root.rglob("*.yaml")):
        yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def gc_off(fn: Callable[[], object]) -> Callable[[], None]:
    """`fn` run with the collector off, as the loader runs (it pauses it)."""

    def run() -> None:
        enabled = gc.isenabled()
        gc.disable()
        try:
            fn()
        finally:
            if enabled:
                gc.enable()

    return run


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


# -- memory, in a child process ---------------------------------------------------


def _status(key: str) -> int:
    """A VmXXX figure of /proc/self/status, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def _reset_peak() -> bool:
    """Reset VmHWM to the RSS now (Linux 4.0+); False where that is refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def deep_size(root: object) -> int:
    """Bytes of every object reachable from `root`, each counted once."""
    from types import CodeType, FunctionType, ModuleType

    skip = (type, ModuleType, FunctionType, CodeType)
    seen: set[int] = set()
    stack = [root]
    total = 0
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, skip):
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        stack.extend(gc.get_referents(o))
    return total


def memory_child(root: Path, what: str) -> dict[str, float]:
    """Runs in the child: one load of `root` (`what`: "cold" or "yaml")."""
    import pickle

    import rocky_adventure.engine.loader  # noqa: F401 - imported before, not counted

    gc.collect()
    before = _status("VmRSS")
    reset = _reset_peak()
    if what == "yaml":
        gc_off(lambda: baseline(root))()
        story = None
    else:
        story = load_story(root, cache=False)
    peak = _status("VmHWM")
    gc.collect()
    kept = _status("VmRSS")
    out = {"before": before, "peak": peak - before, "kept": kept - before, "reset": reset}
    if story is not None:
        out["model"] = deep_size(story)
        out["pickle"] = len(pickle.dumps(story, protocol=pickle.HIGHEST_PROTOCOL))
    return out


def memory(root: Path, what: str) -> dict[str, float]:
    r = subprocess.run(
        [sys.executable, __file__, "--memory-child", what, str(root)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(r.stdout)


def freed(story: object) -> None:
    """Let go of a story just loaded (load_story keeps its last one: engine/load.py)."""
    from rocky_adventure.engine.load import forget_last

    forget_last()
    del story


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--memory-child", nargs=2, metavar=("WHAT", "ROOT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        print(json.dumps(memory_child(Path(args.memory_child[1]), args.memory_child[0])))
        return 0
    repeat = 2 if args.quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        story10k = None
        for n in (1000, 10000):
            root = synthetic(n, tmpdir)
            size = sum(f.stat().st_size for f in root.rglob("*.yaml"))
            fresh = (tmpdir / f"first{n}-{i}" for i in itertools.count())
            cache_dir = tmpdir / f"cache{n}"
            story = load_story(root, cache=True, cache_dir=cache_dir)  # fills the cache
            t = cpu_rounds(
                {
                    "base": gc_off(lambda: baseline(root)),
                    # (each frees what it made, as the baseline does: load_story
                    # holds its last story until told otherwise)
                    "cold": lambda: freed(load_story(root, cache=False)),
                    "first": lambda: freed(load_story(root, cache=True, cache_dir=next(fresh))),
                    "warm": lambda: freed(load_story(root, cache=True, cache_dir=cache_dir)),
                },
                repeat,
            )
            base, cold, first, warm = t["base"], t["cold"], t["first"], t["warm"]
            print(
                f"{n:>6} scenes ({size / 1e6:.1f} MB): "
                f"yaml.load CSafeLoader, GC off {base * 1000:7.1f} ms | "
                f"cold load+validate {cold * 1000:7.1f} ms = {cold / base:.2f}x (target <= 0.8x) | "
                f"first run, empty cache {first * 1000:7.1f} ms = {first / cold:.2f}x cold "
                f"(target <= 1.2x) | "
                f"cached {warm * 1000:6.1f} ms = {warm / base:.3f}x (target <= 0.1x)"
            )
            m = memory(root, "cold")
            y = memory(root, "yaml")
            note = "" if m["reset"] else " (VmHWM could not be reset: the peak is the process's)"
            print(
                f"{'':>6} memory: cold load peak +{m['peak'] / MiB:.1f} MiB = "
                f"{m['peak'] / size:.1f}x the YAML's {size / MiB:.2f} MiB (target <= 8x; "
                f"yaml.load: {y['peak'] / size:.1f}x) | kept +{m['kept'] / MiB:.1f} MiB = "
                f"{m['kept'] / m['model']:.2f}x the model's {m['model'] / MiB:.1f} MiB "
                f"(target <= 3x; its pickle: {m['pickle'] / MiB:.1f} MiB){note}"
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
