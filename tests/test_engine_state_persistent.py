"""A State's path and visit counts are persistent structures (engine/state.py
Path and Visits): they must read like the tuple and the dict they replace,
and a play must serialize, digest and key exactly as it did with those.

The references here are built from the play itself, with plain tuples and
dicts and the serialization code as it was before the persistent
structures (`old_to_json` and the rest below), so a save, a run file's
digest or explore's key can never change under them. The minimal engine of
benchmarks/ plays the same seeds and picks to the same endings."""

from __future__ import annotations

import json
import pickle
import random
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any

import pytest
from helpers import MANIFEST, write_story
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocky_adventure.engine import (
    Cursor,
    available_choices,
    choose,
    load_story,
    new_game,
    replay,
    state_from_json,
)
from rocky_adventure.engine.digests import sha256
from rocky_adventure.engine.replay import replay as replay_path
from rocky_adventure.engine.state import EMPTY_PATH, Path, State, Visits, delta_limit
from rocky_adventure.game.session import History

ROOT = FsPath(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from minimal_engine import CompiledEngine, MinimalEngine  # noqa: E402


@pytest.fixture(scope="module")
def stories() -> dict[str, Any]:
    return {
        "starter": load_story(ROOT / "examples" / "starter", cache=False),
        "bundled": load_story(ROOT / "story", cache=False),
    }


@pytest.fixture(scope="module")
def engines(stories) -> dict[str, Any]:
    """The minimal engines of benchmarks/ for each story."""
    return {name: (MinimalEngine(story), CompiledEngine(story)) for name, story in stories.items()}


STORY = st.sampled_from(["starter", "bundled"])
_PICK = st.integers(0, 1 << 30)
# short plays, and long ones (past a path's 32-step tail and a Cursor's 64 copied counts)
PICKS = st.one_of(st.lists(_PICK, max_size=40), st.lists(_PICK, min_size=150, max_size=400))
SEED = st.integers(0, 10**9)
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the serialization as it was with a tuple and a dict -----------------------


def old_to_json(state: State, story: Any, path: tuple, visits: dict) -> dict[str, Any]:
    return {
        "format": "rocky-adventure-state",
        "version": 1,
        "story": state.story_id,
        "seed": state.seed,
        "scene": state.scene,
        "vars": state.variables(story),
        "visits": dict(visits),
        "turns": state.turns,
        "rng": state.rng,
        "path": [list(p) for p in path],
        "once": sorted(list(p) for p in state.once),
        "ending": state.ending,
    }


def old_digest(state: State, story: Any, path: tuple, visits: dict) -> str:
    data = json.dumps(
        old_to_json(state, story, path, visits), sort_keys=True, separators=(",", ":")
    )
    return sha256(data.encode()).hexdigest()


def old_key(state: State, visits: dict) -> tuple:
    return (
        state.scene,
        state.v,
        tuple(sorted(visits.items())),
        state.once,
        state.rng,
        state.ending,
    )


def check_same_as_plain(state: State, story: Any, path: tuple, visits: dict) -> None:
    """`state` (persistent) serializes like the plain path and visits."""
    assert state.path == path and path == state.path
    assert state.visits == visits and visits == state.visits
    assert list(state.visits.items()) == list(visits.items())  # the order too
    new, old = state.to_json(story), old_to_json(state, story, path, visits)
    assert json.dumps(new) == json.dumps(old)  # byte for byte, in key order
    assert state.digest(story) == old_digest(state, story, path, visits)
    assert state.key() == old_key(state, visits)
    plain = replace(state, path=path, visits=visits)  # a State of plain values serializes alike
    assert json.dumps(plain.to_json(story)) == json.dumps(new)
    assert plain == state and state == plain


# -- a play through the public API, with its reference -------------------------


def play_public(
    story: Any, seed: int, picks: list[int]
) -> tuple[list[State], list[tuple[str, str]], list[dict[str, int]]]:
    """States along a play (pick i: the open choice picks[i] % len), with the
    reference path and visits built from it: the steps taken, and one visit
    for the start scene and for each scene the play arrived in."""
    state = new_game(story, seed)
    states = [state]
    path: list[tuple[str, str]] = []
    visits: dict[str, int] = {state.scene: 1}
    ref_visits = [dict(visits)]
    for p in picks:
        if state.ending is not None:
            break
        opts = available_choices(story, state)
        if not opts:
            break
        choice = opts[p % len(opts)]
        path.append((state.scene, choice.id))
        state = choose(story, state, choice.id)
        visits[state.scene] = visits.get(state.scene, 0) + 1
        states.append(state)
        ref_visits.append(dict(visits))
    return states, path, ref_visits


@SLOW
@given(STORY, SEED, PICKS)
def test_public_play_serializes_as_with_plain_tuples_and_dicts(stories, name, seed, picks):
    story = stories[name]
    states, path, ref_visits = play_public(story, seed, picks)
    for i, state in enumerate(states):
        check_same_as_plain(state, story, tuple(path[:i]), ref_visits[i])
        assert state.turns == i


@SLOW
@given(STORY, SEED, PICKS, st.data())
def test_cursor_snapshots_replays_and_loads_agree(stories, name, seed, picks, data):
    story = stories[name]
    states, path, ref_visits = play_public(story, seed, picks)
    last = states[-1]
    # a Cursor playing the same steps snapshots the same States, wherever it snapshots
    c = Cursor.start(story, seed)
    snap_at = set(data.draw(st.lists(st.integers(0, len(path)), max_size=8)))
    if 0 in snap_at:
        assert c.snapshot() == states[0]
    for i, (_, cid) in enumerate(path, 1):
        c.step(cid)
        if i in snap_at:
            got = c.snapshot()
            assert got == states[i]
            check_same_as_plain(got, story, tuple(path[:i]), ref_visits[i])
    assert c.path == path and list(c.visits.items()) == list(ref_visits[-1].items())
    end = c.snapshot()
    assert end == last and json.dumps(end.to_json(story)) == json.dumps(last.to_json(story))
    # replays: from the seed, from any State, keeping every State
    assert replay(story, seed, [cid for _, cid in path]).digest(story) == last.digest(story)
    k = data.draw(st.integers(0, len(path)))
    r = replay_path(story, states[k], path[k:], keep=True)
    assert r.ok and r.states == states[k:]
    for got, want in zip(r.states, states[k:]):
        assert got.digest(story) == want.digest(story)
    # a save read back is the same State, and plays on the same
    loaded = state_from_json(story, json.loads(json.dumps(last.to_json(story))))
    assert loaded == last and loaded.digest(story) == last.digest(story)
    assert pickle.loads(pickle.dumps(last)) == last
    if last.ending is None and available_choices(story, last):
        cid = available_choices(story, last)[0].id
        assert choose(story, loaded, cid) == choose(story, last, cid)
    # a Cursor from a State in the middle plays on to the same States (its visit
    # counts a copy, or an overlay on the State's)
    c = Cursor.from_state(story, states[k], overlay=data.draw(st.sampled_from([None, True, False])))
    for i, (_, cid) in enumerate(path[k:], k + 1):
        c.step(cid)
        if i in snap_at or i == len(path):
            assert c.snapshot() == states[i]
    assert c.path == path


@SLOW
@given(STORY, SEED, PICKS)
def test_history_and_undo_over_persistent_states(stories, name, seed, picks):
    story = stories[name]
    states, path, _ = play_public(story, seed, picks)
    h = History(story, states)
    assert list(h) == states and len(h) == len(states)
    for i in range(0, len(states), 7):
        assert h[i] == states[i]
    if len(states) > 1:  # undo: the State before, then playing on from it again
        undone = h.pop()
        assert undone == states[-1] and list(h) == states[:-1]
        again = choose(story, h[-1], path[-1][1])
        assert again == states[-1] and again.digest(story) == states[-1].digest(story)


def looping_story(tmp: FsPath, n: int = 300) -> Any:
    """n scenes in a ring that never ends unless the dice say so: choices
    on, back and across, guarded by variables and visit counts, once-only
    ones, chance checks, clamped effects and `next` branches."""
    rng = random.Random(n)
    lines = ["chapter: one", "scenes:"]
    for i in range(n):
        lines += [f"  - id: s{i}", f"    text: Scene {i}."]
        if i % 7 == 3:
            lines += [
                "    add: {n: 1}",
                "    next:",
                f'      - if: "s{(i + 1) % n} >= 2 or n >= 9"',
                f"        to: s{(i + 2) % n}",
                "      - chance: 50",
                f"        success: s{(i + 1) % n}",
                f"        failure: s{rng.randrange(n)}",
            ]
            continue
        lines += [
            "    choices:",
            "      - id: on",
            "        text: On",
            f"        to: s{(i + 1) % n}",
            "        subtract: {n: 1}",
            "      - id: across",
            "        text: Across",
            f"        to: s{rng.randrange(n)}",
            f'        if: "s{rng.randrange(n)} >= 1 and n < 8"',
            "        add: {n: 2}",
            "      - id: back",
            "        text: Back",
            f"        to: s{(i - 1) % n}",
            "        once: true",
            "        set: {flag: true}",
            "      - id: dice",
            "        text: Dice",
            '        chance: "n * 9"',
            f"        success: s{rng.randrange(n)}",
            f"        failure: s{(i + 3) % n}",
        ]
    lines += ["  - id: never", "    text: The end.", "    ending: end"]
    manifest = MANIFEST.replace("start: a", "start: s0")
    return load_story(
        write_story(tmp, {"story.yaml": manifest, "scenes.yaml": "\n".join(lines) + "\n"}),
        cache=False,
    )


def test_a_long_run_serializes_alike_and_plays_the_same(tmp_path):
    """Past the trie's first level (1,024 steps), with more visit counts than
    a Cursor copies (so it plays on an overlay) and many merges of the
    counts into a new base."""
    story = looping_story(tmp_path)
    picks = random.Random(9)
    states, path, ref_visits = play_public(
        story, 4, [picks.randrange(1 << 20) for _ in range(2500)]
    )
    assert len(states) == 2501 and len(states[-1].visits) > 200
    for i in [0, 1, 31, 32, 33, 100, 1023, 1024, 1025, 1056, 1057, 2000, 2500]:
        check_same_as_plain(states[i], story, tuple(path[:i]), ref_visits[i])
    c = Cursor.start(story, 4)
    for _, cid in path:
        c.step(cid)
    assert c.snapshot() == states[-1]
    r = replay_path(story, states[1000], path[1000:], keep=True)
    assert r.ok and r.states == states[1000:]
    loaded = state_from_json(story, states[-1].to_json(story))
    assert loaded == states[-1]
    assert replay(story, 4, [cid for _, cid in path]) == states[-1]
    h = History(story, states)
    assert h[1777] == states[1777] and h[-1] == states[-1]


# -- the structures themselves, against a tuple and a dict ---------------------


def steps_of(n: int, salt: int = 0) -> list[tuple[str, str]]:
    return [(f"s{i % 97}", f"c{i + salt}") for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 80), max_size=40), st.data())
def test_path_reads_like_a_tuple(chunks, data):
    path, ref = EMPTY_PATH, ()
    paths = [(path, ref)]
    for size in chunks:
        more = tuple(steps_of(size, len(ref)))
        path = path.extend(more) if size != 1 else path.append(more[0])
        ref = ref + more
        paths.append((path, ref))
    big = data.draw(st.sampled_from([0, 1, 31, 32, 33, 1024, 1056, 1057, 2100, 32768 + 40]))
    if big:  # across the trie's levels
        more = tuple(steps_of(big, len(ref)))
        path, ref = path.extend(more), ref + more
        paths.append((path, ref))
    for p, r in paths:
        assert len(p) == len(r) and tuple(p) == r and list(p) == list(r)
        assert p == r and r == p and not (p != r) and hash(p) == hash(r)
        assert p == Path(r) and Path(r) == p
        assert list(reversed(p)) == list(reversed(r))
        assert pickle.loads(pickle.dumps(p)) == p
        if r:
            for i in {0, len(r) - 1, len(r) // 2, -1, -len(r)} | set(
                data.draw(st.lists(st.integers(-len(r), len(r) - 1), max_size=5))
            ):
                assert p[i] == r[i]
            assert r[-1] in p and ("nope", "x") not in p
            with pytest.raises(IndexError):
                p[len(r)]
        for sl in [slice(None, -1), slice(0, len(r) // 2), slice(-3, None), slice(None, None, 2)]:
            assert p[sl] == r[sl]
        k = data.draw(st.integers(0, len(r)))
        prefix = p[:k]
        assert prefix == r[:k] and len(prefix) == k and tuple(prefix) == r[:k]
        assert prefix.extend(r[k:]) == p  # a prefix grows back to the same path
        a = data.draw(st.integers(0, len(r)))
        assert p[a : a + 16] == r[a : a + 16]
    # two paths of one length but different steps differ
    if len(ref) > 0:
        other = Path(ref[:-1] + (("other", "x"),))
        assert other != path and other != ref


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 300), max_size=6), max_size=120))
def test_visits_read_like_a_dict(rounds):
    m, ref = Visits(), {}
    every = [(m, dict(ref))]
    for keys in rounds:
        changes = {f"s{k}": ref.get(f"s{k}", 0) + 1 for k in keys}
        m = m.updated(changes)
        ref.update(changes)
        every.append((m, dict(ref)))
    for m, r in every:
        assert m == r and r == m and not (m != r) and len(m) == len(r)
        assert list(m) == list(r) and list(m.items()) == list(r.items())
        assert m.to_dict() == r and dict(m) == r and m.copy() == r
        for k in ["s0", "s1", "s299", "nope"]:
            assert m.get(k, 0) == r.get(k, 0) and (k in m) == (k in r)
            if k in r:
                assert m[k] == r[k]
        assert pickle.loads(pickle.dumps(m)) == m
        assert len(m._delta) <= delta_limit(len(m))


def test_a_states_path_and_visits_are_shared_with_the_one_before(stories):
    story = stories["bundled"]
    state = new_game(story, 11)
    for _ in range(60):
        if state.ending is not None:
            break
        new = choose(story, state, available_choices(story, state)[0].id)
        assert (
            new.path[:-1] == state.path
            and new.visits._base is state.visits._base
            or (
                not new.visits._delta  # (just merged into a new base)
            )
        )
        state = new


# -- Cursor, the public API and the minimal engine play alike ------------------


def play_cursor(story: Any, seed: int, pick: Callable[[], float], limit: int) -> Cursor:
    c = Cursor.start(story, seed)
    steps = 0
    while c.ending is None and steps < limit:
        opts = c.options()
        if not opts:
            break
        c.take(opts[int(pick() * len(opts))] if len(opts) > 1 else opts[0])
        steps += 1
    return c


def play_api(story: Any, seed: int, pick: Callable[[], float], limit: int) -> State:
    state = new_game(story, seed)
    while state.ending is None and state.turns < limit:
        opts = available_choices(story, state)
        if not opts:
            break
        state = choose(
            story, state, (opts[int(pick() * len(opts))] if len(opts) > 1 else opts[0]).id
        )
    return state


@settings(max_examples=30, deadline=None)
@given(STORY, SEED, st.integers(0, 10**6))
def test_cursor_public_api_and_minimal_engines_agree(stories, engines, name, seed, picker):
    story = stories[name]
    limit = 3000
    c = play_cursor(story, seed, random.Random(picker).random, limit)
    s = play_api(story, seed, random.Random(picker).random, limit)
    assert c.snapshot() == s
    for engine in engines[name]:
        ending, turns, v, visits, path, rng = engine.play(seed, random.Random(picker).random, limit)
        assert (ending, turns, tuple(v), rng) == (s.ending, s.turns, s.v, s.rng)
        assert visits == s.visits and list(visits) == list(s.visits) and path == list(s.path)


def test_minimal_engines_agree_on_many_seeds(stories, engines, tmp_path):
    every = dict(stories, looping=looping_story(tmp_path, 120))
    for name, story in every.items():
        pair = engines.get(name) or (MinimalEngine(story), CompiledEngine(story))
        for seed in range(120):
            c = play_cursor(story, seed, random.Random(seed + 1).random, 1500)
            want = (c.ending, c.turns, c.v, c.visits, c.path, c.rng)
            for engine in pair:
                got = engine.play(seed, random.Random(seed + 1).random, 1500)
                assert got == want, (name, seed, type(engine).__name__)
