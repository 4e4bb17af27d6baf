"""Start-up (issue 17): what the game's first frame pays for.

The title screen is drawn before the story loads, so nothing it does not
need may be imported or built before it: the parser builds only `play` when
the command line means the game, the engine's facade imports each name on
first use, and the saved theme is set without Textual re-parsing every
stylesheet. Each test here names one of those and fails when it is undone."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rocky_adventure import cli

# -- the parser -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "only"),
    [
        ([], "play"),
        (["play"], "play"),
        (["play", "--seed", "7", "--help"], "play"),  # play's own help: the same either way
        (["--data-dir", "d"], "play"),
        (["--data-dir=d", "--verbose", "play", "--plain"], "play"),
        (["--verbose"], "play"),
        (["check"], None),
        (["--data-dir", "play", "check"], None),  # `play` is the data dir here
        (["-h"], None),
        (["--help", "play"], None),
        (["--version"], None),
        (["--data", "d"], None),  # an abbreviation: argparse decides
        (["--", "play"], None),
        (["completion", "bash"], None),
    ],
)
def test_only_the_game_gets_the_one_command_parser(argv, only):
    assert cli.parser_for(argv) == only


def test_the_game_builds_the_play_parser_alone(monkeypatch):
    built: list[str] = []

    def spy(c: cli.Command) -> cli.Command:
        def setup(p: argparse.ArgumentParser) -> None:
            built.append(c.name)
            c.setup(p)

        return cli.Command(c.name, c.help, c.example, setup, lambda args: 0)

    monkeypatch.setattr(cli, "COMMANDS", tuple(spy(c) for c in cli.COMMANDS))
    monkeypatch.setattr(cli, "DEFAULT_COMMAND", lambda args: 0)
    assert cli.main(["--data-dir", "somewhere"]) == 0
    assert built == ["play"]
    built.clear()
    assert cli.main(["stats"]) == 0
    assert sorted(built) == sorted(c.name for c in cli.COMMANDS)  # any other command: all


def test_the_top_level_help_still_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for c in cli.COMMANDS:  # (argparse wraps the help lines: their start, then)
        assert re.search(rf"^    {re.escape(c.name)} +{re.escape(c.help[:20])}", out, re.M), c.name


TOKENS = st.sampled_from(
    [
        "play",
        "check",
        "--data-dir",
        "--data-dir=x",
        "--data",
        "--verbose",
        "--seed",
        "7",
        "--plain",
        "-h",
        "--",
        "x",
        "--dev",
        "--bogus",
    ]
)


def _outcome(parser: argparse.ArgumentParser, argv: list[str]) -> tuple:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:
            return ("exit", e.code, out.getvalue(), err.getvalue())
    return (
        "ok",
        sorted((k, repr(v)) for k, v in vars(args).items()),
        out.getvalue(),
        err.getvalue(),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(TOKENS, max_size=5))
def test_the_one_command_parser_reads_the_game_command_line_as_the_whole_one(argv):
    only = cli.parser_for(argv)
    if only is None:
        return
    assert _outcome(cli.build_parser(only=only), argv) == _outcome(cli.build_parser(), argv)


# -- what the first frame imports ---------------------------------------------------

FIRST_FRAME = """
import sys
import rocky_adventure.cli
import rocky_adventure.tui.app
from rocky_adventure.engine.peek import peek_heading
from rocky_adventure.engine.safe import SafeStream
from rocky_adventure.cli import play, speedrun
peek_heading(None)
speedrun.check_speedrun_options(play.PlayOptions())
print(__import__("json").dumps(sorted(m for m in sys.modules if m.startswith("rocky_adventure"))))
"""


def test_the_title_screen_imports_no_engine_module_it_does_not_need():
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    for name in ("model", "play", "state", "replay", "expr", "load", "loader", "cache"):
        assert f"rocky_adventure.engine.{name}" not in loaded
    assert "rocky_adventure.game.saves" not in loaded  # (the storage: once the story has loaded)
    assert "rocky_adventure.game.session" not in loaded
    assert "rocky_adventure.speedrun.livesplit" not in loaded  # (a speedrun with --livesplit)


def test_the_engine_facade_still_gives_every_name():
    import rocky_adventure.engine as engine
    from rocky_adventure.engine import play

    for name in engine.__all__:
        assert getattr(engine, name) is not None, name
    assert engine.replay is play.replay
    with pytest.raises(AttributeError):
        engine.no_such_name  # noqa: B018


# -- the theme ------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["siberia", "nord", "textual-light"])
async def test_the_saved_theme_draws_the_first_frame_as_setting_it_would(tmp_path, theme):
    from rocky_adventure.engine.peek import peek_heading
    from rocky_adventure.game.settings import Settings
    from rocky_adventure.tui.app import RockyApp

    heading = peek_heading(None)
    pictures = []
    for how in ("saved", "set"):

        def never():  # the title screen as it is before the story has loaded
            raise AssertionError("not loaded in this test")

        settings = Settings(theme=theme if how == "saved" else "rocky")
        app = RockyApp(loader=never, settings=settings, heading=heading, motion=False)
        if how == "set":
            app.theme = theme  # Textual's own way: its watcher re-parses everything
        app._load_story = lambda: None  # type: ignore[method-assign]
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            pictures.append((app.theme, sorted(app.classes), app.export_screenshot()))
    assert pictures[0] == pictures[1]
