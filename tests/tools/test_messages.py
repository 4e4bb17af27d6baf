"""The messages an author meets say what to write, and point at the place
to write it: tabs and indentation (RA002), C-style operators (RA007),
yes/no for true/false (RA004), why a condition never holds (RA103), the
line of a `to:` that names no scene (RA005), one error for one broken
variable, and a pack's own `lints:`."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from rocky_adventure.cli import main
from rocky_adventure.engine import StoryLoadError, load_story
from rocky_adventure.tools.lint import lint
from tools.storybuild import build, ch, end, scene

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "examples" / "tiny-bout"
INT10 = {"type": "int", "default": 0, "min": 0, "max": 10}


def errors(folder: Path, packs: list[Path] | None = None):
    with pytest.raises(StoryLoadError) as e:
        load_story(folder, packs=packs or [], cache=False)
    return e.value.diagnostics


def one_error(folder: Path):
    [d] = errors(folder)
    return d


def at(d) -> tuple[int, int]:
    return d.line, d.col


# 1. a tab used for indentation ---------------------------------------------------


@pytest.mark.parametrize(
    "scenes, where",
    [
        ("chapter: one\nscenes:\n  - id: a\n\ttext: A.\n    ending: end\n", (4, 1)),
        ("chapter: one\nscenes:\n  - id: a\n  \t text: A.\n    ending: end\n", (4, 3)),
        (
            "chapter: one\nscenes:\n  - id: a\n    text: A.\n    choices:\n"
            "\t  - {id: x, text: X, to: a}\n",
            (6, 1),
        ),
    ],
)
def test_a_tab_in_the_indentation_says_use_spaces(make_story, scenes, where):
    d = one_error(make_story(scenes))
    assert d.code == "RA002"
    assert "tab" in d.message and "use spaces" in d.message, d.message
    assert at(d) == where


# 2. indentation ----------------------------------------------------------------------

BAD_INDENT = {
    # a key indented more than its siblings: read as the rest of the value above
    "deeper key": ("chapter: one\nscenes:\n  - id: a\n    text: A.\n     ending: end\n", 5),
    # a key indented less than its siblings
    "shallower key": ("chapter: one\nscenes:\n  - id: a\n    text: A.\n   ending: end\n", 5),
    "shallower choice key": (
        "chapter: one\nscenes:\n  - id: a\n    text: A.\n    choices:\n"
        "      - id: x\n        text: X\n       to: a\n",
        8,
    ),
    "shallower list item": (
        "chapter: one\nscenes:\n  - id: a\n    text: A.\n    choices:\n"
        "      - {id: x, text: X, to: a}\n     - {id: y, text: Y, to: a}\n",
        7,
    ),
    "top-level key": (
        "chapter: one\nscenes:\n  - id: a\n    text: A.\n    ending: end\n x: 1\n",
        6,
    ),
}


@pytest.mark.parametrize("case", list(BAD_INDENT))
def test_indentation_errors_name_the_line_and_the_rule(make_story, case):
    scenes, line = BAD_INDENT[case]
    d = one_error(make_story(scenes))
    assert d.code == "RA002" and d.line == line, d.format()
    assert f"indentation of line {line}" in d.message, d.message
    assert "same indentation" in d.message and "spaces" in d.message, d.message


def test_a_colon_in_a_value_says_put_it_in_quotes(make_story):
    d = one_error(make_story("chapter: one\nscenes:\n  - id: a\n    text: Duke: get up\n"))
    assert d.code == "RA002" and at(d) == (4, 15)
    assert "quotes" in d.message and "indentation" not in d.message, d.message


# 3. operators from other languages ------------------------------------------------


def _condition(cond: str) -> str:
    return (
        "chapter: one\nscenes:\n  - id: a\n    text: A.\n    choices:\n"
        f"      - {{id: x, text: X, if: {cond}, to: b}}\n"
        "      - {id: y, text: Y, to: b}\n  - {id: b, text: B., ending: end}\n"
    )


COND_COL = len("      - {id: x, text: X, if: ") + 1  # where the condition's text starts


@pytest.mark.parametrize(
    "cond, op, say",
    [
        ('"flag && n > 1"', "&&", "write 'and', not '&&'"),
        ('"flag || n > 1"', "||", "write 'or', not '||'"),
        ('"n = 1"', "=", "write '==', not '='"),
        ('"n > 1 and n = 2"', "= 2", "write '==', not '='"),
        ('"!flag"', "!", "write 'not flag', not '!flag'"),
        ('"n > 1 and !flag"', "!", "write 'not flag', not '!flag'"),
        ("flag && n > 1", "&&", "write 'and', not '&&'"),  # plain, not quoted
    ],
)
def test_c_style_operators_say_what_to_write(make_story, cond, op, say):
    d = one_error(make_story(_condition(cond)))
    assert d.code == "RA007" and say in d.message, d.format()
    quoted = cond.startswith('"')
    assert d.line == 6 and d.col == COND_COL + quoted + cond.strip('"').index(op), d.format()


def test_an_unquoted_bang_is_a_yaml_tag_and_says_write_not(make_story):
    d = one_error(make_story(_condition("!flag")))
    assert d.code == "RA003" and "not flag" in d.message and "quotes" in d.message, d.message


def test_c_style_operators_in_text(make_story):
    d = one_error(
        make_story(
            "chapter: one\nscenes:\n  - id: a\n    text: 'A{if flag && n}!{end}'\n    ending: end\n"
        )
    )
    assert d.code == "RA008" and "write 'and', not '&&'" in d.message, d.format()
    assert at(d) == (4, 22)


# 4. yes and no --------------------------------------------------------------------

TRUE_FALSE = "chapter: one\nscenes:\n  - id: a\n    text: A.\n    {}\n    ending: end\n"


@pytest.mark.parametrize(
    "effect, say",
    [("set: {flag: yes}", "write true"), ("set: {flag: off}", "write false")],
)
def test_yes_and_no_in_an_effect_say_write_true_or_false(make_story, effect, say):
    d = one_error(make_story(TRUE_FALSE.format(effect)))
    assert d.code == "RA007" and say in d.message, d.format()


def test_yes_and_no_in_a_condition(make_story):
    d = one_error(make_story(_condition("yes")))
    assert "write true" in d.message, d.format()


@pytest.mark.parametrize(
    "default, say",
    [
        ("no", "write false"),
        ("On", "write true"),
        ('"true"', "write true without quotes"),
    ],
)
def test_a_bool_default_says_write_true_or_false(make_story, default, say):
    from helpers import MANIFEST

    manifest = MANIFEST.replace(
        "flag: {type: bool, default: false}", f"flag: {{type: bool, default: {default}}}"
    )
    d = one_error(make_story(TRUE_FALSE.format("set: {n: 1}"), manifest))
    assert d.code == "RA004" and say in d.message, d.format()


def test_a_quoted_true_for_once_says_without_quotes(make_story):
    d = one_error(
        make_story(
            "chapter: one\nscenes:\n  - id: a\n    text: A.\n    choices:\n"
            "      - {id: x, text: X, once: 'true', to: b}\n  - {id: b, text: B., ending: end}\n"
        )
    )
    assert d.code == "RA004" and "write true without quotes" in d.message, d.format()


# 5. RA103 says why -----------------------------------------------------------------


def _ra103(tmp_path, cond: str, variables: dict, *more):
    s = build(
        tmp_path,
        [
            scene("a", ch("go", "w"), ch("never", "w", **{"if": cond}), *more),
            end("w", "win"),
        ],
        variables=variables,
        endings=["win"],
    )
    return [d for d in lint(s, 0) if d.code == "RA103"]


def test_ra103_names_the_declared_max(tmp_path):
    [d] = _ra103(tmp_path, "x > 12", {"x": INT10}, ch("up", "a", add={"x": 1}))
    assert d.message.endswith(
        "the condition of choice 'never', 'x > 12', can never be true: "
        "x is at most 10 (its declared max)"
    ), d.message


def test_ra103_names_the_declared_min_and_the_part_that_fails(tmp_path):
    [d] = _ra103(
        tmp_path,
        "b and x < 0",
        {"x": INT10, "b": {"type": "bool", "default": False}},
        ch("up", "a", add={"x": 1}, set={"b": "not b"}),
    )
    assert "x is at least 0 (its declared min), so 'x < 0' is never true" in d.message, d.message


def test_ra103_a_variable_never_changed(tmp_path):
    [d] = _ra103(tmp_path, "x >= 7", {"x": {**INT10, "default": 5}})
    assert "x is never changed, so it is always 5" in d.message, d.message


def test_ra103_a_variable_only_set_to_constants(tmp_path):
    [d] = _ra103(tmp_path, "x == 4", {"x": INT10}, ch("up", "a", set={"x": 3}))
    assert "x is only ever 0 or 3" in d.message, d.message


# 6. RA005 at the name that is wrong -------------------------------------------------


def test_unknown_targets_point_at_to_success_and_failure(make_story):
    diags = errors(
        make_story(
            """\
            chapter: one
            scenes:
              - id: a
                text: A.
                choices:
                  - id: x
                    text: X
                    to: bb
                  - id: y
                    text: Y
                    chance: "50"
                    success: b
                    failure: cc
                  - {id: z, text: Z, chance: "5", success: qq, failure: b}
              - id: c
                text: C.
                next:
                  - if: flag
                    to: dd
                  - to: b
              - id: b
                text: B.
                ending: end
            """
        )
    )
    assert [(d.code, d.line, d.col) for d in diags] == [
        ("RA005", 8, 13),
        ("RA005", 13, 18),
        ("RA005", 14, 48),
        ("RA005", 19, 13),
    ], [d.format() for d in diags]


def _pack(tmp_path: Path, manifest: str, branch: str | None = None) -> Path:
    p = tmp_path / "pk"
    p.mkdir()
    (p / "pack.yaml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    if branch is not None:
        (p / "branch.yaml").write_text(textwrap.dedent(branch), encoding="utf-8")
    return p


PACK_HEAD = """\
format: 1
name: pk
version: 0.1.0
extends: tiny-bout
"""


def test_unknown_target_of_a_hooked_choice_points_at_its_to(tmp_path):
    pack = _pack(
        tmp_path,
        PACK_HEAD
        + """\
hooks:
  - scene: locker_room
    choices:
      - id: detour
        text: Detour
        to: gym_dor
""",
    )
    [d] = errors(TINY, [pack])
    assert (d.code, d.line, d.col) == ("RA005", 10, 13), d.format()


# 7. one broken variable, one error ---------------------------------------------------

READS_N = """\
chapter: one
scenes:
  - id: a
    text: "A {n}. {if n > 2}Many.{end}"
    add: {n: 1}
    choices:
      - {id: x, text: X, if: "n > 1", to: b}
      - {id: y, text: Y, chance: "n * 10", success: b, failure: b}
      - {id: z, text: Z, set: {n: "n + 1"}, to: b}
  - id: b
    text: B.
    next:
      - {if: "n >= 3 and flag", to: a}
      - {to: c}
  - {id: c, text: C., ending: end}
"""


@pytest.mark.parametrize(
    "declaration",
    [
        'n: {type: int, default: "five", min: 0, max: 10}',
        "n: {type: integer, default: 1}",
        "n: {type: int, default: 1, min: zero, max: 10}",
        "n: {type: int, default: 1, mni: 0}",
        "n: {type: int}",
        "n: {type: int, default: 20, min: 0, max: 10}",
    ],
)
def test_one_broken_variable_gives_one_error(make_story, declaration):
    from helpers import MANIFEST

    manifest = MANIFEST.replace("n: {type: int, default: 1, min: 0, max: 10}", declaration)
    assert manifest != MANIFEST
    diags = errors(make_story(READS_N, manifest))
    assert len(diags) == 1, [d.format() for d in diags]
    assert diags[0].file.endswith("story.yaml")


def test_a_broken_variable_keeps_its_type_for_later_checks(make_story):
    from helpers import MANIFEST

    manifest = MANIFEST.replace(
        "flag: {type: bool, default: false}", "flag: {type: bool, default: maybe}"
    )
    diags = errors(make_story(_condition('"flag + 1 > 2"'), manifest))
    assert [d.code for d in diags] == ["RA007", "RA004"], [d.format() for d in diags]
    assert "'+' needs numbers" in diags[0].message


# 8. a pack's own lints: --------------------------------------------------------------


def _story_with_unused(tmp_path: Path, levels: str = "") -> Path:
    story = tmp_path / "story"
    shutil.copytree(TINY, story)
    m = story / "story.yaml"
    text = m.read_text(encoding="utf-8").replace(
        "variables:\n", "variables:\n  idle: {type: int, default: 0}\n", 1
    )
    m.write_text(text + levels, encoding="utf-8")
    return story


UNUSED_PACK = (
    PACK_HEAD
    + """\
variables:
  spare: {{type: int, default: 0}}
{lints}hooks:
  - scene: locker_room
    choices:
      - {{id: detour, text: Detour, to: the_bell}}
"""
)


def _check_json(capsys, *args: str) -> dict[str, str]:
    capsys.readouterr()
    main(["check", "--format", "json", "--explore-budget", "0", *args])
    [report] = json.loads(capsys.readouterr().out)
    return {
        Path(d["file"]).name: d["severity"] for d in report["diagnostics"] if d["code"] == "RA106"
    }


def test_pack_lints_apply_to_the_packs_own_files(tmp_path, capsys):
    story = _story_with_unused(tmp_path, "lints:\n  RA106: info\n")
    pack = _pack(tmp_path, UNUSED_PACK.format(lints="lints:\n  RA106: error\n"))
    # the pack's level for its file, the story's for the story's
    assert _check_json(capsys, str(story), "--pack", str(pack)) == {
        "story.yaml": "info",
        "pack.yaml": "error",
    }


def test_pack_without_lints_takes_the_storys_levels(tmp_path, capsys):
    story = _story_with_unused(tmp_path, "lints:\n  RA106: info\n")
    pack = _pack(tmp_path, UNUSED_PACK.format(lints=""))
    assert _check_json(capsys, str(story), "--pack", str(pack)) == {
        "story.yaml": "info",
        "pack.yaml": "info",
    }


def test_pack_lints_ignore_and_the_command_line_wins(tmp_path, capsys):
    story = _story_with_unused(tmp_path)
    pack = _pack(tmp_path, UNUSED_PACK.format(lints="lints: {RA106: ignore}\n"))
    assert _check_json(capsys, str(story), "--pack", str(pack)) == {"story.yaml": "warning"}
    assert _check_json(capsys, str(story), "--pack", str(pack), "--error", "RA106") == {
        "story.yaml": "error",
        "pack.yaml": "error",
    }


def test_pack_lints_need_lint_codes(tmp_path):
    pack = _pack(tmp_path, UNUSED_PACK.format(lints="lints: {unused: ignore}\n"))
    [d] = errors(TINY, [pack])
    assert d.code == "RA004" and "lint code" in d.message and d.line == 7, d.format()


def test_pack_schema_allows_lints():
    from rocky_adventure.engine.format import json_schema

    assert "lints" in json_schema("pack")["properties"]
