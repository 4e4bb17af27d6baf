"""The editor and `check` never disagree: the diagnostics the language server
publishes (and the lint job it runs) are exactly what
`rocky-adventure check --format json` prints for the same files, with the
same codes, severities, messages, files and places (check's 1-based
line:col is the start of the LSP range, in UTF-16 units)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from rocky_adventure.engine.diagnostics import Diagnostic
from rocky_adventure.engine.files import bundled_story_dir
from rocky_adventure.lsp import lintjob
from rocky_adventure.lsp.diagnostics import by_file, to_lsp
from rocky_adventure.lsp.server import DONE

from .conftest import server

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
PACK = Path(__file__).resolve().parent / "fixtures" / "old_gym"
BUNDLED = bundled_story_dir()

# (name, source folder, is a pack, edits: [(file, old, new)])
CASES = [
    ("bundled", BUNDLED, False, []),
    (
        "bundled-broken",
        BUNDLED,
        False,
        [("story.yaml", "start: ", "start: x_"), ("moscow.yaml", "to: ", "to: gym_")],
    ),
    ("starter", STARTER, False, []),
    (
        "starter-broken",
        STARTER,
        False,
        [
            ("gym.yaml", "to: locker\n", "to: lockr\n"),
            ("gym.yaml", "    title: Home\n", "    titel: Home\n"),
            ("bout.yaml", "{if ", "{if nope + "),
        ],
    ),
    (
        "starter-lints",
        STARTER,
        False,
        [
            (
                "gym.yaml",
                "        text: Go in\n",
                '        text: Go in\n        if: "stamina > 20"\n',
            ),
            ("story.yaml", "  crowd: {", "  unused_v: {type: int, default: 0}\n  crowd: {"),
        ],
    ),
    ("pack", PACK, True, []),
    (
        "pack-broken",
        PACK,
        True,
        [
            ("pack.yaml", "to: gym_door", "to: gym_dor"),
            ("pack.yaml", "after: wood", "after: woods"),
        ],
    ),
]
IDS = [c[0] for c in CASES]


def _make(tmp_path: Path, src: Path, edits) -> Path:
    root = tmp_path / src.name
    shutil.copytree(src, root)
    for file, old, new in edits:
        p = root / file
        if not p.is_file():  # the bundled story's files are not all at the top
            p = next(root.rglob(file))
        text = p.read_text(encoding="utf-8")
        assert old in text, (file, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root.resolve()


def check_json(*args: str) -> list[Diagnostic]:
    """What `rocky-adventure check --format json ARGS` reports."""
    out = subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "check", "--no-cache", "--no-installed-packs"]
        + ["--format", "json", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode in (0, 1), out.stderr
    return [lintjob.from_json(d) for r in json.loads(out.stdout) for d in r["diagnostics"]]


def check_case(root: Path, is_pack: bool) -> tuple[list[Diagnostic], dict | None]:
    """check's diagnostics for the case, and the lint job request for it."""
    if is_pack:
        return check_json("--pack", str(root)), {"root": None, "pack": str(root)}
    return check_json(str(root)), {"root": str(root), "pack": None}


@pytest.mark.parametrize("name,src,is_pack,edits", CASES, ids=IDS)
def test_lintjob_equals_check(tmp_path, name, src, is_pack, edits):
    root = _make(tmp_path, src, edits)
    want, request = check_case(root, is_pack)
    got = lintjob.run({**request, "installed": None, "overlay": {}, "budget": None})
    assert got == want
    if edits:
        assert want, "a broken case reports something"


def test_lintjob_with_buffers_equals_check_on_the_saved_files(tmp_path):
    """The overlay is read as if it were on disk: unsaved text checks as
    check checks the same text saved."""
    saved = _make(tmp_path / "saved", STARTER, CASES[3][3])
    clean = _make(tmp_path / "clean", STARTER, [])
    overlay = {str(clean / p.name): p.read_text(encoding="utf-8") for p in saved.glob("*.yaml")}
    got = lintjob.run({"root": str(clean), "overlay": overlay})
    want = check_json(str(saved))
    assert want
    assert [
        (d.file.replace(str(clean), str(saved)), d.line, d.col, d.code, d.message) for d in got
    ] == [(d.file, d.line, d.col, d.code, d.message) for d in want]


# -- end to end: the server --------------------------------------------------


@pytest_lsp.fixture(config=server("--no-installed-packs"))
async def client(lsp_client: LanguageClient, tmp_path):
    done: list = []
    lsp_client.rocky_done = done  # type: ignore[attr-defined]

    @lsp_client.feature(DONE)
    def _done(params) -> None:
        done.append(params)

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=tmp_path.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="tmp")],
        )
    )
    yield
    await lsp_client.shutdown_session()


def _key(d: types.Diagnostic) -> tuple:
    href = d.code_description.href if d.code_description else None
    return (
        d.range.start.line,
        d.range.start.character,
        d.range.end.line,
        d.range.end.character,
        d.code,
        d.severity,
        d.message,
        d.source,
        href,
    )


def expected(root: Path, is_pack: bool, texts: dict[str, str]) -> dict[str, list[tuple]]:
    """check's diagnostics as the server should publish them, by URI."""
    want, request = check_case(root, is_pack)
    out: dict[str, list[tuple]] = {}
    for path, diags in by_file(want, request["root"], request["pack"]).items():
        text = texts.get(path)
        if text is None:
            text = Path(path).read_text(encoding="utf-8")
        found = [to_lsp(d, text) for d in diags]
        for d, lsp in zip(diags, found, strict=True):
            if d.line and d.col:  # check's line:col is where the range starts
                line = text.split("\n")[d.line - 1]
                units = len(line[: d.col - 1].encode("utf-16-le")) // 2
                assert lsp.range.start == types.Position(d.line - 1, units), d
        out[Path(path).as_uri()] = sorted(_key(x) for x in found)
    return out


def _root_of(params) -> str:
    return str(params.get("root") if isinstance(params, dict) else getattr(params, "root", ""))


async def settled(
    client: LanguageClient, want: dict[str, list[tuple]], uris, root: Path, timeout=60.0
):
    """Wait for the server to say the diagnostics of `root` are final
    (rocky/diagnosticsDone) with what it published for `uris` equal to
    `want`; return what was published (the last word, if never equal)."""

    def now() -> dict[str, list[tuple]]:
        return {u: sorted(_key(d) for d in client.diagnostics.get(u, ())) for u in uris}

    target = {u: want.get(u, []) for u in uris}
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    done = client.rocky_done  # type: ignore[attr-defined]
    seen = 0
    while loop.time() < end:
        if len(done) > seen:
            fresh, seen = done[seen:], len(done)
            if any(_root_of(p) == str(root) for p in fresh) and now() == target:
                return now()
        await asyncio.sleep(0.02)
    return now()


@pytest.mark.parametrize("name,src,is_pack,edits", CASES, ids=IDS)
async def test_server_equals_check(client: LanguageClient, tmp_path, name, src, is_pack, edits):
    root = _make(tmp_path, src, edits)
    files = sorted(str(p) for p in root.rglob("*.yaml"))
    texts = {p: Path(p).read_text(encoding="utf-8") for p in files}
    for p in files:
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    uri=Path(p).as_uri(), language_id="yaml", version=1, text=texts[p]
                )
            )
        )
    want = expected(root, is_pack, texts)
    uris = [Path(p).as_uri() for p in files]
    assert set(want) <= set(uris), "check names only files of the folder"
    got = await settled(client, want, uris, root)
    assert got == {u: want.get(u, []) for u in uris}


async def test_server_buffers_equal_check_on_the_saved_text(client: LanguageClient, tmp_path):
    """Unsaved edits: the server checks the buffer, as check checks the same
    text once saved."""
    clean = _make(tmp_path / "clean", STARTER, [])
    saved = _make(tmp_path / "saved", STARTER, CASES[3][3])
    files = sorted(clean.glob("*.yaml"))
    for p in files:
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    uri=p.as_uri(), language_id="yaml", version=1, text=p.read_text()
                )
            )
        )
    uris = [p.as_uri() for p in files]
    first = await settled(client, expected(clean, False, {}), uris, clean)
    assert first == {u: expected(clean, False, {}).get(u, []) for u in uris}
    client.rocky_done.clear()  # type: ignore[attr-defined]
    for p in files:
        new = (saved / p.name).read_text()
        if new != p.read_text():
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=p.as_uri(), version=2),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=new)],
                )
            )
    want_saved = expected(saved, False, {})
    want = {u.replace(saved.as_uri(), clean.as_uri()): v for u, v in want_saved.items()}
    assert want
    got = await settled(client, want, uris, clean)
    assert got == {u: want.get(u, []) for u in uris}
