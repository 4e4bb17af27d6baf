"""Hostile saves, settings and gallery files: nothing a file says reaches
outside the data dir, and damaged JSON is set aside with a message, never a
crash (and never again on the next try)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rocky_adventure.engine import load_story, new_game
from rocky_adventure.game.saves import SaveError
from rocky_adventure.game.settings import Settings, load_settings
from rocky_adventure.game.storage import Storage

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
NOON = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def story():
    return load_story(STARTER, cache=False)


@pytest.fixture
def data(tmp_path):
    """A data dir inside tmp_path, with a file beside it that must survive."""
    (tmp_path / "outside.json").write_text('{"keep": true}')
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def storage(data: Path, story) -> Storage:
    return Storage(data, story.id, clock=lambda: NOON)


def genuine_save(data: Path, story, slot: str = "slot-x", name: str = "x") -> Path:
    s = storage(data, story)
    s.write_save(story, new_game(story, 7), slot, name, 12.0)
    return s.slot_path(slot)


def outside_untouched(data: Path) -> None:
    assert json.loads((data.parent / "outside.json").read_text()) == {"keep": True}
    assert sorted(p.name for p in data.parent.iterdir()) == ["data", "outside.json"]


# -- a save's own fields never name a file ------------------------------------

TRAVERSALS = ["../../outside", "../outside", "/tmp/outside", "slot-x/../../../outside", "..", ""]


@pytest.mark.parametrize("evil", TRAVERSALS)
def test_a_slot_field_in_the_file_is_never_a_path(data, story, evil):
    path = genuine_save(data, story)
    doc = json.loads(path.read_text())
    doc["slot"] = evil
    path.write_text(json.dumps(doc))
    s = storage(data, story)
    infos, problems = s.list_saves()
    assert [i.slot for i in infos] == ["slot-x"] and not problems
    loaded = s.load_save(story, infos[0].slot)  # Load
    assert loaded.info.slot == "slot-x"
    s.write_save(story, loaded.state, infos[0].slot, "again", 1.0)  # Save over it
    s.delete_save(infos[0].slot)  # Delete
    assert not path.exists()
    outside_untouched(data)


@pytest.mark.parametrize("evil", TRAVERSALS + ["slot-X", "slot-a\n", "autosave.json"])
def test_slot_names_that_are_not_slots_are_refused(data, story, evil):
    s = storage(data, story)
    for act in (
        lambda: s.slot_path(evil),
        lambda: s.load_save(story, evil),
        lambda: s.delete_save(evil),
        lambda: s.write_save(story, new_game(story, 1), evil, "n", 0.0),
    ):
        with pytest.raises(SaveError, match="is not the name of a save slot"):
            act()
    outside_untouched(data)


def test_a_save_file_with_a_name_that_is_no_slot_is_set_aside(data, story):
    path = genuine_save(data, story)
    odd = path.with_name("Not A Slot.json")
    path.rename(odd)
    infos, problems = storage(data, story).list_saves()
    assert infos == [] and len(problems) == 1
    assert "is not the name of a save slot" in problems[0].message()
    assert problems[0].moved_to is not None and problems[0].moved_to.parent.name == "set-aside"
    outside_untouched(data)


# -- damaged JSON in a save ---------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def tamper(field: str, raw: str):
    """Replace one top-level field's JSON by raw text (not valid Python JSON values)."""

    def apply(text: str) -> str:
        doc = json.loads(text)
        doc[field] = "__X__"
        return json.dumps(doc).replace('"__X__"', raw)

    return apply


DAMAGE = {
    "deep nesting": (tamper("state", DEEP), "nests"),
    "a 5,000-digit integer": (tamper("turns", "9" * 5000), "digits"),
    "Infinity": (tamper("play_time", "Infinity"), "Infinity is not a JSON number"),
    "NaN": (tamper("play_time", "NaN"), "NaN is not a JSON number"),
    "a huge play time": (tamper("play_time", "1e308"), "its play time is out of range"),
    "a huge number of turns": (tamper("turns", "99999999999999"), "turns is out of range"),
    "a list for the play time": (tamper("play_time", "[1, 2]"), "its play time is not a number"),
    "a number for the name": (tamper("name", "12"), "its name is not text"),
    "a huge variable": (
        lambda t: t.replace('"round": 0', '"round": ' + "9" * 19),
        "the saved variable 'round' is out of range",
    ),
    "a variable too long": (
        lambda t: t.replace('"trainer": "Duke"', '"trainer": "' + "D" * 20_000 + '"'),
        "longer than",
    ),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_json_in_a_save_is_set_aside_with_a_message(data, story, case):
    damage, reason = DAMAGE[case]
    path = genuine_save(data, story, "autosave", "Autosave")
    text = path.read_text()
    path.write_text(damage(text))
    s = storage(data, story)
    with pytest.raises(SaveError) as e:
        s.load_save(story, "autosave")
    message = str(e.value)
    assert "could not be used" in message and reason in message, message
    assert not path.exists()  # set aside: the next Continue says there is none, it does not crash
    with pytest.raises(SaveError, match="there is no save"):
        s.load_save(story, "autosave")
    moved = list((path.parent / "set-aside").iterdir())
    assert len(moved) == 1 and moved[0].read_text() == damage(text)  # kept, never deleted
    outside_untouched(data)


def test_a_50_mb_save_is_refused_without_being_read_whole(data, story):
    path = genuine_save(data, story)
    with open(path, "ab") as f:
        f.truncate(50 * 1024 * 1024)
    with pytest.raises(SaveError, match="at most 32.0 MiB are read"):
        storage(data, story).load_save(story, "slot-x")


# -- settings and the gallery -------------------------------------------------

SETTINGS = [
    DEEP,
    '{"text_speed": ' + "9" * 5000 + "}",
    '{"text_speed": [], "theme": {}, "skip_read": "yes"}',
    '{"text_speed": Infinity}',
    "[1, 2, 3]",
    '{"theme": "' + "x" * 10_000 + '"}',
    "\xff\xfe",
    "",
]


@pytest.mark.parametrize("raw", SETTINGS, ids=range(len(SETTINGS)))
def test_bad_settings_give_the_defaults(data, raw):
    (data / "settings.json").write_bytes(raw.encode("utf-8", "surrogateescape"))
    assert load_settings(data) == Settings()


def test_a_huge_settings_file_is_not_read(data):
    (data / "settings.json").write_bytes(b'{"theme": "' + b"x" * (1 << 20) + b'"}')
    assert load_settings(data) == Settings()


GALLERY = [
    DEEP,
    '{"endings": {"went_home": {"title": 5, "times": "many"}}}',
    '{"endings": {"went_home": {"title": "Home", "times": ' + "9" * 30 + "}}}",
    '{"endings": {"went_home": {"title": "Home", "times": 1e400}}}',
    '{"endings": {"went_home": ["not", "an", "entry"]}}',
]


@pytest.mark.parametrize("raw", GALLERY, ids=range(len(GALLERY)))
def test_a_bad_gallery_never_crashes_recording_an_ending(data, story, raw):
    s = storage(data, story)
    s.gallery_path.parent.mkdir(parents=True, exist_ok=True)
    s.gallery_path.write_text(raw)
    gallery, new = s.record_ending("went_home", "Home", "You went home.")
    assert gallery["went_home"]["times"] >= 1 and isinstance(gallery["went_home"]["title"], str)
    assert s.load_gallery()["went_home"]["times"] >= 1
