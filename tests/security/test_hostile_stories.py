"""Hostile story folders: the loader refuses them with located diagnostics,
in bounded time and memory, and never with a traceback.

- YAML anchors and aliases are refused before anything expands them (a
  billion-laughs file costs one scan of its events);
- nesting is bounded: {if} blocks in text, operators and brackets in
  expressions, and YAML nested as deep as libyaml allows;
- whole-string checks (ids, names, types, levels) use fullmatch, so a
  trailing newline is not accepted;
- numbers too long for int() and text that would make a regular expression
  backtrack are refused or handled in linear time.

Each case runs `rocky-adventure check` as a subprocess (with a subprocess
timeout, never a timing assertion) and compares its error lines exactly.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import MANIFEST

from rocky_adventure.engine import load_story, new_game
from rocky_adventure.engine.diagnostics import Diagnostic
from rocky_adventure.engine.schema import MAX_INT
from rocky_adventure.engine.start import StartError, parse_value
from rocky_adventure.engine.yamlio import compose

ROOT = Path(__file__).resolve().parents[2]
# The limits, as the messages name them (test_the_limits checks the engine's)
MAX_IF_DEPTH = 32  # {if} blocks inside one another (text.MAX_IF_DEPTH)
MAX_DEPTH = 32  # operators, and brackets, inside one another (expr.MAX_DEPTH)
MAX_FEATURE_ERRORS = 20  # anchors and aliases listed per file (yamlio.MAX_FEATURE_ERRORS)

# A good story (with helpers.MANIFEST): check passes, with warnings only.
SCENES = """\
chapter: one
scenes:
  - id: a
    text: Hello, {name}.
    choices:
      - id: go
        text: Go on.
        to: b
  - id: b
    text: The end.
    ending: end
"""
# the "more" diagnostic after the first MAX_FEATURE_ERRORS anchors and aliases
MORE = f"more anchors and aliases follow; only the first {MAX_FEATURE_ERRORS} are listed [RA003]"


def check(folder: Path, timeout: float = 60) -> tuple[int, list[str]]:
    """`rocky-adventure check folder`: (exit code, the error lines). No traceback."""
    r = subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "check", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )
    assert "Traceback" not in r.stdout and "Traceback" not in r.stderr, r.stderr[-3000:]
    return r.returncode, [line for line in r.stdout.splitlines() if ": error: " in line]


def error(folder: Path, file: str, line: int, col: int, msg: str, code: str) -> str:
    return f"{folder / file}:{line}:{col}: error: {msg} [{code}]"


def feature_errors(folder: Path, file: str, text: str) -> list[str]:
    """The RA003 lines check prints for `text`, in which every `&name` is an
    anchor and every `*name` an alias: the first MAX_FEATURE_ERRORS, then one
    line saying that more follow (at the next one)."""
    found = []
    for ln, line in enumerate(text.splitlines(), 1):
        for m in re.finditer(r"([&*])(\w+)", line):
            if m.group(1) == "&":
                msg = f"anchors (&{m.group(2)}) are not allowed in story files"
            else:
                msg = f"aliases (*{m.group(2)}) are not allowed in story files: write the value out"
            found.append((ln, m.start() + 1, msg))
    out = [error(folder, file, ln, col, msg, "RA003") for ln, col, msg in found]
    if len(found) > MAX_FEATURE_ERRORS:
        ln, col, _ = found[MAX_FEATURE_ERRORS]
        out = out[:MAX_FEATURE_ERRORS] + [f"{folder / file}:{ln}:{col}: error: {MORE}"]
    return out


def test_the_limits():
    from rocky_adventure.engine import expr, text, yamlio

    assert (text.MAX_IF_DEPTH, expr.MAX_DEPTH, yamlio.MAX_FEATURE_ERRORS) == (
        MAX_IF_DEPTH,
        MAX_DEPTH,
        MAX_FEATURE_ERRORS,
    )


def test_the_good_story_checks(make_story):
    assert check(make_story(SCENES)) == (0, [])


# -- 1. anchors and aliases ---------------------------------------------------


def test_alias_bomb_in_lists_is_refused_before_it_expands(make_story):
    # 2,000 scenes that are one scene, each with 2,000 choices that are one choice:
    # 4 million choices for the schema walk if the aliases were followed
    n = 2000
    bomb = (
        "chapter: one\n"
        "scenes:\n"
        "  - &s\n"
        "    id: x\n"
        "    text: x\n"
        "    choices:\n"
        "      - &c {id: c, text: t, to: a}\n" + "      - *c\n" * (n - 1) + "  - *s\n" * (n - 1)
    )
    folder = make_story(SCENES, bomb=bomb)
    assert check(folder, timeout=60) == (1, feature_errors(folder, "bomb.yaml", bomb))


def test_alias_bomb_in_mappings_is_refused(make_story):
    # the classic: ten levels of nine aliases each, 9**10 values
    keys = "abcdefghi"
    lines = ["chapter: one", "l0: &l0 {" + ", ".join(f"{k}: lol" for k in keys) + "}"]
    lines += [
        f"l{i}: &l{i} {{" + ", ".join(f"{k}: *l{i - 1}" for k in keys) + "}" for i in range(1, 10)
    ]
    bomb = "\n".join(lines + ["variables: *l9", ""])
    folder = make_story(SCENES, bomb=bomb)
    assert check(folder) == (1, feature_errors(folder, "bomb.yaml", bomb))


def test_aliases_in_the_manifest_are_refused(make_story):
    manifest = MANIFEST.replace(
        "chapters:\n  - {id: one, title: One}\n",
        "chapters:\n  - &one {id: one, title: One}\n  - *one\n  - *one\n",
    )
    folder = make_story(SCENES, manifest=manifest)
    assert check(folder) == (1, feature_errors(folder, "story.yaml", manifest))


def test_a_single_anchor_without_an_alias_is_refused(make_story):
    extra = "chapter: one\nscenes:\n  - &lone\n    id: c\n    text: Nobody comes here.\n    ending: end\n"
    folder = make_story(SCENES, extra=extra)
    assert check(folder) == (
        1,
        [
            error(
                folder,
                "extra.yaml",
                3,
                5,
                "anchors (&lone) are not allowed in story files",
                "RA003",
            )
        ],
    )


def test_a_refused_file_hides_what_it_defines(make_story):
    # scenes.yaml defines the start scene and every target: refused whole, it
    # gives its RA003 error and no "unknown start scene" or "unknown scene"
    folder = make_story(SCENES.replace("  - id: a\n", "  - &a\n    id: a\n"))
    assert check(folder) == (
        1,
        [
            error(
                folder, "scenes.yaml", 3, 5, "anchors (&a) are not allowed in story files", "RA003"
            )
        ],
    )


def test_an_anchor_in_the_manifest_is_refused(make_story):
    manifest = MANIFEST.replace("  - {id: one, title: One}", "  - &ch {id: one, title: One}")
    folder = make_story(SCENES, manifest=manifest)
    line = manifest.splitlines().index("  - &ch {id: one, title: One}") + 1
    assert check(folder) == (
        1,
        [
            error(
                folder,
                "story.yaml",
                line,
                5,
                "anchors (&ch) are not allowed in story files",
                "RA003",
            )
        ],
    )


@pytest.mark.parametrize(
    "text, errors",
    [
        (
            "a: &x 1\nb: *x\n",
            [
                (1, 4, "anchors (&x) are not allowed in story files"),
                (2, 4, "aliases (*x) are not allowed in story files: write the value out"),
            ],
        ),
        (
            "- &x [1, 2]\n- *x\n- *x\n",
            [
                (1, 3, "anchors (&x) are not allowed in story files"),
                (2, 3, "aliases (*x) are not allowed in story files: write the value out"),
                (3, 3, "aliases (*x) are not allowed in story files: write the value out"),
            ],
        ),
        ("text: &only plain\n", [(1, 7, "anchors (&only) are not allowed in story files")]),
    ],
)
def test_compose_gives_no_node_when_there_is_an_anchor(text, errors):
    assert compose(text, "f.yaml") == (
        None,
        [Diagnostic("f.yaml", line, col, "RA003", msg) for line, col, msg in errors],
    )


def test_compose_stops_listing_after_the_limit():
    text = "- &x 1\n" + "- *x\n" * 1000
    node, errors = compose(text, "f.yaml")
    assert node is None
    assert len(errors) == MAX_FEATURE_ERRORS + 1
    assert errors[-1] == Diagnostic(
        "f.yaml", MAX_FEATURE_ERRORS + 1, 3, "RA003", MORE.removesuffix(" [RA003]")
    )


def test_compose_reports_a_syntax_error_after_an_anchor_too():
    node, errors = compose('a: &x 1\nb: "open\n', "f.yaml")
    assert node is None
    assert [(d.line, d.col, d.code) for d in errors] == [(1, 4, "RA003"), (3, 1, "RA002")]


def test_ampersands_and_stars_in_prose_still_load(make_story):
    scenes = SCENES.replace("text: The end.", "text: Tom & Jerry, 5 * 3 stars & more *")
    folder = make_story(scenes)
    assert check(folder) == (0, [])
    assert load_story(folder, cache=False).scenes["b"].text.plain == (
        "Tom & Jerry, 5 * 3 stars & more *"
    )
    node, errors = compose("a: Tom & Jerry\nb: '*not an alias'\n", "f.yaml")
    assert node is not None and errors == []


def test_a_syntax_error_next_to_an_ampersand_is_reported_once(make_story):
    # (once: not by the scan for anchors and again by the parse; and the file
    # that is not read hides what it defines: no "unknown start scene 'a'")
    scenes = SCENES.replace("text: The end.", 'text: "Tom & Jerry')
    folder = make_story(scenes)
    assert check(folder) == (
        1,
        [
            error(
                folder,
                "scenes.yaml",
                12,
                1,
                "invalid YAML: found unexpected end of stream (while scanning a quoted scalar); "
                "the quote opened on line 10, column 11 is never closed",
                "RA002",
            ),
        ],
    )


# -- 2. nesting depth ---------------------------------------------------------

DEEP = 300  # far beyond every limit: 300 nested {if} blocks crashed with RecursionError
IF_MSG = (
    f"in text: {{if}} blocks are nested more than {MAX_IF_DEPTH} levels deep "
    f"(the limit is {MAX_IF_DEPTH})"
)
EXPR_MSG = f"expression is nested more than {MAX_DEPTH} levels deep (the limit is {MAX_DEPTH})"
BRACKETS_MSG = (
    f"expression has brackets nested more than {MAX_DEPTH} levels deep (the limit is {MAX_DEPTH})"
)


def deep_if(n: int) -> str:
    return "{if flag}" * n + "deep" + "{end}" * n


def test_deep_if_in_a_scene_text(make_story):
    prefix = '    text: "'
    scenes = SCENES.replace("    text: The end.", prefix + deep_if(DEEP) + '"')
    folder = make_story(scenes)
    col = len(prefix) + 1 + MAX_IF_DEPTH * len("{if flag}")  # the first {if} too deep
    assert check(folder) == (1, [error(folder, "scenes.yaml", 10, col, IF_MSG, "RA008")])


def test_deep_if_in_an_epilogue(make_story):
    # a block scalar, one {if} a line: the error is at the first line too deep
    epilogue = "\n".join(["{if flag}"] * DEEP + ["Goodbye."] + ["{end}"] * DEEP)
    manifest = MANIFEST.replace(
        '  - {id: end, title: The End, epilogue: "Goodbye, {name}."}\n',
        "  - id: end\n    title: The End\n    epilogue: |\n"
        + textwrap.indent(epilogue, "      ")
        + "\n",
    )
    folder = make_story(SCENES, manifest=manifest)
    first = manifest.splitlines().index("      {if flag}") + 1
    line = first + MAX_IF_DEPTH
    assert check(folder) == (1, [error(folder, "story.yaml", line, 7, IF_MSG, "RA008")])


def test_deep_if_in_a_choice_text(make_story):
    prefix = "        text: '"
    scenes = SCENES.replace("        text: Go on.", prefix + deep_if(DEEP) + "'")
    folder = make_story(scenes)
    col = len(prefix) + 1 + MAX_IF_DEPTH * len("{if flag}")
    assert check(folder) == (1, [error(folder, "scenes.yaml", 7, col, IF_MSG, "RA008")])


def test_if_nesting_at_the_limit_loads_and_plays(make_story, tmp_path):
    # the deepest text allowed, each {if} with the deepest condition allowed
    cond = "not " * (MAX_DEPTH - 1) + "flag"  # flag is false; 31 nots make it true
    text = "".join(f"{{if {cond}}}{i}" for i in range(MAX_IF_DEPTH)) + "{end}" * MAX_IF_DEPTH
    scenes = SCENES.replace("    text: Hello, {name}.", f'    text: "{text}"')
    folder = make_story(scenes)
    assert check(folder) == (0, [])
    story = load_story(folder, cache=False)
    assert story.scenes["a"].text.render(new_game(story, 1)) == "".join(
        str(i) for i in range(MAX_IF_DEPTH)
    )
    r = subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "--data-dir", str(tmp_path / "d")]
        + ["play", "--plain", "--seed", "1", "--story", str(folder)],
        input="1\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert "Traceback" not in r.stderr and r.returncode == 0, r.stderr[-3000:]
    assert "".join(str(i) for i in range(MAX_IF_DEPTH)) in r.stdout


def _choice_if(scenes: str, condition: str) -> tuple[str, int]:
    """SCENES with `if: "condition"` on the choice; (text, column of the condition)."""
    prefix = '        if: "'
    return scenes.replace("        to: b", f'{prefix}{condition}"\n        to: b'), len(prefix) + 1


def test_deep_parentheses_in_a_condition(make_story):
    # (300 pairs would be more than the 500 characters an expression may have)
    scenes, col = _choice_if(SCENES, "(" * 100 + "flag" + ")" * 100)
    folder = make_story(scenes)
    assert check(folder) == (
        1,
        [error(folder, "scenes.yaml", 8, col + MAX_DEPTH, f"a condition: {BRACKETS_MSG}", "RA007")],
    )


def test_parentheses_a_little_too_deep_in_a_condition(make_story):
    # not deep enough for Python's own limit (200), but over ours
    scenes, col = _choice_if(SCENES, "(" * (MAX_DEPTH + 1) + "flag" + ")" * (MAX_DEPTH + 1))
    folder = make_story(scenes)
    assert check(folder) == (
        1,
        [error(folder, "scenes.yaml", 8, col + MAX_DEPTH, f"a condition: {BRACKETS_MSG}", "RA007")],
    )


def test_a_long_not_chain_in_a_condition(make_story):
    scenes, col = _choice_if(SCENES, "not " * 120 + "flag")
    folder = make_story(scenes)
    at = col + MAX_DEPTH * len("not ")  # the first `not` too deep
    assert check(folder) == (
        1,
        [error(folder, "scenes.yaml", 8, at, f"a condition: {EXPR_MSG}", "RA007")],
    )


def _effect(scenes: str, name: str, value: str) -> tuple[str, int]:
    """SCENES with `set: {name: "value"}` on the choice; (text, column of the value)."""
    prefix = f'          {name}: "'
    return (
        scenes.replace("        to: b", f'        set:\n{prefix}{value}"\n        to: b'),
        len(prefix) + 1,
    )


def test_deep_parentheses_in_an_effect_value(make_story):
    scenes, col = _effect(SCENES, "n", "(" * 100 + "1" + ")" * 100)
    folder = make_story(scenes)
    assert check(folder) == (
        1,
        [
            error(
                folder,
                "scenes.yaml",
                9,
                col + MAX_DEPTH,
                f"the value for 'n': {BRACKETS_MSG}",
                "RA007",
            )
        ],
    )


def test_a_long_not_chain_in_an_effect_value(make_story):
    scenes, col = _effect(SCENES, "flag", "not " * 120 + "flag")
    folder = make_story(scenes)
    at = col + MAX_DEPTH * len("not ")
    assert check(folder) == (
        1,
        [error(folder, "scenes.yaml", 9, at, f"the value for 'flag': {EXPR_MSG}", "RA007")],
    )


def test_a_long_minus_chain_in_an_effect_value(make_story):
    scenes, col = _effect(SCENES, "n", "- " * 200 + "1")
    folder = make_story(scenes)
    at = col + MAX_DEPTH * len("- ")
    assert check(folder) == (
        1,
        [error(folder, "scenes.yaml", 9, at, f"the value for 'n': {EXPR_MSG}", "RA007")],
    )


def test_a_long_not_chain_in_a_text_condition(make_story):
    prefix = '    text: "{if '
    scenes = SCENES.replace("    text: The end.", prefix + "not " * 120 + 'flag}yes{end}"')
    folder = make_story(scenes)
    at = len(prefix) + 1 + MAX_DEPTH * len("not ")
    assert check(folder) == (
        1,
        [error(folder, "scenes.yaml", 10, at, f"in text: {EXPR_MSG}", "RA008")],
    )


def _flag(name: str):
    return (("var", 0), "bool") if name == "flag" else None


@pytest.mark.parametrize(
    "source, offset",
    [
        ("not " * MAX_DEPTH + "flag", None),
        ("not " * (MAX_DEPTH + 1) + "flag", MAX_DEPTH * 4),
        ("(" * MAX_DEPTH + "flag" + ")" * MAX_DEPTH, None),
        ("(" * (MAX_DEPTH + 1) + "flag" + ")" * (MAX_DEPTH + 1), MAX_DEPTH),
        ("(not " * MAX_DEPTH + "flag" + ")" * MAX_DEPTH, None),
        ("flag == (" + "not " * MAX_DEPTH + "flag)", 9 + (MAX_DEPTH - 1) * 4),
        ("'" + "(" * 100 + "' == 'x'", None),  # brackets in a string do not count
    ],
)
def test_expression_depth_at_and_over_the_limit(source, offset):
    from rocky_adventure.engine.expr import ExprError, parse

    if offset is None:
        parse(source, _flag)
    else:
        with pytest.raises(ExprError) as e:
            parse(source, _flag)
        assert (e.value.offset, "the limit is 32" in e.value.msg) == (offset, True)


def test_brackets_in_a_string_do_not_count(make_story):
    scenes, _ = _choice_if(SCENES, "name == '" + "(" * 100 + "'")
    assert check(make_story(scenes)) == (0, [])


def test_long_and_or_chains_are_flat_and_load(make_story):
    scenes, _ = _choice_if(SCENES, " or ".join(["flag and not flag"] * 20))
    folder = make_story(scenes)
    assert check(folder) == (0, [])


# YAML nested as deep as libyaml reads (1,000 levels), where the schema wants a
# list or a mapping: the schema walk follows the format, never the document.
LIBYAML_MAX = 1000


def test_yaml_999_lists_deep_where_scenes_are_expected(make_story):
    deep = "scenes: " + "[" * 999 + "]" * 999 + "\n"
    folder = make_story(SCENES, deep="chapter: one\n" + deep)
    assert check(folder) == (
        1,
        [error(folder, "deep.yaml", 2, 10, "expected a mapping (scene), got a list", "RA004")],
    )


def test_yaml_999_lists_deep_where_choices_are_expected(make_story):
    scenes = SCENES.replace(
        "    choices:\n      - id: go\n        text: Go on.\n        to: b\n",
        "    choices: " + "[" * 995 + "]" * 995 + "\n",
    )
    folder = make_story(scenes)
    assert check(folder) == (
        1,
        [error(folder, "scenes.yaml", 5, 15, "expected a mapping (choice), got a list", "RA004")],
    )


def test_yaml_999_mappings_deep_where_variables_are_expected(make_story):
    deep = "variables: " + "{v: " * 998 + "1" + "}" * 998 + "\n"
    folder = make_story(SCENES, deep="chapter: one\n" + deep)
    f = "deep.yaml"
    assert check(folder) == (
        1,
        [
            error(folder, f, 2, 16, "variable is missing the required key 'default'", "RA004"),
            error(folder, f, 2, 16, "variable is missing the required key 'type'", "RA004"),
            error(
                folder,
                f,
                2,
                17,
                "unknown key 'v' in variable (expected one of: type, default, min, max, label, shown)",
                "RA004",
            ),
        ],
    )


def test_yaml_999_mappings_deep_where_text_is_expected(make_story):
    scenes = SCENES.replace("    text: The end.", "    text: " + "{t: " * 996 + "1" + "}" * 996)
    folder = make_story(scenes)
    assert check(folder) == (
        1,
        [
            error(folder, "scenes.yaml", 8, 13, "unknown scene 'b'", "RA005"),  # (b is refused)
            error(folder, "scenes.yaml", 10, 11, "expected text, got a mapping", "RA004"),
        ],
    )


def test_yaml_deeper_than_libyaml_reads_is_a_syntax_error(make_story):
    deep = "scenes: " + "[" * LIBYAML_MAX + "]" * LIBYAML_MAX + "\n"
    folder = make_story(SCENES, deep="chapter: one\n" + deep)
    assert check(folder) == (
        1,
        [
            error(
                folder,
                "deep.yaml",
                2,
                8 + LIBYAML_MAX,  # the 1,000th bracket is the 1,001st level
                "invalid YAML: exceeded maximum nesting depth (while increasing flow level)",
                "RA002",
            )
        ],
    )


# -- 3. whole strings: a trailing newline is not part of an id -----------------

ID = "an id (letters, digits and _, starting with a letter)"


def test_a_scene_id_with_a_trailing_newline(make_story):
    extra = 'chapter: one\nscenes:\n  - id: "gym\\n"\n    text: Gym.\n    ending: end\n'
    folder = make_story(SCENES, extra=extra)
    assert check(folder) == (
        1,
        [error(folder, "extra.yaml", 3, 9, f"expected {ID}, got 'gym\\n'", "RA004")],
    )


def test_a_target_with_a_trailing_newline(make_story):
    scenes = SCENES.replace("        to: b", '        to: "b\\n"')
    folder = make_story(scenes)
    assert check(folder) == (
        1,
        [error(folder, "scenes.yaml", 8, 13, f"expected {ID}, got 'b\\n'", "RA004")],
    )


@pytest.mark.parametrize(
    "old, new, col, message",
    [
        ("id: t\n", 'id: "t\\n"\n', 5, "expected a story id (letters, digits, _ . -), got 't\\n'"),
        (
            "n: {type: int,",
            'n: {type: "int\\n",',
            13,
            "expected int, bool or str, got 'int\\n'",
        ),
        (
            "  flag: {type",
            '  "flag\\n": {type',
            3,
            "expected a variable name (letters, digits and _, starting with a letter), "
            "got 'flag\\n'",
        ),
        ("chapters:\n", 'lints:\n  RA106: "ignore\\n"\nchapters:\n', 10, None),
    ],
)
def test_manifest_values_with_a_trailing_newline(make_story, old, new, col, message):
    manifest = MANIFEST.replace(old, new)
    assert manifest != MANIFEST
    line = next(i for i, t in enumerate(manifest.splitlines(), 1) if "\\n" in t)
    if message is None:  # the lint level: this one was a traceback
        message = "expected error, warning, info or ignore, got 'ignore\\n'"
    folder = make_story(SCENES, manifest=manifest)
    assert check(folder) == (1, [error(folder, "story.yaml", line, col, message, "RA004")])


def test_a_set_value_with_a_trailing_newline(make_story):
    story = load_story(make_story(SCENES), cache=False)
    for name, text in (("n", "5\n"), ("n", "+5\n"), ("a", "2\n"), ("a", "²"), ("a", "٣")):
        with pytest.raises(StartError):
            parse_value(story, name, text)
    with pytest.raises(StartError, match="between 0 and 10"):
        parse_value(story, "n", "9" * 5000)
    with pytest.raises(StartError):
        parse_value(story, "a", "9" * 5000)
    assert parse_value(story, "n", "+5") == 5 and parse_value(story, "a", "12") == 12


# -- numbers too long for int(), text that makes a regex backtrack ------------


BIG = "9" * 5000  # int() refuses 4,300 digits or more (ValueError)


def _col(text: str, line: int, value: str) -> int:
    return text.splitlines()[line - 1].index(value) + 1


def test_a_bound_with_five_thousand_digits(make_story):
    manifest = MANIFEST.replace("max: 10}", f"max: {BIG}}}")
    folder = make_story(SCENES, manifest=manifest)
    msg = f"expected a number between {-MAX_INT} and {MAX_INT}, got a number 5000 digits long"
    col = _col(manifest, 6, BIG)
    assert check(folder) == (1, [error(folder, "story.yaml", 6, col, msg, "RA004")])


def test_a_default_with_five_thousand_digits(make_story):
    manifest = MANIFEST.replace("default: 1,", f"default: -{BIG},")
    folder = make_story(SCENES, manifest=manifest)
    msg = (
        f"the default of 'n' must be between {-MAX_INT} and {MAX_INT}, "
        "got a number 5000 digits long"
    )
    col = _col(manifest, 6, "-" + BIG)
    assert check(folder) == (1, [error(folder, "story.yaml", 6, col, msg, "RA004")])


def test_a_default_out_of_range(make_story):
    manifest = MANIFEST.replace(
        "n: {type: int, default: 1, min: 0, max: 10}", "n: {type: int, default: 10000000000000}"
    )
    folder = make_story(SCENES, manifest=manifest)
    msg = f"the default of 'n' must be between {-MAX_INT} and {MAX_INT}, got 10000000000000"
    col = _col(manifest, 6, "10000000000000")
    assert check(folder) == (1, [error(folder, "story.yaml", 6, col, msg, "RA004")])


def test_rendering_text_with_a_long_run_of_spaces_is_linear(make_story):
    # `[ \t]+\n` backtracks on a run of spaces with no newline after it: 300,000
    # spaces took minutes to render. A subprocess with a timeout, not a timing test.
    scenes = SCENES.replace("    text: Hello, {name}.", '    text: "{name}' + " " * 300_000 + 'x"')
    folder = make_story(scenes)
    code = (
        "import sys\n"
        "from rocky_adventure.engine import load_story, new_game\n"
        "story = load_story(sys.argv[1], cache=False)\n"
        "print(repr(story.scenes['a'].text.render(new_game(story, 1))[:8]))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert r.stdout == "'Duke    '\n"
