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
        p.add_argument(
            "stories",
            nargs="*",
            metavar="STORY_DIR",
            help="story folders (default: the bundled Rocky IV story)",
        )
    else:
        p.add_argument(
            "--story", metavar="DIR", help="a story folder (default: the bundled Rocky IV story)"
        )
    p.add_argument("--no-cache", action="store_true", help="do not use the load cache")
    p.add_argument(
        "--pack",
        metavar="DIR",
        action="append",
        default=[],
        dest="packs",
        help="a branch pack folder to load on top of the story (repeatable)",
    )
    p.add_argument(
        "--no-installed-packs",
        action="store_true",
        help="ignore the branch packs installed in the data dir's packs/ folder",
    )


def load(path: str | None, no_cache: bool = False, packs=(), installed=None):
    """Load a story (with branch packs: the folders in `packs`, then those
    in the `installed` folder that extend it) or print its errors and exit 1."""
    from .engine import StoryLoadError
    from .engine.packs import load_story_with_packs

    try:
        return load_story_with_packs(path, packs, installed=installed, cache=not no_cache)
    except StoryLoadError as e:
        for d in e.diagnostics:
            print(d.format(), file=sys.stderr)
        n = sum(1 for d in e.diagnostics if d.severity.value == "error")
        print(f"{n} error{'s' if n != 1 else ''}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR) from None


def load_args(args):
    """Load the story that --story, --pack, --no-installed-packs and
    --data-dir name (installed packs live in <data dir>/packs/)."""
    installed = None if getattr(args, "no_installed_packs", False) else data_dir(args) / "packs"
    return load(
        getattr(args, "story", None),
        getattr(args, "no_cache", False),
        getattr(args, "packs", None) or (),
        installed,
    )


# -- check -----------------------------------------------------------------


def cmd_check(args) -> int:
    """Load each story folder (errors as before), then lint it: see
    rocky_adventure.tools.lint and docs/lints.md."""
    from .tools.commands import run_check

    return run_check(args)


# -- stats -----------------------------------------------------------------


def cmd_stats(args) -> int:
    from .tools.stats import format_stats, story_stats

    story = load_args(args)
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

# Modules that register more commands with `command(...)`; each imports what
# it needs inside its handlers, so start-up stays light.
COMMAND_MODULES = (
    "rocky_adventure.tui.commands",
    "rocky_adventure.tools.commands",
    "rocky_adventure.speedrun.commands",
)


def command(name: str, help: str, example: str, setup: Callable[[argparse.ArgumentParser], None]):
    """Register a sub-command: `setup` adds its arguments; the decorated
    function gets the parsed args and returns an exit code."""

    def wrap(fn):
        COMMANDS.append((name, help, example, setup, fn))
        return fn

    return wrap


def _setup_check(p):
    _story_args(p, many=True)
    from .tools.commands import setup_check

    setup_check(p)


def _setup_stats(p):
    _story_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def _setup_schema(p):
    p.add_argument(
        "--kind",
        choices=["any", "manifest", "scenes", "pack", "pack-scenes"],
        default="any",
        help="which file the schema is for (default: a story manifest or scene file)",
    )
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write to FILE instead of standard output"
    )


command(
    "check",
    "validate and lint story folders; every problem with file:line:col and a code",
    "rocky-adventure check --strict --format github my-story/",
    _setup_check,
)(cmd_check)
command(
    "stats",
    "count scenes, choices, words, endings and variables",
    "rocky-adventure stats --json",
    _setup_stats,
)(cmd_stats)
command(
    "schema",
    "print the JSON Schema of story files, for editors",
    "rocky-adventure schema --kind scenes -o scenes.schema.json",
    _setup_schema,
)(cmd_schema)


def _register_modules() -> None:
    import importlib

    for mod in COMMAND_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise


# What runs with no sub-command: the game (set by rocky_adventure.tui.commands).
DEFAULT_COMMAND: Callable | None = None


def data_dir(args) -> Path:
    """The data dir: --data-dir, else $ROCKY_ADVENTURE_DATA_DIR, else the
    platform's user data dir."""
    import os

    given = getattr(args, "data_dir", None) or os.environ.get("ROCKY_ADVENTURE_DATA_DIR")
    if given:
        return Path(given)
    from platformdirs import user_data_dir

    return Path(user_data_dir("rocky-adventure", appauthor=False))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rocky-adventure",
        description="Rocky IV: The Adventure, and a toolkit for branching stories in YAML.",
        epilog="examples:\n  rocky-adventure            play the game\n  rocky-adventure check      validate the bundled story",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"rocky-adventure {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="where saves, settings, the gallery and runs live (default: the user data dir)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="where saves, settings, the gallery and runs live (default: the user data dir)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _register_modules()
    seen = set()
    for name, help_text, example, setup, fn in COMMANDS:
        if name in seen:
            continue
        seen.add(name)
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=f"example:\n  {example}",
            formatter_class=_Formatter,
            parents=[common],
        )
        setup(p)
        p.set_defaults(func=fn)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        func = DEFAULT_COMMAND
        if func is None:
            parser.print_help()
            return EXIT_OK
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:  # a line, never a traceback: an output file that cannot be written, say
        where = f"{e.filename}: " if e.filename else ""
        print(f"rocky-adventure: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_ERROR
