"""Pilot tests of the game's main flows on the starter story (seed 7).
Few on purpose: each key press costs real time."""

from __future__ import annotations

import json

from textual.content import Content
from textual.geometry import Region

from rocky_adventure.tui.dialogs import ConfirmQuitScreen, SaveLoadScreen, TooSmallScreen
from rocky_adventure.tui.game import GameScreen
from rocky_adventure.tui.pages import GalleryScreen, HistoryScreen
from rocky_adventure.tui.title import TitleScreen
from rocky_adventure.tui.widgets import ChoiceList, KeyBar, StoryText


def shown_text(widget) -> str:
    """What a widget puts on screen, line by line."""
    region = Region(0, 0, widget.size.width, widget.size.height)
    return "\n".join(strip.text.rstrip() for strip in widget.render_lines(region))


def choices(app) -> list[str]:
    cl = app.screen.query_one(ChoiceList)
    return [cl.get_option_at_index(i).id for i in range(cl.option_count)]


async def test_new_game_to_an_ending_by_keyboard_updates_the_gallery(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, TitleScreen)
        await pilot.press("n")
        assert isinstance(app.screen, GameScreen)
        # go in, skip rope, ask Mickey, walk out, continue into the bout
        await pilot.press("1", "1", "1", "2", "1")
        assert app.session.state.scene == "bell"
        assert app.screen.has_class("-hud")
        # three rounds of jabs, arrows and enter on the way
        await pilot.press("1", "1", "down", "up", "enter", "1", "1", "1")
        state = app.session.state
        assert state.ending is not None
        text = app.screen.query_one(StoryText).content.plain
        assert "THE END" in text and app.story.endings[state.ending].title in text
        assert choices(app) == ["_again", "_gallery", "_title"]
        await pilot.press("2")  # see the endings
        assert isinstance(app.screen, GalleryScreen)
        app.writer.flush()
        gallery = json.loads(app.storage.gallery_path.read_text())
        assert list(gallery["endings"]) == [state.ending]
        assert "1 of 4 found" in shown_text(app.screen.query_one(".page-header"))


async def test_save_quit_and_continue(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "1", "1")
        await pilot.press("ctrl+q")  # the last choice is not saved: asks first
        assert isinstance(app.screen, ConfirmQuitScreen)
        await pilot.press("escape")
        await pilot.press("s")
        assert isinstance(app.screen, SaveLoadScreen)
        await pilot.press("ctrl+a", "ctrl+k", *"warm", "enter")
        assert isinstance(app.screen, GameScreen)
        before = app.session.state
        await pilot.press("ctrl+q")  # saved: quits at once
    assert app.return_code == 0
    infos, problems = app.storage.list_saves()
    assert {i.name for i in infos} == {"Autosave", "warm"} and problems == []

    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Continue: The Gym \u203a The Locker Room" in shown_text(
            again.screen.query_one("#continue-info")
        )
        await pilot.press("c")
        assert isinstance(again.screen, GameScreen)
        assert again.session.state == before
        assert len(again.session.states) == 3  # undo works after a load
        await pilot.press("l")
        assert isinstance(again.screen, SaveLoadScreen)
        await pilot.press("down", "delete")  # the "warm" slot: one press only asks
        assert {i.name for i in again.storage.list_saves()[0]} == {"Autosave", "warm"}
        await pilot.press("enter")
        assert again.session.state == before
        await pilot.press("l", "down", "delete", "delete")  # the second press deletes
        assert {i.name for i in again.storage.list_saves()[0]} == {"Autosave"}


async def test_undo_and_history(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "1", "1")
        assert app.session.state.scene == "locker" and app.session.state.turns == 2
        bar = app.screen.query_one(KeyBar)
        await pilot.click(
            bar, offset=(bar.render().plain.index(" Undo") - 1, 0)
        )  # the key bar's keys click
        assert app.session.state.turns == 1
        assert "skip_rope" in choices(app)
        await pilot.press("1", "2")  # skip rope, then ask Mickey
        assert app.session.state.turns == 3
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.pause()
        shown = shown_text(app.screen.query_one("#history"))
        assert (
            "\u203a Go in" in shown and "\u25c6 you are here" in shown
        )  # each entry whole, choice and all
        await pilot.press("home", "enter")  # back to before the first choice
        assert isinstance(app.screen, GameScreen)
        assert app.session.state.turns == 0 and app.session.state.scene == "gym_door"
        app.writer.flush()  # autosaves are written in the background
        saved = json.loads(app.storage.slot_path("autosave").read_text())
        assert saved["turns"] == 0  # the autosave follows the rewind


async def test_corrupt_save_is_set_aside_and_the_game_goes_on(make_app, starter, tmp_path):
    saves = tmp_path / "data" / "stories" / starter.id / "saves"
    saves.mkdir(parents=True)
    (saves / "autosave.json").write_text('{"format": "rocky-adventure-save", "version": 1, "st')
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("c")
        assert isinstance(app.screen, TitleScreen)
        messages = [str(n.message) for n in app._notifications]
        assert any("could not be used" in m and "truncated" in m for m in messages)
        assert not (saves / "autosave.json").exists()
        assert len(list((saves / "set-aside").iterdir())) == 1
        await pilot.press("n", "1")  # and the game goes on
        assert app.session.state.scene == "locker"


async def test_resize_shows_a_notice_and_reflows(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "1")
        text = app.screen.query_one(StoryText)
        wide = text.size.width
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "Make the terminal larger" in shown_text(app.screen.query_one("#too-small"))
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)
        text = app.screen.query_one(StoryText)
        assert text.size.width < wide
        lines = shown_text(text).splitlines()
        assert max(len(line) for line in lines) <= text.size.width
        assert " ".join(" ".join(lines).split()) == " ".join(text.content.plain.split())
        keys = shown_text(app.screen.query_one(KeyBar))  # packed to fit, whole keys only
        assert (
            keys.startswith("1-9 Choose u Undo") and keys.endswith("\u258f^p") and len(keys) <= 60
        )
        assert keys.split("\u258f")[0].rstrip().endswith(("Help", "Menu", "Quit"))


MARKUP_SCENES = """\
chapter: one
scenes:
  - id: a
    title: "[b]Bold[/b] title"
    text: |
      Press [@click=app.quit]here[/] to quit, or read [b]this[/b] in bold.
    choices:
      - id: go
        text: "[@click=app.quit]Take[/] the [b]door[/b]"
        to: z
  - id: z
    text: "[red]Red[/red] and [link=https://example.com]a link[/link]."
    ending: end
"""


async def test_story_text_is_never_markup(make_story, make_app, tmp_path):
    from rocky_adventure.engine import load_story

    story = load_story(make_story(MARKUP_SCENES), cache=False)
    app = make_app(story=story)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        text = app.screen.query_one(StoryText)
        shown = shown_text(text)
        assert "[@click=app.quit]here[/]" in shown and "[b]this[/b]" in shown
        assert "[b]Bold[/b] title" in shown_text(app.screen.query_one("#header"))
        option = app.screen.query_one(ChoiceList).get_option_at_index(0)
        assert isinstance(option.prompt, Content)
        assert "[@click=app.quit]Take[/] the [b]door[/b]" in option.prompt.plain
        await pilot.click(StoryText)  # a click on the text runs nothing
        await pilot.click(ChoiceList, offset=(6, 1))  # nor on the choice: it is taken
        assert app.is_running
        assert app.session.state.ending == "end"
        shown = shown_text(app.screen.query_one(StoryText))
        assert "[red]Red[/red] and [link=https://example.com]a link[/link]." in shown


async def test_settings_are_written_however_the_app_ends(make_app, tmp_path):
    from rocky_adventure.game.settings import load_settings

    app = make_app()
    async with app.run_test(size=(80, 24)):
        app.update_settings(theme="nord", skip_read=True)  # handed to the background writer
    kept = load_settings(tmp_path / "data")  # the app ended without ctrl+q
    assert (kept.theme, kept.skip_read) == ("nord", True)


async def test_a_save_that_cannot_be_written_says_so(make_app, tmp_path):
    (tmp_path / "data").write_text("a file where the data folder should be")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "1", "s", "enter")
        messages = [(n.title, n.message) for n in app._notifications]
        assert any(
            title == "Not saved" and "Could not write" in message for title, message in messages
        )
        assert not any(message.startswith("Saved as") for _, message in messages)
        assert app.session.dirty  # so quitting still asks


async def test_story_text_can_be_selected_and_copied(make_app):
    """A double click selects the story text and ctrl+c copies it (the text
    widget's own drawing once shadowed Textual's, and copying crashed)."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.click("#story", offset=(12, 1), times=2)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert "Snow on the steps" in app.clipboard and "[" not in app.clipboard


async def test_the_title_is_on_the_first_frame_while_the_story_loads(starter, make_app):
    """The title screen names the story before the (slow) load finishes, from
    the manifest alone, then shows the loaded story's own title."""
    import threading
    from pathlib import Path

    from rocky_adventure.engine.peek import peek_heading

    starter_dir = Path(__file__).resolve().parents[2] / "examples" / "starter"
    release = threading.Event()

    def slow_load():
        release.wait(10)
        return starter

    app = make_app(story=None, loader=slow_load, heading=peek_heading(starter_dir))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, TitleScreen)
        assert app.story is None
        assert "The Starter Gym" in shown_text(screen.query_one("#story-title"))
        assert "by The rocky-adventure developers" in shown_text(screen.query_one("#byline"))
        release.set()
        for _ in range(50):
            await pilot.pause(0.02)
            if app.story is not None:
                break
        assert app.story is starter
        assert "The Starter Gym" in shown_text(screen.query_one("#story-title"))
