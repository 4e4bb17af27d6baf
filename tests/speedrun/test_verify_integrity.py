"""Verification a leaderboard can trust (issue 14): the pause and I/O log
accounts for RTA less IGT, the seed's range and type are checked, another
game version is a warning, the input method and the route view are recorded,
and a hash chain over the choices and events makes removing, moving or
editing one (say, to hide an undo) break verification."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import HandClock, run_file, story_fixture

import rocky_adventure.speedrun.run as run_module
from rocky_adventure import __version__
from rocky_adventure.engine.rng import MAX_SEED, random_seed
from rocky_adventure.speedrun.run import Run, parse_category
from rocky_adventure.speedrun.verify import RANDOM_SEEDS, TOLERANCE_MS, verify_run

MANIFEST = """\
format: 1
id: race
title: Race
start: a1
chapters:
  - {id: one, title: One}
  - {id: two, title: Two}
endings:
  - {id: home, title: Home, epilogue: You went home.}
"""
SCENES = """\
scenes:
  - id: a1
    chapter: one
    text: Start.
    choices:
      - {id: left, text: Left, to: a2}
      - {id: right, text: Right, to: a2}
  - id: a2
    chapter: one
    text: On.
    choices:
      - {id: go, text: Go, to: b1}
      - {id: wait, text: Wait, to: a2}
  - id: b1
    chapter: two
    text: Nearly.
    choices:
      - {id: home, text: Home, to: end}
  - id: end
    chapter: two
    text: Home.
    ending: home
"""


story = story_fixture("race", MANIFEST, SCENES)


def new_run(story, seed=5, clock=None, **kw):
    return Run(story, parse_category(story, "any"), seed=seed, clock=clock or HandClock(10.0), **kw)


def played(story, seed=5, pause=True, route=False, **kw) -> dict:
    """A genuine run: four choices, a pause in the pause menu after the
    second and some I/O after each; returns its run file."""
    clock = HandClock(10.0)
    run = new_run(story, seed, clock, **kw)
    if route:
        run.opened_route_view()
    for i, cid in enumerate(["left", "wait", "go", "home"]):
        run.choose(cid)
        with run.timer.io():
            clock.advance(0.05)
        clock.advance(1)
        if pause and i == 1:
            run.timer.pause()
            clock.advance(7)
            run.timer.resume()
    return run_file(run)


def with_undo(story) -> dict:
    """A run with an undo, as SpeedrunSession.undo does it: the run is
    invalidated (an event) and the state goes back; the undone choice stays
    in the log."""
    clock = HandClock(10.0)
    run = new_run(story, 5, clock)
    run.choose("left")
    clock.advance(1)
    before = run.state
    run.choose("wait")
    clock.advance(1)
    run.invalidate("undo")
    run.state = before
    for cid in ["go", "home"]:
        run.choose(cid)
        clock.advance(1)
    return run_file(run)


def rejected(story, data) -> str:
    verdict = verify_run(story, data)
    assert not verdict.ok, "tampering went unnoticed"
    return " | ".join(verdict.reasons)


def test_a_genuine_run_with_pauses_verifies_and_says_what_it_logs(story):
    data = played(story)
    assert data["pauses"] == [[2100, 9100]]
    assert data["input"] == "terminal" and data["route_view"] is False
    assert len(data["chain"]) == len(data["choices"]) + len(data["events"])
    verdict = verify_run(story, data)
    assert verdict.ok, verdict.reasons
    s = verdict.summary
    assert s["paused_ms"] == 7000 and s["pauses"] == 1 and s["io_ms"] == 150
    assert s["rta_ms"] - s["igt_ms"] == 7150
    assert s["input"] == "terminal" and s["route_view"] is False
    assert s["chain"] == data["chain"][-1] and verdict.warnings == []


def test_a_removed_pause_or_a_pause_never_taken_is_rejected_naming_the_tolerance(story):
    data = played(story)
    data["pauses"] = []
    reason = rejected(story, data)
    assert "choice 3: RTA less IGT is 7100 ms" in reason and "add up to 100 ms" in reason
    assert f"tolerance is {TOLERANCE_MS} ms" in reason
    data = played(story, pause=False)
    data["pauses"] = [[1500, 1900]]  # IGT said to have stopped: it did not
    assert f"tolerance is {TOLERANCE_MS} ms" in rejected(story, data)


def test_io_and_pauses_must_be_well_formed(story):
    for bad in ([[5, 1]], [[0, "x"]], "none", [[0, 10], [5, 20]], [[0, 10**12]]):
        data = played(story)
        data["io"] = bad
        assert rejected(story, data)
    data = played(story)
    data["io"].append([data["final"]["rta_ms"] + 1, data["final"]["rta_ms"] + 5])
    assert "after the run's last choice" in rejected(story, data)
    data = played(story)
    data["io"].insert(2, [2150, 2200])  # inside the pause
    assert "overlaps" in rejected(story, data)


def test_a_time_edit_within_the_tolerance_still_breaks_the_chain(story):
    data = played(story)
    data["choices"][-1][2] -= 1  # one ms off the IGT
    data["final"]["igt_ms"] -= 1
    data["splits"][-1]["igt_ms"] -= 1
    reason = rejected(story, data)
    assert "hash chain breaks at entry 4, choice 4" in reason


def test_a_hidden_undo_breaks_the_chain(story):
    data = with_undo(story)
    assert data["events"] == [{"kind": "undo", "after": 2, "igt_ms": 2000, "rta_ms": 2000}]
    assert "an undo after choice 2" in rejected(story, copy.deepcopy(data) | {"valid": True})
    assert "marked invalid" in rejected(story, data)
    # the cheat: drop the undone choice and the event, flip the two fields
    hidden = copy.deepcopy(data)
    del hidden["choices"][1]
    hidden["events"] = []
    hidden["valid"], hidden["invalid_reason"] = True, None
    hidden["final"]["choices"] = 3
    reason = rejected(story, hidden)
    assert "hash chain breaks at entry 2, choice 2" in reason
    # dropping the matching links as well does not help
    hidden["chain"] = hidden["chain"][:1] + hidden["chain"][3:]
    assert "hash chain breaks at entry 2" in rejected(story, hidden)


def test_chain_edits_reorders_and_truncation(story):
    data = played(story, route=True)
    assert data["events"][0]["kind"] == "route_view"
    assert verify_run(story, data).ok
    moved = copy.deepcopy(data)
    moved["events"][0]["after"] = 2  # the route view "opened" later
    assert "hash chain breaks at entry 1, choice 1" in rejected(story, moved)
    link = copy.deepcopy(data)
    link["chain"][3] = "0" * 64
    assert "hash chain breaks at entry 4, choice 3" in rejected(story, link)
    short = copy.deepcopy(data)
    short["chain"].pop()
    assert "5 links" in rejected(story, short) or "4 links" in rejected(story, short)
    gone = copy.deepcopy(data)
    del gone["chain"]
    assert "missing field 'chain'" in rejected(story, gone)


def test_route_view_is_recorded_and_cannot_be_flipped(story):
    data = played(story, route=True)
    assert data["route_view"] is True
    verdict = verify_run(story, data)
    assert verdict.ok and verdict.summary["route_view"] is True
    flipped = copy.deepcopy(data)
    flipped["route_view"] = False
    assert "does not match the run's events" in rejected(story, flipped)
    flipped["events"] = []  # and the event dropped too: the chain
    assert "hash chain breaks at entry 1" in rejected(story, flipped)
    claimed = played(story)
    claimed["route_view"] = "no"
    assert "wrong type" in rejected(story, claimed)


def test_input_is_recorded_and_checked(story):
    piped = played(story, input_kind="pipe")
    verdict = verify_run(story, piped)
    assert verdict.ok and verdict.summary["input"] == "pipe"
    typed = copy.deepcopy(piped)
    typed["input"] = "terminal"  # a scripted run passed off as typed
    reason = rejected(story, typed)
    assert "hash chain breaks at entry 1" in reason and "input" in reason
    for bad in ("keyboard", 1, None):
        odd = copy.deepcopy(piped)
        odd["input"] = bad
        assert rejected(story, odd)
    odd = copy.deepcopy(piped)
    del odd["input"]
    assert "missing field 'input'" in rejected(story, odd)


def test_input_kind_follows_stdin_in_plain_mode(story, tmp_path, monkeypatch):
    import io

    from rocky_adventure.speedrun.attempts import Speedrun
    from rocky_adventure.speedrun.records import Records

    class Tty(io.StringIO):
        def isatty(self):
            return True

    cat = parse_category(story, "any")
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n"))
    assert Speedrun(story, cat, 5, Records(tmp_path, story.id), mode="plain").input_kind == "pipe"
    monkeypatch.setattr("sys.stdin", Tty("1\n"))
    sr = Speedrun(story, cat, 5, Records(tmp_path, story.id), mode="plain")
    assert sr.input_kind == "terminal" and sr.new_run().record()["input"] == "terminal"
    assert Speedrun(story, cat, 5, Records(tmp_path, story.id)).input_kind == "terminal"  # TUI


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 2**64])
def test_seeds_out_of_range_are_rejected(story, seed):
    data = played(story)
    data["seed"] = seed
    assert "out of range" in rejected(story, data)


def test_seed_type_is_checked(story):
    # a random seed is drawn below RANDOM_SEEDS: a bigger one was set
    assert all(random_seed() < RANDOM_SEEDS for _ in range(200))
    assert verify_run(story, played(story, seed=MAX_SEED)).ok  # the top of the range
    big = played(story, seed=RANDOM_SEEDS)
    assert verify_run(story, big).ok  # as the set seed it was
    big["seed_type"] = "random"
    assert "cannot be a random seed" in rejected(story, big)
    small = played(story, seed=5)
    small["seed_type"] = "random"  # a practised set seed passed off as random: the chain
    assert "hash chain breaks at entry 1" in rejected(story, small)
    for bad in ("lucky", None, 3):
        odd = played(story)
        odd["seed_type"] = bad
        assert "seed_type" in rejected(story, odd)


def test_another_game_version_is_a_warning_naming_both(story, monkeypatch):
    monkeypatch.setattr(run_module, "__version__", "0.0.1")
    data = played(story)
    monkeypatch.undo()
    verdict = verify_run(story, data)
    assert verdict.ok, verdict.reasons
    assert len(verdict.warnings) == 1
    assert "0.0.1" in verdict.warnings[0] and __version__ in verdict.warnings[0]
    assert verify_run(story, played(story)).warnings == []
    edited = played(story)
    edited["game_version"] = "9.9.9"  # an edited version is not a genuine other version
    verdict = verify_run(story, edited)
    assert not verdict.ok and "9.9.9" in verdict.warnings[0]


def test_an_old_run_file_says_it_cannot_be_checked(story):
    data = played(story)
    for key in ("chain", "events", "pauses", "io", "input", "route_view"):
        del data[key]
    assert "older version of the game" in rejected(story, data)


def test_cli_verify_prints_input_route_view_pauses_and_warnings(
    story, tmp_path, monkeypatch, capsys
):
    from types import SimpleNamespace

    from rocky_adventure.cli import speedrun as cli

    monkeypatch.setattr(run_module, "__version__", "0.0.1")
    data = played(story, route=True, input_kind="pipe")
    monkeypatch.undo()
    path = tmp_path / "run.json"
    path.write_text(json.dumps(data))
    monkeypatch.setattr(cli, "load_from_args", lambda args: story)
    assert cli.run_verify(SimpleNamespace(run_file=str(path), json=False)) == 0
    out = capsys.readouterr().out
    assert out.startswith("WARNING: ") and "0.0.1" in out
    assert "VERIFIED" in out and "Input: pipe" in out and "Route view: opened" in out
    assert "Paused 7.000 (1 pause)" in out and data["chain"][-1][:16] in out
    assert f"within {TOLERANCE_MS} ms" in out


NEW_FIELDS = ["pauses", "io", "events", "chain", "input", "route_view", "seed_type", "game_version"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(NEW_FIELDS), value=JSON, index=st.integers(0, 3))
def test_any_change_to_a_new_field_gives_a_verdict_never_a_crash(story, field, value, index):
    record = played(story, route=True)
    genuine = copy.deepcopy(record)
    target = record[field]
    if isinstance(target, list) and target and index < len(target):
        target[index] = value  # one entry of the log
    else:
        record[field] = value
    if record == genuine:
        return
    verdict = verify_run(story, record)
    if field == "game_version" and isinstance(value, str):
        assert verdict.warnings  # another version is named
    if field in ("pauses", "io") and verdict.ok:
        # a span that changes no time (zero length) is all that can pass
        spans = record[field]
        assert sum(b - a for a, b in spans) == sum(b - a for a, b in genuine[field])
        return
    assert not verdict.ok and verdict.reasons, (field, value)
