"""`check`, `stats` and `schema`: a story's errors and lints, its counts, and
the JSON Schemas of its files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    load_from_args,
    story_args,
    story_from_args,
    warn_skipped,
)

FORMATS = ("text", "json", "github")
LEVELS = ("error", "warn", "info", "ignore")

CHECK_HELP = "validate and lint story folders; every problem with file:line:col and a code"
CHECK_EXAMPLE = "rocky-adventure check --strict --format github my-story/"
STATS_HELP = "count scenes, choices, words, endings and variables"
STATS_EXAMPLE = "rocky-adventure stats --json"
SCHEMA_HELP = "print the JSON Schema of story files, for editors"
SCHEMA_EXAMPLE = "rocky-adventure schema --kind scenes -o scenes.schema.json"


def setup_check(p: argparse.ArgumentParser) -> None:
    story_args(p, many=True)
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (file:line:col), json, or github (workflow annotations)",
    )
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    for level in LEVELS:
        p.add_argument(
            f"--{level}",
            metavar="CODE",
            action="append",
            default=[],
            help=f"report lint CODE as {'a warning' if level == 'warn' else level}"
            f"{'d' if level == 'ignore' else ''} (repeatable; comma-separated)",
        )
    p.add_argument(
        "--explore-budget",
        type=int,
        default=None,
        metavar="N",
        help="states the lints may explore to respect conditions (0: the scene graph only)",
    )
    from .common import start_args

    start_args(p)


def _codes(values: list[str]) -> list[str]:
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


def run_check(args: argparse.Namespace) -> int:
    """Load each story, then lint it; exit 1 on any error (with --strict,
    on any warning too)."""
    from ..engine import StoryLoadError
    from ..engine.diagnostics import counts, plural
    from ..tools import lint as L

    overrides: dict[str, str] = {}
    for level in LEVELS:
        for code in _codes(getattr(args, level, [])):
            overrides[code] = "warning" if level == "warn" else level
    bad = L.unknown_codes(overrides)
    if bad:
        raise CommandError(
            f"unknown lint code{'s' if len(bad) > 1 else ''}: {', '.join(bad)} "
            f"(lints are {min(L.LINTS)}..{max(L.LINTS)}; see docs/lints.md)",
            code=EXIT_USAGE,
        )
    budget = L.CHECK_BUDGET if args.explore_budget is None else max(0, args.explore_budget)
    fmt = args.format
    reports: list[dict[str, Any]] = []
    failed = False
    given = {str(Path(p)): Path(p).name for p in getattr(args, "packs", None) or ()}
    for path in args.stories or [None]:
        name = path or "the bundled story"
        try:
            story = story_from_args(args, path)
        except StoryLoadError as e:
            diags = e.diagnostics
            failed = True
            reports.append(
                {
                    "story": name,
                    "ok": False,
                    "packs": [],
                    **counts(diags),
                    "diagnostics": diags,
                    "pack_of": given,
                }
            )
            if fmt == "text":
                for d in diags:
                    print(d.format())
                n = len(diags)
                print(f"{name}: {n} error{'s' if n != 1 else ''}")
            continue
        warn_skipped(story)
        from ..tools.check import story_diagnostics
        from .tools import start_from_args

        diags = story_diagnostics(
            story, budget, overrides, args.strict, start=start_from_args(story, args, "check")
        )
        c = counts(diags)
        failed = failed or c["error"] > 0
        packs = [{"name": p.name, "version": p.version, "title": p.title} for p in story.packs]
        roots = {p.root: p.name for p in story.packs if p.root}
        reports.append(
            {
                "story": name,
                "ok": c["error"] == 0,
                "packs": packs,
                **c,
                "diagnostics": diags,
                "pack_of": roots,
            }
        )
        if fmt == "text":
            for d in diags:
                print(d.format())
            found = ", ".join(plural(c[k], k) for k in ("error", "warning", "info") if c[k])
            head = "ok" if not c["error"] else "failed"
            with_packs = (
                " with the pack"
                + ("s " if len(packs) > 1 else " ")
                + ", ".join(f"{p['name']} {p['version']}".rstrip() for p in packs)
                if packs
                else ""
            )
            print(
                f"{name}{with_packs}: {head} ({len(story.scenes)} scenes, {len(story.endings)} "
                f"endings, {len(story.variables)} variables){'; ' + found if found else ''}"
            )
    if fmt == "json":
        print(
            json.dumps(
                [
                    {
                        **{k: v for k, v in r.items() if k != "pack_of"},
                        "diagnostics": [
                            {**d.to_json(), "pack": _pack_of(d.file, r["pack_of"])}
                            for d in r["diagnostics"]
                        ],
                    }
                    for r in reports
                ],
                indent=2,
            )
        )
    elif fmt == "github":
        for r in reports:
            for d in r["diagnostics"]:
                print(L.github(d, _pack_of(d.file, r["pack_of"])))
            print(f"{r['story']}: {plural(r['error'], 'error')}, {plural(r['warning'], 'warning')}")
    return EXIT_ERROR if failed else EXIT_OK


def setup_stats(p: argparse.ArgumentParser) -> None:
    story_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def run_stats(args: argparse.Namespace) -> int:
    from ..tools.stats import format_stats, story_stats

    s = story_stats(load_from_args(args))
    print(json.dumps(s, indent=2) if args.json else format_stats(s))
    return EXIT_OK


def setup_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kind",
        choices=["any", "manifest", "scenes", "pack", "pack-scenes"],
        default="any",
        help="which file the schema is for (default: a story manifest or scene file)",
    )
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write to FILE instead of standard output"
    )


def run_schema(args: argparse.Namespace) -> int:
    from ..engine.format import json_schema

    text = json.dumps(json_schema(args.kind), indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return EXIT_OK


def _pack_of(file: str, roots: dict[str, str]) -> str | None:
    """The name of the pack a diagnostic's file belongs to, or None (the story)."""
    for root, name in roots.items():
        if file == root or file.startswith(root.rstrip("/") + "/"):
            return name
    return None
