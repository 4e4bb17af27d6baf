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

RUNS_HELP = "personal bests, practice bests, recent runs, and LiveSplit export"
RUNS_EXAMPLE = (
    "rocky-adventure runs\n  rocky-adventure runs --export-lss any > rocky-any.lss\n"
    "  rocky-adventure runs --export-lss any --seed-type set --seed 1985 > rocky-any-1985.lss"
)
VERIFY_HELP = "re-simulate a run file and confirm it is legal"
VERIFY_EXAMPLE = (
    "rocky-adventure verify ~/.local/share/rocky-adventure/speedrun/rocky-iv/runs/RUN.json"
)


def setup_runs(p):
    from .common import seed_arg

    story_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--export-lss",
        metavar="CATEGORY",
        help="write a LiveSplit splits file (.lss) of CATEGORY's personal best to standard output "
        "(the records of the story and packs loaded now)",
    )
    p.add_argument(
        "--seed-type",
        choices=["random", "set"],
        default="random",
        help="which leaderboard to export (default: random)",
    )
    p.add_argument(
        "--seed",
        type=seed_arg,
        metavar="N",
        help="with --seed-type set: the set seed whose records to export "
        "(needed when there are records for more than one)",
    )


def _export_key(records, story, cat, args):
    """The records to export: this story and packs, the category, the seed
    type and (set seeds) the seed; a usage error as a string."""
    from ..speedrun.records import RecordKey

    packs = tuple(f"{p.name} {p.version}" for p in story.packs)
    if args.seed is not None and args.seed_type != "set":
        return "--seed goes with --seed-type set"
    if args.seed_type != "set":
        return RecordKey(cat.key, "random", None, story.hash, packs)
    if args.seed is not None:
        return RecordKey(cat.key, "set", args.seed, story.hash, packs)
    seeds = sorted(
        {
            k.seed
            for k in records.keys()
            if k.category == cat.key
            and k.seed_type == "set"
            and k.story_hash == story.hash
            and k.seed is not None
        }
    )
    if len(seeds) > 1:
        shown = ", ".join(str(x) for x in seeds[:20]) + (", ..." if len(seeds) > 20 else "")
        return f"there are {cat.title} records for several set seeds ({shown}): choose one with --seed N"
    return RecordKey(cat.key, "set", seeds[0] if seeds else None, story.hash, packs)


def _seeds_text(row) -> str:
    if row["seed_type"] == "set":
        return f"set {row['seed']}" if row["seed"] is not None else "set (all)"
    return {"random": "random", "practice": "practice"}.get(row["seed_type"], str(row["seed_type"]))


def _story_text(row) -> str:
    if row["legacy"]:
        return "old records"  # from before records were kept apart by seed and story
    text = "this story" if row["this_story"] else f"story {str(row['story_hash'])[:12]}"
    if row["packs"]:
        text += " + " + ", ".join(row["packs"])
    return text


def run_runs(args) -> int:
    from ..speedrun.records import Records
    from ..speedrun.run import parse_category, segment_names
    from ..speedrun.timer import format_time

    story = load_from_args(args)
    records = Records(data_dir(args), story)
    if records.problem:
        print(records.problem, file=sys.stderr)
    if args.export_lss:
        from ..speedrun.lss import export_lss

        try:
            cat = parse_category(story, args.export_lss)
        except ValueError as e:
            print(f"rocky-adventure runs: {e}", file=sys.stderr)
            return EXIT_USAGE
        key = _export_key(records, story, cat, args)
        if isinstance(key, str):
            print(f"rocky-adventure runs: {key}", file=sys.stderr)
            return EXIT_USAGE
        entry = records.entry(key)
        title = cat.title + (" (set seed)" if key.seed_type == "set" else "")
        sys.stdout.write(export_lss(story.title, title, segment_names(story, cat), entry))
        return EXIT_OK
    rows = records.table()
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if not rows:
        print("No runs yet. Start one with: rocky-adventure play --speedrun --category any")
        return EXIT_OK
    titles = {c.key: c.title for c in _categories(story)}
    head = ("category", "seeds", "story", "attempts", "PB (IGT)", "PB (RTA)", "sum of best")
    table = [head] + [
        (
            titles.get(r["category"], r["category"]),
            _seeds_text(r),
            _story_text(r),
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
    if any(r["legacy"] for r in rows):
        print(
            "\nold records: kept from before records were kept apart by seed, story version "
            "and pack; no new run changes them."
        )
    chapters = {c.id: c.title for c in story.chapters}
    practice = [r for r in rows if r["practice"]]
    if practice:
        print("\npractice bests:")
        for r in practice:
            where = (
                f"{titles.get(r['category'], r['category'])}, {_seeds_text(r)}, {_story_text(r)}"
            )
            bests = ", ".join(
                f"{chapters.get(ch, ch)} {format_time(t)}"
                for ch, t in sorted(r["practice"].items())
            )
            print(f"  {where}: {bests}")
    recent = sorted(
        (
            dict(run, category=titles.get(r["category"], r["category"]))
            for r in rows
            for run in r["recent"]
        ),
        key=lambda x: str(x.get("date") or ""),
        reverse=True,
    )[:10]
    if recent:
        print("\nrecent runs:")
        for run in recent:
            state = "finished" if run.get("finished") else "unfinished"
            if not run.get("valid", True):
                state += ", invalid"
            print(
                f"  {run.get('date') or '?'}  {run['category']:<24} IGT {format_time(run.get('igt_ms')):>10}  "
                f"seed {run.get('seed')}  {state}  {run.get('file') or ''}"
            )
    return EXIT_OK


def _categories(story):
    from ..speedrun.run import categories

    return categories(story)


def setup_verify(p):
    story_args(p)
    p.add_argument("run_file", metavar="RUN.json", help="a run file written by speedrun mode")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")


def run_verify(args) -> int:
    from ..speedrun.records import load_run_file
    from ..speedrun.timer import format_time
    from ..speedrun.verify import TOLERANCE_MS, verify_run

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
                {
                    "ok": verdict.ok,
                    "reasons": verdict.reasons,
                    "warnings": verdict.warnings,
                    "summary": verdict.summary,
                },
                indent=2,
            )
        )
        return EXIT_OK if verdict.ok else EXIT_ERROR
    for w in verdict.warnings:
        print(f"WARNING: {w}")
    if verdict.ok:
        s = verdict.summary
        print(
            f"VERIFIED: {s['category']}, ending {s['ending']}, {s['choices']} choices, "
            f"IGT {format_time(s['igt_ms'])}, RTA {format_time(s['rta_ms'])}, {s['seed_type']} seed {s['seed']}"
        )
        print(
            f"Input: {s['input']} ({'typed at a terminal' if s['input'] == 'terminal' else 'read from a pipe or a file'}). "
            f"Route view: {'opened during the run' if s['route_view'] else 'not opened'}."
        )
        print(
            f"Paused {format_time(s['paused_ms'])} ({s['pauses']} pause{'' if s['pauses'] == 1 else 's'}), "
            f"the game's own I/O {format_time(s['io_ms'])}: RTA less IGT is these "
            f"to within {TOLERANCE_MS} ms. "
            f"Hash chain {s['chain'][:16] or '-'}."
        )
        print(
            "The run is legal and its choices reach that ending; its times are consistent with one another. "
            "Verification cannot prove wall-clock time, the input method or the seed's draw "
            "(see docs/speedrun.md)."
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
    if opts.livesplit:
        from ..speedrun.livesplit import parse_address  # (only then: the game's start-up)

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
                story,
                category,
                opts.seed,
                data,
                sys.stdin,
                sys.stdout,
                sys.stderr,
                width,
                livesplit=opts.livesplit,
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
            Records(data_dir or data, story),
            bridge,
            practice_chapter=opts.practice,
            practice_run=practice_run,
        )

    return make
