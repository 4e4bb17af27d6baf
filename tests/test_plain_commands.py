"""Plain mode's commands at the prompt (:save, :load, :continue, :undo,
:history, :stats, :endings, :help, :quit), the sidebar's and HUD's values
said as text, and the saves, gallery and read text it shares with the TUI
(the same game/ Storage under the same data dir)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from rocky_adventure.engine import load_story
from rocky_adventure.game.files import Writer
from rocky_adventure.game.readtext import read_key
from rocky_adventure.game.saves import slot_for_name
from rocky_adventure.game.session import Session
from rocky_adventure.game.storage import Storage
from rocky_adventure.plain.game import run_plain

ROOT = Path(__file__).resolve().parent.parent
STARTER = ROOT / "examples" / "starter"
# seed 7: go in, skip rope, ask Mickey, walk out, continue into round 1
TO_THE_RING = "1\n1\n1\n2\n1\n"
TO_THE_ENDING = TO_THE_RING + "1\n1\n" * 3


@pytest.fixture(scope="module")
def story():
    return load_story(STARTER, cache=False)


def play(story, lines: str, data_dir: Path | None = None, seed: int = 7):
    out, err = io.StringIO(), io.StringIO()
    more = {"data_dir": data_dir} if data_dir is not None else {}
    code = run_plain(story, seed, io.StringIO(lines), out, err, **more)
    return code, out.getvalue(), err.getvalue()


def tui_storage(story, data_dir: Path) -> Storage:
    """The storage the TUI opens for this story (tui/app.py story_ready)."""
    return Storage(data_dir, story.id, Writer())


def test_a_plain_save_loads_through_the_tuis_storage(story, tmp_path):
    code, out, _ = play(story, "1\n1\n:save Before the ring\n", tmp_path)
    assert code == 2
    assert "> :save Before the ring\nSaved as 'Before the ring'.\n" in out
    storage = tui_storage(story, tmp_path)
    infos, problems = storage.list_saves()
    assert problems == []
    named = [i for i in infos if not i.is_autosave]
    assert [(i.name, i.slot, i.turns) for i in named] == [
        ("Before the ring", slot_for_name("Before the ring"), 2)
    ]
    loaded = storage.load_save(story, named[0].slot)
    session = Session.from_save(story, loaded, storage)  # as the TUI's load_slot does
    assert session.state.scene == "locker" and len(session.states) == 3  # undo works after a load
    assert session.values()["stamina"] == 7


def test_a_tui_save_loads_in_plain_mode(story, tmp_path):
    storage = tui_storage(story, tmp_path)
    session = Session.new(story, 7, storage)
    session.choose(session.choices()[0][0])  # go in
    session.save(slot_for_name("From the game"), "From the game")  # the TUI's save_to
    storage.flush()
    code, out, _ = play(story, ":load\n:load From the game\n:stats\n", tmp_path, seed=99)
    assert "2 saves:\n1. Autosave: The Gym, The Locker Room, turn 1," in out
    assert "2. From the game: The Gym, The Locker Room, turn 1," in out
    assert "Loaded 'From the game'.\nThe Gym, The Locker Room. Turn 1, seed 7," in out
    assert out.rstrip().endswith("Stamina 5, Heart 4\n>")


def test_load_by_number_and_undo_after_it(story, tmp_path):
    play(story, "1\n1\n:save Two in\n", tmp_path)
    code, out, _ = play(story, ":load 2\n:undo\n:undo\n:undo\n", tmp_path)
    assert "Loaded 'Two in'." in out
    assert out.count("Went back one choice.") == 2
    assert "Nothing to undo: this is the start of the story." in out
    assert out.count("-- The Gym Door --") == 2  # the start, and after the second undo


def test_undo_goes_back_and_says_the_values(story):
    code, out, _ = play(story, "1\n1\n:undo\n2\n")
    assert "> :undo\nWent back one choice.\nThe Gym, The Locker Room. Turn 1, seed 7," in out
    assert "Stamina 5, Heart 4\n" in out.split(":undo", 1)[1]
    # the scene is shown again and a plain number still chooses from it
    after = out.split(":undo", 1)[1]
    assert "-- The Locker Room --" in after and "> 2\n" in after
    assert "Mickey is in your corner" in after


def test_history_lists_the_passages_and_the_choices(story):
    code, out, _ = play(story, "1\n1\n:history\n")
    history = out.split("> :history\n", 1)[1]
    assert history.startswith("[1] The Gym Door\nSnow on the steps, a bulb buzzing over the door.")
    assert "You chose: Go in\n\n[2] The Locker Room\n" in history
    assert "You chose: Skip rope until you sweat\n\n[3] The Locker Room\n" in history
    assert "(You are here.)" in history


def test_stats_gives_the_sidebar_and_in_a_fight_the_hud(story):
    code, out, _ = play(story, "1\n:stats\n" + TO_THE_RING[2:] + ":stats\n")
    first, second = out.split("> :stats\n")[1:]
    assert first.startswith("The Gym, The Locker Room. Turn 1, seed 7, 0:00 played.\n")
    assert "Stamina 5, Heart 4\n>" in first
    assert "Round" not in first.split(">")[0]
    assert second.startswith("The Bout, In the Ring. Turn 5, seed 7,")
    assert "Stamina 7, Heart 4\nRound 1 of 3: You 10, Big Vic 10\n" in second


def test_changed_values_are_said_as_text(story):
    code, out, _ = play(story, TO_THE_ENDING)
    assert code == 0
    assert "> 1\n\nStamina 5 -> 7\n\n-- The Locker Room --" in out
    assert "Round 1 of 3: You 10, Big Vic 10\n\n-- In the Ring --" in out  # the fight starts
    assert "Stamina 7 -> 6\nRound 1 of 3: You 9, Big Vic 8\n" in out
    assert "Round 2 of 3: You 9, Big Vic 8, Crowd 1\n" in out  # a bar that shows from round 2
    # only what changed: the unchanged Heart is never said as a change
    assert "Heart 4 -> " not in out
    for box in "█▌▏─│┌┐└┘━":
        assert box not in out  # no bars, no box characters


def test_an_ending_in_plain_mode_is_recorded_in_the_gallery(story, tmp_path):
    code, out, _ = play(story, TO_THE_ENDING, tmp_path)
    assert code == 0
    assert "Endings gallery: a new ending; 1 of 4 found.\n\n1. Play again\n" in out
    gallery = tui_storage(story, tmp_path).load_gallery()
    assert list(gallery) == ["champion"] and gallery["champion"]["times"] == 1
    code, out, _ = play(story, TO_THE_ENDING + "", tmp_path)
    assert "Endings gallery: found before; 1 of 4 found.\n" in out
    assert tui_storage(story, tmp_path).load_gallery()["champion"]["times"] == 2
    code, out, _ = play(story, ":endings\n", tmp_path)
    assert (
        "Endings gallery: 1 of 4 found.\nThe Gym: 0 of 1 found.\n"
        "  Not found yet: An ending in The Gym.\nThe Bout: 1 of 3 found.\n"
        "  Champion of the Gym (The Bout, reached 2 times)\n" in out
    )


def test_the_ending_is_recorded_through_the_command_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "--data-dir", str(tmp_path), "play", "--plain",
         "--seed", "7", "--story", str(STARTER)],
        input=TO_THE_ENDING, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    story = load_story(STARTER, cache=False)
    assert "champion" in tui_storage(story, tmp_path).load_gallery()


def test_text_read_in_plain_mode_is_read_in_the_tui(story, tmp_path):
    play(story, "1\n", tmp_path)
    read = tui_storage(story, tmp_path).load_read()
    session = Session.new(story, 7)
    assert read_key("gym_door", session.text()) in read
    assert any(k.startswith("locker:") for k in read)


def test_autosave_and_continue(story, tmp_path):
    play(story, "1\n1\n", tmp_path)
    storage = tui_storage(story, tmp_path)
    auto = storage.load_save(story, "autosave")
    assert auto.state.turns == 2
    # a new plain game does not overwrite the autosave before its first choice
    code, out, _ = play(story, ":continue\n", tmp_path, seed=3)
    assert "A saved game can be continued: The Gym, The Locker Room, turn 2," in out
    assert "Loaded 'Autosave'.\nThe Gym, The Locker Room. Turn 2, seed 7," in out
    assert tui_storage(story, tmp_path).load_save(story, "autosave").state.turns == 2


def test_no_game_to_continue(story, tmp_path):
    code, out, _ = play(story, ":continue\n:load\n", tmp_path)
    assert "There is no game to continue yet.\n" in out
    assert "There are no saves yet: type :save NAME to make one.\n" in out


def test_help_lists_every_command(story):
    code, out, _ = play(story, ":help\n")
    help_text = out.split("> :help\n", 1)[1]
    for cmd in (":save", ":load", ":continue", ":undo", ":history", ":stats", ":endings",
                ":help", ":quit"):  # fmt: skip
        assert f"\n{cmd}" in "\n" + help_text, cmd
    assert "Type the number of a choice" in help_text


def test_quit_stops_and_keeps_the_autosave(story, tmp_path):
    code, out, err = play(story, "1\n:quit\n2\n", tmp_path)
    assert code == 2
    assert "> 2" not in out  # nothing read after :quit
    assert "You quit before an ending: the story stopped at 'The Locker Room'" in err
    autosave = tmp_path / "stories" / story.id / "saves" / "autosave.json"
    assert (
        f"> :quit\nGoodbye. The game is autosaved in {autosave}: next time, type :continue" in out
    )
    code, out, err = play(story, "1\n", tmp_path)  # input ended: no goodbye, as before
    assert "Goodbye" not in out and "Input ended before an ending" in err
    assert tui_storage(story, tmp_path).load_save(story, "autosave").state.turns == 1


def test_bad_input_gets_one_line_and_loses_nothing(story, tmp_path):
    play(story, "1\n:save Keep me\n", tmp_path)
    storage = tui_storage(story, tmp_path)
    slot = slot_for_name("Keep me")
    before = storage.slot_path(slot).read_bytes()
    lines = ":bogus\n:\n:save ../../etc/passwd\n:save a\\b\n:load 9\n:load Nothing here\n7\n"
    code, out, err = play(story, lines, tmp_path)
    assert code == 2 and "Traceback" not in out + err

    def answer(cmd: str) -> str:
        return out.split(f"> {cmd}\n", 1)[1].split("\n>", 1)[0]

    assert answer(":bogus") == (
        "Unknown command ':bogus'. The commands are: :save, :load, :continue, :undo, "
        ":history, :stats, :endings, :help, :quit."
    )
    assert answer(":").startswith("Type a command after the colon:")
    for cmd in (":save ../../etc/passwd", ":save a\\b"):
        assert answer(cmd) == (
            "A save name cannot hold / or \\: type a name, not a path (say, :save Before the bout)."
        )
    assert answer(":load 9") == "There is no save number 9: type :load to list the saves (1 to 2)."
    assert answer(":load Nothing here") == (
        "There is no save named 'Nothing here': type :load to list the saves."
    )
    assert answer("7") == "Type a number from 1 to 2."
    assert storage.slot_path(slot).read_bytes() == before
    assert sorted(p.name for p in storage.saves_dir.glob("*.json")) == [
        "autosave.json",
        f"{slot}.json",
    ]
    assert not (tmp_path / "etc").exists() and not list(tmp_path.rglob("passwd*"))


def test_saving_twice_under_one_name_keeps_one_slot(story, tmp_path):
    code, out, _ = play(story, "1\n:save Mine\n1\n:save Mine\n", tmp_path)
    infos, _ = tui_storage(story, tmp_path).list_saves()
    named = [i for i in infos if not i.is_autosave]
    assert [(i.name, i.turns) for i in named] == [("Mine", 2)]


async def test_the_tui_continues_and_loads_what_plain_mode_saved(story, tmp_path):
    from rocky_adventure.game.settings import Settings
    from rocky_adventure.tui.app import RockyApp
    from rocky_adventure.tui.game import GameScreen

    play(story, "1\n1\n:save warm\n1\n", tmp_path)
    app = RockyApp(
        story=story,
        seed=7,
        data_dir=tmp_path,
        settings=Settings(text_speed="instant"),
        monotonic=lambda: 0.0,
        motion=False,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")  # Continue: the plain game's autosave
        assert isinstance(app.screen, GameScreen)
        assert app.session.state.turns == 3 and len(app.session.states) == 4
        assert {i.name for i in app.list_saves()} == {"Autosave", "warm"}
        app.load_slot(slot_for_name("warm"))
        await pilot.pause()
        assert app.session.state.turns == 2 and app.session.values()["stamina"] == 7


# -- the ending's menu (issue 15) -------------------------------------------------------


def test_the_ending_offers_play_again_the_endings_and_quit(story, tmp_path):
    code, out, _ = play(story, TO_THE_ENDING + "2\n3\n", tmp_path)
    assert code == 0
    menu = "1. Play again\n2. See the endings\n3. Quit\n> "
    assert f"1 of 4 found.\n\n{menu}2\n\nEndings gallery: 1 of 4 found.\n" in out
    assert out.count(menu) == 2  # again after the endings
    assert out.rstrip().endswith(
        f"{menu}3\n\nGoodbye. The endings you found stay in the gallery (:endings here, or "
        f"Endings on the game's title screen), under {tmp_path / 'stories' / story.id}."
    )
    # play again: a new game with the same --seed, over the same gallery
    code, out, _ = play(story, TO_THE_ENDING + "1\n" + TO_THE_ENDING, tmp_path)
    assert code == 0 and "> 1\n\nA new game. Seed 7.\n\n== The Gym ==" in out
    assert out.count("THE END: Champion of the Gym") == 2
    assert tui_storage(story, tmp_path).load_gallery()["champion"]["times"] == 3
    # a number that is not on the menu, then :undo: the game goes on from before the ending
    code, out, _ = play(story, TO_THE_ENDING + "4\n:undo\n", tmp_path)
    assert code == 2 and "> 4\nType a number from 1 to 3.\n> :undo\nWent back one choice." in out


SIDEBAR_STORY = {
    "story.yaml": """\
format: 1
id: bars
title: Bars
start: a
variables:
  heart: {type: int, default: 3, min: 0, max: 10, label: Heart}
  power: {type: int, default: 2, min: 0, max: 10, label: Power}
chapters:
  - {id: one, title: One}
endings:
  - {id: end, title: The End, epilogue: Bye.}
display:
  sidebar:
    - heart
    - {var: power, when: "b > 0"}
""",
    "scenes.yaml": """\
chapter: one
scenes:
  - id: a
    text: Here.
    choices:
      - {id: go, text: Go, add: {power: 1}, to: b}
  - id: b
    text: There.
    choices:
      - {id: end, text: End, add: {heart: 1}, to: c}
  - id: c
    text: Done.
    ending: end
""",
}


def test_plain_mode_says_only_the_sidebar_values_that_show(tmp_path):
    from helpers import write_story

    bars = load_story(write_story(tmp_path / "bars", SIDEBAR_STORY), cache=False)
    code, out, _ = play(bars, ":stats\n1\n:stats\n1\n")
    assert code == 0
    first, second = out.split("> :stats\n")[1:]
    assert first.split(">")[0].endswith("Heart 3\n")  # Power does not show in scene a
    assert out.count("Power 2") == 0  # its change was never said while it was hidden
    assert "> 1\n\nNow shown: Power 3\n\nThere." in out
    assert "Heart 3, Power 3\n>" in second
    assert "Heart 3 -> 4\n" in out
