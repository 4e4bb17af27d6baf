"""The one entry point: `rocky-adventure [COMMAND] ...`.

With no command it opens the game. Every command has --help with an
example. Bad input ends with a located message and exit code 1, never a
traceback."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _story_args(p: argparse.ArgumentParser, many: bool = False) -> None:
    if many:
        p.add_argument("stories", nargs="*", metavar="STORY_DIR",
                       help="story folders (default: the bundled Rocky IV story)")
    else:
        p.add_argument("--story", metavar="DIR", help="a story folder (default: the bundled Rocky IV story)")
    p.add_argument("--no-cache", action="store_true", help="do not use the load cache")


def load(path: str | None, no_cache: bool = False):
    """Load a story or print its errors and exit 1."""
    from .engine import StoryLoadError, load_story
    try:
        return load_story(path, cache=not no_cache)
    except StoryLoadError as e:
        for d in e.diagnostics:
            print(d.format(), file=sys.stderr)
        n = sum(1 for d in e.diagnostics if d.severity.value == "error")
        print(f"{n} error{'s' if n != 1 else ''}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR) from None


# -- check -----------------------------------------------------------------

def cmd_check(args) -> int:
    from .engine import StoryLoadError, load_story
    paths = args.stories or [None]
    failed = False
    for path in paths:
        name = path or "the bundled story"
        try:
            story = load_story(path, cache=not args.no_cache)
        except StoryLoadError as e:
            for d in e.diagnostics:
                print(d.format())
            n = len(e.diagnostics)
            print(f"{name}: {n} error{'s' if n != 1 else ''}")
            failed = True
            continue
        print(f"{name}: ok ({len(story.scenes)} scenes, {len(story.endings)} endings, "
              f"{len(story.variables)} variables)")
    return EXIT_ERROR if failed else EXIT_OK


# -- stats -----------------------------------------------------------------

def cmd_stats(args) -> int:
    from .tools.stats import format_stats, story_stats
    story = load(args.story, args.no_cache)
    s = story_stats(story)
    if args.json:
        print(json.dumps(s, indent=2))
    else:
        print(format_stats(s))
    return EXIT_OK


# -- schema ----------------------------------------------------------------

def cmd_schema(args) -> int:
    from .engine.format import json_schema
    text = json.dumps(json_schema(args.kind), indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return EXIT_OK


COMMANDS: list[tuple[str, str, str, Callable[[argparse.ArgumentParser], None], Callable]] = []


def command(name: str, help: str, example: str):
    def deco(setup):
        def wrap(fn):
            COMMANDS.append((name, help, example, setup, fn))
            return fn
        return wrap
    return deco


def _setup_check(p):
    _story_args(p, many=True)


def _setup_stats(p):
    _story_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def _setup_schema(p):
    p.add_argument("--kind", choices=["any", "manifest", "scenes"], default="any",
                   help="which file the schema is for (default: either)")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")


command("check", "validate story folders; every error with file:line:col",
        "rocky-adventure check\n  rocky-adventure check my-story/")(_setup_check)(cmd_check)
command("stats", "count scenes, choices, words, endings and variables",
        "rocky-adventure stats --json")(_setup_stats)(cmd_stats)
command("schema", "print the JSON Schema of story files, for editors",
        "rocky-adventure schema --kind scenes -o scenes.schema.json")(_setup_schema)(cmd_schema)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rocky-adventure",
        description="Rocky IV: The Adventure, and a toolkit for branching stories in YAML.",
        epilog="examples:\n  rocky-adventure            play the game\n  rocky-adventure check      validate the bundled story",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"rocky-adventure {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text, example, setup, fn in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                           epilog=f"example:\n  {example}", formatter_class=_Formatter)
        setup(p)
        p.set_defaults(func=fn)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_OK
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
