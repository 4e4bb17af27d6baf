"""randomtest, explore, route, transcript and graph on small stories with
known answers."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rocky_adventure.cli import main
from rocky_adventure.engine import load_story, replay
from rocky_adventure.tools.explore import (
    RNG_HIGHEST,
    RNG_LOWEST,
    Explorer,
    explore,
    routes,
    routes_for,
)
from rocky_adventure.tools.graph import to_dot, to_mermaid
from rocky_adventure.tools.randomtest import randomtest
from rocky_adventure.tools.transcript import parse_routes, transcript
from tools.storybuild import build, ch, end, scene, write_story

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "examples" / "tiny-bout"
STARTER = ROOT / "examples" / "starter"
INT = {"type": "int", "default": 0, "min": 0, "max": 10}


def diamond(tmp_path):
    """a -> (left | right) -> b; b -> win needs the `key` from the right;
    a counter loop that adds states; a chance check to `lucky`."""
    return build(
        tmp_path,
        [
            scene("a", ch("left", "b"), ch("right", "b", set={"key": True})),
            scene(
                "b",
                ch("door", "w", **{"if": "key"}),
                ch("wait", "b2", add={"n": 1}, **{"if": "n < 3"}),
                ch("dice", None, chance="50", success="lucky", failure="l"),
            ),
            scene("b2", ch("back", "b")),
            end("w", "win"),
            end("lucky", "lucky"),
            end("l", "lost"),
        ],
        variables={
            "key": {"type": "bool", "default": False},
            "n": {"type": "int", "default": 0, "min": 0, "max": 3},
        },
        endings=["win", "lucky", "lost"],
    )


# -- explore ------------------------------------------------------------------


def test_rng_extremes():
    from rocky_adventure.engine.rng import next_float

    assert next_float(RNG_LOWEST)[1] == 0.0
    assert next_float(RNG_HIGHEST)[1] > 0.99999999


def test_explore_counts_states_exactly(tmp_path):
    s = diamond(tmp_path)
    ex = explore(s)
    assert ex.complete
    # a (1) + b: key in {F,T} x n in 0..3 (8) + b2: n 1..3 x key (6)
    # + w: key true x n (4) + lucky and l: key x n (8 each)
    assert set(ex.endings) == {"win", "lucky", "lost"}
    assert ex.scenes == set(s.scenes)
    assert ex.states == 1 + 8 + 6 + 4 + 8 + 8
    assert not ex.dead_ends and not ex.faults


def test_explore_budget_says_incomplete(tmp_path):
    ex = explore(diamond(tmp_path), budget=5)
    assert not ex.complete and ex.states == 5


def test_explore_with_seed_follows_the_dice(tmp_path):
    s = load_story(TINY, cache=False)
    both = explore(s)
    assert set(both.endings) == {"champion", "canvas"}
    for seed in range(5):
        ex = explore(s, seed=seed)
        assert ex.complete
        for e, k in ex.endings.items():
            choices = [c for c, _ in ex.route(k)]
            assert replay(s, seed, choices).ending == e


def test_explore_finds_faults_and_dead_ends(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("div", "b", set={"n": "10 // n"}), ch("stuck", "c")),
            scene("b", ch("o", "w")),
            scene("c", ch("never", "w", **{"if": "n > 5"})),
            end("w", "win"),
        ],
        variables={"n": INT},
        endings=["win"],
    )
    ex = explore(s)
    assert [k[0] for k in ex.dead_ends] == ["c"]
    assert len(ex.faults) == 1 and "division by zero" in ex.faults[0].message
    assert ex.faults[0].choice == "div"


def test_explore_key_ignores_text_only_variables(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("up", "a", add={"shown": 1}), ch("go", "w")),
            end("w", "win", text="{shown}"),
        ],
        variables={"shown": INT},
        endings=["win"],
    )
    assert explore(s).states == 2  # `shown` never changes where the story goes


# -- route -----------------------------------------------------------------------


def test_routes_are_shortest(tmp_path):
    s = diamond(tmp_path)
    ex, found = routes(s)
    assert found["win"] == [("right", None), ("door", None)]
    assert found["lucky"] == [("left", None), ("dice", "success")]
    assert found["lost"][-1] == ("dice", "failure")


def test_routes_for_replay(tmp_path):
    s = load_story(STARTER, cache=False)
    ex, found = routes_for(s)
    assert {r["ending"] for r in found} == set(s.endings)
    for r in found:
        assert r["exact"]
        assert replay(s, r["seed"], r["choices"]).ending == r["ending"]
    ex, found = routes_for(s, seed=11)
    for r in found:
        assert replay(s, 11, r["choices"]).ending == r["ending"]


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_seeded_routes_replay_for_any_seed(seed):
    s = load_story(TINY)
    _, found = routes_for(s, seed=seed)
    assert found  # some ending is always reachable
    for r in found:
        assert replay(s, seed, r["choices"]).ending == r["ending"]


def test_route_command_and_transcript(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["route", "--story", str(STARTER), "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["format"] == "rocky-adventure-route" and len(doc["routes"]) == 4
    assert main(["route", "--story", str(STARTER), "--ending", "nope"]) == 2
    capsys.readouterr()
    assert main(["transcript", str(out), "--story", str(STARTER), "--ending", "champion"]) == 0
    text = capsys.readouterr().out
    assert "== THE END:" in text and "[champion]" in text


# -- transcript -------------------------------------------------------------------------


def test_transcript_golden(tmp_path):
    s = load_story(TINY, cache=False)
    text, err = transcript(s, 1, ["warm_up", "box"])
    assert err is None
    lines = text.splitlines()
    assert lines[0] == "# A Tiny Bout (story tiny-bout, seed 1)"
    assert "> Shadow-box until you sweat [warm_up]" in lines
    assert "  [swing] Throw the big right hand" in lines
    assert lines[-2].startswith("== THE END:")
    assert transcript(s, 1, ["warm_up", "box"]) == (text, None)  # deterministic


def test_transcript_stops_at_a_closed_choice(tmp_path, capsys):
    s = load_story(TINY, cache=False)
    text, err = transcript(s, 1, ["rest", "swing"])
    assert "choice 2" in err and "'swing'" in err and "open: box" in err
    assert "!! choice 2" in text
    assert main(["transcript", "--story", str(TINY), "--choices", "rest,swing"]) == 1


def test_parse_routes_forms():
    assert parse_routes(["a", "b"], 3)[0].seed == 3
    r = parse_routes(
        {
            "format": "rocky-adventure-route",
            "seed": 9,
            "routes": [{"choices": ["x"], "ending": "e"}],
        }
    )
    assert r[0].seed == 9 and r[0].ending == "e"
    from rocky_adventure.tools.transcript import RouteError

    for bad in (
        {"choices": "x"},
        {"choices": [1]},
        {"routes": 3},
        [1, 2],
        {"choices": [], "seed": -1},
    ):
        with pytest.raises(RouteError):
            parse_routes(bad)


# -- randomtest -------------------------------------------------------------------------------


def test_randomtest_same_seed_same_report():
    s = load_story(STARTER, cache=False)
    a = randomtest(s, runs=250, seed=7)
    assert a == randomtest(s, runs=250, seed=7)
    assert a == randomtest(s, runs=250, seed=7, jobs=2)
    assert a != randomtest(s, runs=250, seed=8)
    assert sum(e["count"] for e in a["endings"].values()) + sum(a["unfinished"].values()) == 250
    assert abs(sum(e["percent"] for e in a["endings"].values()) - 100) < 0.1


def test_randomtest_prefers_untaken_choices(tmp_path):
    # ten doors, one run each: preferring untaken choices opens all ten
    doors = [ch(f"d{i}", "w", text=f"Door {i}") for i in range(10)]
    s = build(tmp_path, [scene("a", *doors), end("w", "win")], endings=["win"])
    assert randomtest(s, runs=10, seed=1)["coverage"]["choices"]["never"] == []
    assert randomtest(s, runs=10, seed=1, prefer=False)["coverage"]["choices"]["never"] != []


def test_randomtest_reports_faults_with_replayable_seeds(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("div", "b", set={"n": "10 // n"}), ch("loop", "c"), ch("ok", "w")),
            scene("b", ch("o", "w")),
            scene("c", ch("again", "c")),
            end("w", "win"),
        ],
        variables={"n": INT},
        endings=["win"],
    )
    r = randomtest(s, runs=60, seed=0, step_limit=50)
    assert r["unfinished"]["error"] > 0 and r["unfinished"]["step_limit"] > 0
    err = next(e for e in r["errors"] if e["kind"] == "error")
    assert "division by zero" in err["message"]
    from rocky_adventure.engine import StoryRuntimeError

    with pytest.raises(StoryRuntimeError):
        replay(s, err["seed"], err["choices"])


def test_randomtest_command(capsys):
    assert main(["randomtest", "--story", str(TINY), "--runs", "50", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["runs"] == 50 and set(r["endings"]) == {"champion", "canvas"}
    assert main(["randomtest", "--story", str(TINY), "--runs", "50"]) == 0
    assert "coverage: scenes 4/4" in capsys.readouterr().out


# -- graph -----------------------------------------------------------------------------------


def test_graph_dot_and_mermaid():
    s = load_story(STARTER, cache=False)
    dot = to_dot(s)
    assert 'subgraph "cluster_' in dot and "doubleoctagon" in dot and "palegreen" in dot
    assert "style=dashed" in dot and "style=dotted" in dot
    mer = to_mermaid(s)
    assert mer.startswith("flowchart TD") and "-.->" in mer and "class " in mer
    chapter = s.chapters[0].id
    part = to_dot(s, chapter)
    assert all(sc.id in part for sc in s.scenes.values() if sc.chapter == chapter)
    with pytest.raises(ValueError):
        to_dot(s, "no_such_chapter")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_renders_with_dot(tmp_path):
    s = load_story(STARTER, cache=False)
    r = subprocess.run(["dot", "-Tsvg"], input=to_dot(s).encode(), capture_output=True, timeout=60)
    assert r.returncode == 0 and b"<svg" in r.stdout, r.stderr
    out = tmp_path / "story.svg"
    assert main(["graph", "--story", str(STARTER), "-o", str(out)]) == 0
    assert out.read_bytes().lstrip().startswith(b"<?xml") or b"<svg" in out.read_bytes()


def test_graph_command_formats(tmp_path, capsys):
    assert main(["graph", "--story", str(TINY), "--format", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("flowchart TD")
    out = tmp_path / "g.mmd"
    assert main(["graph", "--story", str(TINY), "-o", str(out)]) == 0
    assert out.read_text().startswith("flowchart")
    assert main(["graph", "--story", str(TINY), "--chapter", "nope"]) == 2
    (tmp_path / "afile").write_text("")
    capsys.readouterr()
    assert main(["graph", "--story", str(TINY), "-o", str(tmp_path / "afile" / "g.mmd")]) == 1
    assert capsys.readouterr().err.startswith(
        f"rocky-adventure: {tmp_path / 'afile' / 'g.mmd'}: "
    )  # no traceback


def test_every_tool_has_help_with_an_example(capsys):
    for name in (
        "randomtest",
        "explore",
        "route",
        "transcript",
        "graph",
        "check",
        "new-pack",
        "stats",
    ):
        with pytest.raises(SystemExit):
            main([name, "--help"])
        out = capsys.readouterr().out
        assert "example:" in out and "rocky-adventure" in out, name


def test_explorer_cursor_round_trip(tmp_path):
    s = diamond(tmp_path)
    e = Explorer(s)
    from rocky_adventure.engine import Cursor

    c = Cursor.start(s, 0)
    c.step("right")
    assert e.key(e.cursor(e.key(c))) == e.key(c)


def test_write_story_helper(tmp_path):
    assert (
        write_story(tmp_path, [scene("a", ch("go", "w")), end("w", "win")], endings=["win"])
        / "story.yaml"
    ).exists()


def test_guided_walks_when_the_budget_is_too_small():
    s = load_story(STARTER, cache=False)
    ex, found = routes_for(s, budget=10)
    assert not ex.complete and {r["ending"] for r in found} == set(s.endings)
    assert any(not r["shortest"] for r in found)
    for r in found:
        assert r["exact"]
        assert replay(s, r["seed"], r["choices"]).ending == r["ending"]
    # deterministic
    assert routes_for(s, budget=10)[1] == found


def test_astar_finds_a_shortest_route(tmp_path):
    s = diamond(tmp_path)
    route, states, complete = Explorer(s).search("win")
    assert route == [("right", None), ("door", None)] and complete
    assert Explorer(s).search("lost")[0] == [("left", None), ("dice", "failure")]


def test_randomtest_finds_faults_in_text(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("go", "b", set={"n": 0}), text="n is {n}"),
            scene("b", ch("o", "w"), text="Ratio {10 // n}"),
            end("w", "win"),
        ],
        variables={"n": {**INT, "default": 1}},
        endings=["win"],
    )
    r = randomtest(s, runs=5, seed=0)
    assert r["unfinished"]["error"] == 5 and "division by zero" in r["errors"][0]["message"]
    assert randomtest(s, runs=5, seed=0, render=False)["unfinished"]["error"] == 0


def test_golden_transcript(capsys):
    """The golden-transcript workflow: a route file and an approved copy of
    its transcript, diffed on every run (regenerate both with `route` and
    `transcript -o` when a change to the story is meant)."""
    fixtures = Path(__file__).parent / "fixtures"
    approved = (fixtures / "tiny-bout.champion.txt").read_text(encoding="utf-8")
    assert (
        main(
            [
                "transcript",
                str(fixtures / "tiny-bout.route.json"),
                "--story",
                str(TINY),
                "--ending",
                "champion",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == approved
