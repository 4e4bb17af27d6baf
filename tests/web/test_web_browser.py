"""`rocky-adventure serve` in a real browser: Debian's chromium driven by
Playwright (no browser download). The page opens on the title, a game
starts, a choice is taken by key and one by a click, quitting goes back
to the title, a reload offers Continue, a second visitor (another browser
context: other cookies) does not see the first one's game, and a phone's
width still plays.

The screen is read from xterm.js's own buffer: the test serves the page's
script with one statement added that keeps the terminal object on
`window` (textual-serve's bundle keeps it in a closure). Clicks go to the
cell a text is in, from the terminal's size in cells and in pixels."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
CHROMIUM = (
    os.environ.get("ROCKY_ADVENTURE_CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
    or "/usr/bin/chromium"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# textual-serve 1.1.3's bundle: where it makes the terminal of the page.
ANCHOR = "const t=new w(e,{ping:r});"
WAIT = 30_000  # ms: a guard against a hang, never a measurement

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no chromium at {CHROMIUM} (apt-get install chromium, or set "
    "ROCKY_ADVENTURE_CHROMIUM to its path)",
)

SCREEN_JS = """() => {
    const t = window.rockyTerminal;
    if (!t) return "";
    const lines = [];
    for (let y = 0; y < t.rows; y++) {
        const line = t.buffer.active.getLine(y);
        lines.push(line ? line.translateToString(true) : "");
    }
    return lines.join("\\n");
}"""

HAS_TEXT_JS = "(text) => (" + SCREEN_JS + ")().includes(text)"

CELL_OF_JS = """(text) => {
    const t = window.rockyTerminal;
    for (let y = 0; y < t.rows; y++) {
        const x = t.buffer.active.getLine(y).translateToString(true).indexOf(text);
        if (x >= 0) {
            const box = t.element.querySelector(".xterm-screen").getBoundingClientRect();
            const w = box.width / t.cols, h = box.height / t.rows;
            return [box.left + (x + 1.5) * w, box.top + (y + 0.5) * h];
        }
    }
    return null;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`rocky-adventure serve` on a free port with the starter story; its URL."""
    data = tmp_path_factory.mktemp("serve-data")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rocky_adventure", "--data-dir", str(data), "serve"]
        + ["--port", "0", "--story", str(STARTER)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    line = proc.stdout.readline()
    if " on http://" not in line:
        proc.kill()
        raise AssertionError(f"serve did not start: {line!r} {proc.stderr.read()!r}")
    url = line.split(" on ", 1)[1].split()[0]
    yield url, data
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover - a server that does not stop
        proc.kill()
        raise


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_game(browser, url, **context):
    """A new visitor (a context of its own: its own cookies) on the page."""
    ctx = browser.new_context(**context)

    def expose_terminal(route):
        response = route.fetch()
        script = response.text()
        assert ANCHOR in script, "textual-serve's bundle changed: update ANCHOR"
        route.fulfill(
            response=response,
            body=script.replace(ANCHOR, ANCHOR + "window.rockyTerminal=t.terminal;"),
        )

    ctx.route("**/static/js/textual.js", expose_terminal)
    outside: list[str] = []
    ctx.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
    page = ctx.new_page()
    page.goto(url)
    page.outside = outside  # type: ignore[attr-defined]
    return ctx, page


def screen(page) -> str:
    return page.evaluate(SCREEN_JS)


def wait_for(page, text: str) -> None:
    try:
        page.wait_for_function(HAS_TEXT_JS, arg=text, timeout=WAIT)
    except Exception:  # pragma: no cover - say what was on the screen
        raise AssertionError(f"{text!r} never showed; the screen:\n{screen(page)}") from None


def press(page, key: str) -> None:
    page.focus(".xterm-helper-textarea")
    page.keyboard.press(key)


def click(page, text: str) -> None:
    cell = page.evaluate(CELL_OF_JS, text)
    assert cell is not None, f"{text!r} is not on the screen:\n{screen(page)}"
    page.mouse.click(*cell)


def test_play_by_key_and_click_quit_to_title_continue_and_visitors_apart(server, browser):
    url, data = server
    ctx, page = open_game(browser, url, viewport={"width": 1000, "height": 700})
    wait_for(page, "The Starter Gym")
    wait_for(page, "New game")
    press(page, "n")
    wait_for(page, "Turn around and go home")  # the first scene, typed out
    press(page, "1")  # by key: Go in
    wait_for(page, "Skip rope until you sweat")
    assert "liniment" in screen(page)
    click(page, "Skip rope until you sweat")  # by click
    page.wait_for_function(
        "() => !(" + SCREEN_JS + ")().includes('Skip rope until you sweat')", timeout=WAIT
    )
    press(page, "Control+q")  # in a browser: back to the title, the game goes on
    wait_for(page, "Continue: The Gym")
    assert page.evaluate("() => !document.body.classList.contains('-closed')")

    page.reload()
    wait_for(page, "Continue: The Gym")  # a new game process, the same visitor's saves
    press(page, "c")
    wait_for(page, "turn 2")

    other, page2 = open_game(browser, url, viewport={"width": 1000, "height": 700})
    wait_for(page2, "New game")
    press(page2, "c")
    wait_for(page2, "There is no game to continue yet")
    assert "Continue: The Gym" not in screen(page2)

    visitors = sorted((data / "web" / "visitors").iterdir())
    with_saves = [v for v in visitors if any(v.rglob("autosave*"))]
    assert len(visitors) == 2 and len(with_saves) == 1  # each their own; one has played
    assert not page.outside and not page2.outside  # nothing fetched from anywhere else
    ctx.close()
    other.close()


def test_a_phone_held_upright_still_plays(server, browser):
    url, _ = server
    ctx, page = open_game(
        browser, url, viewport={"width": 390, "height": 760}, is_mobile=True, has_touch=True
    )
    wait_for(page, "New game")
    cols = page.evaluate("() => window.rockyTerminal.cols")
    assert 40 <= cols < 60  # the page sized its font for forty columns
    assert "larger" not in screen(page)  # no "make the terminal larger" notice
    press(page, "n")
    wait_for(page, "Turn around and go home")
    ctx.close()
