"""The web server without a browser: the page loads nothing from the
internet, the visitor cookie, who may open the game's websocket, and the
bounds (sessions at once, a second tab, idle games, message size)."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser

import aiohttp
from conftest import origin

from rocky_adventure.web.server import Limits
from rocky_adventure.web.visitors import COOKIE, SECRET_FILE

WAIT = 60  # seconds: only a guard against a hang, never a measurement


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "action", "data") and value:
                self.urls.append(value)


def referenced_urls(page: str) -> list[str]:
    links = Links()
    links.feed(page)
    css = re.findall(r"url\(\s*['\"]?([^'\")]+)", page)
    return links.urls + css


async def test_the_page_references_nothing_outside_this_server(serve):
    async with serve() as client:
        response = await client.get("/")
        assert response.status == 200
        page = await response.text()
        urls = referenced_urls(page)
        assert any(u.endswith("textual.js") for u in urls)
        assert any(u.endswith(".ttf") for u in urls)  # the font is local, not Google Fonts
        for url in urls:
            assert "//" not in url and not re.match(r"[a-z]+:", url), url
        assert not re.search(r"https?://|//fonts|googleapis", page, re.I)
        for url in urls:  # and each of them is served
            assert (await client.get("/" + url)).status == 200, url
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "http" not in policy
        assert "Test &lt;story&gt;" in page  # the title, escaped


async def test_textual_serves_own_script_fetches_nothing_from_the_internet(serve):
    async with serve() as client:
        script = await (await client.get("/static/js/textual.js")).text()
        # URLs in the bundle are xterm.js's link handling, not things it loads
        assert "fonts.googleapis" not in script and "<link" not in script


async def test_a_visitor_cookie_is_set_once_and_a_bad_one_replaced(serve):
    async with serve() as client:
        first = await client.get("/")
        cookie = first.cookies[COOKIE]
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie.value)
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
        again = await client.get("/")
        assert COOKIE not in again.cookies  # the browser's own is kept
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as bare:
            for bad in ("../../web/secret", "x" * 43 + "/", cookie.value[:-1]):
                replaced = await bare.get(
                    client.make_url("/"), headers={"Cookie": f"{COOKIE}={bad}"}
                )
                assert replaced.cookies[COOKIE].value != bad
            kept = await bare.get(
                client.make_url("/"), headers={"Cookie": f"{COOKIE}={cookie.value}"}
            )
            assert COOKIE not in kept.cookies


async def test_the_websocket_needs_this_servers_origin_and_a_visitor(serve):
    async with serve() as client:
        await client.get("/")
        for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
            try:
                ws = await client.ws_connect("/ws", headers=headers)
            except aiohttp.WSServerHandshakeError as e:
                assert e.status == 403
            else:  # pragma: no cover - the failure this test is for
                await ws.close()
                raise AssertionError(f"websocket opened with {headers}")
        client.session.cookie_jar.clear()
        try:
            await client.ws_connect("/ws", headers=origin(client))
        except aiohttp.WSServerHandshakeError as e:
            assert e.status == 403
        else:  # pragma: no cover
            raise AssertionError("websocket opened without a visitor cookie")


async def test_no_file_outside_the_static_folder_is_served(serve, tmp_path):
    async with serve() as client:
        secret = (tmp_path / "root" / SECRET_FILE).read_text().strip()
        for path in (
            "/static/../../root/secret",
            "/static/%2e%2e/%2e%2e/root/secret",
            "/static/..%2f..%2froot%2fsecret",
            "/root/secret",
            "/static/",
            "/visitors/",
        ):
            response = await client.get(path)
            assert response.status in (403, 404), path
            assert secret not in await response.text()


async def frames_until_closed(ws) -> bytes:
    """Everything the game's websocket sends until it closes."""
    data = b""
    async with asyncio.timeout(WAIT):
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                data += message.data
    return data


async def first_frame(ws) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            message = await ws.receive()
            if message.type == aiohttp.WSMsgType.BINARY and len(message.data) > 10:
                return
            assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message


async def test_more_visitors_than_sessions_are_told_to_come_back(serve):
    async with serve(Limits(max_sessions=1, idle_timeout=0)) as client:
        await client.get("/")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
            await other.get(client.make_url("/"))  # its page loaded while there was room
            ws = await client.ws_connect("/ws", headers=origin(client))
            await first_frame(ws)
            assert len(client.game_server.visits) == 1
            assert (await client.get("/")).status == 503  # a page asked for now says so
            ws2 = await other.ws_connect(client.make_url("/ws"), headers=origin(client))
            said = await frames_until_closed(ws2)  # and the game's websocket too
        assert b"This server is full (1 games at once)" in said
        assert len(client.game_server.visits) == 1  # the first game plays on
        await ws.close()


async def test_a_second_tab_takes_the_game_over_and_the_first_is_told(serve):
    async with serve(Limits(max_sessions=4, idle_timeout=0)) as client:
        await client.get("/")
        first = await client.ws_connect("/ws", headers=origin(client))
        await first_frame(first)
        second = await client.ws_connect("/ws", headers=origin(client))
        said = await frames_until_closed(first)
        assert b"opened in another window or tab" in said
        await first_frame(second)
        assert len(client.game_server.visits) == 1
        await second.close()


async def test_an_idle_game_is_closed_with_a_word(serve):
    async with serve(Limits(idle_timeout=0.4)) as client:
        await client.get("/")
        ws = await client.ws_connect("/ws", headers=origin(client))
        said = await frames_until_closed(ws)  # the game's frames, then the server's word
        assert b"without a key or a click" in said and b"saved" in said
        await no_games_left(client)


async def test_a_message_over_the_limit_ends_the_connection_a_bad_one_is_dropped(serve):
    async with serve(Limits(max_message=2048, idle_timeout=0)) as client:
        await client.get("/")
        ws = await client.ws_connect("/ws", headers=origin(client))
        await first_frame(ws)
        await ws.send_str("not json")
        await ws.send_str('{"a": 1}')
        await ws.send_str('["resize", "wide"]')
        await ws.send_str('["ping", "7"]')
        async with asyncio.timeout(WAIT):
            while True:  # the game is still there, and the server still answers
                message = await ws.receive()
                if message.type == aiohttp.WSMsgType.TEXT:
                    assert message.json() == ["pong", "7"]
                    break
        await ws.send_str('["stdin", "' + "x" * 4096 + '"]')
        await frames_until_closed(ws)
        assert ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
        await no_games_left(client)


async def no_games_left(client) -> None:
    """Wait until the server has stopped every game (its process has quit)."""
    async with asyncio.timeout(WAIT):
        while client.game_server.visits:
            await asyncio.sleep(0.05)
