"""lsp/workspace.py and lsp/navigation.py without a server: projects and
their files, completion, definition, references, rename, hover and the
outline, on the bundled story and on the pack fixture (old_gym, extending
it). Edits are the editor's (Workspace.change): nothing is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types as T
from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from rocky_adventure.engine.files import read_files
from rocky_adventure.engine.format import VARIABLE_TYPES
from rocky_adventure.lsp import navigation as nav
from rocky_adventure.lsp import workspace as wsmod
from rocky_adventure.lsp.workspace import Workspace

from .conftest import PACK, STORY, find, open_file

GYM = PACK / "gym.yaml"
PACK_YAML = PACK / "pack.yaml"
TRAINING = STORY / "siberia-training.yaml"
MANIFEST = STORY / "story.yaml"

SECOND = """\
format: 1
name: second
version: 1.0.0
extends: rocky-iv
hooks:
  - scene: old_gym.gym_door
    choices:
      - id: spar
        text: Spar with the old man
        to: old_gym.gym_end
"""


def labels(result: T.CompletionList) -> list[str]:
    return [i.label for i in result.items]


def item(result: T.CompletionList, label: str) -> T.CompletionItem:
    return next(i for i in result.items if i.label == label)


def complete(ws: Workspace, path: Path, needle: str, after: str = "", nth: int = 0):
    """Completion with the cursor just after `after` inside the first
    occurrence of `needle` (after the whole needle when `after` is "")."""
    line, col = find(path, needle, nth)
    return nav.completion(ws, str(path), line, col + len(after or needle))


def at(
    path: Path, needle: str, nth: int = 0, offset: int = 1, text: str | None = None
) -> tuple[str, int, int]:
    line, col = find(path, needle, nth, text)
    return str(path), line, col + offset


def where(loc: T.Location) -> tuple[str, int, int]:
    """(file name, line, column) of a location."""
    return Path(to_fs_path(loc.uri) or "").name, loc.range.start.line, loc.range.start.character


def edits(e: T.WorkspaceEdit) -> dict[str, int]:
    """How many edits each file gets ("pack.yaml", or "second/pack.yaml"
    for another pack's)."""
    out = {}
    for u, v in (e.changes or {}).items():
        p = Path(to_fs_path(u) or "")
        out[p.name if p.parent in (STORY, PACK) else f"{p.parent.name}/{p.name}"] = len(v)
    return out


def apply(path: Path, e: T.WorkspaceEdit) -> str:
    """A file's text with the rename's edits for it applied (ASCII lines)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for u, changes in (e.changes or {}).items():
        if Path(to_fs_path(u) or "") != path:
            continue
        for te in sorted(changes, key=lambda t: (t.range.start.line, t.range.start.character))[
            ::-1
        ]:
            r = te.range
            assert r.start.line == r.end.line
            s = lines[r.start.line]
            lines[r.start.line] = s[: r.start.character] + te.new_text + s[r.end.character :]
    return "\n".join(lines)


@pytest.fixture
def second(tmp_path) -> Path:
    """A second pack on the bundled story, naming old_gym's ids."""
    root = tmp_path / "second"
    root.mkdir()
    (root / "pack.yaml").write_text(SECOND, encoding="utf-8")
    return root


# -- projects ------------------------------------------------------------------------
def test_projects_their_files_and_a_packs_base(ws, tmp_path):
    pack = ws.project_for(str(GYM))
    assert pack is not None and pack.is_pack and pack.name == "old_gym"
    assert pack.base is not None and pack.base.root == STORY and pack.base.name == "rocky-iv"
    files, _errs = read_files(PACK, "pack.yaml", "pack")
    assert list(pack.files) == [str(PACK / rel) for rel, _data in files]
    story = ws.project_for(str(TRAINING))
    assert story is pack.base and not story.is_pack
    assert list(story.files) == [str(STORY / rel) for rel, _data in read_files(STORY)[0]]
    (tmp_path / "loose.yaml").write_text("a: 1\n", encoding="utf-8")
    assert ws.project_for(str(tmp_path / "loose.yaml")) is None
    assert {p.name for p in ws.projects()} == {"old_gym", "rocky-iv"}


def test_a_story_in_the_workspace_is_the_base_before_the_bundled_one(tmp_path):
    copy = tmp_path / "work" / "my-story"
    shutil.copytree(STORY, copy)
    ws = Workspace([tmp_path / "work", PACK], STORY)
    pack = ws.project_for(str(GYM))
    assert pack.base is not None and pack.base.root == copy
    [loc] = nav.definition(ws, *at(GYM, "to: day_hub", offset=5))
    assert to_fs_path(loc.uri) == str(copy / "siberia-training.yaml")
    # a pack of a story nobody has: no base
    other = tmp_path / "other"
    other.mkdir()
    (other / "pack.yaml").write_text(SECOND.replace("rocky-iv", "nobody"), encoding="utf-8")
    assert ws.project_for(str(other / "pack.yaml")).base is None


def test_an_edit_reindexes_only_its_file_and_never_touches_disk(ws):
    pack = ws.project_for(str(GYM))
    story_files = dict(pack.base.files)
    manifest = pack.files[str(PACK_YAML)]
    disk = GYM.read_text(encoding="utf-8")
    new = disk + "  - id: gym_roof\n    title: The Roof\n    text: Up.\n    ending: gym_rat\n"
    assert ws.change(str(GYM), new) is pack
    assert pack.files[str(PACK_YAML)] is manifest
    assert all(pack.base.files[p] is ix for p, ix in story_files.items())
    assert "gym_roof" in labels(complete(ws, GYM, "to: gym_door", "to: "))
    assert ws.overlay() == {str(GYM): new.encode("utf-8")}
    assert GYM.read_text(encoding="utf-8") == disk
    ws.close(str(GYM))
    assert "gym_roof" not in labels(complete(ws, GYM, "to: gym_door", "to: "))
    assert ws.overlay() == {}


def test_a_buffer_that_does_not_parse_keeps_its_last_ids_for_completion(ws):
    text = GYM.read_text(encoding="utf-8")
    ws.open(str(GYM), text.replace("to: gym_end", "to: gym_end\n      - id: [broken"))
    assert not ws.index(str(GYM)).parsed
    assert "gym_end" in labels(complete(ws, GYM, "to: gym_door", "to: "))
    assert nav.definition(ws, *at(GYM, "to: gym_door", offset=5)) == []


def test_files_past_the_size_limit_are_not_read(tmp_path, monkeypatch):
    root = tmp_path / "big"
    shutil.copytree(PACK, root)
    monkeypatch.setattr(wsmod, "MAX_FILE_BYTES", 200)
    ws = Workspace([root], STORY)
    p = ws.project_for(str(root / "gym.yaml"))
    assert p.files[str(root / "gym.yaml")].text == ""
    assert p.files[str(root / "pack.yaml")].text == ""
    ws.open(str(root / "gym.yaml"), "chapter: siberia\n" + "#" * 300)  # a buffer too
    assert p.files[str(root / "gym.yaml")].text == ""
    ws.change(str(root / "gym.yaml"), "chapter: siberia\n")
    assert p.files[str(root / "gym.yaml")].text == "chapter: siberia\n"


def test_new_files_are_listed_again_on_rescan(tmp_path):
    root = tmp_path / "gym"
    shutil.copytree(PACK, root)
    ws = Workspace([tmp_path], STORY)
    assert "roof_scene" not in labels(complete(ws, root / "gym.yaml", "to: gym_door", "to: "))
    (root / "roof.yaml").write_text(
        "chapter: siberia\nscenes:\n  - id: roof_scene\n    text: Up.\n    ending: gym_rat\n",
        encoding="utf-8",
    )
    ws.rescan(str(root / "roof.yaml"))
    assert "roof_scene" in labels(complete(ws, root / "gym.yaml", "to: gym_door", "to: "))
    # a pack made after the workspace looked: found on rescan
    late = tmp_path / "late"
    late.mkdir()
    assert ws.project_for(str(late / "pack.yaml")) is None
    (late / "pack.yaml").write_text(SECOND.replace("second", "late"), encoding="utf-8")
    p = ws.rescan(str(late / "pack.yaml"))
    assert p is not None and p.name == "late" and p.base is not None


# -- completion -------------------------------------------------------------------------
def test_scene_ids_after_to_in_a_pack_are_its_own_then_the_storys(ws):
    r = complete(ws, GYM, "to: gym_door", "to: ")
    got = labels(r)
    assert got[:2] == ["gym_door", "gym_end"]
    assert {"day_hub", "act_wood", "birthday"} <= set(got)
    assert not any("." in g for g in got)
    assert item(r, "gym_door").detail == "The Old Gym · chapter siberia"
    assert item(r, "gym_door").kind == T.CompletionItemKind.Class
    # the word typed is replaced
    line, col = find(GYM, "to: gym_door")
    r = nav.completion(ws, str(GYM), line, col + 7)
    te = item(r, "gym_door").text_edit
    assert (te.range.start.character, te.range.end.character) == (col + 4, col + 7)
    # a hook's scene: the story's scenes
    assert "day_hub" in labels(complete(ws, PACK_YAML, "scene: day_hub", "scene: "))


def test_scene_ids_in_the_story_and_in_another_pack(ws, second):
    ws.project_for(str(GYM))
    r = complete(ws, TRAINING, "to: act_wood", "to: ")
    assert "act_wood" in labels(r) and "gym_door" not in labels(r)
    assert not any("." in g for g in labels(r))  # the story cannot name a pack's ids
    r = complete(ws, second / "pack.yaml", "to: old_gym.gym_end", "to: ")
    assert {"old_gym.gym_door", "old_gym.gym_end", "day_hub"} <= set(labels(r))
    r = complete(ws, second / "pack.yaml", "to: old_gym.gym_end", "to: old_gym.")
    te = item(r, "old_gym.gym_end").text_edit
    line, col = find(second / "pack.yaml", "to: old_gym.gym_end")
    assert (te.range.start.character, te.range.end.character) == (col + 4, col + 12)


def test_expressions_offer_variables_visit_counts_turns_and_operators(ws):
    r = complete(ws, GYM, 'if: "sweat < 5', 'if: "')
    got = labels(r)
    assert got[0] == "sweat" and item(r, "sweat").detail == "int 0..5"
    assert item(r, "fatigue").kind == T.CompletionItemKind.Variable
    assert item(r, "gym_door").detail.startswith("visits of scene")
    assert item(r, "day_hub").detail.startswith("visits of scene")
    assert {"turns", "and", "or", "not", "true", "false"} <= set(got)
    assert {"==", "!=", "<=", "//", "%"} <= set(got)
    assert "/" not in got and "**" not in got  # (not in the language)
    # while a word is typed, operators are not offered
    r = complete(ws, GYM, 'if: "sweat < 5', 'if: "swe')
    assert "sweat" in labels(r) and "==" not in labels(r)
    # effects: the keys are variables, the values expressions
    r = complete(ws, GYM, "add: {sweat: 1, strength: 1", "add: {sweat: 1, ")
    assert {"sweat", "strength", "fatigue"} <= set(labels(r)) and "and" not in labels(r)
    r = complete(ws, GYM, "add: {sweat: 1,", "add: {sweat: ")
    assert "and" in labels(r)


def test_text_offers_if_else_end_and_names_after_a_brace(ws):
    text = GYM.read_text(encoding="utf-8").replace(
        "You know the way in now.{end}", "You know the way in now.{end} {"
    )
    ws.open(str(GYM), text)
    line, col = find(GYM, "You know the way in now.{end}")
    col += len("You know the way in now.{end} {")
    r = nav.completion(ws, str(GYM), line, col)
    assert labels(r)[:4] == ["if", "elif", "else", "end"]
    assert item(r, "if").text_edit.new_text == "if "
    assert item(r, "end").text_edit.new_text == "end}"
    assert item(r, "sweat").text_edit.new_text == "sweat}"
    # inside {if ...}: an expression
    line, col = find(GYM, "{if gym_door")
    r = nav.completion(ws, str(GYM), line, col + 4)
    assert "gym_door" in labels(r) and "end" not in labels(r)
    # a quoted text on its key's line
    r = complete(ws, GYM, '"Work the bag (sweat {sweat', '"Work the bag (sweat {')
    assert "sweat" in labels(r) and "else" in labels(r)
    # prose without a brace: nothing
    assert labels(complete(ws, GYM, "A door with no sign", "A door")) == []


@pytest.mark.parametrize(
    ("tail", "offered"),
    [
        ("        to: ", "gym_door"),
        ('        if: "sweat < ', "fatigue"),
        ('        text: "Work {sw', "sweat"),
        ("        set: {sw", "sweat"),
        ("        add:\n          fat", "fatigue"),
        ("        to: day_h", "day_hub"),
    ],
)
def test_completion_while_typing_even_when_the_yaml_is_broken(ws, tail, offered):
    """The text up to the cursor decides (an open quote or brace breaks the
    YAML until it is closed); the file's own ids are its last good index's."""
    text = GYM.read_text(encoding="utf-8") + "      - id: typing\n        text: Go\n" + tail
    text = text.replace("    ending: gym_rat\n", "    ending: gym_rat\n    choices:\n")
    ws.open(str(GYM), GYM.read_text(encoding="utf-8"))
    ws.change(str(GYM), text)
    lines = text.split("\n")
    r = nav.completion(ws, str(GYM), len(lines) - 1, len(lines[-1]))
    assert offered in labels(r)
    assert "gym_end" in labels(r) or offered in ("sweat", "fatigue")


def test_types_endings_chapters_and_choices(ws):
    r = complete(ws, PACK_YAML, "type: int", "type: ")
    assert labels(r) == list(VARIABLE_TYPES)
    r = complete(ws, GYM, "ending: gym_rat", "ending: ")
    assert labels(r)[0] == "gym_rat" and item(r, "gym_rat").detail == "A Gym Rat"
    assert "the_second_towel" in labels(r)
    r = complete(ws, GYM, "chapter: siberia", "chapter: ")
    assert labels(r) == ["apollo", "siberia", "moscow"]
    assert item(r, "siberia").detail == "Siberia"
    # the fixed words of other keys, and variables that fit a bar
    r = complete(ws, MANIFEST, "{var: adrian,", "{var: ")
    assert {"adrian", "guilt", "rocky_hp"} <= set(labels(r))
    assert not {"apollo_alive", "tactic"} & set(labels(r))  # (bool, str)
    gym = GYM.read_text(encoding="utf-8").replace(
        "        to: gym_end", "        once: \n        to: gym_end"
    )
    ws.open(str(GYM), gym)
    line, col = find(GYM, "once: ", text=gym)
    assert labels(nav.completion(ws, str(GYM), line, col + 6)) == ["true", "false"]
    # a hook's after: the hooked scene's choices
    r = complete(ws, PACK_YAML, "after: wood", "after: ")
    assert {"wood", "cart", "rest"} <= set(labels(r))
    assert "bag" not in labels(r) and "old_gym" not in labels(r)  # (packs' are name.id)
    assert item(r, "wood").kind == T.CompletionItemKind.EnumMember
    # a policy rule's prefer: the rule's scene's choices
    r = complete(ws, MANIFEST, "{scene: corner, prefer: [listen]}", "{scene: corner, prefer: [")
    assert "listen" in labels(r) and "cover" not in labels(r)
    r = complete(ws, MANIFEST, '{policy: "always:jabmove"', '{policy: "always:')
    assert {"jabmove", "cover"} <= set(labels(r))
    text = MANIFEST.read_text(encoding="utf-8")
    assert "lints:" not in text
    text = text.replace("display:\n", "lints:\n  RA105: \ndisplay:\n", 1)
    ws.open(str(MANIFEST), text)
    line, col = find(MANIFEST, "  RA105: ", text=text)
    assert labels(nav.completion(ws, str(MANIFEST), line, col + 9)) == [
        "error",
        "warning",
        "info",
        "ignore",
    ]


# -- definition and references ---------------------------------------------------------
def test_definition_across_files_and_into_the_base_story(ws, second):
    [loc] = nav.definition(ws, *at(GYM, "to: gym_end", offset=5))
    line, col = find(GYM, "id: gym_end")
    assert where(loc) == ("gym.yaml", line, col + 4)
    [loc] = nav.definition(ws, *at(GYM, "to: day_hub", offset=5))
    assert where(loc) == ("siberia-training.yaml", *find(TRAINING, "day_hub"))
    [loc] = nav.definition(ws, *at(GYM, "fatigue < 8"))
    assert where(loc) == ("story.yaml", *find(MANIFEST, "fatigue:"))
    [loc] = nav.definition(ws, *at(PACK_YAML, "{sweat}", offset=2))
    assert where(loc) == ("pack.yaml", *find(PACK_YAML, "sweat:"))
    [loc] = nav.definition(ws, *at(GYM, "ending: gym_rat", offset=9))
    assert where(loc) == ("pack.yaml", *find(PACK_YAML, "gym_rat"))
    [loc] = nav.definition(ws, *at(GYM, "chapter: siberia", offset=9))
    assert where(loc) == ("story.yaml", *find(MANIFEST, "siberia", 0))
    # a hook's after: the hooked scene's choice
    [loc] = nav.definition(ws, *at(PACK_YAML, "after: wood", offset=8))
    line, col = find(TRAINING, "id: wood")
    assert where(loc) == ("siberia-training.yaml", line, col + 4)
    # another pack's name.id
    ws.project_for(str(GYM))
    [loc] = nav.definition(ws, *at(second / "pack.yaml", "old_gym.gym_door", offset=9))
    assert where(loc) == ("gym.yaml", *find(GYM, "gym_door"))


def test_a_packs_name_id_written_anywhere_resolves_into_the_pack(ws):
    ws.project_for(str(GYM))
    text = TRAINING.read_text(encoding="utf-8").replace("to: act_wood", "to: old_gym.gym_door")
    ws.open(str(TRAINING), text)
    [loc] = nav.definition(ws, *at(TRAINING, "old_gym.gym_door", offset=9, text=text))
    assert where(loc) == ("gym.yaml", *find(GYM, "gym_door"))
    h = nav.hover(ws, *at(TRAINING, "old_gym.gym_door", offset=9, text=text))
    assert "**scene** `old_gym.gym_door`" in h.contents.value


def test_a_hooks_after_names_the_scenes_own_choice(ws):
    """Even when the pack hooks in a choice of the same id (its own is
    old_gym.wood from outside, and before/after cannot name it)."""
    text = PACK_YAML.read_text(encoding="utf-8").replace("- id: old_gym", "- id: wood")
    ws.open(str(PACK_YAML), text)
    [loc] = nav.definition(ws, *at(PACK_YAML, "after: wood", offset=8, text=text))
    line, col = find(TRAINING, "id: wood")
    assert where(loc) == ("siberia-training.yaml", line, col + 4)
    with pytest.raises(nav.RenameRefused, match="base story"):
        nav.rename(ws, *at(PACK_YAML, "after: wood", offset=8, text=text), "chop")
    e = nav.rename(ws, *at(PACK_YAML, "- id: wood", offset=7, text=text), "gym")
    assert edits(e) == {"pack.yaml": 1}


def test_references_of_a_variable_and_of_a_scene_across_files(ws):
    story_only = Workspace([], STORY)
    refs = nav.references(story_only, *at(TRAINING, "id: day_hub", offset=5))
    files = {where(x)[0] for x in refs}
    assert files == {"siberia-training.yaml", "siberia-events.yaml", "siberia.yaml"}
    assert len(refs) == 15
    refs = nav.references(ws, *at(PACK_YAML, "sweat:"))
    assert {where(x)[0] for x in refs} == {"pack.yaml", "gym.yaml"}
    assert len(refs) == 6  # its key, the epilogue, the text, the if, the add, the stay's if
    assert len(nav.references(ws, *at(PACK_YAML, "sweat:"), include_declaration=False)) == 5
    ws.project_for(str(GYM))  # with the pack: its uses count too
    refs = nav.references(ws, *at(TRAINING, "id: day_hub", offset=5))
    assert {"pack.yaml", "gym.yaml"} <= {where(x)[0] for x in refs} and len(refs) == 17


def test_choices_are_scoped_by_their_scene(ws):
    bout = STORY / "moscow-bout.yaml"
    line, col = find(bout, "id: cover")
    refs = nav.references(ws, str(bout), line, col + 5)
    got = {where(x) for x in refs}
    # the policy rules for scene read, and balance's always:cover (any scene's cover)
    assert ("moscow-bout.yaml", line, col + 4) in got
    assert all(f in ("moscow-bout.yaml", "story.yaml") for f, _l, _c in got)
    rm_line, rm_col = find(STORY / "moscow-rematch.yaml", "id: cover")
    rm = {
        where(x)
        for x in nav.references(ws, str(STORY / "moscow-rematch.yaml"), rm_line, rm_col + 5)
    }
    shared = got & rm
    assert shared and all(f == "story.yaml" for f, _l, _c in shared)  # only the always:cover
    assert got - rm and rm - got


# -- rename -----------------------------------------------------------------------------
def test_rename_a_scene_everywhere_it_is_named_or_counted(ws):
    ws.project_for(str(GYM))
    e = nav.rename(ws, *at(TRAINING, "id: act_wood", offset=5), "chop_wood")
    # its id, the choice leading there, and every expression reading its visits
    assert edits(e) == {"siberia-training.yaml": 23}
    text = apply(TRAINING, e)
    assert "act_wood" not in text and "id: chop_wood" in text and "to: chop_wood" in text
    assert "{if chop_wood == 1}" in text
    e = nav.rename(ws, *at(TRAINING, "id: day_hub", offset=5), "farm")
    assert edits(e) == {
        "siberia-training.yaml": 2,
        "siberia-events.yaml": 12,
        "siberia.yaml": 1,
        "pack.yaml": 1,
        "gym.yaml": 1,
    }


def test_rename_a_chapter_in_the_story_and_the_packs_in_the_workspace(ws):
    """The pack fixture is in the workspace but no file of it was opened:
    its uses of the story's chapter are renamed too."""
    line, col = find(MANIFEST, "- id: siberia")
    e = nav.rename(ws, str(MANIFEST), line, col + 7, "russia")
    assert edits(e) == {
        "story.yaml": 1,
        "siberia.yaml": 1,
        "siberia-events.yaml": 1,
        "siberia-training.yaml": 1,
        "siberia-finale.yaml": 1,
        "gym.yaml": 1,
    }
    assert apply(GYM, e).startswith("chapter: russia\n")


def test_rename_a_packs_variable_and_choice(ws):
    e = nav.rename(ws, *at(GYM, "sweat < 5"), "grit")
    assert edits(e) == {"pack.yaml": 2, "gym.yaml": 4}
    assert "{grit}" in apply(PACK_YAML, e) and "grit: {type: int" in apply(PACK_YAML, e)
    # a choice: only that scene's
    bout = STORY / "moscow-bout.yaml"
    line, col = find(bout, "id: cover")
    e = nav.rename(ws, str(bout), line, col + 5, "shell")
    text = apply(MANIFEST, e)
    assert "scene: read\n        prefer: [shell]" in text
    assert "scene: rm_read\n        prefer: [cover]" in text
    assert '"always:cover"' in text  # (names the rematch's cover too)


def test_rename_refuses_with_a_reason(ws):
    with pytest.raises(nav.RenameRefused, match="already exists"):
        nav.rename(ws, *at(GYM, "id: gym_end", offset=5), "gym_door")
    with pytest.raises(nav.RenameRefused, match="already exists"):
        nav.rename(ws, *at(GYM, "sweat < 5"), "gym_door")  # a scene's name is its visits
    with pytest.raises(nav.RenameRefused, match="the story 'rocky-iv' has a scene 'day_hub'"):
        nav.rename(ws, *at(GYM, "id: gym_end", offset=5), "day_hub")  # it would shadow it
    with pytest.raises(nav.RenameRefused, match="not a valid id"):
        nav.rename(ws, *at(GYM, "id: gym_end", offset=5), "2nd-floor")
    with pytest.raises(nav.RenameRefused, match="reserved word"):
        nav.rename(ws, *at(GYM, "sweat < 5"), "turns")
    with pytest.raises(nav.RenameRefused, match="base story 'rocky-iv'"):
        nav.rename(ws, *at(GYM, "to: day_hub", offset=5), "farm")
    with pytest.raises(nav.RenameRefused, match="base story"):
        nav.prepare_rename(ws, *at(GYM, "fatigue < 8"))
    with pytest.raises(nav.RenameRefused, match="already has a choice 'stay'"):
        nav.rename(ws, *at(GYM, "id: bag", offset=5), "stay")
    text = GYM.read_text(encoding="utf-8").replace("sweat >= 3", "turns >= 3")
    ws.open(str(GYM), text)
    with pytest.raises(nav.RenameRefused, match="built in"):
        nav.rename(ws, *at(GYM, "turns >= 3", text=text), "moves")
    text = text.replace("{sweat: 1,", "{nobody: 1,")
    ws.change(str(GYM), text)
    with pytest.raises(nav.RenameRefused, match="unknown variable 'nobody'"):
        nav.rename(ws, *at(GYM, "{nobody", offset=2, text=text), "somebody")
    assert nav.prepare_rename(ws, *at(GYM, "A door with no sign")) is None
    # the client shows the message of a ResponseError with LSP's RequestFailed code
    assert nav.RenameRefused("x").to_response_error().code == T.LSPErrorCodes.RequestFailed.value


def test_prepare_rename_gives_the_id_without_its_pack(ws, second):
    ws.project_for(str(GYM))
    r = nav.prepare_rename(ws, *at(GYM, "id: gym_door", offset=6))
    line, col = find(GYM, "gym_door")
    assert (r.range.start.line, r.range.start.character, r.range.end.character) == (
        line,
        col,
        col + 8,
    )
    assert r.placeholder == "gym_door"
    # another pack's id is that pack's to rename
    with pytest.raises(nav.RenameRefused, match="the pack 'old_gym'"):
        nav.prepare_rename(ws, *at(second / "pack.yaml", "old_gym.gym_door", offset=9))
    # renaming it in its pack edits the other pack's name.id, the pack name kept
    e = nav.rename(ws, *at(GYM, "id: gym_door", offset=6), "gym_hall")
    assert edits(e) == {"gym.yaml": 3, "pack.yaml": 1, "second/pack.yaml": 1}
    assert "scene: old_gym.gym_hall" in apply(second / "pack.yaml", e)


# -- hover and symbols --------------------------------------------------------------------
def test_hover(ws):
    h = nav.hover(ws, *at(GYM, "sweat < 5"))
    assert "**variable** `sweat`: int" in h.contents.value
    assert "range 0..5" in h.contents.value and "default `0`" in h.contents.value
    assert "“Sweat”" in h.contents.value
    line, col = find(GYM, "sweat < 5")
    assert (h.range.start.line, h.range.start.character, h.range.end.character) == (
        line,
        col,
        col + 5,
    )
    h = nav.hover(ws, *at(GYM, "to: day_hub", offset=5))
    assert "*Morning at the Farm*" in h.contents.value
    assert "chapter `siberia`" in h.contents.value and "story `rocky-iv`" in h.contents.value
    h = nav.hover(ws, *at(GYM, "to: gym_door", offset=5)).contents.value
    assert "> A door with no sign." in h and "Mickey’s" in h
    h = nav.hover(ws, *at(GYM, "{if gym_door", offset=5)).contents.value
    assert h.startswith("visits of **scene** `gym_door`")
    h = nav.hover(ws, *at(GYM, "ending: gym_rat", offset=9)).contents.value
    assert "*A Gym Rat*" in h and "hint: Some men never leave the gym." in h
    assert nav.hover(ws, *at(GYM, "A door with no sign")) is None


def test_document_symbols_group_scenes_by_chapter(ws):
    [chapter] = nav.document_symbols(ws, str(GYM))
    assert (chapter.name, chapter.kind, chapter.detail) == (
        "siberia",
        T.SymbolKind.Namespace,
        "Siberia",
    )
    assert [(s.name, s.detail) for s in chapter.children] == [
        ("gym_door", "The Old Gym"),
        ("gym_end", "Staying"),
    ]
    syms = nav.document_symbols(ws, str(MANIFEST))
    kinds = {s.kind for s in syms}
    assert {T.SymbolKind.Variable, T.SymbolKind.Namespace} <= kinds
    assert [s.name for s in syms if s.kind == T.SymbolKind.Namespace] == [
        "apollo",
        "siberia",
        "moscow",
    ]


def test_positions_are_utf16_for_the_client(ws):
    """A character outside the BMP before an id: the client's columns
    count it twice."""
    text = GYM.read_text(encoding="utf-8").replace(
        "Back to the farm", "🥊 Back to the farm {sweat}"
    )
    ws.open(str(GYM), text)
    ix = ws.index(str(GYM))
    line = next(i for i in range(100) if "🥊 Back" in ix.line_text(i))
    col = ix.line_text(line).index("{sweat}") + 1  # code points
    [loc] = nav.definition(ws, str(GYM), line, col + 1)  # UTF-16: one more
    assert where(loc) == ("pack.yaml", *find(PACK_YAML, "sweat:"))
    [ref] = [r for r in nav.references(ws, str(GYM), line, col + 1) if r.range.start.line == line]
    assert (ref.range.start.character, ref.range.end.character) == (col + 1, col + 6)
    h = nav.hover(ws, str(GYM), line, col, enc="utf-32")  # (code points)
    assert (h.range.start.character, h.range.end.character) == (col, col + 5)


# -- end to end: `rocky-adventure lsp` over stdio (pytest-lsp) ---------------------------
def _doc(u: str) -> T.TextDocumentIdentifier:
    return T.TextDocumentIdentifier(uri=u)


def _pos(path: Path, needle: str, offset: int = 1, text: str | None = None) -> T.Position:
    line, col = find(path, needle, text=text)
    return T.Position(line=line, character=col + offset)


async def test_server_on_the_bundled_story(client):
    caps = client.initialize_result.capabilities
    assert set(caps.completion_provider.trigger_characters) >= {":", " ", "{", "."}
    assert caps.rename_provider.prepare_provider is True
    assert caps.definition_provider and caps.references_provider
    assert caps.hover_provider and caps.document_symbol_provider
    assert caps.position_encoding in (None, T.PositionEncodingKind.Utf16)
    events = STORY / "siberia-events.yaml"
    u = open_file(client, events)
    r = await client.text_document_completion_async(
        T.CompletionParams(text_document=_doc(u), position=_pos(events, "to: day_hub", 4))
    )
    assert {"day_hub", "act_wood"} <= {i.label for i in r.items}
    assert next(i for i in r.items if i.label == "day_hub").detail == (
        "Morning at the Farm · chapter siberia"
    )
    [loc] = await client.text_document_definition_async(
        T.DefinitionParams(text_document=_doc(u), position=_pos(events, "to: day_hub", 5))
    )
    assert where(loc) == ("siberia-training.yaml", *find(TRAINING, "day_hub"))
    refs = await client.text_document_references_async(
        T.ReferenceParams(
            text_document=_doc(u),
            position=_pos(events, "to: day_hub", 5),
            context=T.ReferenceContext(include_declaration=True),
        )
    )
    assert {where(x)[0] for x in refs} >= {"siberia-events.yaml", "siberia-training.yaml"}
    h = await client.text_document_hover_async(
        T.HoverParams(text_document=_doc(u), position=_pos(events, "to: day_hub", 5))
    )
    assert h.contents.kind == T.MarkupKind.Markdown and "*Morning at the Farm*" in h.contents.value
    syms = await client.text_document_document_symbol_async(
        T.DocumentSymbolParams(text_document=_doc(u))
    )
    assert syms and syms[0].kind == T.SymbolKind.Namespace and syms[0].name == "siberia"


async def test_server_on_the_pack_rename_and_refusal(client):
    u = open_file(client, GYM)
    r = await client.text_document_completion_async(
        T.CompletionParams(text_document=_doc(u), position=_pos(GYM, "to: gym_door", 4))
    )
    got = [i.label for i in r.items]
    assert got[:2] == ["gym_door", "gym_end"] and "day_hub" in got
    [loc] = await client.text_document_definition_async(
        T.DefinitionParams(text_document=_doc(u), position=_pos(GYM, "to: day_hub", 5))
    )
    assert where(loc) == ("siberia-training.yaml", *find(TRAINING, "day_hub"))
    prep = await client.text_document_prepare_rename_async(
        T.PrepareRenameParams(text_document=_doc(u), position=_pos(GYM, "sweat < 5"))
    )
    assert prep.placeholder == "sweat"
    e = await client.text_document_rename_async(
        T.RenameParams(text_document=_doc(u), position=_pos(GYM, "sweat < 5"), new_name="grit")
    )
    assert edits(e) == {"pack.yaml": 2, "gym.yaml": 4}
    assert {te.new_text for v in e.changes.values() for te in v} == {"grit"}
    with pytest.raises(JsonRpcException, match="belongs to the base story 'rocky-iv'") as err:
        await client.text_document_rename_async(
            T.RenameParams(
                text_document=_doc(u), position=_pos(GYM, "to: day_hub", 5), new_name="farm"
            )
        )
    assert err.value.code == T.LSPErrorCodes.RequestFailed.value
    with pytest.raises(JsonRpcException, match="already exists"):
        await client.text_document_rename_async(
            T.RenameParams(
                text_document=_doc(u), position=_pos(GYM, "id: gym_end", 5), new_name="gym_door"
            )
        )


async def test_server_follows_the_editors_buffer(client):
    """didChange (never saved): the new scene is offered and outlined, and
    positions are UTF-16 past a character outside the BMP."""
    disk = GYM.read_text(encoding="utf-8")
    u = open_file(client, GYM)
    new = disk.replace("Back to the farm", "🥊 Back to the farm {sweat}") + (
        "  - id: gym_roof\n    title: The Roof\n    text: Up.\n    ending: gym_rat\n"
    )
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=u, version=2),
            content_changes=[T.TextDocumentContentChangeWholeDocument(text=new)],
        )
    )
    r = await client.text_document_completion_async(
        T.CompletionParams(text_document=_doc(u), position=_pos(GYM, "to: gym_door", 4))
    )
    assert "gym_roof" in {i.label for i in r.items}
    syms = await client.text_document_document_symbol_async(
        T.DocumentSymbolParams(text_document=_doc(u))
    )
    assert [s.name for s in syms[0].children] == ["gym_door", "gym_end", "gym_roof"]
    line, col = find(GYM, "🥊 Back to the farm {", text=new)
    col += len("🥊 Back to the farm {")  # sweat, in code points: one less than in UTF-16
    [loc] = await client.text_document_definition_async(
        T.DefinitionParams(text_document=_doc(u), position=T.Position(line=line, character=col + 2))
    )
    assert where(loc) == ("pack.yaml", *find(PACK_YAML, "sweat:"))
    h = await client.text_document_hover_async(
        T.HoverParams(text_document=_doc(u), position=T.Position(line=line, character=col + 1))
    )
    assert (h.range.start.character, h.range.end.character) == (col + 1, col + 6)
    assert GYM.read_text(encoding="utf-8") == disk
