"""lsp/actions.py: the quick fixes, applied to the files' text, give YAML
that loads without the error they fix."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from rocky_adventure.lsp import actions as A
from rocky_adventure.lsp import lintjob
from rocky_adventure.lsp.diagnostics import by_file, to_lsp
from rocky_adventure.lsp.index import MANIFEST, PACK, index_file

from .conftest import server

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
PACK_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "old_gym"


def copy(tmp_path: Path, src: Path = STARTER, name: str = "story") -> Path:
    root = tmp_path / name
    shutil.copytree(src, root)
    return root


def edit(root: Path, file: str, old: str, new: str, count: int = 1) -> None:
    p = root / file
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, count), encoding="utf-8")


def diagnose(root: Path, pack: Path | None = None) -> dict[str, list[types.Diagnostic]]:
    """The LSP diagnostics of the story (or of the pack over the bundled
    story) by absolute path, as the server publishes them."""
    request = {"root": None if pack else str(root), "pack": str(pack) if pack else None}
    found = lintjob.run({**request, "budget": 0})
    out = {}
    for path, diags in by_file(found, request["root"], request["pack"]).items():
        text = Path(path).read_text(encoding="utf-8")
        out[path] = [to_lsp(d, text) for d in diags]
    return out


def manifest_for(root: Path, is_pack: bool = False):
    path = root / ("pack.yaml" if is_pack else "story.yaml")
    text = path.read_text(encoding="utf-8")
    ix = index_file(str(path), text, PACK if is_pack else MANIFEST)
    return lambda: (path.as_uri(), text, ix.var_insert)


def actions(root: Path, path: str, manifest=None, pack: Path | None = None):
    diags = diagnose(root, pack)[path]
    text = Path(path).read_text(encoding="utf-8")
    return diags, A.actions_for(Path(path).as_uri(), text, diags, manifest)


def apply(action: types.CodeAction) -> None:
    """Write the action's edits to the files."""
    assert action.edit is not None and action.edit.changes
    for uri, edits in action.edit.changes.items():
        p = Path(uri.removeprefix("file://"))
        p.write_text(A.apply_edits(p.read_text(encoding="utf-8"), edits), encoding="utf-8")


def messages(root: Path, pack: Path | None = None) -> list[str]:
    return [d.message for ds in diagnose(root, pack).values() for d in ds]


def unknown(name: str, root: Path, pack: Path | None = None) -> list[str]:
    """The messages calling `name` unknown."""
    return [
        m
        for m in messages(root, pack)
        if f"unknown variable '{name}'" in m or f"unknown name '{name}'" in m
    ]


# -- did you mean ------------------------------------------------------------


def test_did_you_mean_replaces_every_misspelling(tmp_path):
    root = copy(tmp_path)
    edit(root, "gym.yaml", "to: locker\n", "to: lockr\n", count=5)
    gym = str((root / "gym.yaml").resolve())
    diags, found = actions(root, gym)
    assert len(diags) == 3
    fixes = [a for a in found if a.title == "Change 'lockr' to 'locker'"]
    assert len(fixes) == 3 and all(a.kind == types.CodeActionKind.QuickFix for a in fixes)
    assert all(a.is_preferred for a in fixes)
    assert fixes[0].diagnostics == [diags[0]]
    for a in fixes:
        apply(a)
    assert not [m for m in messages(root) if "lockr" in m]
    assert (root / "gym.yaml").read_text() == (STARTER / "gym.yaml").read_text()


def test_did_you_mean_everywhere_in_the_file(tmp_path):
    root = copy(tmp_path)
    edit(root, "gym.yaml", "to: locker\n", "to: lockr\n", count=5)
    gym = (root / "gym.yaml").resolve()
    diags = diagnose(root)[str(gym)]
    found = A.actions_for(gym.as_uri(), gym.read_text(), diags[:1], in_file=diags)
    assert [a.title for a in found] == [
        "Change 'lockr' to 'locker'",
        "Change every 'lockr' to 'locker' in this file (3)",
    ]
    assert found[1].diagnostics == diags
    apply(found[1])
    assert gym.read_text() == (STARTER / "gym.yaml").read_text()


def test_did_you_mean_for_a_key_and_a_name_in_text(tmp_path):
    root = copy(tmp_path)
    edit(root, "gym.yaml", "    title: Home\n", "    titel: Home\n")
    edit(root, "gym.yaml", "{if locker > 1}", "{if lockerz > 1}")
    gym = str((root / "gym.yaml").resolve())
    _diags, found = actions(root, gym)
    titles = [a.title for a in found]
    assert "Change 'titel' to 'title'" in titles
    assert "Change 'lockerz' to 'locker'" in titles
    for a in found:
        if a.title.startswith("Change"):
            apply(a)
    assert (root / "gym.yaml").read_text() == (STARTER / "gym.yaml").read_text()


def test_did_you_mean_on_a_non_ascii_line(tmp_path):
    root = copy(tmp_path)
    edit(
        root,
        "gym.yaml",
        "    text: The radiator clanks. The bed is warm. The gym can wait.",
        '    text: "Ünï 😀 {stamin} 😀 clanks"',
    )
    gym = str((root / "gym.yaml").resolve())
    _diags, found = actions(root, gym)
    (fix,) = [a for a in found if a.title.startswith("Change")]
    apply(fix)
    assert '    text: "Ünï 😀 {stamina} 😀 clanks"' in (root / "gym.yaml").read_text()
    assert messages(root) == [m for m in messages(copy(tmp_path, name="clean"))]


# -- declare a variable ------------------------------------------------------


def test_declare_an_unknown_variable_in_story_yaml(tmp_path):
    root = copy(tmp_path)
    edit(root, "gym.yaml", "add: {heart: 1}", "add: {grit: 1}")
    gym = str((root / "gym.yaml").resolve())
    _diags, found = actions(root, gym, manifest_for(root))
    (declare,) = [a for a in found if a.title.startswith("Declare")]
    assert declare.title == "Declare the variable 'grit' (int) in story.yaml"
    assert list(declare.edit.changes) == [(root / "story.yaml").as_uri()]
    apply(declare)
    text = (root / "story.yaml").read_text()
    assert "  grit: {type: int, default: 0}\n" in text
    # under `variables:`, after the last one
    assert text.index("grit:") > text.index("vic_hp:") and text.index("grit:") < text.index(
        "chapters:"
    )
    assert not unknown("grit", root)


@pytest.mark.parametrize(
    "old,new,name,type_",
    [
        ("{if warmed_up}", "{if ready}", "ready", "bool"),
        ("{if heart >= 6}", "{if nerve >= 6}", "nerve", "int"),
        ("set: {warmed_up: true}", "set: {limber: true}", "limber", "bool"),
        (
            'set: {trainer: "Mickey", brave: true}',
            'set: {coach: "Mickey", brave: true}',
            "coach",
            "str",
        ),
    ],
)
def test_declare_infers_the_type(tmp_path, old, new, name, type_):
    root = copy(tmp_path)
    file = "story.yaml" if "heart >= 6" in old else "gym.yaml"
    edit(root, file, old, new)
    path = str((root / file).resolve())
    _diags, found = actions(root, path, manifest_for(root))
    (declare,) = [a for a in found if a.title.startswith("Declare")]
    assert f"'{name}' ({type_})" in declare.title
    apply(declare)
    assert not unknown(name, root)


@pytest.mark.parametrize(
    "line,type_",
    [
        ('        if: "x"', "bool"),
        ("        if: not x", "bool"),
        ('        if: "x == true"', "bool"),
        ("        if: \"x == 'a'\"", "str"),
        ('        if: "x and stamina > 2"', "bool"),
        ('        if: "x > 2"', "int"),
        ("        add: {x: 2}", "int"),
        ('        set: {x: "a"}', "str"),
        ("    text: {if x}yes{end}", "bool"),
        ("    text: {x} left", "int"),
    ],
)
def test_infer_type(line, type_):
    assert A.infer_type(line, "x") == type_


def test_declare_without_variables_adds_the_section(tmp_path):
    root = copy(tmp_path)
    manifest = (root / "story.yaml").read_text()
    start, end = manifest.index("variables:\n"), manifest.index("chapters:")
    decls = manifest[start:end]
    (root / "story.yaml").write_text(manifest[:start] + manifest[end:])
    gym = root / "gym.yaml"  # the variables go into the scene file
    gym.write_text(
        gym.read_text().replace(
            "  warmed_up: {type: bool, default: false}\n",
            decls.split("\n", 1)[1].rstrip() + "\n  warmed_up: {type: bool, default: false}\n",
        )
    )
    assert not [m for m in messages(root) if "unknown variable" in m or "unknown name" in m]
    edit(root, "gym.yaml", "add: {heart: 1}", "add: {grit: 1}")
    _diags, found = actions(root, str(gym.resolve()), manifest_for(root))
    (declare,) = [a for a in found if a.title.startswith("Declare")]
    apply(declare)
    assert (
        (root / "story.yaml")
        .read_text()
        .endswith("\nvariables:\n  grit: {type: int, default: 0}\n")
    )
    assert not unknown("grit", root)


def test_declare_into_an_empty_variables(tmp_path):
    text = "format: 1\nid: x\nvariables: {}\nstart: a\n"
    edits = A.declare_edits(text, None, "n", "int")
    assert edits is not None
    assert A.apply_edits(text, edits) == (
        "format: 1\nid: x\nvariables:\n  n: {type: int, default: 0}\nstart: a\n"
    )
    # a flow-style section the insertion point does not fit: not offered wrongly
    flow = "format: 1\nvariables: {a: {type: int, default: 0}}\nstart: a\n"
    got = A.declare_edits(flow, (2, 2), "n", "int")
    assert got is None or "a:" in A.apply_edits(flow, got)


def test_no_declare_for_yes_and_no(tmp_path):
    root = copy(tmp_path)
    edit(
        root,
        "gym.yaml",
        "set: {warmed_up: true}",
        'set: {warmed_up: true}\n        if: "brave == yes"',
    )
    gym = str((root / "gym.yaml").resolve())
    _diags, found = actions(root, gym, manifest_for(root))
    titles = [a.title for a in found]
    assert "Change 'yes' to 'true'" in titles
    assert not [t for t in titles if t.startswith("Declare")]


@pytest.mark.skipif(not PACK_FIXTURE.is_dir(), reason="the pack fixture is not there yet")
def test_declare_in_a_pack(tmp_path):
    pack = copy(tmp_path, PACK_FIXTURE, "old_gym")
    edit(
        pack,
        "pack.yaml",
        'text: "Find the old gym in the village"',
        'text: "Find the old gym in the village"\n        if: "gym_keys > 0"',
    )
    path = str((pack / "pack.yaml").resolve())
    diags, found = actions(None, path, manifest_for(pack, is_pack=True), pack=pack)
    assert [d.data.get("name") for d in diags if d.code in ("RA005", "RA007")] == ["gym_keys"]
    (declare,) = [a for a in found if a.title.startswith("Declare")]
    assert declare.title == "Declare the variable 'gym_keys' (int) in pack.yaml"
    apply(declare)
    assert not unknown("gym_keys", None, pack)


# -- tabs --------------------------------------------------------------------


def test_use_spaces_for_a_tab(tmp_path):
    root = copy(tmp_path)
    edit(root, "gym.yaml", "    title: The Gym Door", "\ttitle: The Gym Door")
    gym = str((root / "gym.yaml").resolve())
    _diags, found = actions(root, gym)
    (fix,) = [a for a in found if "spaces" in a.title]
    assert fix.title == "Use spaces instead of tabs on line 15"
    apply(fix)
    assert (root / "gym.yaml").read_text() == (STARTER / "gym.yaml").read_text()


def test_use_spaces_in_the_whole_file(tmp_path):
    root = copy(tmp_path)
    gym = root / "gym.yaml"
    text = gym.read_text()
    tabbed = "\n".join(
        "\t" * ((len(line) - len(line.lstrip(" "))) // 2) + line.lstrip(" ")
        for line in text.split("\n")
    )
    gym.write_text(tabbed)
    _diags, found = actions(root, str(gym.resolve()))
    titles = [a.title for a in found]
    assert "Use spaces instead of tabs in the whole file" in titles
    (every,) = [a for a in found if a.title.endswith("whole file")]
    apply(every)
    assert gym.read_text() == text
    assert messages(root) == messages(copy(tmp_path, name="clean"))


def test_tab_width():
    lines = ["scenes:", "  - id: a", "\ttitle: A", "\t\ttext: x"]
    assert A.tab_width(lines, 2) == 4
    assert A.tab_width(["a:", "\tb: 1"], 1) == 2
    assert A.tab_width(["  - id: a", "  \t  title: A"], 1) == 0  # the spaces were enough
    assert A.untab_line("\ttitle:\tA", 4) == "    title: A"


def test_apply_edits_in_utf16_units():
    text = "a: 😀x\n"
    e = types.TextEdit(types.Range(types.Position(0, 5), types.Position(0, 6)), "y")
    assert A.apply_edits(text, [e]) == "a: 😀y\n"
    assert A.code_point_col("😀x", 2) == 1


# -- through the server ------------------------------------------------------


@pytest_lsp.fixture(config=server("--no-installed-packs"))
async def client(lsp_client: LanguageClient, tmp_path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="tmp")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def published(client: LanguageClient, uri: str, code: str, timeout: float = 30.0):
    """The diagnostics with `code` the server published for `uri`, once it has."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        found = [d for d in client.diagnostics.get(uri, ()) if d.code == code]
        if found:
            return found
        await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS),
            end - loop.time(),
        )


def open_all(client: LanguageClient, root: Path) -> None:
    for p in sorted(root.rglob("*.yaml")):
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    uri=p.as_uri(), language_id="yaml", version=1, text=p.read_text()
                )
            )
        )


async def code_actions(client: LanguageClient, uri: str, diag: types.Diagnostic, only=None):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag], only=only),
        )
    )


async def test_server_offers_the_fixes(client: LanguageClient, tmp_path):
    root = copy(tmp_path)
    edit(root, "gym.yaml", "add: {heart: 1}", "add: {hearts: 1}")
    open_all(client, root)
    gym = (root / "gym.yaml").as_uri()
    (diag,) = await published(client, gym, "RA005")
    assert diag.data["name"] == "hearts"
    found = await code_actions(client, gym, diag)
    titles = [a.title for a in found]
    assert titles == [
        "Change 'hearts' to 'heart'",
        "Declare the variable 'hearts' (int) in story.yaml",
    ]
    change, declare = found
    assert (
        A.apply_edits((root / "gym.yaml").read_text(), change.edit.changes[gym])
        == (STARTER / "gym.yaml").read_text()
    )
    manifest = (root / "story.yaml").as_uri()
    new = A.apply_edits((root / "story.yaml").read_text(), declare.edit.changes[manifest])
    assert "  hearts: {type: int, default: 0}\n" in new
    # only what was asked for
    assert not await code_actions(client, gym, diag, only=[types.CodeActionKind.Refactor])
    quick = await code_actions(client, gym, diag, only=[types.CodeActionKind.QuickFix])
    assert [a.title for a in quick] == titles
    # a client that drops `data`: the server finds the fix from what it published
    bare = types.Diagnostic(range=diag.range, message=diag.message, code=diag.code)
    assert [a.title for a in await code_actions(client, gym, bare)] == titles


async def test_server_offers_spaces_for_a_tab(client: LanguageClient, tmp_path):
    root = copy(tmp_path)
    edit(root, "gym.yaml", "    title: The Gym Door", "\ttitle: The Gym Door")
    open_all(client, root)
    gym = (root / "gym.yaml").as_uri()
    (diag,) = await published(client, gym, "RA002")
    (fix,) = await code_actions(client, gym, diag)
    assert fix.title == "Use spaces instead of tabs on line 15"
    assert (
        A.apply_edits((root / "gym.yaml").read_text(), fix.edit.changes[gym])
        == (STARTER / "gym.yaml").read_text()
    )


async def test_server_fixes_a_misspelling_everywhere(client: LanguageClient, tmp_path):
    root = copy(tmp_path)
    edit(root, "gym.yaml", "to: locker\n", "to: lockr\n", count=5)
    open_all(client, root)
    gym = (root / "gym.yaml").as_uri()
    diags = await published(client, gym, "RA005")
    found = await code_actions(client, gym, diags[0])
    assert [a.title for a in found] == [
        "Change 'lockr' to 'locker'",
        "Change every 'lockr' to 'locker' in this file (3)",
    ]
    assert (
        A.apply_edits((root / "gym.yaml").read_text(), found[1].edit.changes[gym])
        == (STARTER / "gym.yaml").read_text()
    )
