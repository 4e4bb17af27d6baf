"""Every lint code, with a story that trips it and one that does not."""

from __future__ import annotations

import json

import pytest

from rocky_adventure.cli import main
from rocky_adventure.engine import Severity
from rocky_adventure.engine.load import load_story
from rocky_adventure.tools.lint import LINTS, apply_levels, github, lint
from tools.storybuild import build, ch, end, scene, write_story

INT10 = {"type": "int", "default": 0, "min": 0, "max": 10}
BOOL = {"type": "bool", "default": False}


def found(story, code, budget=10_000):
    return [d for d in lint(story, budget) if d.code == code]


def test_every_code_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "lints.md").read_text(encoding="utf-8")
    for code, lint_ in LINTS.items():
        assert f"## {code}" in doc, code
        assert lint_.name in doc
    from rocky_adventure.engine.diagnostics import CODES

    for code, c in CODES.items():  # the loader's codes too, each with an example and a fix
        section = doc.split(f"## {code} {c.name}\n", 1)[1].split("\n## ", 1)[0]
        assert "```" in section and "**Fix:**" in section, code


# RA101 unreachable scene ------------------------------------------------------


def test_ra101_hit_no_way_in(tmp_path):
    s = build(
        tmp_path,
        [scene("a", ch("go", "w")), scene("orphan", ch("o", "w")), end("w", "win")],
        endings=["win"],
    )
    [d] = found(s, "RA101")
    assert "orphan" in d.message and d.line > 0 and d.file.endswith("scenes.yaml")


def test_ra101_hit_condition_blocks_the_only_way(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("go", "w"), ch("locked", "b", **{"if": "x > 50"})),
            scene("b", ch("o", "w")),
            end("w", "win"),
        ],
        variables={"x": INT10},
        endings=["win"],
    )
    assert any("'b'" in d.message for d in found(s, "RA101"))


def test_ra101_hit_found_by_exploring(tmp_path):
    # x only ever rises to 2, so `x >= 3` (possible in the static domain) never holds
    s = build(
        tmp_path,
        [
            scene("a", ch("up", "b", add={"x": 1})),
            scene("b", ch("again", "c", add={"x": 1}), ch("stop", "w")),
            scene("c", ch("gate", "d", **{"if": "x >= 3"}), ch("out", "w")),
            scene("d", ch("o", "w")),
            end("w", "win"),
        ],
        variables={"x": INT10},
        endings=["win"],
    )
    hits = found(s, "RA101")
    assert any("'d'" in d.message and "explored" in d.message for d in hits)
    assert found(s, "RA101", budget=0) == []  # the scene graph alone cannot tell


def test_ra101_miss(tmp_path):
    s = build(
        tmp_path,
        [scene("a", ch("go", "b")), scene("b", ch("o", "w")), end("w", "win")],
        endings=["win"],
    )
    assert found(s, "RA101") == []


# RA102 dead end ---------------------------------------------------------------


def test_ra102_hit_stuck(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("go", "b"), ch("flag", "b", set={"f": True})),
            scene("b", ch("only", "w", **{"if": "f"})),
            end("w", "win"),
        ],
        variables={"f": BOOL},
        endings=["win"],
    )
    [d] = found(s, "RA102")
    assert "stuck in scene 'b'" in d.message and "go" in d.message


def test_ra102_hit_next_without_fallback_static(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("go", "b"), ch("flag", "b", set={"f": True})),
            {"id": "b", "text": "B", "next": [{"if": "f", "to": "w"}]},
            end("w", "win"),
        ],
        variables={"f": BOOL},
        endings=["win"],
    )
    assert any("next" in d.message for d in found(s, "RA102", budget=0))
    assert any(d.code == "RA009" for d in lint(s, 10_000))  # exploring finds the fault itself


def test_ra102_miss(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("go", "b"), ch("flag", "b", set={"f": True})),
            scene("b", ch("yes", "w", **{"if": "f"}), ch("no", "w", **{"if": "not f"})),
            end("w", "win"),
        ],
        variables={"f": BOOL},
        endings=["win"],
    )
    assert found(s, "RA102") == []
    assert found(s, "RA102", budget=0) == []


# RA103 condition never true ----------------------------------------------------


def test_ra103_hit(tmp_path):
    s = build(
        tmp_path,
        [scene("a", ch("go", "w"), ch("never", "w", **{"if": "x > 10"})), end("w", "win")],
        variables={"x": {**INT10, "default": 5}},
        endings=["win"],
    )
    s2 = s
    [d] = found(s2, "RA103")
    assert "'never'" in d.message and d.col > 1


def test_ra103_hit_never_open_in_reachable_states(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("up", "b", add={"x": 1}), ch("skip", "b")),
            scene("b", ch("go", "w"), ch("rich", "w", **{"if": "x >= 5"})),
            end("w", "win"),
        ],
        variables={"x": INT10},
        endings=["win"],
    )
    assert any("never open" in d.message for d in found(s, "RA103"))


def test_ra103_miss(tmp_path):
    s = build(
        tmp_path,
        [
            scene("a", ch("up", "b", add={"x": 1}), ch("skip", "b")),
            scene("b", ch("go", "w"), ch("rich", "w", **{"if": "x >= 1"})),
            end("w", "win"),
        ],
        variables={"x": INT10},
        endings=["win"],
    )
    assert found(s, "RA103") == []


# RA104-RA106 variables -----------------------------------------------------------


def test_ra104_hit_and_miss(tmp_path):
    s = build(
        tmp_path / "hit",
        [scene("a", ch("go", "w", **{"if": "not f"})), end("w", "win")],
        variables={"f": BOOL},
        endings=["win"],
    )
    [d] = found(s, "RA104")
    assert "'f'" in d.message and "always false" in d.message
    s = build(
        tmp_path / "miss",
        [
            scene("a", ch("go", "w", **{"if": "not f"}), ch("set", "a", set={"f": True})),
            end("w", "win", text="{name} wins"),
        ],
        variables={"f": BOOL, "name": {"type": "str", "default": "Rocky"}},
        endings=["win"],
    )
    assert found(s, "RA104") == []  # a constant shown in text is fine


def test_ra105_hit_and_miss(tmp_path):
    s = build(
        tmp_path / "hit",
        [scene("a", ch("go", "w", add={"x": 1})), end("w", "win")],
        variables={"x": INT10},
        endings=["win"],
    )
    [d] = found(s, "RA105")
    assert "'x'" in d.message
    s = build(
        tmp_path / "miss",
        [scene("a", ch("go", "w", add={"x": 1})), end("w", "win", text="x is {x}")],
        variables={"x": INT10},
        endings=["win"],
    )
    assert found(s, "RA105") == []


def test_ra105_counts_what_a_balance_policy_reads(tmp_path):
    root = write_story(
        tmp_path / "policy",
        [scene("a", ch("go", "w", add={"x": 1}), ch("stay", "w")), end("w", "win")],
        variables={"x": INT10},
        endings=["win"],
    )
    with (root / "story.yaml").open("a", encoding="utf-8") as f:
        f.write("policies:\n  p:\n    rules:\n      - {when: 'x == 0', prefer: [go]}\n")
    assert found(load_story(root, cache=False), "RA105") == []


def test_ra106_hit_and_miss(tmp_path):
    s = build(
        tmp_path / "hit",
        [scene("a", ch("go", "w")), end("w", "win")],
        variables={"x": INT10},
        endings=["win"],
    )
    [d] = found(s, "RA106")
    assert d.file.endswith("story.yaml")
    s = build(tmp_path / "miss", [scene("a", ch("go", "w")), end("w", "win")], endings=["win"])
    assert found(s, "RA106") == []


def test_display_counts_as_reading(tmp_path):
    root = write_story(
        tmp_path,
        [scene("a", ch("go", "w", add={"x": 1})), end("w", "win")],
        variables={"x": INT10},
        endings=["win"],
    )
    text = (root / "story.yaml").read_text()
    (root / "story.yaml").write_text(text + "display:\n  sidebar: [x]\n")
    from rocky_adventure.engine import load_story

    assert found(load_story(root, cache=False), "RA105") == []


# RA107 ending never reached -------------------------------------------------------


def test_ra107_hit_and_miss(tmp_path):
    s = build(
        tmp_path / "hit", [scene("a", ch("go", "w")), end("w", "win")], endings=["win", "lost"]
    )
    [d] = found(s, "RA107")
    assert "'lost'" in d.message
    s = build(
        tmp_path / "hit2",
        [
            scene("a", ch("go", "w"), ch("lose", "l", **{"if": "x > 3"})),
            end("w", "win"),
            end("l", "lost"),
        ],
        variables={"x": INT10},
        endings=["win", "lost"],
    )
    assert [d.message for d in found(s, "RA107") if "'lost'" in d.message]
    s = build(
        tmp_path / "miss",
        [scene("a", ch("go", "w"), ch("lose", "l")), end("w", "win"), end("l", "lost")],
        endings=["win", "lost"],
    )
    assert found(s, "RA107") == []


# RA108 effect past the range --------------------------------------------------------


def test_ra108_hit_and_miss(tmp_path):
    s = build(
        tmp_path / "hit",
        [
            scene("a", ch("go", "w", add={"x": 20}), ch("set", "w", set={"x": 11})),
            end("w", "win", text="{x}"),
        ],
        variables={"x": INT10},
        endings=["win"],
    )
    msgs = [d.message for d in found(s, "RA108")]
    assert len(msgs) == 2 and any("11" in m for m in msgs) and any("20" in m for m in msgs)
    s = build(
        tmp_path / "miss",
        [
            scene("a", ch("go", "w", add={"x": 3}), ch("set", "w", set={"x": 10})),
            end("w", "win", text="{x}"),
        ],
        variables={"x": INT10},
        endings=["win"],
    )
    assert found(s, "RA108") == []


# RA109 duplicate choice text ----------------------------------------------------------


def test_ra109_hit_and_miss(tmp_path):
    s = build(
        tmp_path / "hit",
        [scene("a", ch("one", "w", text="Run"), ch("two", "w", text="run ")), end("w", "win")],
        endings=["win"],
    )
    [d] = found(s, "RA109")
    assert "'two'" in d.message and "'one'" in d.message
    # the same words behind conditions that never hold together are fine
    s = build(
        tmp_path / "miss",
        [
            scene(
                "a",
                ch("one", "w", text="Run", **{"if": "f"}),
                ch("two", "w", text="Run", **{"if": "not f"}),
                ch("flip", "a", set={"f": True}),
            ),
            end("w", "win"),
        ],
        variables={"f": BOOL},
        endings=["win"],
    )
    assert found(s, "RA109") == []


# RA110 suspicious interpolation ---------------------------------------------------------


@pytest.mark.parametrize("text", ["Stamina: {{x}}", "Stamina: $x", "Stamina: [x]", "{f}"])
def test_ra110_hit(tmp_path, text):
    s = build(
        tmp_path,
        [
            scene("a", ch("go", "w", add={"x": 1}, set={"f": True}), text=text),
            end("w", "win", text="{x} {if f}f{end}"),
        ],
        variables={"x": INT10, "f": BOOL},
        endings=["win"],
    )
    assert found(s, "RA110")


def test_ra110_miss(tmp_path):
    s = build(
        tmp_path,
        [
            scene(
                "a", ch("go", "w", add={"x": 1}), text="Stamina: {x}. Costs ${x} [sic] {{braces}}"
            ),
            end("w", "win"),
        ],
        variables={"x": INT10},
        endings=["win"],
    )
    assert found(s, "RA110") == []


# RA111 long scene ------------------------------------------------------------------------


def test_ra111_hit_and_miss(tmp_path):
    long = " ".join(["word"] * 500)
    s = build(
        tmp_path / "hit", [scene("a", ch("go", "w"), text=long), end("w", "win")], endings=["win"]
    )
    [d] = found(s, "RA111")
    assert d.severity is Severity.INFO and "500 words" in d.message
    # two long alternatives: the player only ever reads one of them
    half = " ".join(["word"] * 300)
    s = build(
        tmp_path / "miss",
        [scene("a", ch("go", "w"), text=f"{{if f}}{half}{{else}}{half}{{end}}"), end("w", "win")],
        variables={"f": BOOL},
        endings=["win"],
    )
    assert found(s, "RA111") == []


# RA112 chance always the same ---------------------------------------------------------------


def test_ra112_hit_and_miss(tmp_path):
    s = build(
        tmp_path / "hit",
        [
            scene("a", ch("go", None, chance="x * 10 + 100", success="w", failure="l")),
            end("w", "win"),
            end("l", "lost"),
        ],
        variables={"x": INT10},
        endings=["win", "lost"],
    )
    [d] = found(s, "RA112")
    assert "never fails" in d.message
    s = build(
        tmp_path / "miss",
        [
            scene(
                "a",
                ch("go", None, chance="x * 10", success="w", failure="l"),
                ch("up", "a", add={"x": 1}),
            ),
            end("w", "win"),
            end("l", "lost"),
        ],
        variables={"x": INT10},
        endings=["win", "lost"],
    )
    assert found(s, "RA112") == []


# levels, strict, formats ----------------------------------------------------------------------


def _unused_story(tmp_path, **kw):
    return write_story(
        tmp_path,
        [scene("a", ch("go", "w")), end("w", "win")],
        variables={"x": INT10},
        endings=["win"],
        **kw,
    )


def test_apply_levels():
    from rocky_adventure.engine import Diagnostic

    d = Diagnostic("f", 1, 1, "RA106", "m", Severity.WARNING)
    assert apply_levels([d], {"RA106": "ignore"}) == []
    assert apply_levels([d], {"RA106": "ignore"}, {"RA106": "error"})[0].severity is Severity.ERROR
    assert apply_levels([d], strict=True)[0].severity is Severity.ERROR
    assert apply_levels([d], {"RA106": "info"}, strict=True)[0].severity is Severity.INFO


def test_check_warnings_pass_strict_fails(tmp_path, capsys):
    root = _unused_story(tmp_path)
    assert main(["check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "RA106" in out and "ok" in out and "1 warning" in out
    assert main(["check", "--strict", str(root)]) == 1
    assert main(["check", "--strict", "--ignore", "RA106", str(root)]) == 0
    assert main(["check", "--error", "ra106", str(root)]) == 1
    assert main(["check", "--warn", "RA999", str(root)]) == 2


def test_check_manifest_levels(tmp_path, capsys):
    root = _unused_story(tmp_path, lints={"RA106": "error"})
    assert main(["check", str(root)]) == 1
    assert main(["check", "--warn", "RA106", str(root)]) == 0
    root2 = _unused_story(tmp_path / "b", lints={"RA106": "ignore"})
    capsys.readouterr()
    assert main(["check", "--strict", str(root2)]) == 0
    assert "RA106" not in capsys.readouterr().out


def test_check_json_and_github(tmp_path, capsys):
    root = _unused_story(tmp_path)
    assert main(["check", "--format", "json", str(root)]) == 0
    [r] = json.loads(capsys.readouterr().out)
    assert r["ok"] and r["warning"] == 1
    assert r["diagnostics"][0]["code"] == "RA106" and r["diagnostics"][0]["line"] > 0
    assert main(["check", "--format", "github", str(root)]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("::warning file=") and ",line=" in line and "title=RA106" in line


def test_github_escapes():
    from rocky_adventure.engine import Diagnostic

    g = github(Diagnostic("a,b:c.yaml", 3, 4, "RA101", "50% of\nlines", Severity.ERROR))
    assert (
        g
        == "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=RA101 unreachable-scene::50%25 of%0Alines"
    )


def test_check_load_errors_unchanged(tmp_path, capsys):
    root = write_story(tmp_path, [scene("a", ch("go", "nowhere"))])
    assert main(["check", str(root)]) == 1
    out = capsys.readouterr().out
    assert (
        "unknown scene 'nowhere'" in out and "[RA005]" in out and out.rstrip().endswith("1 error")
    )
    assert main(["check", "--format", "json", str(root)]) == 1
    [r] = json.loads(capsys.readouterr().out)
    assert not r["ok"] and r["diagnostics"][0]["code"] == "RA005"


def test_examples_are_clean(capsys):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "examples"
    for d in sorted(p for p in root.iterdir() if (p / "story.yaml").is_file()):
        assert main(["check", "--strict", "--ignore", "RA111", str(d)]) == 0, (
            capsys.readouterr().out
        )
