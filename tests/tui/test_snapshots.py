"""Snapshots of the game at 80x24 on the starter story: instant text, a
frozen clock, changes that stay until the next turn. Update them with
`pytest tests/tui/test_snapshots.py --snapshot-update` and look at the SVGs
in tests/__snapshots__/test_snapshots/."""

from __future__ import annotations

from rocky_adventure.game.storage import Storage

SIZE = (80, 24)


def test_title(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_story_scene(snap_compare, make_app):
    # go in, skip rope: the locker room again, stamina +2
    assert snap_compare(make_app(), press=["n", "1", "1"], terminal_size=SIZE)


def test_bout_round(snap_compare, make_app):
    # into the bout, one jab, on to round 2: the HUD with the crowd's bar
    keys = ["n", "1", "1", "1", "2", "1", "1", "1"]
    assert snap_compare(make_app(), press=keys, terminal_size=SIZE)


def test_gallery(snap_compare, make_app, starter, tmp_path, frozen):
    storage = Storage(tmp_path / "data", starter.id, clock=lambda: frozen)
    storage.record_ending(
        "went_home",
        "An Early Night",
        "You sleep ten hours. Duke never mentions it, which is worse.",
    )
    storage.record_ending(
        "champion", "Champion of the Gym", "They pin a photograph of you behind the counter."
    )
    storage.record_ending(
        "champion", "Champion of the Gym", "They pin a photograph of you behind the counter."
    )
    assert snap_compare(make_app(), press=["e"], terminal_size=SIZE)


def test_help(snap_compare, make_app):
    assert snap_compare(make_app(), press=["f1"], terminal_size=SIZE)
