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
            type=story_dir_arg,
            help="story folders, or names of shipped examples such as `starter` "
            "(default: the bundled Rocky IV story)",
        )
    else:
        p.add_argument(
            "--story",
            metavar="DIR",
            type=story_dir_arg,
            help="a story folder, or the name of a shipped example such as `starter` "
            "(default: the bundled Rocky IV story)",
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
    from ..game.settings import default_data_dir

    return default_data_dir()


def examples_dir() -> Path:
    """The example stories: inside the installed package (the wheel ships
    them as rocky_adventure/examples), or beside it in a source checkout."""
    here = Path(__file__).resolve().parent.parent
    inside = here / "examples"
    if inside.is_dir():
        return inside
    return here.parent / "examples"


def example_names() -> list[str]:
    root = examples_dir()
    try:
        return sorted(p.name for p in root.iterdir() if (p / "story.yaml").is_file())
    except OSError:
        return []


def story_dir_arg(text: str) -> str:
    """An argparse type for --story: a folder as given, or, when `text` is a
    bare name that is no folder here, the shipped example of that name
    (`--story starter`). Anything else is left for the loader to report."""
    if Path(text).exists() or not text or "/" in text or os.sep in text or text in (".", ".."):
        return text
    candidate = examples_dir() / text
    if (candidate / "story.yaml").is_file():
        return str(candidate)
    return text


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
        lines = load_error_lines(e)
        root = path if path is not None else getattr(args, "story", None)
        if root and not Path(root).exists() and "/" not in root and os.sep not in root:
            lines.append(f"the shipped examples are: {', '.join(example_names()) or 'none'}")
        raise CommandError(*lines) from None
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


def log_dir(args: argparse.Namespace) -> Path:
    """Where crash logs go: <data dir>/logs with --data-dir (or
    $ROCKY_ADVENTURE_DATA_DIR: portable use and tests), else the platform's
    user log dir."""
    given = getattr(args, "data_dir", None) or os.environ.get("ROCKY_ADVENTURE_DATA_DIR")
    if given:
        return Path(given) / "logs"
    from platformdirs import user_log_dir

    return Path(user_log_dir("rocky-adventure", appauthor=False))


def report_crash(exc: BaseException, args: argparse.Namespace | None) -> Path | None:
    """An exception no command expected: write its traceback, the version,
    the command line and the platform to a new file in log_dir(), and print
    one line naming it (the traceback itself too with --verbose). Returns the
    log's path, or None when it could not be written."""
    import platform
    import traceback
    from datetime import datetime

    from .. import __version__

    args = args if args is not None else argparse.Namespace()
    text = "".join(traceback.format_exception(exc))
    verbose = bool(getattr(args, "verbose", False))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path: Path | None = None
    try:
        folder = log_dir(args)
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(1000):
            candidate = folder / f"crash-{stamp}{f'-{n}' if n else ''}.log"
            try:
                with open(candidate, "x", encoding="utf-8") as f:
                    f.write(
                        f"rocky-adventure {__version__}\n"
                        f"python {platform.python_version()} on {platform.platform()}\n"
                        f"argv: {sys.argv!r}\n\n{text}"
                    )
            except FileExistsError:
                continue
            path = candidate
            break
    except OSError:
        path = None
    if verbose:
        print(text, end="", file=sys.stderr)
    name = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if path is not None:
        print(
            f"rocky-adventure: unexpected error ({name}); the details are in {path}",
            file=sys.stderr,
        )
    else:
        print(
            f"rocky-adventure: unexpected error ({name}); no crash log could be written"
            + ("" if verbose else " (run again with --verbose to see the traceback)"),
            file=sys.stderr,
        )
    return path
