"""Speedrun core: timer arithmetic, splits, run files, verification, records,
.lss export and the LiveSplit client against a fake server."""

from __future__ import annotations

import copy
import json
import threading
import xml.etree.ElementTree as ET

import pytest
from helpers import json_paths, json_values, replace_at
from hypothesis import given, settings
from hypothesis import strategies as st
from support import OPENING, HandClock, run_file, story_fixture, wait_for

from rocky_adventure.speedrun.livesplit import game_time, parse_address
from rocky_adventure.speedrun.lss import export_lss, lss_time
from rocky_adventure.speedrun.records import (
    AHEAD_GAINING,
    AHEAD_LOSING,
    BEHIND_GAINING,
    BEHIND_LOSING,
    BEST_SEGMENT,
    Records,
    delta_colour,
)
from rocky_adventure.speedrun.run import RESTART, Run, parse_category, segment_names
from rocky_adventure.speedrun.timer import RunTimer, format_time
from rocky_adventure.speedrun.verify import verify_run

MANIFEST = """\
format: 1
id: race
title: Race
start: a1
variables:
  power: {type: int, default: 0, min: 0, max: 5}
chapters:
  - {id: one, title: One}
  - {id: two, title: Two}
  - {id: three, title: Three}
endings:
  - {id: quit, title: Quit Early, epilogue: You went home.}
  - {id: win, title: Win, epilogue: You won.}
  - {id: lose, title: Lose, epilogue: You lost.}
"""
SCENES = """\
scenes:
  - id: a1
    chapter: one
    text: Start.
    choices:
      - {id: train, text: Train, add: {power: 2}, to: a2}
      - {id: go, text: Go, to: b1}
  - id: a2
    chapter: one
    text: Trained.
    choices:
      - {id: go, text: Go, to: b1}
      - {id: skip, text: Fly straight to the fight, to: c1}
  - id: b1
    chapter: two
    text: Middle.
    choices:
      - {id: home, text: Go home, to: home}
      - {id: on, text: Go on, to: c1}
  - id: home
    chapter: two
    text: Home.
    ending: quit
  - id: c1
    chapter: three
    text: Fight.
    choices:
      - {id: swing, text: Swing, chance: "30 + power * 20", success: won, failure: lost}
  - id: won
    chapter: three
    text: Won.
    ending: win
  - id: lost
    chapter: three
    text: Lost.
    ending: lose
"""


story = story_fixture("race", MANIFEST, SCENES)


def test_timer_arithmetic():
    clock = HandClock()
    t = RunTimer(clock)
    assert (t.igt(), t.rta()) == (0, 0)
    t.start()
    clock.advance(10)
    assert (t.igt(), t.rta()) == (10, 10)
    t.pause()
    clock.advance(5)
    assert (t.igt(), t.rta()) == (10, 15)
    t.resume()
    clock.advance(1)
    with t.io():
        clock.advance(2)
        with t.io():
            clock.advance(1)
    assert (t.igt(), t.rta()) == (11, 19)
    t.pause()
    with t.io():  # I/O inside the pause menu is not taken off twice
        clock.advance(3)
    t.resume()
    assert (t.igt(), t.rta()) == (11, 22)
    t.stop()
    clock.advance(100)
    assert (t.igt(), t.rta()) == (11, 22)
    t.start()  # a stopped timer does not start again
    assert not t.running


def test_format_time():
    assert format_time(83456) == "1:23.456"
    assert format_time(3_723_456) == "1:02:03.456"
    assert format_time(-1500, signed=True) == "-1.500"
    assert format_time(None) == "-"
    assert game_time(83456) == "0:01:23.456"
    assert lss_time(83456) == "00:01:23.4560000"


def play(story, category, seed, ids, clock=None, step=1.0):
    clock = clock or HandClock()
    run = Run(story, parse_category(story, category), seed=seed, clock=clock)
    events = []
    for cid in ids:
        events += run.choose(cid)
        clock.advance(step)
    return run, events


def winning_seed(story):
    for seed in range(100):
        run, _ = play(story, "win", seed, ["go", "on", "swing"])
        if run.state.ending == "win":
            return seed
    raise AssertionError


def test_any_percent_splits_follow_chapters(story):
    # Any% ends its splits in the first chapter that holds an ending (Two: quit)
    assert segment_names(story, parse_category(story, "any")) == ["One", "Two"]
    assert segment_names(story, parse_category(story, "quit")) == ["One", "Two"]
    run, events = play(story, "any", 1, ["train", "go", "home"])
    assert run.finished and run.state.ending == "quit"
    # timer starts on the first choice (0 ms); each step advances 1 s
    assert [(e.name, e.igt_ms) for e in events] == [("One", 1000), ("Two", 2000)]
    assert run.record()["final"]["igt_ms"] == 2000 and run.record()["final"]["choices"] == 3


def test_skipped_chapter_and_ending_category(story):
    seed = winning_seed(story)
    run, events = play(story, "ending:win", seed, ["train", "skip", "swing"])
    if run.state.ending == "win":
        assert [e.name for e in events] == ["One", "Two", "Three"] and events[1].skipped
    run, _ = play(story, "win", 3, ["go", "home"])
    assert not run.finished and run.state.ending == "quit"  # wrong ending: the run cannot finish


def test_all_endings_restarts_and_keeps_time(story):
    seed = winning_seed(story)
    clock = HandClock()
    run = Run(story, parse_category(story, "all"), seed=seed, clock=clock)
    for cid in ["go", "home", RESTART, "go", "on", "swing"]:
        run.choose(cid)
        clock.advance(1)
    found = list(run.splitter.found)
    assert found[0] == "quit" and len(found) == 2
    assert not run.finished
    # the third ending needs the other branch of the chance: any seed-replaying route reaches the same
    # result, so finish with the ending the second playthrough did not give
    missing = ({"win", "lose"} - set(found)).pop()
    for s in range(200):
        r2 = Run(story, parse_category(story, "all"), seed=s, clock=HandClock())
        for cid in ["go", "home", RESTART, "train", "go", "on", "swing"]:
            r2.choose(cid)
        if r2.state.ending == missing:
            break
    with pytest.raises(ValueError, match="only an All Endings"):
        Run(story, parse_category(story, "any"), seed=1).restart_story()


def test_verify_accepts_a_genuine_run(story):
    run, _ = play(story, "any", 5, ["train", "go", "home"])
    data = run_file(run)
    verdict = verify_run(story, data)
    assert verdict.ok, verdict.reasons
    assert verdict.summary["ending"] == "quit" and verdict.summary["igt_ms"] == 2000


TAMPERING = [
    (lambda d: d["choices"][1].__setitem__(1, "skip"), "choice 3: the run says scene 'b1'"),
    (lambda d: d["choices"][1].__setitem__(1, "fly"), "choice 2: no open choice 'fly'"),
    (lambda d: d["choices"][2].__setitem__(2, 1), "time goes backwards"),
    (lambda d: d["splits"][0].__setitem__("igt_ms", 500), "split 1 (One) times do not match"),
    (lambda d: d["final"].__setitem__("igt_ms", 100), "final time does not match"),
    (lambda d: d["final"].__setitem__("ending", "win"), "ending does not match"),
    (lambda d: d["final"].__setitem__("endings", ["win"]), "ending does not match"),
    (lambda d: d["final"].__setitem__("state_hash", "0" * 64), "state hash"),
    (lambda d: d.pop("seed"), "missing field 'seed'"),
    (lambda d: d["story"].__setitem__("hash", "f" * 64), "story does not match"),
    (lambda d: d.__setitem__("category", "nope"), "unknown category"),
    (lambda d: d["choices"].pop(), "do not reach the end"),
    (lambda d: d.__setitem__("valid", False), "marked invalid"),
    (lambda d: d.__setitem__("practice", True), "practice"),
    (lambda d: d["choices"][0].__setitem__(0, "b1"), "the run says scene 'b1'"),
    (lambda d: d["choices"][1].__setitem__(2, 99999), "impossible times"),
    (lambda d: d["final"].__setitem__("choices", 2), "claims 2 choices"),
    (lambda d: d.__setitem__("seed", 6), None),  # another seed: different state hash or path
]


@pytest.mark.parametrize("tamper, reason", TAMPERING)
def test_verify_rejects_tampering(story, tamper, reason):
    run, _ = play(story, "any", 5, ["train", "go", "on", "swing"])
    data = run_file(run)
    tamper(data)
    verdict = verify_run(story, data)
    assert not verdict.ok
    if reason:
        assert any(reason in r for r in verdict.reasons), verdict.reasons


JSON = json_values(8)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_tampered_field_gives_a_verdict_never_a_crash(story, data):
    run, _ = play(story, "any", 5, ["train", "go", "on", "swing"])
    record = run_file(run)
    path = data.draw(st.sampled_from(json_paths(record)))
    value = data.draw(JSON)
    genuine = copy.deepcopy(record)
    replace_at(record, path, value)
    if record == genuine:
        return
    verdict = verify_run(story, record)
    assert verdict.ok or verdict.reasons  # a refusal always says why
    if path[0] in ("choices", "seed", "final", "splits", "category") or path[:2] in (
        ("story", "id"),
        ("story", "hash"),
    ):
        assert not verdict.ok, (path, value)  # what decides the run cannot change unnoticed


def test_verify_rejects_junk(story):
    for junk in (None, [], {"format": "x"}, "text"):
        assert not verify_run(story, junk).ok


def test_records_pb_golds_and_lss(story, tmp_path):
    rec = Records(tmp_path, story)
    cat = parse_category(story, "any")
    slow, _ = play(story, "any", 5, ["train", "go", "home"], step=3.0)
    rec.attempt(slow)
    first = rec.finish(slow)
    assert first["pb"] and first["golds"] == [0, 1] and first["path"].exists()
    fast, _ = play(story, "any", 5, ["train", "go", "home"], step=1.0)
    second = rec.finish(fast)
    assert second["pb"]
    entry = Records(tmp_path, story).entry(fast)
    assert entry["pb"]["igt_ms"] == 2000 and entry["golds"] == [1000, 1000]
    comp = Records(tmp_path, story).comparison(fast)
    assert comp.pb_splits == [1000, 2000] and comp.sum_of_best == 2000
    invalid, _ = play(story, "any", 5, ["train", "go", "home"], step=0.1)
    invalid.invalidate("undo")
    assert not rec.finish(invalid)["pb"]
    xml = export_lss(story.title, "Any%", segment_names(story, cat), entry)
    root = ET.fromstring(xml)
    assert root.tag == "Run" and root.get("version") == "1.7.0"
    assert root.findtext("GameName") == "Race" and root.findtext("CategoryName") == "Any%"
    segs = root.findall("Segments/Segment")
    assert [s.findtext("Name") for s in segs] == ["One", "Two"]
    assert (
        segs[0].findtext("SplitTimes/SplitTime[@name='Personal Best']/GameTime")
        == "00:00:01.0000000"
    )
    assert segs[1].findtext("BestSegmentTime/GameTime") == "00:00:01.0000000"


def test_corrupt_records_are_set_aside(story, tmp_path):
    rec = Records(tmp_path, story.id)
    rec.path.parent.mkdir(parents=True)
    rec.path.write_text("{broken")
    again = Records(tmp_path, story.id)
    assert again.problem and "set aside" in again.problem
    assert list((rec.path.parent / "set-aside").iterdir())


def test_records_in_a_folder_that_cannot_be_used_say_so(story, tmp_path):
    (tmp_path / "data").write_text("a file where the data folder should be")
    rec = Records(tmp_path / "data", story.id)
    assert rec.problem and "cannot read" in rec.problem
    cat = parse_category(story, "any")
    rec.attempt(cat.key, "set")  # no exception: the run goes on
    run, _ = play(story, "any", 5, ["train", "go", "home"])
    assert rec.finish(run)["path"] is None
    errors = rec.take_errors()
    assert errors and all("could not write" in e for e in errors) and rec.take_errors() == []


def test_delta_colours():
    assert delta_colour(-500, -200, 900, 1000) == BEST_SEGMENT
    assert delta_colour(-500, -200, 1200, 1000) == AHEAD_GAINING
    assert delta_colour(-100, -200, 1200, 1000) == AHEAD_LOSING
    assert delta_colour(300, 500, 1200, 1000) == BEHIND_GAINING
    assert delta_colour(700, 500, 1200, 1000) == BEHIND_LOSING


def test_livesplit_exchange_and_reconnect(story, livesplit):
    server = livesplit.serve()
    client, bridge = livesplit.connect(server.port, retry=0.05)
    clock = HandClock()
    run = Run(story, parse_category(story, "any"), seed=5, clock=clock)
    bridge.start(run)
    events = run.choose("train")
    bridge.on_first_choice()
    bridge.on_splits(events)
    clock.advance(1.5)
    bridge.on_splits(run.choose("go"))
    clock.advance(0.25)
    bridge.tick()
    assert wait_for(lambda: len(server.lines) >= 5, timeout=5.0)
    assert server.lines == OPENING
    assert client.state == "connected"
    # LiveSplit restarts: the client notices, reconnects and catches LiveSplit up
    port = server.port
    server.kill()
    assert wait_for(lambda: client.state == "disconnected", timeout=5.0)
    server = livesplit.serve(port)
    assert wait_for(lambda: client.connects == 2 and len(server.lines) >= 5, timeout=5.0)
    last = run.choose("home")
    bridge.on_splits(last)
    bridge.reset()
    assert wait_for(lambda: "reset" in server.lines, timeout=5.0)
    assert server.lines == [
        *OPENING,  # the catch-up: the start, the split already done, the game time
        *[
            line
            for e in last
            for line in (
                ["skipsplit"] if e.skipped else [f"setgametime {game_time(e.igt_ms)}", "split"]
            )
        ],
        "reset",
    ]
    assert client.connects == 2


def test_livesplit_unreachable_never_blocks(livesplit):
    client = livesplit.client(1, retry=0.05)  # nothing listens on port 1
    sender = threading.Thread(target=lambda: [client.send("split") for _ in range(1000)])
    sender.start()
    sender.join(timeout=30)  # a hang guard, not a timing: sending is a queue append
    assert not sender.is_alive(), "send() blocked with LiveSplit unreachable"
    assert wait_for(lambda: client.state == "disconnected", timeout=5.0)


def test_parse_address():
    assert parse_address(None) == ("127.0.0.1", 16834)
    assert parse_address("localhost:9000") == ("localhost", 9000)
    assert parse_address(":9001") == ("127.0.0.1", 9001)
    with pytest.raises(ValueError):
        parse_address("host:notaport")


def test_run_record_round_trips_as_json(story):
    run, _ = play(story, "any", 9, ["go", "home"])
    data = run.record()
    assert json.loads(json.dumps(data)) == data
    assert data["seed"] == 9 and data["seed_type"] == "set" and data["category"] == "any"
    assert [c[:2] for c in data["choices"]] == [["a1", "go"], ["b1", "home"]]
    assert copy.deepcopy(data)["final"]["state_hash"] == run.state.digest(story)


def test_practice_from_a_run_and_presets(story, tmp_path):
    from rocky_adventure.speedrun.practice import chapter_starts_from_run, preset_starts

    run, _ = play(story, "any", 5, ["train", "go", "on", "swing"])
    starts = chapter_starts_from_run(story, run.record())
    assert {k: v.scene for k, v in starts.items()} == {"one": "a1", "two": "b1", "three": "c1"}
    assert starts["two"].var(story, "power") == 2
    clock = HandClock()
    practice = Run(
        story,
        parse_category(story, "ending:win"),  # Two is not its last segment
        seed=5,
        clock=clock,
        practice=True,
        start_state=starts["two"],
    )
    practice.choose("on")
    clock.advance(1)
    assert practice.finished and practice.record()["practice"] is True and not practice.valid
    assert [(s.name, s.igt_ms) for s in practice.splits] == [("Two", 0)]
    rec = Records(tmp_path, story.id)
    assert rec.practice_best("any", "two", 900) and not rec.practice_best("any", "two", 1000)
    assert not rec.finish(practice)["pb"]
    assert not verify_run(story, practice.record()).ok
    presets = preset_starts(story, 3)
    assert set(presets) == {"one", "two", "three"}
    assert preset_starts(story, 3) == presets  # the same every time
    assert preset_starts(story, 3, ending="quit")["two"].scene == "b1"


def test_a_run_file_from_before_packs_were_recorded_still_verifies(story):
    run, _ = play(story, "any", 5, ["train", "go", "home"])
    data = run_file(run)
    assert data.pop("packs") == []
    assert verify_run(story, data).ok
    data["packs"] = "montage"
    assert "field 'packs' is damaged" in verify_run(story, data).reasons[0]
