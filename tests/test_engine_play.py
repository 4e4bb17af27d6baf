"""Playing: choices, effects, chance, visits, once, next; State as a value."""

from __future__ import annotations

import json

import pytest
from helpers import MANIFEST, write_story
from hypothesis import given, settings
from hypothesis import strategies as st

from rocky_adventure.engine import (
    CONTINUE_ID,
    IllegalChoice,
    StateError,
    StoryRuntimeError,
    available_choices,
    choose,
    epilogue_text,
    load_story,
    new_game,
    replay,
    scene_text,
    state_from_json,
)

FEATURES = """\
chapter: one
scenes:
  - id: a
    title: Start
    text: |
      n is {n}. {if flag}Flag up.{else}Flag down.{end}
      Visited gym {gym} times.
    choices:
      - id: gym_choice
        text: Go to the gym
        to: gym
      - id: flag
        text: Raise the flag
        once: true
        set: {flag: true, name: "Apollo"}
        to: a
      - id: bout
        text: Fight ({n * 10}%)
        if: "gym >= 2"
        chance: "n * 10"
        success: win
        failure: lose
  - id: gym
    text: You train.
    add: {n: 3}
    next:
      - if: "n >= 10"
        to: tired
      - to: a
  - id: tired
    text: Too much.
    subtract: {n: "n // 2"}
    next: a
  - id: win
    text: You win.
    ending: end
  - id: lose
    text: You lose.
    next:
      - chance: "50"
        success: a
        failure: lose_end
  - id: lose_end
    text: Down.
    ending: end
"""


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    root = write_story(
        tmp_path_factory.mktemp("features"), {"story.yaml": MANIFEST, "scenes.yaml": FEATURES}
    )
    return load_story(root, cache=False)


def ids(story, state):
    return [c.id for c in available_choices(story, state)]


def test_play_through_features(story):
    s = new_game(story, seed=42)
    assert s.scene == "a" and s.visits == {"a": 1} and s.turns == 0
    assert "n is 1. Flag down." in scene_text(story, s)
    assert ids(story, s) == ["gym_choice", "flag"]
    s = choose(story, s, "flag")
    assert s.var(story, "flag") is True and s.var(story, "name") == "Apollo"
    assert ids(story, s) == ["gym_choice"]  # once-only, and the bout needs two gym visits
    s = choose(story, s, "gym_choice")
    assert s.scene == "gym" and s.var(story, "n") == 4
    assert ids(story, s) == [CONTINUE_ID]
    s = choose(story, s, CONTINUE_ID)
    assert s.scene == "a"
    s = choose(story, choose(story, s, "gym_choice"), CONTINUE_ID)  # n = 7
    assert s.var(story, "n") == 7 and "Visited gym 2 times." in scene_text(story, s)
    assert ids(story, s) == ["gym_choice", "bout"]
    s2 = choose(
        story, choose(story, s, "gym_choice"), CONTINUE_ID
    )  # n = 10 (clamped) -> tired -> 5
    assert s2.scene == "tired" and s2.var(story, "n") == 5
    s = choose(story, s, "bout")  # 70% at n = 7
    assert s.scene in ("win", "lose")
    assert s.path[-1] == ("a", "bout") and s.turns == 6


def test_clamping(story):
    s = new_game(story, 1)
    for _ in range(5):
        s = choose(story, s, "gym_choice")
        while s.scene != "a":
            s = choose(story, s, CONTINUE_ID)
        assert 0 <= s.var(story, "n") <= 10
    assert ("tired", CONTINUE_ID) in s.path


def test_illegal_choices(story):
    s = new_game(story, 1)
    with pytest.raises(IllegalChoice, match="no open choice 'bout'"):
        choose(story, s, "bout")
    with pytest.raises(IllegalChoice):
        choose(story, s, "nonsense")


def test_ending_and_epilogue(story):
    for seed in range(50):
        s = replay(story, seed, ["flag", "gym_choice", "next", "gym_choice", "next", "bout"])
        if s.ending:
            break
    assert s.ending == "end" and epilogue_text(story, s) == "Goodbye, Apollo."
    assert available_choices(story, s) == []
    with pytest.raises(IllegalChoice, match="has ended"):
        choose(story, s, "gym_choice")


def test_chance_depends_on_seed_only(story):
    path = ["gym_choice", "next", "gym_choice", "next", "bout"]
    outcomes = {replay(story, seed, path).scene for seed in range(40)}
    assert outcomes == {"win", "lose"}
    assert all(replay(story, seed, path) == replay(story, seed, path) for seed in range(10))


def test_state_json_round_trip(story):
    s = replay(story, 3, ["flag", "gym_choice", "next"])
    data = json.loads(json.dumps(s.to_json(story)))
    assert state_from_json(story, data) == s
    assert s.digest(story) == state_from_json(story, data).digest(story)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(version=99), "newer version"),
        (lambda d: d.update(story="other"), "another story"),
        (lambda d: d.update(scene="gone"), "no longer exists"),
        (lambda d: d["vars"].update(n="three"), "not of type int"),
        (lambda d: d.update(path=[["a"]]), "damaged"),
        (lambda d: d.pop("rng"), "'rng' is missing"),
        (lambda d: d.update(ending="nope"), "not an ending"),
        (lambda d: d.update(format="x"), "not a rocky-adventure saved state"),
    ],
)
def test_state_from_json_rejects(story, change, message):
    data = new_game(story, 1).to_json(story)
    change(data)
    with pytest.raises(StateError, match=message):
        state_from_json(story, data)
    with pytest.raises(StateError):
        state_from_json(story, [1, 2])


def test_runtime_fault_is_clean(make_story):
    st_ = load_story(
        make_story(FEATURES.replace('chance: "n * 10"', 'chance: "100 // (n - n)"')), cache=False
    )
    s = replay(st_, 1, ["gym_choice", "next", "gym_choice", "next"])
    with pytest.raises(StoryRuntimeError, match=r"scenes\.yaml:\d+:\d+: error: division by zero"):
        choose(st_, s, "bout")


def test_next_without_matching_branch(make_story):
    scenes = FEATURES.replace("      - to: a\n", '      - if: "n < 0"\n        to: a\n', 1)
    st_ = load_story(make_story(scenes), cache=False)
    with pytest.raises(StoryRuntimeError, match="no branch of 'next'"):
        replay(st_, 1, ["gym_choice", "next"])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), picks=st.lists(st.integers(0, 8), max_size=40))
def test_deterministic_and_serializable(story, picks, seed):
    """The same story, seed and choice ids always give the same state, and
    every state on the way survives a JSON round trip."""

    def play():
        s = new_game(story, seed)
        taken = []
        for p in picks:
            opts = available_choices(story, s)
            if not opts:
                break
            cid = opts[p % len(opts)].id
            taken.append(cid)
            s = choose(story, s, cid)
            assert state_from_json(story, json.loads(json.dumps(s.to_json(story)))) == s
        return s, taken

    a, taken = play()
    b, _ = play()
    assert a == b and a.digest(story) == b.digest(story)
    assert replay(story, seed, taken) == a
    assert [c for _, c in a.path] == taken
