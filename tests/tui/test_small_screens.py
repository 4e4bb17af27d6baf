"""The game screen at 80x24 and 60x20, by keyboard: the story text scrolls
whatever has focus, a long choice list says it is cut and every choice has
a key, a wrapped choice keeps its indent, and the command palette holds
only the game's commands. On the bundled story, started where the issue
saw each problem (as `play --from SCENE --set NAME=VALUE` does)."""

from __future__ import annotations

import pytest

from rocky_adventure.engine import load_story
from rocky_adventure.engine.start import Start
from rocky_adventure.tui.game import GameScreen
from rocky_adventure.tui.pages import HELP
from rocky_adventure.tui.title import TitleScreen
from rocky_adventure.tui.widgets import BarPanel, ChoiceList, StoryText, numbered

# The Siberian morning with ten things to do (day 3, Apollo training, Adrian there).
MORNING = Start("day_hub", (("day", "3"), ("apollo_plan", "train"), ("s_adrian_here", "true")))
# The bout: reading Drago in the first round, with the fight HUD up.
BOUT = Start("read", (("round", "1"),))


@pytest.fixture(scope="module")
def bundled():
    return load_story(None, (), None, cache=False)


async def start_at(app, pilot, start: Start) -> GameScreen:
    app.start = start
    await pilot.press("n")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, GameScreen)
    return screen


async def test_page_keys_scroll_the_story_whatever_has_focus(make_app, bundled):
    app = make_app(story=bundled)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_at(app, pilot, MORNING)
        text, choices = screen.query_one(StoryText), screen.query_one(ChoiceList)
        assert choices.has_focus and text.max_scroll_y > 0  # the text is longer than its pane
        side = screen.query_one("#side-bars", BarPanel)  # Siberia: what the training builds
        assert [b.var for b in side.bars if b.shown] == [
            *("resolve", "strength", "speed", "stamina", "chin", "fatigue")
        ]
        await pilot.press("pagedown")
        assert text.scroll_y > 0
        assert choices.highlighted == 0  # the choice list did not take the key
        await pilot.press("end")
        assert text.scroll_y == text.max_scroll_y
        await pilot.press("home")
        assert text.scroll_y == 0
        await pilot.press("space")
        assert text.scroll_y > 0
        await pilot.press("pageup")
        assert text.scroll_y == 0
        assert choices.highlighted == 0
    keys = " ".join(key for _, rows in HELP for key, _ in rows)
    assert all(k in keys for k in ("pgup", "pgdn", "space", "home", "end"))


async def test_a_long_list_is_marked_and_choice_10_has_a_key(make_app, bundled):
    app = make_app(story=bundled)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_at(app, pilot, MORNING)
        choices = screen.query_one(ChoiceList)
        assert choices.option_count == 10
        assert choices.max_scroll_y > 0  # cut at 80x24
        assert "more" in str(choices.border_subtitle) and not choices.border_title
        tenth = choices.get_option_at_index(9)
        assert tenth.prompt.plain.startswith(" 0 ")  # its key, shown beside it
        for _ in range(9):
            await pilot.press("down")
        assert choices.scroll_y == choices.max_scroll_y
        assert "more" in str(choices.border_title) and not choices.border_subtitle
        turns = app.session.state.turns
        await pilot.press("0")
        assert app.session.state.turns == turns + 1
        assert app.session.state.path[-1] == ("day_hub", tenth.id)


async def test_the_bout_at_60x20_keeps_8_lines_of_text(make_app, bundled):
    app = make_app(story=bundled)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await start_at(app, pilot, BOUT)
        assert screen.has_class("-hud")
        assert screen.query_one(StoryText).scrollable_content_region.height >= 8
        choices = screen.query_one(ChoiceList)
        if choices.max_scroll_y > 0:  # what is cut says so
            assert "more" in str(choices.border_subtitle)


def test_choices_past_9_get_0_then_letters_the_game_does_not_bind():
    assert [numbered(i, "x").plain[:3] for i in (9, 10, 11, 12)] == [" 9 ", " 0 ", " a ", " b "]
    bound = set("ehlosudtq")  # the game screens' own letters, and q
    keys = {numbered(i, "x").plain[1] for i in range(10, 30)}
    assert not keys & bound


def test_a_wrapped_choice_keeps_its_indent():
    choice = numbered(3, "Lift rocks, then the cart, with Paulie in it, until dark")
    lines = [line.plain for line in choice._lines(24)]
    assert len(lines) >= 2 and lines[0].startswith(" 3  Lift")
    assert all(line.startswith("    ") and line[4] != " " for line in lines[1:])


async def test_the_palette_has_only_the_games_commands_and_a_screenshot(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert not titles & {"Keys", "Theme", "Change theme", "Maximize", "Minimize"}
        assert {"New game", "Load", "Endings", "Settings", "Help", "Screenshot", "Quit"} <= titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Screenshot")
        command.callback()
        await pilot.pause()
        shots = list((tmp_path / "data" / "screenshots").glob("*.svg"))
        assert len(shots) == 1 and shots[0].read_text().startswith("<svg")
        assert any(str(shots[0]) in n.message for n in app._notifications)


async def test_no_game_to_continue_is_said_under_the_menu(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("c")
        assert isinstance(app.screen, TitleScreen)
        assert not list(app._notifications)
        info = app.screen.query_one("#continue-info")
        assert "no game to continue" in str(info.render()).lower()


async def test_the_settings_offer_the_games_themes_and_a_few_more(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        await pilot.pause()
        themes = app.screen.themes
        assert themes[:2] == ["rocky", "siberia"] and len(themes) <= 6
        assert set(themes) <= set(app.available_themes)
        theme = app.screen.query_one("#theme")
        theme.focus()
        await pilot.press("enter")  # the list opens, and fits in the dialog's screen
        await pilot.pause()
        overlay = theme.query_one("SelectOverlay")
        assert overlay.region.bottom <= 24 and overlay.max_scroll_y == 0


async def test_the_sidebar_shows_the_chapters_bars_and_the_gallery_groups_by_world(
    make_app, bundled
):
    """The first chapter shows the people around Rocky, not the Siberian
    training stats (the manifest's `when:`); the gallery groups the endings
    by world, each locked one with its own hint."""
    from textual.widgets import Static

    from rocky_adventure.tui.pages import GalleryScreen

    app = make_app(story=bundled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        panel = app.screen.query_one("#side-bars", BarPanel)
        assert [b.var for b in panel.bars if b.shown] == ["adrian", "paulie", "resolve"]
        drawn = str(panel.render())
        assert "Adrian" in drawn and "Strength" not in drawn and "Fatigue" not in drawn
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, GalleryScreen)
        shown = [str(w.render()) for w in app.screen.query("#gallery Static").results(Static)]
        heads = [str(w.render()) for w in app.screen.query(".gallery-world").results(Static)]
    assert heads == ["THE TOWEL THROWN  0 of 6", "THE TOWEL HELD  0 of 3", "EITHER WORLD  0 of 8"]
    locked = [s for s in shown if s.startswith("???")]
    assert len(locked) == len(bundled.endings)
    hints = [s.split("\n", 1)[1] for s in locked]
    assert len(set(hints)) == len(hints)  # a hint of its own for each
    assert "Win with Apollo in your corner." in hints
    assert not any("Not found yet" in s or "Two Champions" in s for s in locked)
