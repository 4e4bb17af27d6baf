"""Big stories: random play, the process's exit and the largest load.

    python benchmarks/bench_big.py [--quick] [--dir DIR]

Prints, measured in this one run (machines are shared and noisy: every
figure has its baseline from the same run beside it):
- `randomtest` (1 job, 1,000 runs as the command's default, text checked)
  in choices/s on the synthetic stories of 1,000, 10,000 and 100,000 scenes
  (benchmarks/gen_story.py), each in a fresh process as the command runs
  it, against two loops over the same story and seeds in the same process:
  the minimal engine's random play (benchmarks/minimal_engine.py, the
  fixed reference) and a bare random `Cursor` loop (the engine alone);
- the exit of `rocky-adventure randomtest` on the 100,000-scene story,
  from outside: the time from its last output to the process's end,
  against `python -c "print(1)"` and against the same command ending with
  the interpreter's teardown (what it did before);
- a load of 500,000 scenes (370 MiB of YAML) through the load cache (cold
  the first time), if the memory is there (skipped with --quick).

The stories and the load cache are kept in DIR (default: a folder in the
temp dir) between runs: the first run generates them and pays their cold
loads (minutes at 100,000 scenes on a busy machine), the next ones load
from the cache. Targets (issue 17): randomtest >= 150,000 choices/s at
100,000 scenes and >= 250,000 at 10,000; exit under 0.3 s; 500,000 scenes
load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import synthetic

HERE = Path(__file__).resolve().parent
PY = sys.executable
SIZES = (1_000, 10_000, 100_000)
BIG = 500_000


# -- one size's random play, in its own process ---------------------------------


def play(root: str, runs: int, repeat: int) -> dict[str, float]:
    """In a fresh process: load (from the cache), then randomtest and the two
    reference loops over the same seeds, interleaved, `repeat` times."""
    from minimal_engine import MinimalEngine, random_play

    from rocky_adventure.engine import load_story
    from rocky_adventure.engine.play import Cursor
    from rocky_adventure.engine.rng import Random
    from rocky_adventure.tools.randomtest import frozen_heap, randomtest

    t = time.perf_counter()
    story = load_story(root)
    loaded = time.perf_counter() - t

    def bare(seeds: range) -> int:
        n = 0
        for seed in seeds:
            c = Cursor.start(story, seed)
            below = Random(seed).below
            steps = 0
            while c.ending is None and steps < 5_000:
                opts = c.options()
                if not opts:
                    break
                c.take(opts[below(len(opts))] if len(opts) > 1 else opts[0])
                steps += 1
            n += steps
        return n

    engine = MinimalEngine(story)
    out: dict[str, list[float]] = {"randomtest": [], "minimal": [], "cursor": []}
    for i in range(repeat):
        t = time.perf_counter()
        n = randomtest(story, runs=runs, seed=i)["choices_made"]
        out["randomtest"].append(n / (time.perf_counter() - t))
        with frozen_heap():  # (randomtest freezes the heap too: the same conditions)
            t = time.perf_counter()
            n = random_play(engine, range(i, i + runs), i)
            out["minimal"].append(n / (time.perf_counter() - t))
            t = time.perf_counter()
            n = bare(range(i, i + runs))
            out["cursor"].append(n / (time.perf_counter() - t))
    result = {k: max(v) for k, v in out.items()}
    result["first"] = out["randomtest"][0]  # the first call, as the command makes it
    result["load"] = loaded
    result["scenes"] = len(story.scenes)
    return result


# -- exit, from outside -----------------------------------------------------------


def exit_time(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from the last byte the process writes (stdout and stderr, one
    pipe) to its end."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert p.stdout is not None
    fd = p.stdout.fileno()
    last = time.perf_counter()
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        last = time.perf_counter()
    p.wait()
    end = time.perf_counter()
    p.stdout.close()
    return end - last


# The same command, ending as it did before: with the interpreter's teardown, and the
# story freed as the command returns
TEARDOWN = (
    "import runpy, sys\n"
    "import rocky_adventure.cli as cli, rocky_adventure.engine.load as load\n"
    "cli._end_process = lambda code: None\n"
    "keep = load._loaded\n"
    "def loaded(story):\n"
    "    keep(story)\n"
    "    load._last = None\n"
    "    return story\n"
    "load._loaded = loaded\n"
    "sys.argv = ['rocky-adventure', *sys.argv[1:]]\n"
    "runpy.run_module('rocky_adventure', run_name='__main__')\n"
)


def exits(story: Path, env: dict[str, str], repeat: int) -> dict[str, float]:
    args = ["randomtest", "--story", str(story), "--runs", "10"]
    cmds = {
        "python": [PY, "-c", "print(1)"],
        "now": [PY, "-m", "rocky_adventure", *args],
        "teardown": [PY, "-c", TEARDOWN, *args],
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(repeat):  # alternating, so that a busy moment hits all three
        for k, cmd in cmds.items():
            times[k].append(exit_time(cmd, env))
    return {k: statistics.median(v) for k, v in times.items()}


# -- the largest load ---------------------------------------------------------------


def available_mib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def load_big(root: str) -> dict[str, float]:
    """In a fresh process: a load through the load cache (cold when the cache
    holds no entry yet) and its peak memory."""
    from rocky_adventure.engine import load_story
    from rocky_adventure.engine.cache import default_cache_dir

    before = set(default_cache_dir().glob("*.pickle"))
    t = time.perf_counter()
    story = load_story(root)
    took = time.perf_counter() - t
    cold = set(default_cache_dir().glob("*.pickle")) != before
    hwm = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return {"scenes": len(story.scenes), "seconds": took, "peak_mib": hwm, "cold": cold}


def yaml_mib(root: Path) -> float:
    return sum(p.stat().st_size for p in root.glob("*.yaml")) / (1024 * 1024)


def child(args: list[str], env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [PY, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"bench_big {' '.join(args)} failed:\n{out.stderr}")
    return json.loads(out.stdout.splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs, no 500k load")
    ap.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "rocky-bench-big",
        help="where the stories and their load cache are kept between runs",
    )
    ap.add_argument("--play", nargs=3, metavar=("ROOT", "RUNS", "REPEAT"), help=argparse.SUPPRESS)
    ap.add_argument("--load", metavar="ROOT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.play:
        root, runs, repeat = args.play
        print(json.dumps(play(root, int(runs), int(repeat))))
        sys.stdout.flush()
        os._exit(0)  # (nothing to tear down: the figures are out)
    if args.load:
        print(json.dumps(load_big(args.load)))
        sys.stdout.flush()
        os._exit(0)

    started = time.perf_counter()
    runs, repeat = (300, 1) if args.quick else (1_000, 3)
    args.dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ROCKY_ADVENTURE_CACHE_DIR=str(args.dir / "cache"))
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")])
    print(
        f"stories and load cache in {args.dir}; {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print()
    print(
        f"randomtest, 1 job, {runs:,} runs, text checked (best of {repeat}, each size in a "
        "fresh process), against the same seeds in the same process:"
    )
    print(
        f"  {'scenes':>8}  {'randomtest':>13}  {'first call':>11}  {'minimal engine':>15}  "
        f"{'ratio':>6}  {'bare Cursor':>12}  {'ratio':>6}  target"
    )
    targets = {10_000: 250_000, 100_000: 150_000}
    for n in SIZES:
        root = synthetic(n, args.dir)
        r = child(["--play", str(root), str(runs), str(repeat)], env)
        target = targets.get(n)
        print(
            f"  {n:>8,}  {r['randomtest']:>11,.0f}/s  {r['first']:>9,.0f}/s  "
            f"{r['minimal']:>13,.0f}/s  {r['randomtest'] / r['minimal']:>5.2f}x  "
            f"{r['cursor']:>10,.0f}/s  {r['randomtest'] / r['cursor']:>5.2f}x  "
            + (f">= {target:,}/s" if target else "")
        )

    print()
    root = synthetic(100_000, args.dir)
    e = exits(root, env, 2 if args.quick else 3)
    print(
        "exit of `rocky-adventure randomtest` at 100,000 scenes, last output to process end "
        f"(median of {2 if args.quick else 3}, alternating):"
    )
    print(f"  python -c 'print(1)':               {e['python'] * 1000:8.1f} ms")
    print(
        f"  ending with the teardown (before):  {e['teardown'] * 1000:8.1f} ms"
        f"  = {e['teardown'] / max(e['python'], 1e-4):,.0f}x python"
    )
    print(
        f"  rocky-adventure (now):              {e['now'] * 1000:8.1f} ms"
        f"  = {e['now'] / max(e['python'], 1e-4):,.0f}x python, "
        f"{e['now'] / e['teardown']:.2f}x the teardown (target < 300 ms)"
    )

    print()
    if args.quick:
        print(f"load of {BIG:,} scenes: skipped (--quick)")
    else:
        root = synthetic(BIG, args.dir)
        size = yaml_mib(root)
        avail = available_mib()
        need = 12 * size  # (peak RSS of a cold load: some 8-12x the YAML; see docs/performance.md)
        if avail is not None and avail < need:
            print(
                f"load of {BIG:,} scenes ({size:,.0f} MiB of YAML): skipped, "
                f"{avail:,.0f} MiB available of the {need:,.0f} it may need"
            )
        else:
            r = child(["--load", str(root)], env)
            how = "cold, the cache was empty" if r["cold"] else "from the load cache"
            print(
                f"load of {r['scenes']:,.0f} scenes ({size:,.0f} MiB of YAML, within the "
                f"1 GiB total limit; {how}): {r['seconds']:.1f} s, peak RSS "
                f"{r['peak_mib']:,.0f} MiB = {r['peak_mib'] / size:.1f}x the YAML"
            )
    print(f"\n(the whole benchmark: {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
