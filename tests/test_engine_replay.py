"""engine/replay.py: the one replay, and why it stops."""

from __future__ import annotations

import pytest
from test_engine_play import FEATURES

from rocky_adventure import engine
from rocky_adventure.engine import (
    IllegalChoice,
    StoryRuntimeError,
    choose,
    load_story,
    new_game,
)
from rocky_adventure.engine.play import Cursor
from rocky_adventure.engine.replay import StopKind, replay


@pytest.fixture
def story(make_story):
    return load_story(make_story(FEATURES), cache=False)


PATH = ["gym_choice", "next", "flag", "gym_choice", "next"]


def test_a_whole_path_plays_and_keeps_every_state(story):
    r = replay(story, 3, PATH, keep=True)
    assert r.ok and r.stop is None and r.played == len(PATH)
    want = [new_game(story, 3)]
    for cid in PATH:
        want.append(choose(story, want[-1], cid))
    assert r.states == want and r.state == want[-1]


def test_a_replay_from_a_state_and_on_step(story):
    mid = replay(story, 3, PATH[:2]).state
    seen = []
    r = replay(story, mid, PATH[2:], on_step=lambda i, s: seen.append((i, s.scene)))
    assert r.state == replay(story, 3, PATH).state
    assert seen == [(0, "a"), (1, "gym"), (2, "a")]


def test_an_illegal_choice_stops_with_the_open_ones(story):
    r = replay(story, 3, ["gym_choice", "next", "bout"])
    assert r.stop is not None and r.stop.kind is StopKind.ILLEGAL
    assert (r.stop.index, r.stop.number, r.stop.choice, r.stop.scene) == (2, 3, "bout", "a")
    assert r.stop.open == ("gym_choice", "flag")
    assert r.stop.message == "choice 3: no open choice 'bout' in scene 'a' (open: gym_choice, flag)"
    assert r.played == 2 and r.state == replay(story, 3, ["gym_choice", "next"]).state


def test_a_pair_in_the_wrong_scene_stops(story):
    r = replay(story, 3, [("a", "gym_choice"), ("a", "next")])
    assert r.stop is not None and r.stop.kind is StopKind.SCENE
    assert (r.stop.expected_scene, r.stop.scene, r.played) == ("a", "gym", 1)


def test_a_choice_after_the_ending_stops(story):
    for seed in range(200):
        r = replay(story, seed, PATH[:2] + ["gym_choice", "next", "bout", "x"])
        if r.stop is not None and r.stop.kind is StopKind.ENDED:
            assert r.stop.ending == "end" and r.stop.choice == "x" and r.played == 5
            assert r.stop.detail == "the story has ended (end); no more choices"
            return
    pytest.fail("no seed won the bout")


def test_a_fault_stops_at_the_last_good_state(make_story):
    story = load_story(
        make_story(FEATURES.replace('chance: "n * 10"', 'chance: "100 // (n - n)"')), cache=False
    )
    path = ["gym_choice", "next", "gym_choice", "next", "bout"]
    r = replay(story, 1, path, keep=True)
    assert r.stop is not None and r.stop.kind is StopKind.FAULT and r.played == 4
    assert r.stop.fault is not None and r.stop.fault.code == "RA009"
    assert "division by zero" in r.stop.fault.message and r.stop.fault.line > 0
    assert r.state == replay(story, 1, path[:4]).state and len(r.states) == 5
    with pytest.raises(StoryRuntimeError) as e:  # the facade raises the same fault
        engine.replay(story, 1, path)
    assert e.value.diagnostic == r.stop.fault


def test_the_facade_keeps_its_contract(story):
    import rocky_adventure.engine.replay  # noqa: F401 - importing it must not shadow the function

    assert callable(engine.replay) and engine.replay(story, 3, PATH) == replay(story, 3, PATH).state
    with pytest.raises(IllegalChoice, match="choice 3: no open choice 'bout'"):
        engine.replay(story, 3, ["gym_choice", "next", "bout"])


def test_history_appends_without_playing_again(story, monkeypatch):
    """History trusts the path: appending States never re-runs the engine."""
    from rocky_adventure.game.session import History

    states = replay(story, 3, PATH * 8, keep=True).states
    calls = []
    real = Cursor.step
    monkeypatch.setattr(Cursor, "step", lambda self, cid: calls.append(cid) or real(self, cid))
    h = History(story)
    for s in states:
        h.append(s)
    assert calls == []
    assert list(h) == states and calls  # reading the dropped ones back replays them
