"""Fixtures for the web server's tests: a GameServer in this process on a
free port, serving a bare Textual app (or the game), and its test client."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from rocky_adventure.web.server import GameServer, Limits
from rocky_adventure.web.visitors import VisitorDirs

# What a visitor's game is in these tests: the smallest Textual app, which
# speaks textual-serve's protocol exactly as the game does.
BARE_APP = [sys.executable, "-c", "from textual.app import App; App().run()"]


@pytest.fixture
def serve(tmp_path) -> Callable[..., contextlib.AbstractAsyncContextManager[TestClient]]:
    """serve(limits=..., command=...) -> an async context giving a test
    client of a GameServer whose visitors' dirs are under tmp_path/root.
    `command(data_dir)` is the game's argv (default: BARE_APP)."""

    @contextlib.asynccontextmanager
    async def start(
        limits: Limits | None = None, command: Callable | None = None, **kw
    ) -> AsyncIterator[TestClient]:
        server = GameServer(
            command or (lambda folder: BARE_APP),
            VisitorDirs(tmp_path / "root"),
            title="Test <story>",
            limits=limits,
            **kw,
        )
        client = TestClient(TestServer(server.make_app()))
        await client.start_server()
        client.game_server = server  # type: ignore[attr-defined]
        try:
            yield client
        finally:
            await client.close()

    return start


def origin(client: TestClient) -> dict[str, str]:
    """The Origin header of this server's own page."""
    return {"Origin": str(client.make_url("/")).rstrip("/")}
