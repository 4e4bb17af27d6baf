"""Analysis that starts where it is asked to (--from/--set), explores a
pack from the states real playthroughs reach at its hooks, and proves a
pack's ending unreachable without playing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write_story

from rocky_adventure.cli import main
from rocky_adventure.engine import load_story, replay
from rocky_adventure.engine.start import Start, StartError
from rocky_adventure.tools.explore import Explorer, explore_from, hook_scenes, hook_states
from rocky_adventure.tools.lint import lint
from tools.test_packs import make_pack

# -- a small story for --from/--set ---------------------------------------------

GATE = {
    "story.yaml": """\
        format: 1
        id: gate
        title: Gate
        start: a
        variables:
          key: {type: bool, default: false}
          n: {type: int, default: 1, min: 0, max: 10}
        chapters:
          - {id: one, title: One}
        endings:
          - {id: win, title: Win, epilogue: Won.}
          - {id: lose, title: Lose, epilogue: Lost.}
        """,
    "scenes.yaml": """\
        chapter: one
        scenes:
          - id: a
            text: The start.
            choices:
              - {id: walk, text: Walk, to: b}
              - {id: wait, text: Wait, to: c}
          - id: b
            text: A door.
            choices:
              - {id: door, text: Open it, if: key, to: w}
              - {id: leave, text: Leave, to: l}
          - id: c
            text: A count of {n}.
            choices:
              - {id: up, text: Up, if: "n > 0", to: l}
              - {id: on, text: On, if: "n > 0", to: b}
          - {id: w, text: Won., ending: win}
          - {id: l, text: Lost., ending: lose}
        """,
}


def gate(tmp_path: Path) -> Path:
    return write_story(tmp_path / "gate", GATE)


def run_json(capsys, argv: list[str]):
    code = main(argv)
    out = capsys.readouterr()
    return code, out


def test_explore_from_set(tmp_path, capsys):
    root = gate(tmp_path)
    code, out = run_json(capsys, ["explore", "--story", str(root), "--json"])
    assert code == 0 and json.loads(out.out)["unreached_endings"] == ["win"]
    code, out = run_json(
        capsys, ["explore", "--story", str(root), "--from", "b", "--set", "key=true", "--json"]
    )
    r = json.loads(out.out)
    assert code == 0 and r["reached_endings"] == ["lose", "win"]
    assert r["from"] == {"scene": "b", "set": {"key": "true"}}
    assert "a" in r["unreached_scenes"]  # it started at b
    # the API: the same start, and routes from it begin there
    s = load_story(root, cache=False)
    ex = explore_from(s, start=Start.parse(s, "b", ["key=true"]))
    assert [c for c, _ in ex.route(ex.endings["win"])] == ["door"]


def test_route_from_set(tmp_path, capsys):
    root = gate(tmp_path)
    argv = ["route", "--story", str(root), "--ending", "win"]
    assert main(argv) == 1  # no route from the start: the key is never found
    assert "no route to win: no route exists" in capsys.readouterr().err
    assert main(argv + ["--from", "c", "--set", "key=true"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["routes"][0]["choices"] == ["on", "door"] and doc["routes"][0]["shortest"]
    assert doc["from"] == {"scene": "c", "set": {"key": "true"}}
    assert "win: 2 choices (shortest" in out.err


def test_check_from_set(tmp_path, capsys):
    root = gate(tmp_path)

    def codes(*extra: str) -> list[tuple[str, str]]:
        main(["check", str(root), "--format", "json", *extra])
        [report] = json.loads(capsys.readouterr().out)
        return [(d["code"], d["message"]) for d in report["diagnostics"]]

    assert not [c for c, _ in codes() if c == "RA102"]
    found = codes("--from", "c", "--set", "n=0")
    assert any(c == "RA102" and "stuck in scene 'c'" in m for c, m in found)
    # with the key, the door opens: the win is reachable from b, not from the start
    assert any(c == "RA107" and "'win'" in m for c, m in codes())
    assert not any(c == "RA107" for c, _ in codes("--from", "b", "--set", "key=true"))


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--from", "nowhere"], "unknown scene 'nowhere'"),
        (["--set", "n=11"], "variable 'n' must be between 0 and 10; got 11"),
        (["--set", "nope=1"], "unknown variable 'nope'"),
        (["--set", "key"], "expected NAME=VALUE"),
    ],
)
@pytest.mark.parametrize("command", ["explore", "route", "check"])
def test_a_bad_start_ends_with_exit_2(tmp_path, capsys, command, argv, message):
    root = gate(tmp_path)
    where = [str(root)] if command == "check" else ["--story", str(root)]
    assert main([command, *where, *argv]) == 2
    err = capsys.readouterr().err
    assert f"rocky-adventure {command}: " in err and message in err and "Traceback" not in err
    s = load_story(root, cache=False)
    with pytest.raises(StartError):
        Start.parse(s, *(argv[1:] if argv[0] == "--from" else [None, argv[1:]]))


# -- a pack hooked 32 choices deep ---------------------------------------------------

DEPTH = 32


def deep(tmp_path: Path) -> Path:
    """A chain of DEPTH scenes, each with a flag to set or not: 2**DEPTH
    states before the gym, where a pack hooks in (the gym reads every flag,
    so none merges)."""
    flags = "\n".join(f"          f{i}: {{type: bool, default: false}}" for i in range(DEPTH))
    scenes = []
    for i in range(DEPTH):
        nxt = f"s{i + 1}" if i + 1 < DEPTH else "gym"
        scenes.append(
            f"""\
          - id: s{i}
            text: Step {i}.
            choices:
              - {{id: "yes", text: Yes, set: {{f{i}: true}}, to: {nxt}}}
              - {{id: "no", text: No, to: {nxt}}}
"""
        )
    every = " and ".join(f"f{i}" for i in range(DEPTH))
    return write_story(
        tmp_path / "deep",
        {
            "story.yaml": f"""\
        format: 1
        id: deep
        title: Deep
        start: s0
        variables:
{flags}
        chapters:
          - {{id: one, title: One}}
        endings:
          - {{id: perfect, title: Perfect, epilogue: All of them.}}
          - {{id: plain, title: Plain, epilogue: Done.}}
        """,
            "scenes.yaml": "        chapter: one\n        scenes:\n"
            + "".join(scenes)
            + f"""\
          - id: gym
            text: The gym.
            choices:
              - {{id: all, text: All, if: "{every}", to: e_all}}
              - {{id: go, text: Go, to: e_plain}}
          - {{id: e_all, text: All., ending: perfect}}
          - {{id: e_plain, text: Done., ending: plain}}
""",
        },
    )


PACK_MANIFEST = """\
format: 1
name: {name}
title: A Pack
version: 1.0.0
extends: deep
variables:
  counter: {{type: int, default: 0, min: 0, max: 5}}
endings:
  - id: legend
    title: A Legend
    epilogue: Legend.
hooks:
  - scene: gym
    choices:
      - id: enter
        text: Go in
{effect}        to: p0
"""


def late_pack(root: Path, length: int = 20) -> Path:
    """A pack of `length` scenes in a row from the gym to its ending."""
    scenes = "".join(
        f"""\
  - id: p{i}
    text: Room {i}.
    choices:
      - {{id: on, text: On, to: {f"p{i + 1}" if i + 1 < length else "legend_end"}}}
      - {{id: out, text: Out, to: e_plain}}
"""
        for i in range(length)
    )
    branch = (
        "chapter: one\nscenes:\n" + scenes + "  - {id: legend_end, text: Legend., ending: legend}\n"
    )
    return make_pack(
        root, branch=branch, **{"pack.yaml": PACK_MANIFEST.format(name="late", effect="")}
    )


def test_pack_exploration_reaches_an_ending_behind_a_late_hook(tmp_path, capsys):
    story_root = deep(tmp_path)
    s = load_story(story_root, [late_pack(tmp_path / "late")], cache=False)
    assert hook_scenes(s) == ["gym"]
    budget = 3_000
    # from the start alone the budget runs out some 11 choices in
    alone = Explorer(s).run(budget)
    assert not alone.complete and "gym" not in alone.scenes
    assert "late.legend" not in alone.endings
    # the states random playthroughs reach at the hook: distinct, bounded, deterministic
    states = hook_states(s)["gym"]
    assert 1 < len(states) <= 24 and all(st.scene == "gym" for st in states)
    assert [st.v for st in hook_states(s)["gym"]] == [st.v for st in states]
    ex = explore_from(s, budget=budget)
    assert not ex.complete and ex.hook_states == len(states)
    pack_scenes = {sid for sid in s.scenes if sid.startswith("late.")}
    assert pack_scenes <= ex.scenes and "late.legend" in ex.endings
    # its route starts from the start of the story, through the hook, and plays
    route = [c for c, _ in ex.route(ex.endings["late.legend"])]
    assert len(route) == DEPTH + 1 + 20
    assert replay(s, 0, route).ending == "late.legend"
    # the command does the same
    argv = ["explore", "--story", str(story_root), "--pack", str(tmp_path / "late")]
    assert main([*argv, "--budget", str(budget), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert "late.legend" in r["reached_endings"] and r["hook_states"] == len(states)
    assert main([*argv, "--budget", str(budget)]) == 0
    assert "also explored from" in capsys.readouterr().out


# -- RA107: a pack's ending no state can reach ---------------------------------------

RESET_BRANCH = """\
chapter: one
scenes:
  - id: gate
    text: The gate. Counter {counter}.
    choices:
      - {id: win, text: Win, if: "counter >= 3", to: legend_end}
      - {id: leave, text: Leave, add: {counter: 1}, to: gym}
  - {id: legend_end, text: Legend., ending: legend}
"""


def reset_pack(root: Path, reset: bool = True) -> Path:
    """The hook choice sets the counter to 0 right before the only check,
    `counter >= 3`, on the way to the pack's ending; leaving adds 1 (so
    the counter does reach 3, elsewhere)."""
    effect = "        set: {counter: 0}\n" if reset else ""
    manifest = PACK_MANIFEST.format(name="reset", effect=effect).replace("to: p0", "to: gate")
    return make_pack(root, name="reset", branch=RESET_BRANCH, **{"pack.yaml": manifest})


def test_ra107_pack_ending_never_reached_found_without_playing(tmp_path, capsys):
    story_root = deep(tmp_path)
    pack = reset_pack(tmp_path / "reset")
    s = load_story(story_root, [pack], cache=False)
    budget = 2_000
    assert not explore_from(s, budget=budget).complete  # the whole state space does not fit
    found = [d for d in lint(s, budget) if d.code == "RA107"]
    assert [d.message.split(":")[0] for d in found] == ["ending 'reset.legend' is never reached"]
    [d] = found
    assert d.file == f"{pack}/pack.yaml" and d.line > 0  # the pack's ending, in the pack's file
    assert "found without playing" in d.message
    # flow-insensitively the condition can hold: it is not reported as never true
    assert not any(x.code == "RA103" for x in lint(s, budget))
    # and check --pack says so, naming the pack
    argv = ["check", str(story_root), "--pack", str(pack), "--explore-budget", str(budget)]
    main([*argv, "--format", "json"])
    [report] = json.loads(capsys.readouterr().out)
    [hit] = [x for x in report["diagnostics"] if x["code"] == "RA107"]
    assert hit["pack"] == "reset" and hit["file"].endswith("pack.yaml")


def test_ra107_not_reported_when_the_counter_can_reach_the_check(tmp_path):
    s = load_story(deep(tmp_path), [reset_pack(tmp_path / "keep", reset=False)], cache=False)
    assert not [d for d in lint(s, 2_000) if d.code == "RA107"]
    # (the ending is reachable: in, out, in, out, in, out, in, win)
    route = ["yes"] * DEPTH + ["reset.enter", "leave"] * 3 + ["reset.enter", "win"]
    assert replay(s, 0, route).ending == "reset.legend"
