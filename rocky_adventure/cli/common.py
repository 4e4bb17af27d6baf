"""What every command shares: exit codes, the story arguments and the one
`load_from_args()`, the data dir, and CommandError, which a command raises
to end with a message and an exit code (main prints it: never a traceback,
never a SystemExit from deep inside)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import Story

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Command:
    """One sub-command: `setup` adds its arguments, `run` gets the parsed
    arguments and returns the exit code."""

    name: str
    help: str
    example: str
    setup: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """End the command: `lines` go to standard error, then exit `code`."""

    def __init__(self, *lines: str, code: int = EXIT_ERROR):
        super().__init__("\n".join(lines))
        self.lines = lines
        self.code = code


def story_args(p: argparse.ArgumentParser, many: bool = False) -> None:
    """--story DIR (or STORY_DIR...), --pack DIR, --no-installed-packs and
    --no-cache: the arguments load_from_args reads."""
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


def data_dir(args: argparse.Namespace) -> Path:
    """The data dir: --data-dir, else $ROCKY_ADVENTURE_DATA_DIR, else the
    platform's user data dir."""
    given = getattr(args, "data_dir", None) or os.environ.get("ROCKY_ADVENTURE_DATA_DIR")
    if given:
        return Path(given)
    from platformdirs import user_data_dir

    return Path(user_data_dir("rocky-adventure", appauthor=False))


def installed_dir(args: argparse.Namespace) -> Path | None:
    """Where the installed packs are: <data dir>/packs, or None with
    --no-installed-packs. The one place this rule is written."""
    if getattr(args, "no_installed_packs", False):
        return None
    return data_dir(args) / "packs"


def story_from_args(args: argparse.Namespace, path: str | None = None) -> Story:
    """The story the arguments name (--story, or `path`), with the packs of
    --pack and the installed ones, through engine.load_story (the one
    entry point). Raises StoryLoadError."""
    from ..engine import load_story

    root = path if path is not None else getattr(args, "story", None)
    return load_story(
        root,
        getattr(args, "packs", None) or (),
        installed_dir(args),
        cache=not getattr(args, "no_cache", False),
    )


def load_from_args(args: argparse.Namespace, path: str | None = None) -> Story:
    """story_from_args, for commands: a story with errors raises
    CommandError listing them (exit 1)."""
    from ..engine import StoryLoadError

    try:
        story = story_from_args(args, path)
    except StoryLoadError as e:
        raise CommandError(*load_error_lines(e)) from None
    warn_skipped(story)
    return story


def warn_skipped(story: Story) -> None:
    """Say on standard error what loading skipped (a broken installed pack)."""
    for warning in story.warnings:
        print(f"rocky-adventure: warning: {warning}", file=sys.stderr)


def load_error_lines(e: Exception) -> list[str]:
    """A StoryLoadError as the lines a command prints: each problem, then the count."""
    diagnostics = getattr(e, "diagnostics", [])
    lines = [d.format() for d in diagnostics]
    n = sum(1 for d in diagnostics if d.severity.value == "error")
    lines.append(f"{n} error{'s' if n != 1 else ''}")
    return lines


def write_or_print(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        print(text, end="" if text.endswith("\n") else "\n")


def seed_arg(text: str) -> int:
    """An argparse type: a seed from 0 to MAX_SEED."""
    from ..engine.rng import MAX_SEED

    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= n <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to {MAX_SEED}, got {n}")
    return n


def err(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def start_args(p: Any, what: str = "the analysis") -> None:
    """--from SCENE and --set NAME=VALUE: where `what` starts instead of the
    story's start (play, balance, explore, route and check share them)."""
    p.add_argument("--from", dest="from_scene", metavar="SCENE", help=f"start {what} at this scene")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="start with a variable (or a scene's visit count) set; repeatable",
    )
