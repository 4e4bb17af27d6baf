"""Speedrun commands: `runs`, `verify`, and the speedrun options of `play`
(the category, LiveSplit, practice) with what they make: the plain-mode run
and the game's Speedrun."""

from __future__ import annotations

import json
import sys

from .common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    data_dir,
    load_from_args,
    story_args,
)

RUNS_HELP = "personal bests, recent runs, and LiveSplit export"
RUNS_EXAMPLE = "rocky-adventure runs\n  rocky-adventure runs --export-lss any > rocky-any.lss"
VERIFY_HELP = "re-simulate a run file and confirm it is legal"
VERIFY_EXAMPLE = (
    "rocky-adventure verify ~/.local/share/rocky-adventure/speedrun/rocky-iv/runs/RUN.json"
)


def setup_runs(p):
    story_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--export-lss",
        metavar="CATEGORY",
        help="write a LiveSplit splits file (.lss) of CATEGORY's personal best to standard output",
    )
    p.add_argument(
        "--seed-type",
        choices=["random", "set"],
        default="random",
        help="which leaderboard to export (default: random)",
    )


def run_runs(args) -> int:
    from ..speedrun.records import Records
    from ..speedrun.run import parse_category, segment_names
    from ..speedrun.timer import format_time

    story = load_from_args(args)
    records = Records(data_dir(args), story.id)
    if records.problem:
        print(records.problem, file=sys.stderr)
    if args.export_lss:
        from ..speedrun.lss import export_lss

        try:
            cat = parse_category(story, args.export_lss)
        except ValueError as e:
            print(f"rocky-adventure runs: {e}", file=sys.stderr)
            return EXIT_USAGE
        entry = records.entry(cat.key, args.seed_type)
        title = cat.title + (" (set seed)" if args.seed_type == "set" else "")
        sys.stdout.write(export_lss(story.title, title, segment_names(story, cat), entry))
        return EXIT_OK
    rows = records.table()
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if not rows:
        print("No runs yet. Start one with: rocky-adventure play --speedrun --category any")
        return EXIT_OK
    head = ("category", "seeds", "attempts", "PB (IGT)", "PB (RTA)", "sum of best")
    table = [head] + [
        (
            r["category"],
            r["seed_type"],
            str(r["attempts"]),
            format_time(r["pb_igt_ms"]),
            format_time(r["pb_rta_ms"]),
            format_time(r["sum_of_best_ms"]),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for n, row in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    recent = sorted(
        (dict(run, category=r["category"]) for r in rows for run in r["recent"]),
        key=lambda x: x.get("date", ""),
        reverse=True,
    )[:10]
    if recent:
        print("\nrecent runs:")
        for run in recent:
            state = "finished" if run.get("finished") else "unfinished"
            if not run.get("valid", True):
                state += ", invalid"
            print(
                f"  {run.get('date', '?')}  {run['category']:<24} IGT {format_time(run.get('igt_ms')):>10}  "
                f"seed {run.get('seed')}  {state}  {run.get('file', '')}"
            )
    return EXIT_OK


def setup_verify(p):
    story_args(p)
    p.add_argument("run_file", metavar="RUN.json", help="a run file written by speedrun mode")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")


def run_verify(args) -> int:
    from ..speedrun.records import load_run_file
    from ..speedrun.timer import format_time
    from ..speedrun.verify import verify_run

    try:
        data = load_run_file(args.run_file)
    except ValueError as e:
        print(f"REJECTED: {e}")
        return EXIT_ERROR
    story = load_from_args(args)
    verdict = verify_run(story, data)
    if args.json:
        print(
            json.dumps(
                {"ok": verdict.ok, "reasons": verdict.reasons, "summary": verdict.summary}, indent=2
            )
        )
    elif verdict.ok:
        s = verdict.summary
        print(
            f"VERIFIED: {s['category']}, ending {s['ending']}, {s['choices']} choices, "
            f"IGT {format_time(s['igt_ms'])}, RTA {format_time(s['rta_ms'])}, {s['seed_type']} seed {s['seed']}"
        )
        print(
            "The run is legal and its choices reach that ending; its times are consistent with one another. "
            "Verification cannot prove wall-clock time."
        )
    else:
        for r in verdict.reasons:
            print(f"REJECTED: {r}")
    return EXIT_OK if verdict.ok else EXIT_ERROR


# -- play --speedrun -----------------------------------------------------------


def play_arguments(p) -> None:
    g = p.add_argument_group("speedrun")
    g.add_argument(
        "--speedrun",
        action="store_true",
        help="a timed run: instant text, no undo, splits on chapters, a run file at the end",
    )
    g.add_argument(
        "--category",
        default="any",
        metavar="C",
        help="any (Any%%), all (All Endings) or ending:ID (default: any)",
    )
    g.add_argument(
        "--livesplit",
        nargs="?",
        const="127.0.0.1:16834",
        metavar="HOST:PORT",
        help="drive LiveSplit Server (default address 127.0.0.1:16834)",
    )
    g.add_argument(
        "--practice",
        metavar="CHAPTER",
        help="practice one chapter (never a PB); with --practice-run, from that run's state there",
    )
    g.add_argument(
        "--practice-run", metavar="RUN.json", help="a run file whose state starts the practice"
    )


def check_speedrun_options(opts) -> str | None:
    """A usage problem with the speedrun options, or None."""
    from ..speedrun.livesplit import parse_address

    if opts.livesplit:
        try:
            parse_address(opts.livesplit)
        except ValueError as e:
            return str(e)
    if (opts.livesplit or opts.practice or opts.practice_run) and not opts.speedrun:
        return "--livesplit, --practice and --practice-run go with --speedrun"
    if opts.practice_run and not opts.practice:
        return "--practice-run needs --practice CHAPTER"
    return None


def resolve_category(story, key: str):
    from ..speedrun.run import parse_category

    try:
        return parse_category(story, key)
    except ValueError as e:
        raise CommandError(f"rocky-adventure play: {e}", code=EXIT_USAGE) from None


def plain_speedrun(story, opts, data) -> int:
    import shutil
    import sys

    from ..plain.speedrun import run_plain_speedrun

    category = resolve_category(story, opts.category)
    if opts.practice:
        raise CommandError(
            "rocky-adventure play: practice runs are in the game; plain mode plays full runs",
            code=EXIT_USAGE,
        )
    width = (
        min(shutil.get_terminal_size((80, 24)).columns - 1, 100) if sys.stdout.isatty() else None
    )
    from ..game.lock import DataDirBusy, DataDirLock

    try:
        with DataDirLock(data):  # the records and run files: one game at a time
            return run_plain_speedrun(
                story, category, opts.seed, data, sys.stdin, sys.stdout, sys.stderr, width
            )
    except DataDirBusy as e:
        raise CommandError(f"rocky-adventure: {e}") from None


def speedrun_factory(opts, data):
    """What the game calls once the story is loaded: (story, data dir) -> Speedrun."""

    def make(story, data_dir):
        from ..speedrun.attempts import Speedrun
        from ..speedrun.livesplit import LiveSplitBridge, LiveSplitClient, parse_address
        from ..speedrun.records import Records, load_run_file
        from ..speedrun.run import parse_category

        category = parse_category(story, opts.category)
        practice_run = load_run_file(opts.practice_run) if opts.practice_run else None
        if opts.practice and opts.practice not in {c.id for c in story.chapters}:
            names = ", ".join(c.id for c in story.chapters)
            raise ValueError(
                f"unknown chapter {opts.practice!r} to practice; the chapters are: {names}"
            )
        bridge = None
        if opts.livesplit:
            host, port = parse_address(opts.livesplit)
            bridge = LiveSplitBridge(LiveSplitClient(host, port))
        return Speedrun(
            story,
            category,
            opts.seed,
            Records(data_dir or data, story.id),
            bridge,
            practice_chapter=opts.practice,
            practice_run=practice_run,
        )

    return make
