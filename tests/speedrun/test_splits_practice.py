"""Splits follow the chapters played (Any% ends its splits in the chapter
where its quickest ending lies; a skipped chapter keeps the sum of best
possible), and practice compares a chapter with its own best segment."""

from __future__ import annotations

import json

from helpers import ROOT
from support import HandClock, story_fixture

from rocky_adventure.engine import load_story
from rocky_adventure.speedrun.practice import chapter_starts_from_run
from rocky_adventure.speedrun.records import Records
from rocky_adventure.speedrun.run import Run, parse_category, segment_names

MANIFEST = """\
format: 1
id: laps
title: Laps
start: a1
chapters:
  - {id: a, title: A}
  - {id: b, title: B}
  - {id: c, title: C}
endings:
  - {id: early, title: Early, epilogue: Early.}
  - {id: late, title: Late, epilogue: Late.}
"""
SCENES = """\
scenes:
  - id: a1
    chapter: a
    text: A1.
    choices:
      - {id: next, text: On, to: a2}
      - {id: jump, text: Jump to C, to: c1}
  - id: a2
    chapter: a
    text: A2.
    choices:
      - {id: next, text: On, to: b1}
  - id: b1
    chapter: b
    text: B1.
    choices:
      - {id: next, text: On, to: b2}
  - id: b2
    chapter: b
    text: B2.
    choices:
      - {id: next, text: On, to: c1}
      - {id: stop, text: Stop here, to: b_end}
  - id: b_end
    chapter: b
    text: Stopped.
    ending: early
  - id: c1
    chapter: c
    text: C1.
    choices:
      - {id: next, text: On, to: c2}
  - id: c2
    chapter: c
    text: C2.
    choices:
      - {id: next, text: On, to: c_end}
  - id: c_end
    chapter: c
    text: Done.
    ending: late
"""


laps = story_fixture("laps", MANIFEST, SCENES)


def play(story, category, ids, steps, seed=1, **kw):
    clock = HandClock()
    run = Run(story, parse_category(story, category), seed=seed, clock=clock, **kw)
    for cid, step in zip(ids, steps):
        run.choose(cid)
        clock.advance(step)
    return run


def splits(run):
    return [(s.name, s.igt_ms) for s in run.splits]


def test_any_percent_on_the_story_splits_siberia_and_has_a_sum_of_best(tmp_path):
    story = load_story(cache=False)
    route = json.loads((ROOT / "tests" / "story_routes.json").read_text())["the_towel"]
    assert segment_names(story, parse_category(story, "any")) == ["Apollo", "Siberia"]
    run = play(story, "any", route["choices"], [1.0] * len(route["choices"]), seed=route["seed"])
    assert run.finished and run.state.ending == "the_towel"
    final = run.record()["final"]["igt_ms"]
    assert not any(s.skipped for s in run.splits)
    assert [s.name for s in run.splits] == ["Apollo", "Siberia"]
    assert run.splits[-1].igt_ms == final
    rec = Records(tmp_path, story.id)
    rec.finish(run)
    assert rec.comparison(run).sum_of_best == final
    assert rec.table()[0]["sum_of_best_ms"] == final


def test_any_percent_played_on_past_its_last_chapter_ends_there(laps):
    assert segment_names(laps, parse_category(laps, "any")) == ["A", "B"]
    run = play(laps, "any", ["next", "next", "next", "next", "next", "next"], [1.0] * 6)
    assert run.finished and run.state.ending == "late"
    # entering C does not split B: B is Any%'s last segment and holds the end
    assert splits(run) == [("A", 1000), ("B", 5000)]
    # an ending's category ends its splits in the chapter its ending lies in
    assert segment_names(laps, parse_category(laps, "early")) == ["A", "B"]
    assert segment_names(laps, parse_category(laps, "late")) == ["A", "B", "C"]
    run = play(laps, "late", ["next"] * 6, [1.0] * 6)
    assert splits(run) == [("A", 1000), ("B", 3000), ("C", 5000)]


def test_a_skipped_chapter_keeps_the_sum_of_best_possible(laps, tmp_path):
    rec = Records(tmp_path, laps.id)
    skip = play(laps, "late", ["jump", "next", "next"], [1.0] * 3)
    assert splits(skip) == [("A", 0), ("B", None), ("C", 2000)]
    rec.finish(skip)
    comparison = rec.comparison(skip)
    # C's time here covers B and C: it is no gold for C alone, but it is the
    # best way through B and C seen so far, so the sum of best is real
    assert comparison.golds == [0, None, None]
    assert comparison.sum_of_best == 2000
    full = play(laps, "late", ["next"] * 6, [3.0] * 6)  # A 3 s, B 6 s, C 6 s
    rec.finish(full)
    comparison = Records(tmp_path, laps.id).comparison(full)
    assert comparison.golds == [0, 6000, 6000]
    assert comparison.sum_of_best == 2000  # still the skip's way through


def full_run(laps):
    """A, B and C at 1 s, 2 s and 1 s a segment: B's best segment is 2 s."""
    return play(laps, "late", ["next"] * 6, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0])


def test_practice_compares_with_the_chapter_best_segment(laps, tmp_path):
    from rocky_adventure.tui.speedrun import splits_content

    rec = Records(tmp_path, laps.id)
    run = full_run(laps)
    assert splits(run) == [("A", 1000), ("B", 3000), ("C", 5000)]
    rec.finish(run)
    start = chapter_starts_from_run(laps, run.record())["b"]
    practice = play(laps, "late", ["next", "next"], [0.3, 0.3], practice=True, start_state=start)
    assert practice.finished and splits(practice) == [("B", 300)]
    comparison = rec.comparison(practice)
    # against B's best segment (2 s), not the PB's split at the end of B (3 s)
    assert comparison.pb_splits == [None, 2000, None]
    text = str(splits_content(practice, comparison))
    assert "-1.7" in text and "-2.7" not in text and "skipped" not in text


def test_a_practised_last_chapter_is_not_skipped(laps, tmp_path):
    rec = Records(tmp_path, laps.id)
    run = play(laps, "early", ["next", "next", "next", "stop"], [1.0] * 4)
    assert splits(run) == [("A", 1000), ("B", 3000)]
    rec.finish(run)
    start = chapter_starts_from_run(laps, run.record())["b"]
    practice = play(laps, "any", ["next", "stop"], [0.5, 0.5], practice=True, start_state=start)
    assert practice.finished
    assert splits(practice) == [("B", 500)]  # its own time, not skipped
    assert not any(s.skipped for s in practice.splits)


def test_a_chapter_with_no_best_segment_compares_with_its_practice_best(laps, tmp_path):
    rec = Records(tmp_path, laps.id)
    start = chapter_starts_from_run(laps, full_run(laps).record())["b"]
    first = play(laps, "late", ["next", "next"], [0.8, 0.8], practice=True, start_state=start)
    assert rec.practice_best(first, "b", first.record()["final"]["igt_ms"])
    again = play(laps, "late", ["next", "next"], [0.5, 0.5], practice=True, start_state=start)
    assert rec.comparison(again).pb_splits == [None, 800, None]
