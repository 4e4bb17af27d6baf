"""The `play` command, and what bare `rocky-adventure` runs.

Textual is imported only inside the handler, so start-up of every other
command (and `check`) does not pay for it.

Adding an option to `play`: append a function to PLAY_ARGUMENTS that adds
it to the parser (or add it in `_setup_play`), give it a default in
PlayOptions, and read it there. Bare `rocky-adventure` passes a namespace
without any of these options, so PlayOptions.from_args reads each one with
its default.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from .. import cli

# Extra arguments for `play`, added by other modules: each gets the parser.
PLAY_ARGUMENTS: list[Callable[[argparse.ArgumentParser], None]] = []


def _seed(text: str) -> int:
    from ..engine.rng import MAX_SEED

    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= n <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to {MAX_SEED}, got {n}")
    return n


def _setup_play(p: argparse.ArgumentParser) -> None:
    cli._story_args(p)
    p.add_argument(
        "--seed",
        type=_seed,
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
    g.add_argument("--from", dest="from_scene", metavar="SCENE", help="start at this scene")
    g.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="start with a variable (or a scene's visit count) set; repeatable",
    )
    for add in PLAY_ARGUMENTS:
        add(p)


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
    packs: list = field(default_factory=list)
    no_installed_packs: bool = False
    dev: bool = False
    from_scene: str | None = None
    sets: list = field(default_factory=list)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> PlayOptions:
        def default(f):
            return f.default_factory() if f.default is MISSING else f.default

        return cls(**{f.name: getattr(args, f.name, None) or default(f) for f in fields(cls)})


def cmd_play(args: argparse.Namespace) -> int:
    opts = PlayOptions.from_args(args)
    data_dir = cli.data_dir(args)
    from ..speedrun.commands import check_speedrun_options

    problem = check_speedrun_options(opts)
    if problem:
        print(f"rocky-adventure play: {problem}", file=sys.stderr)
        return cli.EXIT_USAGE
    if (opts.dev or opts.from_scene or opts.sets) and opts.speedrun:
        print(
            "rocky-adventure play: --dev, --from and --set do not go with --speedrun",
            file=sys.stderr,
        )
        return cli.EXIT_USAGE
    installed = None if opts.no_installed_packs else data_dir / "packs"
    if opts.plain:
        story = cli.load(opts.story, opts.no_cache, opts.packs, installed)
        if opts.speedrun:
            from ..speedrun.commands import plain_speedrun

            return plain_speedrun(story, opts, data_dir)
        from ..plain import run_plain

        start = _start(story, opts)
        if start is not None:
            from ..tools.dev import start_state

            return run_plain(story, start.seed, start_state=start_state(story, start))
        return run_plain(story, opts.seed)
    return run_game(opts, data_dir)


def _start(story, opts: PlayOptions):
    """--from SCENE / --set NAME=VALUE as a checked tools.dev.Start, or None;
    a bad one ends the command with its message."""
    if not (opts.from_scene or opts.sets):
        return None
    from ..tools.dev import Start, StartError

    try:
        return Start.parse(
            story, opts.from_scene, opts.sets, opts.seed if opts.seed is not None else 0
        )
    except StartError as e:
        print(f"rocky-adventure play: {e}", file=sys.stderr)
        raise SystemExit(cli.EXIT_USAGE) from None


def run_game(opts: PlayOptions, data_dir: Path) -> int:
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        print(
            "rocky-adventure: the game needs a terminal; for pipes and scripts use "
            "`rocky-adventure play --plain`",
            file=sys.stderr,
        )
        return cli.EXIT_USAGE
    installed = None if opts.no_installed_packs else data_dir / "packs"
    if not (installed and installed.is_dir()):
        installed = None  # keeps start-up on the plain cached load
    if opts.dev:
        from ..tools.dev import DevSession, Start
        from .dev import DevApp

        seed = opts.seed if opts.seed is not None else 0
        start = Start.parse(None, opts.from_scene, opts.sets, seed)

        def factory():
            return DevSession(opts.story, opts.packs, installed, start)

        app = DevApp(factory, story_path=opts.story, seed=seed, data_dir=data_dir, use_cache=False)
    elif opts.speedrun:
        from ..speedrun.commands import speedrun_factory
        from .speedrun import SpeedrunApp

        app = SpeedrunApp(
            speedrun_factory(opts, data_dir),
            story_path=opts.story,
            seed=opts.seed,
            data_dir=data_dir,
            use_cache=not opts.no_cache,
        )
    else:
        from .app import RockyApp

        start = None
        if opts.from_scene or opts.sets:
            story = cli.load(opts.story, opts.no_cache, opts.packs, installed)
            start = _start(story, opts)
        app = RockyApp(
            story_path=opts.story,
            seed=opts.seed,
            data_dir=data_dir,
            use_cache=not opts.no_cache,
            packs=opts.packs,
            installed_packs=installed,
            start=start,
        )
    try:
        app.run()
    finally:
        app.writer.flush()  # the last autosave, if the app ended some other way than quitting
    if app.load_error is not None or app.load_message:
        for d in app.load_error.diagnostics if app.load_error is not None else ():
            print(d.format(), file=sys.stderr)
        if app.load_message:
            print(f"rocky-adventure: {app.load_message}", file=sys.stderr)
        return cli.EXIT_ERROR
    return app.return_code or 0


cli.command(
    "play",
    "play the story in the terminal (the default command)",
    "rocky-adventure play --seed 7\n  printf '1\\n2\\n' | rocky-adventure play --plain --seed 7",
    _setup_play,
)(cmd_play)
cli.DEFAULT_COMMAND = cmd_play
