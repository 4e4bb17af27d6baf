"""The `play` command, and what bare `rocky-adventure` runs.

Textual is imported only inside the handler, so start-up of every other
command (and `check`) does not pay for it.

Adding an option to `play`: add it in `setup` (or in the speedrun group,
cli/speedrun.py), give it a default in PlayOptions, and read it there. Bare
`rocky-adventure` passes a namespace without any of these options, so
PlayOptions.from_args reads each one with its default.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import speedrun
from .common import (
    EXIT_ERROR,
    EXIT_USAGE,
    CommandError,
    data_dir,
    installed_dir,
    load_error_lines,
    load_from_args,
    report_crash,
    seed_arg,
    start_args,
    story_args,
    story_from_args,
)

if TYPE_CHECKING:
    from ..engine import Story
    from ..engine.start import Start
    from ..tui.app import RockyApp

HELP = "play the story in the terminal (the default command)"
EXAMPLE = (
    "rocky-adventure play --seed 7\n  printf '1\\n2\\n' | rocky-adventure play --plain --seed 7"
)


def setup(p: argparse.ArgumentParser) -> None:
    story_args(p)
    p.add_argument(
        "--seed",
        type=seed_arg,
        metavar="N",
        help="the run's random seed: the same seed and choices give the same story (default: random)",
    )
    p.add_argument(
        "--plain",
        action="store_true",
        help="plain numbered text on stdin/stdout, no TUI: for screen readers, pipes and scripts",
    )
    g = p.add_argument_group("authoring")
    g.add_argument(
        "--dev",
        action="store_true",
        help="live reload: watch the story and pack files, reload on save, replay to where you were; "
        "a debug panel (d) shows variables and visit counts",
    )
    start_args(g, "the game")
    speedrun.play_arguments(p)
    # what `rocky-adventure serve` runs for each browser visitor (cli/serve.py)
    p.add_argument("--web", action="store_true", help=argparse.SUPPRESS)


@dataclass
class PlayOptions:
    """Everything `play` was asked for, with defaults for bare `rocky-adventure`."""

    story: str | None = None
    no_cache: bool = False
    seed: int | None = None
    plain: bool = False
    speedrun: bool = False
    category: str = "any"
    livesplit: str | None = None
    practice: str | None = None
    practice_run: str | None = None
    packs: list[str] = field(default_factory=list)
    no_installed_packs: bool = False
    dev: bool = False
    from_scene: str | None = None
    sets: list[str] = field(default_factory=list)
    web: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> PlayOptions:
        def default(f: Field[Any]) -> Any:
            if f.default is not MISSING:
                return f.default
            assert f.default_factory is not MISSING  # every field has a default or a factory
            return f.default_factory()

        return cls(**{f.name: getattr(args, f.name, None) or default(f) for f in fields(cls)})


def run(args: argparse.Namespace) -> int:
    opts = PlayOptions.from_args(args)
    data = data_dir(args)
    problem = speedrun.check_speedrun_options(opts)
    if problem:
        raise CommandError(f"rocky-adventure play: {problem}", code=EXIT_USAGE)
    if (opts.dev or opts.from_scene or opts.sets) and opts.speedrun:
        raise CommandError(
            "rocky-adventure play: --dev, --from and --set do not go with --speedrun",
            code=EXIT_USAGE,
        )
    if opts.plain:
        story = _load(args)
        if opts.speedrun:
            return speedrun.plain_speedrun(story, opts, data)
        return _plain(story, opts, data)
    return run_game(args, opts, data)


def _plain(story: Story, opts: PlayOptions, data: Path) -> int:
    """Plain mode with the TUI's saves, gallery and text already read under
    the data dir, one game at a time per data dir (as the TUI)."""
    from ..engine.start import start_state
    from ..game.lock import DataDirBusy, DataDirLock
    from ..plain.game import run_plain

    start = _start(story, opts)
    try:
        with DataDirLock(data):
            if start is not None:
                return run_plain(
                    story, start.seed, start_state=start_state(story, start), data_dir=data
                )
            return run_plain(story, opts.seed, data_dir=data)
    except DataDirBusy as e:
        raise CommandError(f"rocky-adventure: {e}") from None


def _load(args: argparse.Namespace) -> Story:
    return load_from_args(args)


def _start(story: Story | None, opts: PlayOptions) -> Start | None:
    """--from SCENE / --set NAME=VALUE as a Start (checked against the
    story when there is one), or None; a bad one ends the command."""
    if not (opts.from_scene or opts.sets):
        return None
    from ..engine.start import Start, StartError

    try:
        return Start.parse(
            story, opts.from_scene, opts.sets, opts.seed if opts.seed is not None else 0
        )
    except StartError as e:
        raise CommandError(f"rocky-adventure play: {e}", code=EXIT_USAGE) from None


# The driver textual-serve runs its child apps with (textual_serve/app_service.py):
# their stdin and stdout are pipes carrying the browser's keys and frames.
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"


def under_web_driver() -> bool:
    return os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER


def run_game(args: argparse.Namespace, opts: PlayOptions, data: Path) -> int:
    if not under_web_driver() and (not sys.stdout.isatty() or not sys.stdin.isatty()):
        raise CommandError(
            "rocky-adventure: the game needs a terminal; for pipes and scripts use "
            "`rocky-adventure play --plain`",
            code=EXIT_USAGE,
        )
    app = make_app(args, opts, data)
    try:
        app.run()
    finally:
        app.writer.flush()  # the last autosave, if the app ended some other way than quitting
    if app.crash is not None:  # Textual ended the app on an exception: a crash log, one line
        report_crash(app.crash, args)
        return EXIT_ERROR
    if app.load_error is not None or app.load_message:
        lines = load_error_lines(app.load_error)[:-1] if app.load_error is not None else []
        if app.load_message:
            lines.append(f"rocky-adventure: {app.load_message}")
        raise CommandError(*lines, code=EXIT_ERROR)
    return app.return_code or 0


def make_app(args: argparse.Namespace, opts: PlayOptions, data: Path) -> RockyApp:
    """The game the options ask for: the plain game, a speedrun or dev mode,
    each loading its story through story_from_args (the one entry point)."""

    def loader() -> Story:  # in the app's loading thread
        return story_from_args(args)

    if opts.dev:
        from ..tools.dev import DevSession
        from ..tui.dev import DevApp

        seed = opts.seed if opts.seed is not None else 0
        start = _start(None, opts)

        def factory() -> DevSession:
            return DevSession(opts.story, opts.packs, installed_dir(args), start)

        return DevApp(factory, seed=seed, data_dir=data)
    from ..engine.peek import peek_heading

    heading = peek_heading(opts.story)  # the title on the first frame, before the load
    if opts.speedrun:
        from ..tui.speedrun import SpeedrunApp

        return SpeedrunApp(
            speedrun.speedrun_factory(opts, data),
            loader=loader,
            seed=opts.seed,
            data_dir=data,
            heading=heading,
        )
    from ..tui.app import RockyApp

    story = None
    start = None
    if opts.from_scene or opts.sets:
        story = _load(args)
        start = _start(story, opts)
    return RockyApp(
        loader=loader,
        story=story,
        seed=opts.seed,
        data_dir=data,
        start=start,
        heading=heading,
        web=opts.web,
    )
