"""Saves, settings, the gallery and read text: atomic writes with a backup,
and every kind of bad save set aside with a plain message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import json_paths, json_values, replace_at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocky_adventure.engine import choose, load_story, new_game
from rocky_adventure.game.files import Writer, atomic_write, backup_path, read_with_backup
from rocky_adventure.game.readtext import read_key
from rocky_adventure.game.saves import SAVE_VERSION, SaveError, slot_for_name
from rocky_adventure.game.settings import TEXT_SPEEDS, Settings, load_settings, save_settings
from rocky_adventure.game.storage import Storage

ROOT = Path(__file__).resolve().parent.parent
STARTER = ROOT / "examples" / "starter"
NOON = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def story():
    return load_story(STARTER, cache=False)


@pytest.fixture
def storage(tmp_path, story):
    return Storage(tmp_path, story.id, clock=lambda: NOON)


def played(story, *choices):
    state = new_game(story, 7)
    for c in choices:
        state = choose(story, state, c)
    return state


# -- atomic files -----------------------------------------------------------------


def test_atomic_write_keeps_one_backup_generation(tmp_path):
    p = tmp_path / "sub" / "f.json"
    atomic_write(p, b"one")
    assert p.read_bytes() == b"one" and not backup_path(p).exists()
    atomic_write(p, b"two")
    atomic_write(p, b"three")
    assert p.read_bytes() == b"three" and backup_path(p).read_bytes() == b"two"
    assert sorted(x.name for x in p.parent.iterdir()) == [
        "f.json",
        "f.json.bak",
    ]  # no temp files left


def test_a_damaged_file_falls_back_to_its_backup(tmp_path):
    p = tmp_path / "g.json"
    atomic_write(p, b'{"n": 1}')
    atomic_write(p, b'{"n": 2}')
    p.write_bytes(b'{"n": ')  # torn by something else
    data, note = read_with_backup(p, lambda: NOON)
    assert data == {"n": 1} and "previous version was restored" in note
    assert json.loads(p.read_text()) == {"n": 1}
    assert len(list((tmp_path / "set-aside").iterdir())) == 1


def test_writer_writes_in_order_and_the_newest_data_wins(tmp_path):
    w = Writer()
    p = tmp_path / "a.json"
    for i in range(50):
        w.submit(p, str(i).encode())
    assert w.flush()
    assert p.read_text() == "49" and not w.errors


# -- settings -------------------------------------------------------------------


def test_settings_round_trip_and_damaged_settings_give_defaults(tmp_path):
    assert load_settings(tmp_path) == Settings()
    save_settings(tmp_path, Settings(text_speed="fast", theme="nord", skip_read=True))
    assert load_settings(tmp_path) == Settings("fast", "nord", True)
    (tmp_path / "settings.json").write_text('{"text_speed": "warp", "skip_read": "yes"}')
    assert load_settings(tmp_path) == Settings()  # unknown values are ignored
    (tmp_path / "settings.json").write_text("\x00\x01")
    assert load_settings(tmp_path) == Settings()


# -- saves ------------------------------------------------------------------------


def test_a_save_carries_the_story_identity_and_where_it_is(storage, story):
    state = played(story, "go_in", "skip_rope")
    info = storage.write_save(story, state, slot_for_name("Warm"), "Warm", 83.5)
    doc = json.loads(info.path.read_text())
    assert doc["format"] == "rocky-adventure-save" and doc["version"] == SAVE_VERSION
    assert doc["story"] == {"id": story.id, "hash": story.hash, "title": story.title}
    assert (doc["chapter"], doc["scene"], doc["scene_title"]) == (
        "The Gym",
        "locker",
        "The Locker Room",
    )
    assert doc["play_time"] == 83.5 and doc["saved_at"] == "2025-03-14T12:00:00+00:00"
    loaded = storage.load_save(story, info.slot)
    assert loaded.state == state and loaded.notes == []
    assert loaded.info.name == "Warm" and loaded.info.when() == "2025-03-14 12:00"


def test_saves_are_listed_autosave_first(storage, story):
    storage.write_save(story, played(story, "go_in"), "slot-a", "A", 1)
    storage.autosave(story, played(story), 2)
    infos, problems = storage.list_saves()
    assert [i.name for i in infos] == ["Autosave", "A"] and problems == []


BAD_SAVES = {
    "truncated": ('{"format": "rocky-adventure-save", "vers', "truncated or damaged"),
    "empty": ("", "empty"),
    "foreign": (json.dumps({"format": "something-else"}), "not a rocky-adventure save"),
    "future": (
        json.dumps(
            {
                "format": "rocky-adventure-save",
                "version": SAVE_VERSION + 1,
                "story": {"id": "starter"},
            }
        ),
        "newer version of the game",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_SAVES))
def test_a_bad_save_is_set_aside_with_a_clear_message(storage, story, kind):
    text, reason = BAD_SAVES[kind]
    storage.saves_dir.mkdir(parents=True)
    storage.slot_path("slot-x").write_text(text)
    with pytest.raises(SaveError) as e:
        storage.load_save(story, "slot-x")
    assert reason in str(e.value) and "set-aside" in str(e.value)
    assert not storage.slot_path("slot-x").exists()
    assert len(list((storage.saves_dir / "set-aside").iterdir())) == 1  # renamed, not deleted
    assert storage.list_saves() == ([], [])


def test_a_save_of_another_story_is_set_aside(storage, story, tmp_path):
    other = Storage(tmp_path, "other", clock=lambda: NOON)
    other.write_save(
        story, played(story), "slot-x", "Mine", 1
    )  # written under the wrong story's name
    storage.saves_dir.mkdir(parents=True)
    os.replace(other.slot_path("slot-x"), storage.slot_path("slot-x"))
    doc = json.loads(storage.slot_path("slot-x").read_text())
    doc["story"] = {"id": "rocky-iv", "hash": "x", "title": "Rocky IV: The Adventure"}
    storage.slot_path("slot-x").write_text(json.dumps(doc))
    infos, problems = storage.list_saves()
    assert (
        infos == []
        and "belongs to another story ('Rocky IV: The Adventure')" in problems[0].message()
    )


def test_a_save_whose_scene_is_gone_says_so(storage, story):
    info = storage.write_save(story, played(story, "go_in"), "slot-x", "Gone", 1)
    doc = json.loads(info.path.read_text())
    doc["state"]["scene"] = "sauna"
    info.path.write_text(json.dumps(doc))
    with pytest.raises(
        SaveError, match="the save is at scene 'sauna', which no longer exists in the story"
    ):
        storage.load_save(story, "slot-x")


def test_a_changed_story_loads_with_a_note(storage, story):
    info = storage.write_save(story, played(story, "go_in"), "slot-x", "Old", 1)
    doc = json.loads(info.path.read_text())
    doc["story"]["hash"] = "0" * 64
    info.path.write_text(json.dumps(doc))
    loaded = storage.load_save(story, "slot-x")
    assert loaded.state.scene == "locker" and "changed since this save" in loaded.notes[0]


def test_a_damaged_save_comes_back_from_its_backup(storage, story):
    first = played(story, "go_in")
    storage.write_save(story, first, "slot-x", "X", 1)
    storage.write_save(story, played(story, "go_in", "skip_rope"), "slot-x", "X", 2)
    storage.slot_path("slot-x").write_text('{"format": "rocky')
    loaded = storage.load_save(story, "slot-x")
    assert loaded.state == first and "previous version was restored" in loaded.notes[0]


# -- the gallery and read text ------------------------------------------------------


def test_gallery_counts_endings_across_runs(tmp_path, story):
    s = Storage(tmp_path, story.id, clock=lambda: NOON)
    gallery, new = s.record_ending("champion", "Champion of the Gym", "They pin a photograph.")
    assert new and gallery["champion"]["times"] == 1
    again = Storage(tmp_path, story.id, clock=lambda: NOON)
    gallery, new = again.record_ending("champion", "Champion of the Gym", "They pin a photograph.")
    assert not new and gallery["champion"]["times"] == 2
    assert again.load_gallery()["champion"]["found"] == "2025-03-14T12:00:00+00:00"


def test_reads_see_writes_still_queued(tmp_path, story):
    """The gallery opened the moment an ending is reached shows it, though
    the background writer has not written it yet."""
    s = Storage(tmp_path, story.id, writer=Writer(delay=30.0), clock=lambda: NOON)
    s.record_ending("champion", "Champion of the Gym", "They pin a photograph.")
    s.save_read({read_key("locker", "text")})
    assert "champion" in s.load_gallery() and s.load_read() == {read_key("locker", "text")}


def test_read_text_is_kept(tmp_path, story):
    s = Storage(tmp_path, story.id)
    keys = {read_key("locker", "text one"), read_key("locker", "text two")}
    assert len(keys) == 2
    s.save_read(keys)
    assert Storage(tmp_path, story.id).load_read() == keys


# -- a crash in the middle of autosaving ------------------------------------------------

AUTOSAVE_LOOP = textwrap.dedent("""
    import sys
    from rocky_adventure.engine import available_choices, choose, load_story, new_game
    from rocky_adventure.game.storage import Storage
    story = load_story(sys.argv[1], cache=False)
    storage = Storage(sys.argv[2], story.id)
    state = new_game(story, 7)
    n = 0
    while True:
        storage.autosave(story, state, float(n))
        if n == 0:
            print("saving", flush=True)
        n += 1
        options = available_choices(story, state)
        state = choose(story, state, options[n % len(options)].id) if options else new_game(story, n)
""")


def test_sigkill_during_autosave_never_leaves_an_unreadable_save(tmp_path, story):
    script = tmp_path / "loop.py"
    script.write_text(AUTOSAVE_LOOP)
    data = tmp_path / "data"
    storage = Storage(data, story.id)
    for i in range(12):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(STARTER), str(data)], stdout=subprocess.PIPE, cwd=ROOT
        )
        assert proc.stdout.readline() == b"saving\n"
        time.sleep(0.005 * (i % 5))  # kill it at a different point of the write each time
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        loaded = storage.load_save(story, "autosave")  # never raises: the file is always whole
        assert loaded.notes == [] and loaded.state.story_id == story.id
    assert not (storage.saves_dir / "set-aside").exists()


# -- any damage at all --------------------------------------------------------------

JSON = json_values(12)


def _mutations(doc: dict):
    """A valid save document with one field replaced by any JSON value, or
    its bytes cut short or flipped."""
    paths = json_paths(doc, limit=3)
    replaced = st.tuples(st.sampled_from(paths), JSON).map(lambda pv: ("replace", pv))
    cut = st.integers(0, 400).map(lambda n: ("cut", n))
    flip = st.tuples(st.integers(0, 400), st.integers(1, 255)).map(lambda iv: ("flip", iv))
    return replaced | cut | flip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_damaged_save_loads_or_is_refused_plainly(tmp_path_factory, story, data):
    storage = Storage(tmp_path_factory.mktemp("d"), story.id, clock=lambda: NOON)
    info = storage.write_save(story, played(story, "go_in", "skip_rope"), "slot-x", "Warm", 5)
    raw = info.path.read_bytes()
    doc = json.loads(raw)
    kind, arg = data.draw(_mutations(doc))
    if kind == "replace":
        replace_at(doc, *arg)
        raw = json.dumps(doc).encode()
    elif kind == "cut":
        raw = raw[:arg]
    else:
        i, x = arg
        raw = bytearray(raw)
        raw[i % len(raw)] ^= x
        raw = bytes(raw)
    info.path.write_bytes(raw)
    backup_path(info.path).unlink(
        missing_ok=True
    )  # no second chance: the damage itself must be handled
    try:
        loaded = storage.load_save(story, "slot-x")
    except SaveError as e:
        assert str(e)  # a message, never a traceback
    else:
        assert loaded.state.scene in story.scenes
    infos, problems = storage.list_saves()  # listing never raises either
    assert all(p.message() for p in problems)


@given(JSON)
def test_any_settings_document_gives_valid_settings(value):
    s = Settings.from_json(value)
    assert (
        s.text_speed in TEXT_SPEEDS and isinstance(s.theme, str) and isinstance(s.skip_read, bool)
    )
    assert Settings.from_json(s.to_json()) == s
