"""Hostile things met while playing: a story that divides by zero, a broken
installed pack, damaged saves and settings at start-up, and a second game
on the same data dir."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rocky_adventure.engine import StoryRuntimeError, load_story, new_game
from rocky_adventure.game.lock import DataDirBusy, DataDirLock
from rocky_adventure.game.session import Session
from rocky_adventure.game.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
TINY = ROOT / "examples" / "tiny-bout"


def rocky(*args: str, data: Path, input_text: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "--data-dir", str(data), *args],
        input=input_text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.fixture
def faulty(tmp_path):
    """The tiny bout where 'rest' divides by zero in its effect and 'warm_up'
    leads to a scene whose text divides by zero."""
    root = tmp_path / "faulty"
    shutil.copytree(TINY, root)
    fight = next(p for p in root.glob("*.yaml") if p.name != "story.yaml")
    text = fight.read_text()
    text = text.replace("add: {stamina: 2}", 'add: {stamina: "10 // (stamina - stamina)"}')
    text = text.replace(
        "The bell. {if brave}", "The bell. {100 // (stamina - stamina + 0)} {if brave}"
    )
    fight.write_text(text)
    return root, fight.name


# -- a runtime fault --------------------------------------------------------------


def test_plain_mode_says_where_the_story_failed_and_goes_on(tmp_path, faulty):
    root, name = faulty
    r = rocky(
        "play",
        "--plain",
        "--story",
        str(root),
        "--seed",
        "3",
        data=tmp_path / "d",
        input_text="2\n1\n",
    )
    assert "Traceback" not in r.stderr + r.stdout
    assert f"{name}:" in r.stdout and "division by zero" in r.stdout
    assert "Nothing has changed: you are where you were" in r.stdout
    assert r.stdout.count("The tape is tight on your hands") == 3  # shown again, twice
    assert r.returncode == 2  # input ended, cleanly


def test_a_session_stays_at_the_last_good_state(tmp_path, faulty):
    root, _ = faulty
    story = load_story(root, cache=False)
    from rocky_adventure.game.storage import Storage

    storage = Storage(tmp_path / "d", story.id)
    s = Session.new(story, 3, storage)
    before = s.state
    for choice in ("rest", "warm_up"):
        with pytest.raises(StoryRuntimeError) as e:
            s.choose(choice)
        assert e.value.diagnostic.code == "RA009" and e.value.diagnostic.line > 0
        assert s.state == before and len(s.states) == 1
    storage.flush()
    assert storage.load_save(story, "autosave").state == before  # nothing lost


async def test_the_game_says_where_the_story_failed_and_goes_on(tmp_path, faulty):
    from rocky_adventure.tui.app import RockyApp

    root, name = faulty
    story = load_story(root, cache=False)
    app = RockyApp(
        story=story,
        seed=3,
        data_dir=tmp_path / "d",
        settings=Settings(text_speed="instant"),
        motion=False,
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("n")
        await pilot.press("2")
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert any(f"{name}:" in m and "division by zero" in m for m in notes), notes
        assert app.session.state.turns == 0 and app.session.state.scene == "locker_room"
        await pilot.press("1")  # the other choice fails too (in the next scene's text)
        await pilot.pause()
        assert app.session.state.turns == 0 and app.is_running


# -- a broken installed pack --------------------------------------------------------


@pytest.mark.parametrize(
    "manifest",
    [
        "format: 1\nname: broken\nversion: 1.0.0\nextends: tiny-bout\nhooks: [}\n",  # bad YAML
        "format: 1\nname: other\nversion: 1.0.0\nextends: another-story\nvariables: 5\n",  # other story
        "format: 1\nname: bad\nversion: 1.0.0\nextends: tiny-bout\n"
        "hooks:\n  - scene: nowhere\n    choices: [{id: x, text: X, to: y}]\n",  # bad reference
    ],
)
def test_a_broken_installed_pack_is_skipped_with_a_message(tmp_path, manifest):
    data = tmp_path / "d"
    pack = data / "packs" / "broken"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text(manifest)
    r = rocky("check", str(TINY), data=data)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the installed pack 'broken'" in r.stderr and "--no-installed-packs" in r.stderr
    assert "pack.yaml" in r.stderr and "Traceback" not in r.stderr
    r = rocky(
        "play", "--plain", "--story", str(TINY), "--seed", "3", data=data, input_text="1\n1\n"
    )
    assert r.returncode == 0 and "THE END" in r.stdout and "skipped" in r.stderr
    r = rocky("check", "--no-installed-packs", str(TINY), data=data)
    assert r.returncode == 0 and "skipped" not in r.stderr


# -- damaged files at start-up --------------------------------------------------------


@pytest.mark.parametrize("raw", ["[" * 50_000, '{"text_speed": [1]}', '{"theme": 1e999}'])
async def test_bad_settings_never_stop_the_game_from_starting(tmp_path, raw):
    from rocky_adventure.tui.app import RockyApp

    data = tmp_path / "d"
    data.mkdir()
    (data / "settings.json").write_text(raw)
    app = RockyApp(story=load_story(STARTER, cache=False), seed=7, data_dir=data, motion=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert app.session is not None and app.settings == Settings()


async def test_continue_on_a_damaged_autosave_says_so_and_the_retry_too(tmp_path):
    from rocky_adventure.game.storage import Storage
    from rocky_adventure.tui.app import RockyApp

    story = load_story(STARTER, cache=False)
    data = tmp_path / "d"
    s = Storage(data, story.id)
    s.autosave(story, new_game(story, 7), 5.0)
    path = s.slot_path("autosave")
    doc = json.loads(path.read_text())
    doc["play_time"] = "__X__"
    path.write_text(json.dumps(doc).replace('"__X__"', "1" + "0" * 5000))
    app = RockyApp(
        story=story, seed=7, data_dir=data, settings=Settings(text_speed="instant"), motion=False
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("c")  # again: no crash, and no game to continue now
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert any("could not be used" in m and "digits" in m for m in notes), notes
        assert app.is_running and app.session is None


# -- two games, one data dir -------------------------------------------------------


def test_the_data_dir_lock_names_who_holds_it(tmp_path):
    first = DataDirLock(tmp_path)
    first.acquire()
    try:
        with pytest.raises(DataDirBusy, match=f"process {os.getpid()}.*own --data-dir"):
            DataDirLock(tmp_path).acquire()
    finally:
        first.release()
    with DataDirLock(tmp_path) as again:  # released: the next game takes it
        assert again.held


def test_a_second_game_on_the_same_data_dir_is_told(tmp_path):
    data = tmp_path / "d"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from rocky_adventure.game.lock import DataDirLock;"
            "l = DataDirLock(sys.argv[1]); l.acquire(); print('held', flush=True); time.sleep(30)",
            str(data),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        r = rocky(
            "play",
            "--plain",
            "--speedrun",
            "--story",
            str(TINY),
            "--seed",
            "3",
            data=data,
            input_text="1\n1\n",
        )
        assert r.returncode == 1 and f"process {holder.pid}" in r.stderr, r.stderr
        assert "--data-dir" in r.stderr and "Traceback" not in r.stderr
        assert not (data / "speedrun").exists()  # nothing written
    finally:
        holder.kill()
        holder.wait()
    r = rocky(
        "play",
        "--plain",
        "--speedrun",
        "--story",
        str(TINY),
        "--seed",
        "3",
        data=data,
        input_text="1\n1\n",
    )
    assert r.returncode in (0, 1) and "Run file:" in r.stdout  # the lock went with the process
