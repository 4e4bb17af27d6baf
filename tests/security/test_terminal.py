"""The one sanitising boundary: no string from a file (a save, the gallery,
a string variable, a run file, records) sends the terminal a control
sequence, in the game, in plain mode or from any command."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rocky_adventure.engine import choose, load_story, new_game
from rocky_adventure.engine.safe import SafeStream, terminal_safe
from rocky_adventure.game.settings import Settings
from rocky_adventure.game.storage import Storage

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
TINY = ROOT / "examples" / "tiny-bout"
NOON = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # write the clipboard
OSC0 = "\x1b]0;owned\x07"  # retitle the window
CLEAR = "\x1b[2J"  # clear the screen
C1 = "\x9b31m"  # CSI as one C1 character
BIDI = "\u202e"  # right-to-left override
HOSTILE = [OSC52, OSC0, CLEAR, C1, BIDI]


def rocky(*args: str, data: Path, input_text: str = "") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "--data-dir", str(data), *args],
        input=input_text.encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )


def no_control(out: bytes) -> None:
    text = out.decode("utf-8", "replace")
    assert b"\x1b" not in out and b"\x07" not in out, text[-400:]
    assert "\x9b" not in text and BIDI not in text and "Traceback" not in text


def test_terminal_safe_shows_every_control_character():
    assert terminal_safe(OSC52) == "^[]52;c;cm0gLXJmIH4=^G"
    assert terminal_safe(CLEAR + "ok") == "^[[2Jok"
    assert terminal_safe(C1) == "<U+009B>31m" and terminal_safe(BIDI) == "<U+202E>"
    assert terminal_safe("tab\tand\nnewline kept") == "tab\tand\nnewline kept"
    assert terminal_safe("a\nb", newlines=False) == "a^Jb"
    assert terminal_safe("\x7f\r") == "^?^M"


def test_safe_stream_makes_every_write_safe():
    import io

    buf = io.StringIO()
    stream = SafeStream(buf)
    print("name:", OSC0, file=stream)
    stream.writelines([CLEAR, "\n"])
    assert "\x1b" not in buf.getvalue() and "^[]0;owned^G" in buf.getvalue()


# -- commands and plain mode ----------------------------------------------------


def test_verify_prints_a_hostile_invalid_reason_safely(tmp_path):
    from rocky_adventure.speedrun.run import Run, parse_category

    story = load_story(TINY, cache=False)
    run = Run(story, parse_category(story, "any"), seed=3)
    run.choose("warm_up")
    run.invalidate("undo" + OSC52 + CLEAR)
    record = run.record()
    path = tmp_path / "run.json"
    path.write_text(json.dumps(record))
    r = rocky("verify", "--story", str(TINY), str(path), data=tmp_path / "d")
    assert r.returncode == 1 and b"REJECTED: the run was marked invalid during play" in r.stdout
    assert b"^[]52;c;" in r.stdout
    no_control(r.stdout + r.stderr)


def test_plain_mode_shows_a_hostile_string_variable_safely(tmp_path):
    for bad in HOSTILE:
        r = rocky(
            *("play", "--plain", "--story", str(STARTER), "--seed", "7"),
            *("--from", "gym_door", "--set", f"trainer={bad}Duke"),
            data=tmp_path / "d",
            input_text="",
        )
        assert r.returncode == 2, r.stderr  # input ended: it played and stopped cleanly
        assert b"Duke" in r.stdout
        no_control(r.stdout + r.stderr)


def test_runs_prints_hostile_records_safely(tmp_path):
    data = tmp_path / "d"
    records = data / "speedrun" / "tiny-bout" / "records.json"
    records.parent.mkdir(parents=True)
    entry = {
        "attempts": 1,
        "pb": None,
        "golds": [],
        "recent": [{"file": OSC52 + ".json", "igt_ms": 5, "rta_ms": 6, "date": CLEAR, "seed": 1}],
    }
    records.write_text(json.dumps({"version": 1, "categories": {f"any{OSC0}|set": entry}}))
    r = rocky("runs", "--story", str(TINY), data=data)
    assert r.returncode == 0 and b"^[]52" in r.stdout
    no_control(r.stdout + r.stderr)


def test_check_prints_a_hostile_value_safely(tmp_path):
    story = tmp_path / "s"
    story.mkdir()
    (story / "story.yaml").write_text(
        "format: 1\nid: s\ntitle: S\nstart: a\nchapters:\n  - {id: c, title: C}\n"
        "endings:\n  - {id: e, title: E, epilogue: x}\n",
        encoding="utf-8",
    )
    (story / "a.yaml").write_text(
        f"chapter: c\nscenes:\n  - id: a\n    text: hi\n    choices:\n      - id: go\n"
        f'        text: go\n        to: "{OSC0}nowhere"\n'.replace("\x1b", "\\e").replace(
            "\x07", "\\a"
        ),
        encoding="utf-8",
    )
    r = rocky("check", str(story), data=tmp_path / "d")
    assert r.returncode == 1 and b"a.yaml:" in r.stdout
    no_control(r.stdout + r.stderr)


# -- the game -------------------------------------------------------------------


def frame(app) -> str:
    """What the game would write to the terminal now, the whole screen."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return update.render_segments(app.console)


def safe_frame(text: str) -> None:
    for bad in HOSTILE:
        assert bad not in text
    assert "\x1b]" not in text and "\x07" not in text and "\x9b" not in text


@pytest.fixture
def hostile_data(tmp_path):
    story = load_story(STARTER, cache=False)
    data = tmp_path / "data"
    s = Storage(data, story.id, clock=lambda: NOON)
    state = choose(story, new_game(story, 7), "go_in")
    doc_path = s.slot_path("slot-evil")
    s.write_save(story, state, "slot-evil", "x", 3.0)
    doc = json.loads(doc_path.read_text())
    doc["name"] = "Evil" + OSC52
    doc["chapter"] = "Gym" + CLEAR
    doc["scene_title"] = "Door" + OSC0 + C1 + BIDI
    doc["state"]["vars"]["trainer"] = "Duke" + OSC52
    doc_path.write_text(json.dumps(doc))
    s.gallery_path.write_text(
        json.dumps(
            {"endings": {"went_home": {"title": "Home" + OSC0, "epilogue": CLEAR, "times": 1}}}
        )
    )
    return story, data


async def test_the_game_shows_hostile_saves_gallery_and_variables_safely(hostile_data):
    from rocky_adventure.tui.app import RockyApp
    from rocky_adventure.tui.dialogs import SaveLoadScreen
    from rocky_adventure.tui.pages import GalleryScreen

    story, data = hostile_data
    app = RockyApp(
        story=story, seed=7, data_dir=data, settings=Settings(text_speed="instant"), motion=False
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, SaveLoadScreen)
        shown = frame(app)
        assert "Evil\ufffd]52;c;" in shown  # the name is there, its escape is not
        safe_frame(shown)
        await pilot.press("enter")  # load it: the hostile variable is in the story text
        await pilot.pause()
        shown = frame(app)
        assert "Duke\ufffd]52" in shown
        safe_frame(shown)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, GalleryScreen)
        safe_frame(frame(app))
