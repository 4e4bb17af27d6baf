"""The game as `serve` runs it (RockyApp(web=True), `play --web`), with
Pilot: quitting goes back to the title and the game goes on; at 40x24 (a
phone) the title, the game, the bout's HUD and the dialogs all fit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rocky_adventure.engine import load_story
from rocky_adventure.engine.start import Start
from rocky_adventure.game.settings import Settings
from rocky_adventure.tui.app import RockyApp
from rocky_adventure.tui.game import GameScreen
from rocky_adventure.tui.title import TitleScreen

STARTER = Path(__file__).resolve().parents[2] / "examples" / "starter"
BOUT = Start("read", (("round", "1"),))  # the bundled story's first round, HUD up


@pytest.fixture(scope="module")
def starter():
    return load_story(STARTER, cache=False)


@pytest.fixture(scope="module")
def bundled():
    return load_story(None, (), None, cache=False)


def make(story, data: Path, **kw) -> RockyApp:
    return RockyApp(
        story=story,
        seed=7,
        data_dir=data,
        settings=Settings(text_speed="instant"),
        clock=lambda: datetime(2025, 3, 14, 12, tzinfo=UTC),
        monotonic=lambda: 0.0,
        motion=False,
        **kw,
    )


def text(app: RockyApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_quitting_in_a_browser_goes_back_to_the_title(starter, tmp_path):
    app = make(starter, tmp_path / "data", web=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "1")
        assert isinstance(app.screen, GameScreen) and app.session.state.turns == 1
        await pilot.press("ctrl+q")  # no "save before quitting?": it is autosaved
        assert isinstance(app.screen, TitleScreen)
        assert app.is_running and app.return_code is None
        assert "Continue: The Gym" in text(app)
        await pilot.press("ctrl+q")  # on the title: how to leave, and still running
        assert app.is_running and "close this tab" in text(app)
        await pilot.press("c")
        assert isinstance(app.screen, GameScreen) and app.session.state.turns == 1
    saved = make(starter, tmp_path / "data", web=True)
    async with saved.run_test(size=(80, 24)):
        assert "Continue: The Gym" in text(saved)  # the autosave, on disk


async def test_in_a_terminal_quitting_still_ends_the_game(starter, tmp_path):
    app = make(starter, tmp_path / "data")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        assert app.return_code == 0


async def test_at_40x24_the_title_game_bout_and_dialogs_fit(bundled, tmp_path):
    app = make(bundled, tmp_path / "data", web=True)
    async with app.run_test(size=(40, 24)) as pilot:
        assert isinstance(app.screen, TitleScreen)  # not the "make it larger" notice
        title = text(app)
        assert "Rocky IV: The Adventure" in title and "New game" in title
        assert "__/" not in title  # the ring art, wider than a phone, is left out
        await pilot.press("n")
        assert isinstance(app.screen, GameScreen)
        game = text(app)
        assert "The house is too big" in game and "1  Continue" in game
        assert "1-9 Choose" in game  # the key line, at the foot
        await pilot.press("ctrl+q")
        app.start = BOUT
        await pilot.press("n")
        hud = text(app)
        assert "ROUND 1 / 15" in hud
        for label in ("Rocky", "Wind", "Drago", "Crowd"):  # whole labels, not "R…"
            assert f" {label} " in hud, hud
        assert "Jab and move" in hud  # a choice, still on screen under the HUD
        await pilot.press("o")
        settings = text(app)
        assert "Text speed" in settings and "Instant" in settings and "rocky" in settings
        await pilot.press("escape", "s")
        assert "Moscow · Reading Him" in text(app)  # the save dialog's default name
        width = max(len(line) for line in text(app).splitlines())
        assert width <= 40


async def test_a_terminal_under_60_columns_still_asks_for_more(starter, tmp_path):
    from rocky_adventure.tui.dialogs import TooSmallScreen

    app = make(starter, tmp_path / "data")
    async with app.run_test(size=(40, 24)):
        assert isinstance(app.screen, TooSmallScreen)
