"""The one entry point: `rocky-adventure [COMMAND] ...`.

With no command it opens the game. Every command has --help with an
example. Bad input ends with a located message and exit code 1 (2 for a
usage problem), never a traceback.

The commands are the explicit list COMMANDS below. Adding one: write its
`setup(parser)` and `run(args) -> exit code` in a module of this package
(import what the handler needs inside it, so start-up stays light), and add
a Command line here. See docs/architecture.md."""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from . import balance, check, lsp, play, serve, speedrun, tools
from .common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Command, CommandError

__all__ = ["COMMANDS", "EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "Command", "build_parser", "main"]


COMPLETION_HELP = "print a shell completion script for bash, zsh or fish"
COMPLETION_EXAMPLE = (
    "rocky-adventure completion bash > ~/.local/share/bash-completion/completions/rocky-adventure"
)
SHELLS = ("bash", "zsh", "fish")
_DIR_ARGS = {"story", "stories", "packs", "data_dir", "folder"}


def setup_completion(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=SHELLS, help="the shell the script is for")


def run_completion(args: argparse.Namespace) -> int:
    """The script shtab generates from the parser itself, so it always knows
    every command and option. Story and data-dir arguments complete folders."""
    import shtab

    parser = build_parser()
    _mark_dirs(parser, shtab.DIRECTORY)
    print(shtab.complete(parser, shell=args.shell), end="")
    return EXIT_OK


def _mark_dirs(parser: argparse.ArgumentParser, complete: object) -> None:
    for action in parser._actions:
        if action.dest in _DIR_ARGS:
            action.complete = complete  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark_dirs(sub, complete)


COMMANDS: tuple[Command, ...] = (
    Command("play", play.HELP, play.EXAMPLE, play.setup, play.run),
    Command("serve", serve.HELP, serve.EXAMPLE, serve.setup, serve.run),
    Command("check", check.CHECK_HELP, check.CHECK_EXAMPLE, check.setup_check, check.run_check),
    Command("stats", check.STATS_HELP, check.STATS_EXAMPLE, check.setup_stats, check.run_stats),
    Command(
        "schema", check.SCHEMA_HELP, check.SCHEMA_EXAMPLE, check.setup_schema, check.run_schema
    ),
    *tools.COMMANDS,
    Command("balance", balance.HELP, balance.EXAMPLE, balance.setup, balance.run),
    Command(
        "runs", speedrun.RUNS_HELP, speedrun.RUNS_EXAMPLE, speedrun.setup_runs, speedrun.run_runs
    ),
    Command(
        "verify",
        speedrun.VERIFY_HELP,
        speedrun.VERIFY_EXAMPLE,
        speedrun.setup_verify,
        speedrun.run_verify,
    ),
    Command("lsp", lsp.HELP, lsp.EXAMPLE, lsp.setup, lsp.run),
    Command("completion", COMPLETION_HELP, COMPLETION_EXAMPLE, setup_completion, run_completion),
)

# What runs with no sub-command: the game.
DEFAULT_COMMAND = play.run


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with `only`, of that one command alone
    (what `_run` builds when the command line can only mean that one)."""
    # --data-dir, --verbose and --version are declared once, here, and work
    # before or after the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="where saves, settings, the gallery, runs and crash logs live (default: the "
        "user data dir for saves, the user config dir for settings, the user log dir for logs)",
    )
    common.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="on an unexpected error, print the traceback too",
    )
    common.add_argument("--version", action="version", version=f"rocky-adventure {__version__}")
    parser = argparse.ArgumentParser(
        prog="rocky-adventure",
        description="Rocky IV: The Adventure, and a toolkit for branching stories in YAML.",
        epilog="examples:\n  rocky-adventure            play the game\n"
        "  rocky-adventure check      validate the bundled story",
        formatter_class=_Formatter,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for c in COMMANDS:
        if only is not None and c.name != only:
            continue
        p = sub.add_parser(
            c.name,
            help=c.help,
            description=c.help[0].upper() + c.help[1:] + ".",
            epilog=f"example:\n  {c.example}",
            formatter_class=_Formatter,
            parents=[common],
        )
        c.setup(p)
        p.set_defaults(func=c.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command. Everything it prints, on standard output and standard
    error, passes the one sanitising boundary (engine/safe.py): a string
    from a file can never send the terminal a control sequence.

    Without `argv` this is the program (the `rocky-adventure` script, `python
    -m rocky_adventure`), and once the command is done it ends the process
    itself where that is safe (see `_end_process`); with `argv` it returns."""
    from ..engine.safe import SafeStream

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err)  # type: ignore[assignment]
    try:
        code = _run(argv)
    finally:
        sys.stdout, sys.stderr = out, err
    if argv is None:
        _end_process(code)
    return code


def _end_process(code: int) -> None:
    """End the process with `code` now, without the interpreter's teardown:
    after a big story, freeing its millions of objects one by one takes
    seconds (2.3 s at 100,000 scenes) that nobody waits for. Everything the
    normal exit does that matters is done first: the atexit handlers run
    (logging, multiprocessing, temporary folders, coverage) and standard
    output and error are flushed; every file a command writes is closed by
    then (commands write with `with` blocks, the load cache by rename).

    Returns, for the normal exit, whenever that may not be safe: another
    thread is alive (the game's save writer, a LiveSplit client: one may be
    mid-write), a profiler or tracer is on (it writes its report at exit),
    Python runs in development or inspect mode, the code is not an exit
    status, or standard output cannot be flushed (the normal exit reports
    that as it always has)."""
    import threading

    if (
        type(code) is not int
        or not 0 <= code <= 255
        or threading.active_count() > 1
        or sys.getprofile() is not None
        or sys.gettrace() is not None
        or sys.flags.dev_mode
        or sys.flags.inspect
    ):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        return
    import atexit
    import os

    atexit._run_exitfuncs()
    if threading.active_count() > 1:  # (a handler started a thread: let it finish)
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        code = 120  # (what the normal exit gives when it cannot flush)
    os._exit(code)


def parser_for(argv: list[str]) -> str | None:
    """The one command `argv` can only mean, when that is the game: "play"
    for no command or `play`, asking for no help. None otherwise, and the
    whole parser is built. The game's start-up then builds one sub-parser,
    not one for every command (a few milliseconds before the title screen).
    Only the global options are read here; anything unexpected before the
    command (an unknown or abbreviated option, `--`) gets the whole parser,
    so argparse decides and reports exactly as it always does."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--data-dir":
            i += 2
        elif arg.startswith("--data-dir=") or arg == "--verbose":
            i += 1
        else:
            return "play" if arg == "play" else None
    return "play"


def _run(argv: list[str] | None) -> int:
    parser = build_parser(only=parser_for(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    func = getattr(args, "func", None) or DEFAULT_COMMAND
    try:
        return func(args)
    except CommandError as e:
        for line in e.lines:
            print(line, file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:  # a line, never a traceback: an output file that cannot be written, say
        where = f"{e.filename}: " if e.filename else ""
        print(f"rocky-adventure: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as e:  # a bug: the traceback goes to a crash log, one line to the terminal
        from .common import report_crash

        report_crash(e, args)
        return EXIT_ERROR
