"""`rocky-adventure serve`: the game in a browser, with textual-serve.

textual-serve's AppService runs one `rocky-adventure play --web` process per
websocket and carries keys, clicks, resizes and frames between it and the
browser's xterm.js. This server adds what a server open to others needs:

- a visitor cookie and a data dir per visitor (visitors.py); one game per
  visitor at a time (a second tab takes the game over, the first is told);
- bounds: sessions at once, an idle timeout, the size of a websocket
  message and of a request body;
- a page of its own (templates/index.html) that loads nothing from the
  internet, under a Content-Security-Policy that allows nothing else;
- the websocket only from this server's own pages (the Origin header).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import secrets
import shlex
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from .visitors import COOKIE, VisitorDirs, new_visitor_id, valid_visitor_id

log = logging.getLogger("rocky-adventure.serve")

TEMPLATE = Path(__file__).parent / "templates" / "index.html"
# textual-serve's own static files: its xterm.js bundle, xterm.css, the fonts.
STATIC = Path(textual_serve.__file__).parent / "static"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
FONT_SIZES = (8, 40)
TERMINAL_SIZES = (10, 500)  # columns or rows a browser may ask for


@dataclass(frozen=True)
class Limits:
    """What one server accepts."""

    max_sessions: int = 16  # games running at once (each is a process)
    idle_timeout: float = 30 * 60.0  # seconds without a key or click; 0: never
    max_message: int = 64 * 1024  # bytes in one websocket message (a paste)
    max_request: int = 16 * 1024  # bytes in a request body (the server takes none)


@dataclass
class Visit:
    """One running game: its websocket, its process, when it was last used."""

    ws: web.WebSocketResponse
    service: AppService
    last_input: float
    ending: asyncio.Event = field(default_factory=asyncio.Event)
    farewell: str = ""  # why the server ends it, said on its terminal as it closes

    async def close(self) -> None:
        """Close the websocket, first saying why when the server ended the game."""
        if self.ws.closed:
            return
        if self.farewell:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.send_bytes(terminal_text(self.farewell))
        await self.ws.close()


def _clamp(text: str | None, default: int, bounds: tuple[int, int]) -> int:
    try:
        n = int(text) if text is not None else default
    except ValueError:
        n = default
    return max(bounds[0], min(bounds[1], n))


def terminal_text(message: str) -> bytes:
    """A message for the browser's terminal, drawn over the last frame:
    the screen cleared, the lines indented, CRLF line ends."""
    lines = "".join(f"\r\n  {line}" for line in message.splitlines())
    return ("\x1b[0m\x1b[2J\x1b[H" + lines + "\r\n").encode("utf-8")


async def stop_game(service: AppService, grace: float = 10.0) -> None:
    """Ask a game to quit (it autosaves as it goes) and wait for it; one
    that does not quit within `grace` seconds is killed. textual-serve's
    own stop() would wait for ever on a game that hangs."""
    process = service._process
    try:
        await asyncio.wait_for(asyncio.shield(service.stop()), grace)
    except TimeoutError:
        if process is not None and process.returncode is None:
            log.warning("a game did not quit within %s s: killed", grace)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await service.stop()
    if process is not None:  # its output has ended: wait for it to exit too
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


class GameServer:
    """The web server. `command(data_dir)` is the argv of one visitor's game."""

    def __init__(
        self,
        command: Callable[[Path], Sequence[str]],
        visitors: VisitorDirs,
        *,
        title: str = "rocky-adventure",
        host: str = "127.0.0.1",
        port: int = 8000,
        limits: Limits | None = None,
        allowed_origins: Sequence[str] = (),
        secure_cookie: bool = False,
    ) -> None:
        self.command = command
        self.visitors = visitors
        self.title = title
        self.host = host
        self.port = port
        self.limits = limits or Limits()
        self.allowed_origins = {o.rstrip("/").lower() for o in allowed_origins}
        self.secure_cookie = secure_cookie
        self.visits: dict[str, Visit] = {}
        self.download_manager = DownloadManager()
        self.template = string.Template(TEMPLATE.read_text(encoding="utf-8"))
        self._watchdog: asyncio.Task[None] | None = None
        self._endings: set[asyncio.Task[None]] = set()

    # -- the aiohttp application
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=self.limits.max_request)
        app.add_routes(
            [
                web.get("/", self.handle_index),
                web.get("/ws", self.handle_websocket),
                web.static("/static", STATIC, show_index=False, follow_symlinks=False),
            ]
        )
        app.on_startup.append(self._start_watchdog)
        app.on_shutdown.append(self._end_all)
        app.on_cleanup.append(self._wait_for_endings)
        return app

    async def start(self) -> web.AppRunner:
        """Listen on host:port (port 0: a free one); `self.url` says where."""
        runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        address = runner.addresses[0]
        self.port = address[1]
        return runner

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    # -- the page
    async def handle_index(self, request: web.Request) -> web.Response:
        if len(self.visits) >= self.limits.max_sessions:
            return web.Response(
                status=503,
                text=f"This server is full ({self.limits.max_sessions} games at once): "
                "try again in a few minutes.\n",
                headers={"Retry-After": "120"},
            )
        nonce = secrets.token_urlsafe(16)
        page = self.template.substitute(
            title=html.escape(self.title),
            font_size=_clamp(request.query.get("fontsize"), 16, FONT_SIZES),
            nonce=nonce,
        )
        response = web.Response(text=page, content_type="text/html")
        response.headers.update(
            {
                "Content-Security-Policy": "default-src 'none'; "
                f"script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
                "font-src 'self'; img-src 'self' data:; connect-src 'self'; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store",
            }
        )
        if valid_visitor_id(request.cookies.get(COOKIE)) is None:
            response.set_cookie(
                COOKIE,
                new_visitor_id(),
                max_age=COOKIE_MAX_AGE,
                httponly=True,
                samesite="Strict",
                secure=self.secure_cookie or request.secure,
                path="/",
            )
        return response

    # -- the game
    def _same_origin(self, request: web.Request) -> bool:
        """The websocket is opened by this server's page: its Origin is the
        host the browser asked for (or one given with --allow-origin)."""
        origin = request.headers.get("Origin")
        if origin is None:
            return False
        origin = origin.rstrip("/").lower()
        if origin in self.allowed_origins:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc == request.host.lower()

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        if not self._same_origin(request):
            return web.Response(status=403, text="The game opens from this server's own page.\n")
        visitor = valid_visitor_id(request.cookies.get(COOKIE))
        if visitor is None:
            return web.Response(status=403, text="No visitor cookie: reload the page.\n")
        ws = web.WebSocketResponse(heartbeat=15, max_msg_size=self.limits.max_message)
        await ws.prepare(request)
        key = self.visitors.name(visitor)
        old = self.visits.get(key)
        if old is not None:
            await self.end_visit(old, "This game was opened in another window or tab.")
        if len(self.visits) >= self.limits.max_sessions:
            await ws.send_bytes(
                terminal_text(
                    f"This server is full ({self.limits.max_sessions} games at once).\n"
                    "Try again in a few minutes."
                )
            )
            await ws.close()
            return ws
        width = _clamp(request.query.get("width"), 80, TERMINAL_SIZES)
        height = _clamp(request.query.get("height"), 24, TERMINAL_SIZES)
        argv = self.command(self.visitors.data_dir(visitor))
        visit: Visit

        async def close() -> None:  # the game says it is exiting
            await visit.close()

        service = AppService(
            shlex.join(argv),
            write_bytes=ws.send_bytes,
            write_str=ws.send_str,
            close=close,
            download_manager=self.download_manager,
        )
        loop = asyncio.get_running_loop()
        visit = Visit(ws, service, loop.time())
        self.visits[key] = visit
        log.info("game started for visitor %s (%d running)", key[:8], len(self.visits))
        watcher: asyncio.Task[None] | None = None
        try:
            await service.start(width, height)
            watcher = asyncio.create_task(self._close_when_game_ends(visit))
            await self._messages(visit)
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            if watcher is not None:
                watcher.cancel()
            # aiohttp cancels this handler when the browser goes away: the
            # game is still stopped (and the visit forgotten) to the end.
            ended = asyncio.create_task(self._game_over(key, visit))
            self._endings.add(ended)
            ended.add_done_callback(self._endings.discard)
            await asyncio.shield(ended)
        return ws

    async def _game_over(self, key: str, visit: Visit) -> None:
        try:
            await stop_game(visit.service)
            await visit.close()
        finally:
            if self.visits.get(key) is visit:
                del self.visits[key]
            visit.ending.set()
            log.info("game ended for visitor %s (%d running)", key[:8], len(self.visits))

    async def _close_when_game_ends(self, visit: Visit) -> None:
        """A game that ends by itself closes its websocket (textual-serve
        closes it only when the game says it is exiting): one that failed
        says so on the terminal."""
        process = visit.service._process  # textual-serve 1.1.3: the game's process
        if process is None:
            return
        code = await process.wait()
        if code and not visit.farewell:
            visit.farewell = (
                f"The game stopped unexpectedly (exit status {code}); the server's "
                "log says why.\nYour last scene was autosaved: reload the page."
            )
        await visit.close()

    async def _messages(self, visit: Visit) -> None:
        """The browser's messages, as textual-serve's own server reads them,
        with anything malformed dropped instead of ending the game."""
        loop = asyncio.get_running_loop()
        async for message in visit.ws:
            if message.type == WSMsgType.ERROR:  # too big, say: the websocket is closing
                break
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind = envelope[0]
            data = envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                visit.last_input = loop.time()
                await visit.service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                visit.last_input = loop.time()
                await visit.service.set_terminal_size(
                    _clamp(str(data.get("width")), 80, TERMINAL_SIZES),
                    _clamp(str(data.get("height")), 24, TERMINAL_SIZES),
                )
            elif kind == "ping" and isinstance(data, str):
                await visit.ws.send_json(["pong", data[:32]])
            elif kind == "blur":
                await visit.service.blur()
            elif kind == "focus":
                await visit.service.focus()

    async def end_visit(self, visit: Visit, message: str) -> None:
        """Stop a game (it autosaves as it quits), say why on its terminal,
        and close its websocket."""
        visit.farewell = message
        await stop_game(visit.service)
        await visit.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(visit.ending.wait(), 10)

    # -- bounds
    async def _start_watchdog(self, app: web.Application) -> None:
        if self.limits.idle_timeout > 0:
            self._watchdog = asyncio.create_task(self._close_idle())

    async def _close_idle(self) -> None:
        timeout = self.limits.idle_timeout
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(30.0, timeout / 4))
            now = loop.time()
            for visit in list(self.visits.values()):
                if now - visit.last_input > timeout:
                    minutes = max(1, round(timeout / 60))
                    await self.end_visit(
                        visit,
                        f"Closed after {minutes} minute{'s' if minutes != 1 else ''} "
                        "without a key or a click.\nYour game is saved: reload the page "
                        "and choose Continue.",
                    )

    async def _end_all(self, app: web.Application) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await asyncio.gather(
            *(
                self.end_visit(v, "The server is shutting down; your game is saved.")
                for v in list(self.visits.values())
            ),
            return_exceptions=True,
        )

    async def _wait_for_endings(self, app: web.Application) -> None:
        """The games of handlers cancelled as the server closed, stopped."""
        while self._endings:
            await asyncio.gather(*list(self._endings), return_exceptions=True)


def serve_forever(server: GameServer, announce: Callable[[str], None]) -> None:
    """Run until SIGINT or SIGTERM; every game is stopped (and saved) first."""

    async def main() -> None:
        import signal

        runner = await server.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        announce(server.url)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(main())
