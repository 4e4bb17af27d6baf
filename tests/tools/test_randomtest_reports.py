"""randomtest's repetition report, a run to each ending, and the count of
failures it leaves out."""

from __future__ import annotations

from pathlib import Path

from helpers import MANIFEST, write_story

from rocky_adventure.engine import load_story, replay
from rocky_adventure.tools.randomtest import format_report, randomtest

ROOT = Path(__file__).resolve().parents[2]

HUB = """\
chapter: one
scenes:
  - id: a
    text: |
      The gym again. The same bag, the same bulb.

      {if n > 3}You are getting stronger.{end}
    choices:
      - id: train
        text: Train
        add: {n: 1}
        to: a
      - id: leave
        text: Leave
        to: b
  - id: b
    text: Out in the cold.
    ending: end
"""


def test_repetition_counts_paragraphs_a_run_has_already_shown(tmp_path):
    story = load_story(
        write_story(tmp_path / "s", {"story.yaml": MANIFEST, "s.yaml": HUB}), cache=False
    )
    r = randomtest(story, runs=200, seed=0)
    rep = r["repetition"]
    assert rep["scenes"][0]["scene"] == "a" and rep["scenes"][0]["repeated"] > 0
    assert 0 <= rep["median_percent"] <= rep["worst"]["percent"] <= 100
    w = rep["worst"]
    assert w["repeated"] <= w["shown"] and w["percent"] == round(
        100 * w["repeated"] / w["shown"], 2
    )
    text = format_report(r)
    assert "repetition: the median run repeats" in text and "a (" in text
    assert randomtest(story, runs=200, seed=0, jobs=2) == r  # the same whatever --jobs
    assert randomtest(story, runs=50, render=False)["repetition"] is None


def test_a_run_to_each_ending_replays_to_it():
    story = load_story(ROOT / "examples" / "starter", cache=False)
    r = randomtest(story, runs=300, seed=5)
    assert set(r["witnesses"]) == {e for e, v in r["endings"].items() if v["count"]}
    for ending, w in r["witnesses"].items():
        assert replay(story, w["seed"], w["choices"]).ending == ending
    assert "a run to each ending reached" in format_report(r)


def test_failures_left_out_are_counted(tmp_path):
    faulty = HUB.replace("add: {n: 1}", 'add: {n: "1 // (n - n)"}')
    story = load_story(
        write_story(tmp_path / "s", {"story.yaml": MANIFEST, "s.yaml": faulty}), cache=False
    )
    r = randomtest(story, runs=100, seed=0, prefer=False)
    failed = r["unfinished"]["error"]
    assert failed > 20 and len(r["errors"]) == 20
    assert r["errors_left_out"] == failed - 20
    assert f"and {failed - 20} more failed runs not listed" in format_report(r)


COUNTER = """\
chapter: one
scenes:
  - id: a
    text: |
      Round {n}. {flag} and {n > 2}.

      {if flag}The flag is up.{end}{if n > 4}It is late.{elif n > 2}Halfway.{end}
    choices:
      - id: up
        text: "Go up from {n}"
        add: {n: 1}
        to: a
      - id: flip
        text: "Flip {if flag}down{else}up{end}"
        set: {flag: true}
        to: a
      - id: leave
        text: Leave
        if: "n > 3"
        to: b
  - id: b
    text: Out in the cold.
    ending: end
"""


def test_varying_texts_count_as_rendered_every_time(tmp_path, monkeypatch):
    """randomtest keeps a varying text's paragraphs under the values it read:
    its report is the one rendering every visit again gives."""
    import rocky_adventure.tools.randomtest as rt

    stories = [
        load_story(
            write_story(tmp_path / "s", {"story.yaml": MANIFEST, "s.yaml": COUNTER}), cache=False
        ),
        load_story(ROOT / "story"),
    ]
    kept = [randomtest(s, runs=60, seed=3) for s in stories]
    assert kept[0]["repetition"]["worst"]["repeated"] > 0
    monkeypatch.setattr(rt, "MAX_MEMO", 0)  # (nothing kept: every varying text rendered)
    assert [randomtest(s, runs=60, seed=3) for s in stories] == kept
