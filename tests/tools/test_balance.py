"""rocky-adventure balance: policies, tags, rates and their intervals, the
dominance scan, information the player is not shown, targets, packs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write_story

from rocky_adventure.cli import main
from rocky_adventure.engine import StoryLoadError, load_story
from rocky_adventure.engine import cache as cache_mod
from rocky_adventure.engine import files as files_mod
from rocky_adventure.engine.start import Start
from rocky_adventure.tools import balance as b

ROOT = Path(__file__).resolve().parents[2]

# Three rounds; each a jab (50%), a cover (nothing) or a haymaker (90%). Two hits win.
MANIFEST = """\
format: 1
id: duel
title: Duel
start: r1
variables:
  score: {type: int, default: 0, min: 0, max: 3}
  hp: {type: int, default: 3, min: 0, max: 3}
  secret: {type: int, default: 1, min: 0, max: 1}
  rnd: {type: int, default: 0, min: 0, max: 9}
chapters:
  - {id: ring, title: The Ring}
endings:
  - {id: champion, title: Champion, epilogue: Won., tags: [win]}
  - {id: beaten, title: Beaten, epilogue: Lost., tags: [loss]}
display:
  sidebar: [hp]
  hud: {round: rnd, bars: [score]}
"""


def _round(n: int) -> str:
    nxt = f"r{n + 1}" if n < 3 else "tally"
    return f"""\
  - id: r{n}
    text: Round {n}.
    choices:
      - {{id: jab, text: Jab, chance: "50", success: hit{n}, failure: {nxt}}}
      - {{id: cover, text: Cover, to: {nxt}}}
      - {{id: haymaker, text: Haymaker, chance: "90", success: hit{n}, failure: {nxt}}}
  - id: hit{n}
    text: A hit.
    add: {{score: 1}}
    next: {nxt}
"""


SCENES = (
    "chapter: ring\nscenes:\n"
    + "".join(_round(n) for n in (1, 2, 3))
    + """\
  - id: tally
    text: The cards.
    next:
      - {if: "score >= 2", to: won}
      - {to: lost}
  - id: won
    text: You won.
    ending: champion
  - id: lost
    text: You lost.
    ending: beaten
"""
)

CAREFUL = """\
policies:
  careful:
    description: never takes a risk
    rules:
      - {chapter: ring, prefer: [cover]}
"""

SMART = """\
policies:
  smart:
    rules:
      - {prefer: [haymaker]}
  peek:
    fallback: first
    rules:
      - {when: "secret == 1 and hp >= 0 and score >= 0", prefer: [haymaker]}
"""


def duel(tmp_path: Path, extra: str = "", name: str = "duel") -> Path:
    return write_story(tmp_path / name, {"story.yaml": MANIFEST + extra, "ring.yaml": SCENES})


def load(root: Path):
    return load_story(root, cache=False)


def errors_of(root: Path) -> list:
    with pytest.raises(StoryLoadError) as e:
        load(root)
    return e.value.diagnostics


def where(text: str, needle: str, skip: int = 0) -> tuple[int, int]:
    """(line, col), 1-based, of the first `needle` in `text`, `skip` characters in."""
    at = text.index(needle) + skip
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


# -- policies parse, with located errors ----------------------------------------


def test_policies_and_tags_load_into_the_model(tmp_path):
    story = load(duel(tmp_path, CAREFUL + SMART.replace("policies:\n", "")))
    assert story.endings["champion"].tags == ("win",)
    careful, smart, peek = story.policies
    assert (careful.name, careful.fallback, careful.description) == (
        "careful",
        "random",
        "never takes a risk",
    )
    assert careful.rules[0].chapter == "ring" and careful.rules[0].prefer == ("cover",)
    assert smart.rules[0].when is None and smart.rules[0].scene is None
    assert peek.fallback == "first" and peek.rules[0].when.source.startswith("secret == 1")
    assert story.balance == ()


def test_an_unknown_choice_in_prefer_is_located(tmp_path):
    extra = """\
policies:
  p:
    rules:
      - scene: r2
        prefer: [cover, haymakr]
"""
    d = errors_of(duel(tmp_path, extra))
    assert len(d) == 1
    text = MANIFEST + extra
    assert (d[0].line, d[0].col) == where(text, "haymakr")
    assert d[0].code == "RA005"
    assert "unknown choice 'haymakr' in scene 'r2'" in d[0].message
    assert "did you mean 'haymaker'?" in d[0].message
    assert d[0].file.endswith("story.yaml")


def test_unknown_scenes_chapters_and_built_in_names_are_located(tmp_path):
    extra = """\
policies:
  random:
    rules: []
  p:
    rules:
      - {scene: r9, prefer: [jab]}
      - {chapter: cage, prefer: [jab]}
      - {prefer: [nothing]}
"""
    d = errors_of(duel(tmp_path, extra))
    text = MANIFEST + extra
    got = {(x.line, x.col): x.message for x in d}
    assert "built-in policy" in got[where(text, "random:")]
    assert "unknown scene 'r9'" in got[where(text, "r9")]
    assert "unknown chapter 'cage'" in got[where(text, "cage")]
    assert "unknown choice 'nothing' in the story" in got[where(text, "nothing")]
    assert len(d) == 4


def test_a_bad_fallback_is_located(tmp_path):
    extra = "policies:\n  p:\n    fallback: greedy\n"
    (e,) = errors_of(duel(tmp_path, extra))
    assert (e.line, e.col) == where(MANIFEST + extra, "greedy")
    assert e.code == "RA004"
    assert "random, first or last" in e.message and "'greedy'" in e.message


def test_a_bad_expression_is_located(tmp_path):
    extra = """\
policies:
  p:
    rules:
      - {when: "scor > 1", prefer: [jab]}
      - {when: "score + 1", prefer: [jab]}
"""
    d = errors_of(duel(tmp_path, extra))
    text = MANIFEST + extra
    assert [x.code for x in d] == ["RA007", "RA007"]
    assert d[0].line == where(text, "scor >")[0] and "score" in d[0].message  # did you mean
    assert (d[1].line, d[1].col) == where(text, "score + 1")
    assert "must be true/false" in d[1].message


# -- the built-ins ------------------------------------------------------------------


def rates(story, policy, runs=200, **kw):
    return b.balance(story, [policy], runs=runs, **kw)["policies"][0]


def test_each_built_in_policy(tmp_path):
    story = load(duel(tmp_path))
    first = rates(story, "first")  # always jab: 50% a round
    cover = rates(story, "always:cover")
    last = rates(story, "last")  # always the haymaker
    rnd = rates(story, "random")
    assert cover["endings"] == {
        "beaten": {"count": 200, "percent": 100.0, "low": 98.12, "high": 100.0}
    }
    assert last["tags"]["win"]["percent"] > 90 > first["tags"]["win"]["percent"] > 25
    assert 0 < rnd["tags"]["win"]["count"] < 200
    assert first["choices_mean"] == last["choices_mean"] == 3.0  # (Continue is not a choice)
    assert cover["kind"] == "always" and rnd["kind"] == "random"
    # always:ID where the choice is never open plays like random: the same stream
    guarded = SCENES.replace("{id: cover, text: Cover,", '{id: cover, text: Cover, if: "false",')
    story2 = load(write_story(tmp_path / "g", {"story.yaml": MANIFEST, "ring.yaml": guarded}))
    assert rates(story2, "always:cover")["endings"] == rates(story2, "random")["endings"]


def test_unknown_policies_are_refused_with_a_hint(tmp_path):
    story = load(duel(tmp_path, CAREFUL))
    with pytest.raises(b.PolicyError, match=r"did you mean 'careful'"):
        b.balance(story, ["carefull"])
    with pytest.raises(b.PolicyError, match=r"did you mean always:haymaker"):
        b.balance(story, ["always:haymake"])
    assert main(["balance", "--story", str(duel(tmp_path, name="d2")), "--policy", "best"]) == 2


def test_declared_rules_fallback_and_start(tmp_path):
    story = load(duel(tmp_path, SMART))
    smart = rates(story, "smart")
    assert smart["endings"] == rates(story, "always:haymaker")["endings"]
    # from round 3 with two hits already: every policy wins
    start = Start.parse(story, "r3", ["score=2"])
    r = b.balance(story, ["first", "smart"], runs=50, start=start)
    assert [p["tags"]["win"]["percent"] for p in r["policies"]] == [100.0, 100.0]
    assert r["start"] == {"scene": "r3", "set": {"score": "2"}}
    assert [p["choices_mean"] for p in r["policies"]] == [1.0, 1.0]


# -- determinism ---------------------------------------------------------------------


def test_the_report_is_the_same_whatever_jobs(tmp_path):
    story = load(duel(tmp_path, CAREFUL))
    one = b.balance(story, runs=350, seed=7, jobs=1)
    two = b.balance(story, runs=350, seed=7, jobs=2)
    assert one == two
    assert b.balance(story, runs=350, seed=8, jobs=1) != one
    start = Start.parse(story, "r2", ["score=1"])
    plays = [("random", 450, None), ("careful", 120, None), ("always:jab", 230, start)]
    assert b.play_policies(story, plays, 3, jobs=1) == b.play_policies(story, plays, 3, jobs=2)


def test_cli_json_is_the_same_whatever_jobs(tmp_path, capsys):
    root = duel(tmp_path, CAREFUL)
    outs = []
    for jobs in ("1", "2"):
        assert (
            main(["balance", "--story", str(root), "--runs", "250", "--jobs", jobs, "--json"]) == 0
        )
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0] == outs[1]
    assert [p["policy"] for p in outs[0]["policies"]] == [
        "careful",
        "random",
        "first",
        "always:jab",
        "always:cover",
        "always:haymaker",
    ]


# -- Wilson intervals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "k,n,lo,hi",
    [
        (0, 10, 0.0, 27.75),
        (5, 10, 23.66, 76.34),
        (10, 10, 72.25, 100.0),
        (50, 100, 40.38, 59.62),
        (1, 100, 0.18, 5.45),
        (325, 500, 60.72, 69.06),
    ],
)
def test_wilson_intervals_on_known_counts(k, n, lo, hi):
    got = b.wilson(k, n)
    assert got == pytest.approx((lo, hi), abs=0.01)
    assert b.rate(k, n)["low"] == pytest.approx(lo, abs=0.01)


def test_wilson_with_no_runs_is_everything():
    assert b.wilson(0, 0) == (0.0, 100.0)


# -- the dominance scan --------------------------------------------------------------------


def test_the_scan_flags_a_dominant_choice(tmp_path):
    story = load(duel(tmp_path, CAREFUL))
    assert b.scan_choices(story) == ["jab", "cover", "haymaker"]
    r = b.balance(story, runs=300)
    scan = r["scan"]
    assert scan["goals"] == ["win"] and scan["against"] == ["careful"]
    flagged = {f["policy"] for f in scan["flagged"]}
    assert "always:haymaker" in flagged and "always:cover" not in flagged
    assert "DOMINANT always:haymaker: win" in b.format_report(r)


def test_the_scan_flags_nothing_when_the_declared_policy_plays_best(tmp_path):
    story = load(duel(tmp_path, SMART))
    r = b.balance(story, runs=300)
    assert r["scan"]["against"] == ["smart", "peek"]
    assert r["scan"]["flagged"] == [] and r["scan"]["within_noise"] == []
    assert "no choice dominates" in b.format_report(r)
    assert b.balance(story, runs=50, scan=False)["scan"] is None
    assert [p["policy"] for p in b.balance(story, ["smart"], runs=50)["policies"]] == ["smart"]


def test_the_scan_counts_only_scenes_reachable_from_the_start(tmp_path):
    story = load(duel(tmp_path))
    assert b.scan_choices(story, "r2") == []  # only r2 and r3 offer them from there
    assert b.scan_choices(story, "r1") == ["jab", "cover", "haymaker"]


def test_the_goal_tags(tmp_path):
    story = load(duel(tmp_path))
    assert b.goal_tags(story) == ["win"]
    assert b.goal_tags(story, ["loss"]) == ["loss"]
    with pytest.raises(b.PolicyError, match="no ending has the tag 'glory'"):
        b.balance(story, runs=10, goals=["glory"])
    targets = "balance:\n  - {policy: first, tag: loss, at_least: 1}\n"
    assert b.goal_tags(load(duel(tmp_path, targets, name="t"))) == ["loss"]


# -- what the player is not shown -----------------------------------------------------------


def test_the_variables_a_policy_reads_that_the_player_is_not_shown(tmp_path):
    story = load(duel(tmp_path, SMART))
    r = b.balance(story, runs=20, scan=False)
    unseen = {p["policy"]: p["unseen_variables"] for p in r["policies"]}
    # hp is in the sidebar, score a HUD bar; secret is nowhere
    assert unseen == {"smart": [], "peek": ["secret"], "random": [], "first": []}
    text = b.format_report(r)
    assert "peek reads secret: it is never shown to the player" in text


def test_the_hud_round_counts_as_shown(tmp_path):
    extra = "policies:\n  p:\n    rules:\n      - {when: 'rnd == 0', prefer: [jab]}\n"
    story = load(duel(tmp_path, extra))
    assert b.unseen_variables(story, b.player(story, "p")) == []


def test_a_variable_declared_shown_counts_as_shown(tmp_path):
    extra = "policies:\n  p:\n    rules:\n      - {when: 'secret == 1', prefer: [jab]}\n"
    story = load(duel(tmp_path, extra))
    assert b.unseen_variables(story, b.player(story, "p")) == ["secret"]
    told = MANIFEST.replace(
        "secret: {type: int, default: 1, min: 0, max: 1}",
        "secret: {type: int, default: 1, min: 0, max: 1, shown: true}",
    )
    root = write_story(tmp_path / "told", {"story.yaml": told + extra, "ring.yaml": SCENES})
    story = load(root)
    assert story.variables[story.var_index["secret"]].shown
    assert b.unseen_variables(story, b.player(story, "p")) == []


# One scene played again and again: its choices are scanned though no other scene offers them.
LOOP = """\
chapter: ring
scenes:
  - id: r1
    text: A round.
    choices:
      - {id: jab, text: Jab, chance: "50", success: hit, failure: bell}
      - {id: haymaker, text: Haymaker, chance: "95", success: hit, failure: bell}
  - id: hit
    text: A hit.
    add: {score: 1}
    next: bell
  - id: bell
    text: The bell.
    next:
      - {if: "score >= 3", to: won}
      - {if: "rnd >= 5", to: lost}
      - {to: r1, add: {rnd: 1}}
""" + SCENES[SCENES.index("  - id: won") :]


def test_the_scan_plays_the_choices_of_a_scene_played_again(tmp_path):
    root = write_story(tmp_path / "loop", {"story.yaml": MANIFEST, "ring.yaml": LOOP})
    story = load(root)
    assert b.on_cycle(story, "r1") and not b.on_cycle(story, "won")
    assert b.scan_choices(story) == ["jab", "haymaker"]


def test_check_fails_when_the_scan_flags_a_choice(tmp_path, capsys):
    # the declared policy jabs; always:haymaker wins measurably more often
    targets = (
        "policies:\n  jabber:\n    rules:\n      - {prefer: [jab]}\n"
        "balance:\n  - {policy: jabber, tag: win, at_least: 1, runs: 300}\n"
    )
    root = write_story(tmp_path / "loop", {"story.yaml": MANIFEST + targets, "ring.yaml": LOOP})
    assert main(["balance", "--check", "--story", str(root)]) == 1
    out = capsys.readouterr().out
    assert "ok: jabber reaches tag win" in out
    assert "dominance scan from the start, 300 runs each: a single choice beats" in out
    assert "DOMINANT always:haymaker: win" in out
    assert "1 of 1 balance target hold; the dominance scan flags choices from 1 start(s)" in out


# -- targets and --check ------------------------------------------------------------------------


TARGETS = """\
balance:
  - policy: smart
    tag: win
    at_least: 80
    runs: 200
  - policy: always:cover
    ending: beaten
    at_least: 99.5
  - policy: first
    tag: win
    at_least: 20
    at_most: 60
    start: {scene: r1, set: {hp: 2}}
"""


def test_check_passes(tmp_path, capsys):
    root = duel(tmp_path, SMART + TARGETS)
    story = load(root)
    assert [t.policy for t in story.balance] == ["smart", "always:cover", "first"]
    assert story.balance[2].values == (("hp", "2"),) and story.balance[1].runs is None
    assert main(["balance", "--check", "--story", str(root), "--runs", "300"]) == 0
    out = capsys.readouterr().out
    assert out.count("ok: smart") + out.count("ok: always") + out.count("ok: first") == 3
    assert "3 of 3 balance targets hold" in out and "ok: dominance scan" in out
    assert "of 300 runs" in out and "of 200 runs" in out


def test_check_fails_with_the_located_message(tmp_path, capsys):
    missed = TARGETS.replace("at_least: 80", "at_least: 99").replace("at_most: 60", "at_most: 30")
    root = duel(tmp_path, SMART + missed)
    assert main(["balance", "--check", "--story", str(root), "--runs", "300"]) == 1
    out = capsys.readouterr().out
    text = MANIFEST + SMART + missed
    line1 = where(text, "- policy: smart")
    line3 = where(text, "- policy: first")
    file = str(root / "story.yaml")
    lines = [x for x in out.splitlines() if "balance target missed" in x]
    assert len(lines) == 2
    assert lines[0].startswith(f"{file}:{line1[0]}:{line1[1] + 2}: balance target missed: smart ")
    assert lines[1].startswith(f"{file}:{line3[0]}:{line3[1] + 2}: balance target missed: first ")
    assert "reaches tag win in " in lines[0] and "% of 200 runs (95% CI " in lines[0]
    assert lines[0].endswith("from the start: expected at least 99%")
    assert "from r1 with hp=2: expected at least 20% and at most 30%" in lines[1]
    assert "1 of 3 balance targets hold; 2 missed" in out
    # JSON: the same, with the rates
    assert main(["balance", "--check", "--story", str(root), "--runs", "300", "--json"]) == 1
    r = json.loads(capsys.readouterr().out)
    assert [t["ok"] for t in r["targets"]] == [False, True, False] and r["missed"] == 2
    assert r["targets"][0]["rate"]["low"] <= r["targets"][0]["rate"]["percent"]


def test_check_without_targets_and_usage_errors(tmp_path, capsys):
    root = duel(tmp_path)
    assert main(["balance", "--check", "--story", str(root)]) == 0
    assert "no balance targets" in capsys.readouterr().out
    assert main(["balance", "--check", "--story", str(root), "--policy", "first"]) == 2
    assert main(["balance", "--story", str(root), "--from", "r7"]) == 2
    assert "unknown scene 'r7'" in capsys.readouterr().err


def test_bad_targets_are_located(tmp_path):
    extra = """\
balance:
  - {policy: carefull, tag: win, at_least: 50}
  - {policy: first, tag: glory, at_least: 50}
  - {policy: first, ending: champ, at_most: 50}
  - {policy: first, tag: win}
  - {policy: first, tag: win, at_least: 150}
  - {policy: first, tag: win, at_least: 60, at_most: 40}
  - {policy: always:uppercut, tag: win, at_least: 1}
  - {policy: first, tag: win, at_least: 1, runs: 0}
  - {policy: first, tag: win, at_least: 1, start: {scene: r7}}
  - {policy: first, tag: win, at_least: 1, start: {set: {score: 9}}}
"""
    d = errors_of(duel(tmp_path, CAREFUL + extra))
    text = MANIFEST + CAREFUL + extra
    got = {(x.line, x.col): x.message for x in d}
    assert "unknown policy 'carefull' (did you mean 'careful'?)" in got[where(text, "carefull")]
    assert "unknown tag 'glory'" in got[where(text, "glory")]
    assert "unknown ending 'champ'" in got[where(text, "champ,")]
    assert "needs at_least or at_most" in got[where(text, "{policy: first, tag: win}")]
    assert "percentage from 0 to 100" in got[where(text, "150}")]
    assert "at_most (40) is below at_least (60)" in got[where(text, "at_most: 40}", 9)]
    assert "unknown choice 'uppercut'" in got[where(text, "always:uppercut")]
    assert "runs must be from 1" in got[where(text, "runs: 0}", 6)]
    assert "unknown scene 'r7'" in got[where(text, "r7")]
    assert "must be between 0 and 3; got 9" in got[where(text, "score: 9}")]
    assert len(d) == 10


def test_targets_name_the_goal_tags_of_the_scan(tmp_path):
    story = load(duel(tmp_path, SMART + TARGETS))
    assert b.goal_tags(story) == ["win"]
    r = b.check_targets(story, runs=100)
    assert [t["runs"] for t in r["targets"]] == [200, 100, 100]


# -- the load cache keeps them ----------------------------------------------------------------


def test_policies_targets_and_tags_survive_the_load_cache(tmp_path):
    root = duel(tmp_path, SMART + TARGETS)
    cdir = tmp_path / "cache"
    fresh = load_story(root, cache=False)
    load_story(root, cache_dir=cdir)
    scan = files_mod.scan_story(root, str(root))
    cached = cache_mod.load_cached(scan.digest, cdir, scan.files, scan.size)
    assert cached is not None and cached == fresh
    assert cached.policies == fresh.policies and cached.balance == fresh.balance


# -- a pack's policies -----------------------------------------------------------------------


PACK = """\
format: 1
name: coach
version: 1.0.0
extends: duel
endings:
  - {id: retired, title: Retired, epilogue: Home., tags: [loss, quit]}
hooks:
  - scene: r1
    choices:
      - {id: pep, text: A pep talk, to: pep_talk}
policies:
  eager:
    fallback: first
    rules:
      - {scene: r1, prefer: [pep]}
      - {scene: pep_talk, prefer: [go, leave]}
"""

PACK_SCENES = """\
chapter: ring
scenes:
  - id: pep_talk
    text: Go get him.
    choices:
      - {id: leave, text: Go home, to: home}
      - {id: go, text: Go, add: {score: 2}, to: r2}
  - id: home
    text: Home.
    ending: retired
"""


def test_a_packs_policies(tmp_path, capsys):
    root = duel(tmp_path, CAREFUL)
    pack = write_story(tmp_path / "coach", {"pack.yaml": PACK, "talk.yaml": PACK_SCENES})
    story = load_story(root, [pack], cache=False)
    assert [p.name for p in story.policies] == ["careful", "coach.eager"]
    eager = story.policies[1]
    assert [r.scene for r in eager.rules] == ["r1", "coach.pep_talk"]
    assert eager.rules[0].prefer == ("coach.pep",) and eager.rules[1].prefer == ("go", "leave")
    assert story.endings["coach.retired"].tags == ("loss", "quit")
    r = b.balance(story, ["coach.eager"], runs=100)
    assert r["policies"][0]["tags"]["win"]["percent"] == 100.0
    args = ["balance", "--story", str(root), "--pack", str(pack), "--no-cache", "--runs", "50"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "coach.eager" in out and "quit" in out  # (a tag only the pack's ending has)


def test_a_packs_policy_errors_are_located(tmp_path):
    root = duel(tmp_path)
    bad = PACK.replace("prefer: [go, leave]", "prefer: [go, stay]")
    pack = write_story(tmp_path / "coach", {"pack.yaml": bad, "talk.yaml": PACK_SCENES})
    with pytest.raises(StoryLoadError) as e:
        load_story(root, [pack], cache=False)
    (d,) = e.value.diagnostics
    assert d.file.endswith("pack.yaml") and (d.line, d.col) == where(bad, "stay")
    assert "unknown choice 'stay' in scene 'coach.pep_talk'" in d.message


# -- the bundled story -------------------------------------------------------------------------


def test_the_bundled_story_declares_policies_and_tags():
    story = load_story(ROOT / "story", cache=False)
    assert {"skilled", "by_the_bars"} <= {p.name for p in story.policies}
    tags = b.tags_in_order(story)
    assert {"win", "loss", "death", "quit", "draw"} <= set(tags)
    assert all(e.tags for e in story.endings.values())
    skilled = b.player(story, "skilled")
    # it plays from what the player is shown: the tell as written, the HUD, its own style
    assert b.unseen_variables(story, skilled) == []
    assert b.unseen_variables(story, b.player(story, "by_the_bars")) == []
    start = Start.parse(story, "arena", ["strength=5", "speed=7", "stamina=8", "chin=7"])
    r = b.balance(story, ["skilled", "random"], runs=40, start=start)
    assert all(sum(p["unfinished"].values()) == 0 for p in r["policies"])
    # The targets are declared (.ci/run plays them: balance --check): for both bouts,
    # the skilled policy trained and untrained, random, first and always: every tactic.
    for scene, skilled_name in (("read", "skilled"), ("rm_read", "cornerman")):
        tactics = {c.id for c in story.scenes[scene].choices or ()}
        arena = "arena" if scene == "read" else "rematch_arena"
        held = {(t.policy, t.at_least, t.at_most) for t in story.balance if t.scene == arena}
        assert (skilled_name, 65, None) in held and (skilled_name, None, 45) in held
        assert ("random", None, 20) in held and ("first", None, 30) in held
        assert {f"always:{c}" for c in tactics} <= {p for p, _, hi in held if hi == 30}
        assert all(t.runs is not None and t.runs >= 500 for t in story.balance if t.scene == arena)
