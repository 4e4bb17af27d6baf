"""Records kept apart by category, seed type, set seed and story hash (with
its packs); old records files still read; a damaged records file never
crashes the game and is kept; the attempt history; `runs` in words; deltas
worded as LiveSplit words them."""

from __future__ import annotations

import copy
import json

import pytest
from helpers import json_paths, json_values, replace_at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import TINY, HandClock
from tools.test_packs import make_pack

from rocky_adventure.engine import load_story
from rocky_adventure.speedrun.records import (
    AHEAD_GAINING,
    BEHIND_LOSING,
    Records,
    delta_colour,
)
from rocky_adventure.speedrun.run import Run, parse_category

BASE_ANY = ["warm_up", "swing"]  # either ending finishes Any%
PACK_ANY = ["montage.montage", "steps", "steps", "legend"]


@pytest.fixture(scope="module")
def tiny():
    return load_story(TINY, cache=False)


@pytest.fixture(scope="module")
def tiny_pack(tmp_path_factory):
    return load_story(TINY, [make_pack(tmp_path_factory.mktemp("p") / "montage")], cache=False)


def play(story, seed, ids, step=1.0, category="any"):
    clock = HandClock()
    run = Run(story, parse_category(story, category), seed=seed, clock=clock)
    for cid in ids:
        run.choose(cid)
        clock.advance(step)
    assert run.finished
    return run


def test_two_set_seeds_keep_their_own_records(tiny, tmp_path):
    rec = Records(tmp_path, tiny.id)
    fast = play(tiny, 3, BASE_ANY, step=1.0)
    assert rec.finish(fast)["pb"]
    slow = play(tiny, 4, BASE_ANY, step=5.0)
    # seed 4's first finished run is seed 4's PB, however slow against seed 3's
    assert rec.finish(slow)["pb"]
    again = Records(tmp_path, tiny.id)
    assert again.entry(fast)["pb"]["igt_ms"] == 1000
    assert again.entry(slow)["pb"]["igt_ms"] == 5000
    assert again.comparison(slow).pb_splits == [5000]
    assert again.comparison(fast).golds == [1000]
    rec.attempt(fast)
    rec.attempt(fast)
    assert rec.attempt(slow) == 1 and rec.entry(fast)["attempts"] == 2
    keys = {(r["seed_type"], r["seed"]) for r in again.table()}
    assert keys == {("set", 3), ("set", 4)}


def test_a_random_seed_run_is_not_a_set_seed_run(tiny, tmp_path):
    rec = Records(tmp_path, tiny.id)
    set_run = play(tiny, 3, BASE_ANY, step=1.0)
    rec.finish(set_run)
    random_run = play(tiny, 3, BASE_ANY, step=9.0)
    random_run.seed_type = "random"
    assert rec.finish(random_run)["pb"]
    assert rec.entry(set_run)["pb"]["igt_ms"] == 1000
    assert rec.entry(random_run)["key"]["seed"] is None  # random seeds share one leaderboard


def test_a_pack_run_never_touches_the_story_records(tiny, tiny_pack, tmp_path):
    rec = Records(tmp_path, tiny.id)
    story_run = play(tiny, 3, BASE_ANY, step=10.0)
    rec.finish(story_run)
    pack_run = play(tiny_pack, 3, PACK_ANY, step=0.001)  # four choices, 3 ms
    assert rec.finish(pack_run)["pb"]  # the pack's own first PB
    assert sorted(r["pb_igt_ms"] for r in Records(tmp_path, tiny.id).table()) == [3, 10000]
    entry = Records(tmp_path, tiny.id).entry(story_run)
    assert entry["pb"]["igt_ms"] == 10000 and entry["golds"] == [10000]
    pack_entry = rec.entry(pack_run)
    assert pack_entry["pb"]["igt_ms"] == 3
    assert pack_entry["key"]["story_hash"] == tiny_pack.hash != tiny.hash
    assert pack_entry["key"]["packs"] == ["montage 1.0.0"]
    labels = {r["label"] for r in Records(tmp_path, tiny).table()}
    assert labels == {
        "Any%, set seed 3, this story",
        f"Any%, set seed 3, story {tiny_pack.hash[:12]} + montage 1.0.0",
    }


OLD_ENTRY = {
    "attempts": 7,
    "pb": {
        "file": "old.json",
        "igt_ms": 4321,
        "rta_ms": 5000,
        "choices": 2,
        "seed": 3,
        "valid": True,
        "finished": True,
        "ending": "champion",
        "date": "2026-01-01T00:00:00Z",
        "splits": [{"name": "Fight", "igt_ms": 4321, "rta_ms": 5000}],
    },
    "golds": [4321],
    "golds_rta": [5000],
    "recent": [],
    "practice": {},
}


def write_old_records(rec: Records) -> bytes:
    doc = {
        "version": 1,
        "categories": {
            "any|set": OLD_ENTRY,
            "any|practice": {"attempts": 0, "practice": {"fight": 1234}},
        },
    }
    rec.path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(doc).encode()
    rec.path.write_bytes(raw)
    return raw


def test_an_old_records_file_is_read_and_nothing_is_lost(tiny, tmp_path):
    raw = write_old_records(Records(tmp_path, tiny.id))
    rec = Records(tmp_path, tiny.id)
    assert rec.problem is None
    rows = {r["key"]: r for r in rec.table()}
    old = rows["any|set"]
    assert old["legacy"] and old["attempts"] == 7 and old["pb_igt_ms"] == 4321
    assert old["sum_of_best_ms"] == 4321 and "old records" in old["label"]
    assert rows["any|practice"]["practice"] == {"fight": 1234}
    # a new run gets its own records; the old ones stay as they were
    run = play(tiny, 3, BASE_ANY, step=9.0)
    assert rec.finish(run)["pb"]
    again = Records(tmp_path, tiny.id)
    assert again.problem is None
    kept = again.data["categories"]["any|set"]
    assert {k: kept[k] for k in OLD_ENTRY} == OLD_ENTRY
    assert again.entry(run)["pb"]["igt_ms"] == 9000
    assert (rec.root / "records-v1.json").read_bytes() == raw  # the old file, as it was
    assert json.loads(rec.path.read_text())["version"] == 2


def test_a_damaged_records_file_is_kept_and_its_backup_read(tiny, tmp_path):
    rec = Records(tmp_path, tiny.id)
    rec.finish(play(tiny, 3, BASE_ANY, step=2.0))
    rec.finish(play(tiny, 4, BASE_ANY, step=2.0))  # records.json.bak: the first save
    rec.path.write_text('{"version": 2, "categories": {"x": {"attempts": "many"}}}')
    again = Records(tmp_path, tiny.id)
    assert again.problem and "records.json" in again.problem and "set aside" in again.problem
    assert "backup" in again.problem
    (aside,) = (rec.root / "set-aside").iterdir()
    assert "many" in aside.read_text()  # the damaged file is kept, not deleted
    assert [r["seed"] for r in again.table()] == [3]  # what the backup held


GOOD = None


def genuine_records(tiny, root) -> dict:
    rec = Records(root, tiny.id)
    run = play(tiny, 3, BASE_ANY, step=2.0)
    rec.attempt(run)
    rec.finish(run)
    rec.practice_best(run, "fight", 500)
    return json.loads(rec.path.read_text())


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_damaged_records_never_crash(tiny, tmp_path_factory, data):
    global GOOD
    if GOOD is None:
        GOOD = genuine_records(tiny, tmp_path_factory.mktemp("good"))
    doc = copy.deepcopy(GOOD)
    path = data.draw(st.sampled_from(json_paths(doc, limit=2)))
    replace_at(doc, path, data.draw(json_values(6)))
    root = tmp_path_factory.mktemp("d")
    rec = Records(root, tiny.id)
    rec.path.parent.mkdir(parents=True)
    rec.path.write_text(json.dumps(doc))
    rec = Records(root, tiny.id)
    assert rec.problem is None or "records" in rec.problem
    assert isinstance(rec.table(), list)
    run = play(tiny, 3, BASE_ANY)
    comparison = rec.comparison(run)
    assert comparison.sum_of_best is None or comparison.sum_of_best >= 0
    rec.attempt(run)
    rec.finish(run)


def test_history_holds_every_attempt_newest_last(tiny, tmp_path):
    rec = Records(tmp_path, tiny.id)
    reset = play(tiny, 3, BASE_ANY)
    reset.started_wall -= 60  # an earlier attempt, reset before its end
    rec.attempt(reset)
    run = play(tiny, 3, BASE_ANY, step=2.0)
    rec.attempt(run)
    rec.finish(run)
    history = Records(tmp_path, tiny.id).entry(run)["history"]
    assert [h["id"] for h in history] == [1, 2]
    assert history[0]["ended"] is None and history[0]["igt_ms"] is None
    done = history[1]
    assert done["ended"] and done["started"] == run.record()["started"]
    assert (done["igt_ms"], done["rta_ms"]) == (2000, 2000)
    assert done["segments"] == [{"igt_ms": 2000, "rta_ms": 2000}]
    for _ in range(120):
        rec.attempt(run)
    history = rec.entry(run)["history"]
    assert len(history) == 100 and history[-1]["id"] == 122


def test_runs_shows_practice_bests_and_the_keys_in_words(tiny, tmp_path, capsys, monkeypatch):
    from rocky_adventure.cli import main

    rec = Records(tmp_path, tiny.id)
    run = play(tiny, 3, BASE_ANY, step=2.0)
    rec.finish(run)
    rec.practice_best(run, "fight", 1500)
    assert main(["--data-dir", str(tmp_path), "runs", "--story", str(TINY)]) == 0
    out = capsys.readouterr().out
    assert "set 3" in out and "this story" in out
    assert "practice bests:" in out and "Fight 1.500" in out


def test_deltas_are_worded_and_coloured_as_livesplit_does():
    from rocky_adventure.speedrun.records import format_delta

    assert format_delta(0) == "0.0"  # an equal time has no sign
    assert format_delta(1200) == "+1.2" and format_delta(-400) == "-0.4"
    assert format_delta(None) == "-"
    # the same lead as at the last split: still "ahead, gaining" (LiveSplit
    # turns light green only when the lead shrank); level with the PB: behind
    assert delta_colour(-300, -300, 1200, 1000) == AHEAD_GAINING
    assert delta_colour(0, 0, 1200, 1000) == BEHIND_LOSING
