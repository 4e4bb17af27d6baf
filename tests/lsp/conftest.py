"""Fixtures for the language server's tests: the bundled story, the pack
fixture (tests/lsp/fixtures/old_gym, extending it), a Workspace over them
for the unit tests, and `client`, a pytest-lsp client talking to
`rocky-adventure lsp` in a subprocess (its data and cache dirs in a
temporary folder)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from rocky_adventure.lsp.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
STORY = ROOT / "story"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PACK = FIXTURES / "old_gym"

# The server's own data and cache dirs (one folder for the whole run: the server command is
# fixed when a fixture is defined)
_HOME = Path(tempfile.mkdtemp(prefix="rocky-lsp-tests-"))
atexit.register(shutil.rmtree, _HOME, True)


def server(*args: str) -> ClientServerConfig:
    """`rocky-adventure lsp ARGS...` with this run's data and cache dirs."""
    return ClientServerConfig(
        server_command=[sys.executable, "-m", "rocky_adventure", "lsp", *args],
        server_env={
            **os.environ,
            "ROCKY_ADVENTURE_CACHE_DIR": str(_HOME / "cache"),
            "ROCKY_ADVENTURE_DATA_DIR": str(_HOME / "data"),
        },
    )


SERVER = server("--data-dir", str(_HOME / "data"))


def uri(path: str | Path) -> str:
    return from_fs_path(str(path)) or ""


def folder(path: Path) -> types.WorkspaceFolder:
    return types.WorkspaceFolder(uri=uri(path), name=path.name)


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    """A server whose workspace folders are the bundled story and the pack
    fixture, initialized as VS Code would (UTF-16 positions)."""
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            workspace_folders=[folder(STORY), folder(PACK)],
        )
    )
    lsp_client.initialize_result = result  # (for the tests of the server's capabilities)
    yield
    await lsp_client.shutdown_session()


def open_file(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """didOpen a file (its text on disk unless given); returns its URI."""
    u = uri(path)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=u,
                language_id="yaml",
                version=1,
                text=path.read_text(encoding="utf-8") if text is None else text,
            )
        )
    )
    return u


@pytest.fixture
def ws() -> Workspace:
    """A Workspace over the pack fixture, its base the bundled story."""
    return Workspace([PACK], STORY)


def find(path: Path, needle: str, nth: int = 0, text: str | None = None) -> tuple[int, int]:
    """(line, column) of the nth occurrence of `needle` in a file (or in
    `text`, the editor's text of it): 0-based, code points."""
    at = -1
    text = path.read_text(encoding="utf-8") if text is None else text
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    return line, at - (text.rfind("\n", 0, at) + 1)
