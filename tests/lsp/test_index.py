"""lsp/index.py: what each file defines and uses, where; checked against
the loader on the bundled story and on small texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocky_adventure.engine import load_story
from rocky_adventure.engine.expr import Expr
from rocky_adventure.engine.text import Template
from rocky_adventure.lsp.index import (
    CHAPTER,
    CHOICE,
    ENDING,
    MANIFEST,
    NAME,
    PACK,
    PACK_SCENES,
    SCENE,
    SCENES,
    UTF8,
    UTF16,
    UTF32,
    VARIABLE,
    from_units,
    index_file,
    to_units,
)

from .conftest import PACK as PACK_DIR
from .conftest import ROOT, STORY


def _kind(path: Path) -> str:
    if path.name == "story.yaml":
        return MANIFEST
    if path.name == "pack.yaml":
        return PACK
    return PACK_SCENES if (path.parent / "pack.yaml").exists() else SCENES


def _indexes(root: Path):
    for path in sorted(root.glob("*.yaml")):
        yield path, index_file(str(path), path.read_text(encoding="utf-8"), _kind(path))


@pytest.fixture(scope="module")
def bundled():
    return load_story(STORY, cache=False)


def _exprs(story) -> list[Expr]:
    """Every expression of a loaded story (conditions, odds, effect values,
    texts' {...}, display and policy conditions)."""
    seen: set[int] = set()
    out: list[Expr] = []

    def walk(x, depth=0):
        if id(x) in seen or depth > 40:
            return
        seen.add(id(x))
        if isinstance(x, Expr):
            out.append(x)
        elif isinstance(x, Template):
            out.extend(x.exprs)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v, depth + 1)
        elif isinstance(x, list | tuple | set | frozenset):  # (NamedTuples too)
            for v in x:
                walk(v, depth + 1)

    walk(story)
    return out


@pytest.mark.parametrize("root", [STORY, ROOT / "examples" / "starter", PACK_DIR])
def test_every_id_is_where_the_index_says(root):
    """Each occurrence's range holds its name, in every file."""
    count = 0
    for path, ix in _indexes(root):
        assert ix.parsed, path
        for o in ix.occs:
            assert ix.line_text(o.line)[o.col : o.end] == o.name, (path.name, o)
            count += 1
        for s in ix.symbols:
            line, col, end = s.sel
            assert (s.line, s.col) <= (line, col) and (line, end) <= (s.end_line, s.end_col)
    assert count > 10


def test_every_name_an_expression_reads_is_indexed_in_its_file(bundled):
    """The loader's reads of every expression of the bundled story (quoted
    or not, in conditions, odds, effects, texts, display and policies) are
    NAME occurrences on the same line of the same file."""
    exprs = _exprs(bundled)
    assert len(exprs) > 1000
    want = {(Path(e.file).name, e.line - 1, n) for e in exprs for n in e.reads}
    have = set()
    for path, ix in _indexes(STORY):
        for o in ix.occs:
            if o.kind == NAME:
                have.add((path.name, o.line, o.name))
    assert len(want) > 1000
    assert sorted(want - have) == []


def test_every_definition_of_the_bundled_story_is_indexed(bundled):
    defs: dict[str, set[str]] = {k: set() for k in (SCENE, VARIABLE, ENDING, CHAPTER)}
    choices = set()
    for _path, ix in _indexes(STORY):
        for o in ix.occs:
            if o.is_def and o.kind == CHOICE:
                choices.add((o.scope, o.name))
            elif o.is_def:
                defs[o.kind].add(o.name)
    assert defs[SCENE] == set(bundled.scenes)
    assert defs[VARIABLE] == {v.name for v in bundled.variables}
    assert defs[ENDING] == set(bundled.endings)
    assert defs[CHAPTER] == {c.id for c in bundled.chapters}
    assert choices == {(s.id, c) for s in bundled.scenes.values() for c in s.by_id}


SCENE_FILE = """\
chapter: one
variables:
  mood: {type: str, default: "calm"}
  grit: {type: int, default: 0}
scenes:
  - id: start
    title: The Start
    text: "“Héllo” — {if grit > 1}é{end} {grit} {{literal}}"
    set: {mood: "grit"}
    choices:
      - id: go
        text: Go
        if: "grit < 5 and mood == 'grit'"
        add: {grit: "1 if start > 2 else 0"}
        to: start
      - id: quit
        text: |
          Quit, {if start > 1}again{end}
        chance: 'grit * 10 + ''x'''
        success: start
        failure: start
"""


def test_names_in_quoted_expressions_texts_and_effects():
    ix = index_file("f.yaml", SCENE_FILE, SCENES)
    names = [(o.name, o.line, o.scope) for o in ix.occs if o.kind == NAME]
    # `if: "..."`: the YAML quotes are not the expression's; 'grit' inside is a string
    assert ("grit", 12, "") in names
    assert ("mood", 12, "") in names
    assert sum(1 for n in names if n[1] == 12) == 2
    # the text's {if}, {grit}, never the {{literal}}
    assert [n for n in names if n[1] == 7] == [("grit", 7, ""), ("grit", 7, "")]
    assert "literal" not in {n[0] for n in names}
    # an effect's value names the variable it is for (a str variable's value is text)
    assert ("grit", 8, "mood") in names
    assert ("start", 13, "grit") in names
    # YAML's '' inside single quotes is one quote: 'x' is a string, not a name
    assert [n[0] for n in names if n[1] == 18] == ["grit"]
    assert ("start", 17, "") in names  # a block text


def test_positions_are_code_points_and_convert_to_the_clients_units():
    ix = index_file("f.yaml", SCENE_FILE, SCENES)
    line = ix.line_text(7)
    grit = next(o for o in ix.occs if o.kind == NAME and o.line == 7)
    assert line[grit.col : grit.end] == "grit"
    # curly quotes and é are one UTF-16 unit, several UTF-8 bytes
    assert to_units(line, grit.col, UTF16) == grit.col
    assert to_units(line, grit.col, UTF32) == grit.col
    assert to_units(line, grit.col, UTF8) == len(line[: grit.col].encode("utf-8"))
    assert from_units(line, to_units(line, grit.col, UTF8), UTF8) == grit.col
    # a character outside the BMP is two UTF-16 units
    emoji = 'x: "🥊 {grit}"'
    col = emoji.index("grit")
    assert to_units(emoji, col, UTF16) == col + 1
    assert from_units(emoji, col + 1, UTF16) == col
    assert from_units(emoji, 999) == len(emoji)


def test_slots_scopes_and_facts():
    ix = index_file("f.yaml", SCENE_FILE, SCENES)
    slots = {(s.what, s.line) for s in ix.slots}
    assert ("text", 7) in slots and ("expr", 12) in slots and (SCENE, 14) in slots
    assert ("type", 2) in slots
    go = next(o for o in ix.occs if o.kind == CHOICE and o.name == "go")
    assert go.is_def and go.scope == "start"
    assert ix.info[(CHOICE, "start/go")].fields["text"] == "Go"
    assert ix.info[(SCENE, "start")].fields["title"] == "The Start"
    assert ix.info[(VARIABLE, "mood")].fields == {"type": "str", "default": "calm"}
    assert ix.var_insert == (4, 2)  # after the last variable, at its indentation
    [chapter] = ix.symbols[2:]
    assert (chapter.name, chapter.kind) == ("one", CHAPTER)
    assert [s.name for s in chapter.children] == ["start"]
    assert [(s.name, s.kind, s.detail) for s in ix.symbols[:2]] == [
        ("mood", VARIABLE, "str"),
        ("grit", VARIABLE, "int"),
    ]


def test_the_pack_fixture_manifest():
    path = PACK_DIR / "pack.yaml"
    ix = index_file(str(path), path.read_text(encoding="utf-8"), PACK)
    assert (ix.pack_name, ix.extends) == ("old_gym", "rocky-iv")
    hook = [o for o in ix.occs if o.kind == CHOICE]
    assert [(o.name, o.scope, o.is_def) for o in hook] == [
        ("wood", "day_hub", False),
        ("old_gym", "day_hub", True),
    ]
    assert {s.what for s in ix.slots} >= {SCENE, CHOICE, "text", "type"}


def test_text_that_does_not_parse_has_no_ids():
    ix = index_file("f.yaml", "scenes:\n  - id: a\n   text: [oops\n", SCENES)
    assert not ix.parsed and ix.occs == [] and ix.symbols == []
