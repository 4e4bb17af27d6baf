"""`rocky-adventure balance`: play policies (named ways to play) many times
and report the ending and tag rates; `--check` holds the story to the
manifest's balance targets. Only argparse set-up lives at the top level."""

from __future__ import annotations

import argparse
import json

from .common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    load_from_args,
    seed_arg,
    start_args,
    story_args,
)

HELP = "play policies (ways to play) many times: ending and tag rates, dominant choices, targets"
EXAMPLE = (
    "rocky-adventure balance --from arena --set strength=5 --runs 500 --jobs 0   "
    "(or: balance --check)"
)


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {n}")
    return n


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (one per core) or more, got {n}")
    return n


def setup(p: argparse.ArgumentParser) -> None:
    story_args(p)
    p.add_argument(
        "--policy",
        dest="policies",
        action="append",
        default=[],
        metavar="P",
        help="a policy to play: a declared one, random, first, last or always:CHOICE_ID "
        "(repeatable; default: the declared ones, random and first, and the dominance scan)",
    )
    p.add_argument(
        "--runs",
        type=_positive,
        default=None,
        metavar="N",
        help="runs per policy (default 1000; with --check, for targets without runs:)",
    )
    p.add_argument("--seed", type=seed_arg, default=0, metavar="S", help="run i uses seed S+i")
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=1,
        metavar="J",
        help="worker processes (0: one per core; default 1); the report is the same for any",
    )
    start_args(p, "the runs")
    scan = p.add_mutually_exclusive_group()
    scan.add_argument(
        "--scan",
        dest="scan",
        action="store_true",
        default=None,
        help="play always:ID for each choice id offered in 3 scenes or more (default: "
        "unless --policy is given)",
    )
    scan.add_argument("--no-scan", dest="scan", action="store_false", help="no dominance scan")
    p.add_argument(
        "--goal",
        dest="goals",
        action="append",
        default=[],
        metavar="TAG",
        help="a tag where more is better, for the scan (repeatable; default: the tags of the "
        "at_least targets, else win)",
    )
    p.add_argument(
        "--step-limit",
        type=_positive,
        default=None,
        metavar="N",
        help="choices before a run counts as stuck in a loop (default 5000)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="play the manifest's balance targets; exit 1 with a located message for each missed",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    import time

    from ..engine.start import Start, StartError
    from ..tools import balance as b

    if args.check and (args.policies or args.from_scene or args.sets or args.goals):
        raise CommandError(
            "rocky-adventure balance: --check plays the manifest's targets, each with its own "
            "policy and start: --policy, --from, --set and --goal do not go with it",
            code=EXIT_USAGE,
        )
    story = load_from_args(args)
    runs = args.runs or b.DEFAULT_RUNS
    limit = args.step_limit or b.DEFAULT_STEP_LIMIT
    if args.check:
        r = b.check_targets(story, seed=args.seed, jobs=args.jobs, runs=runs, step_limit=limit)
        print(json.dumps(r, indent=2) if args.json else b.format_check(r))
        return EXIT_ERROR if r["missed"] else EXIT_OK
    start = None
    if args.from_scene or args.sets:
        try:
            start = Start.parse(story, args.from_scene, args.sets)
        except StartError as e:
            raise CommandError(f"rocky-adventure balance: {e}", code=EXIT_USAGE) from None
    t = time.perf_counter()
    try:
        r = b.balance(
            story,
            args.policies or None,
            runs=runs,
            seed=args.seed,
            jobs=args.jobs,
            start=start,
            scan=args.scan,
            goals=args.goals or None,
            step_limit=limit,
        )
    except b.PolicyError as e:
        raise CommandError(f"rocky-adventure balance: {e}", code=EXIT_USAGE) from None
    elapsed = time.perf_counter() - t
    print(json.dumps(r, indent=2) if args.json else b.format_report(r, elapsed))
    return EXIT_OK
