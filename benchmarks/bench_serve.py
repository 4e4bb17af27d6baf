"""The game in a browser: `rocky-adventure serve`, measured in chromium.

    python benchmarks/bench_serve.py [--quick] [--runs N]

Two servers run in this process, the same GameServer (web/server.py) with
the same page: one serves the game (`play --web`, the bundled story, as
`rocky-adventure serve` does), the other a bare Textual app (a Header, a
Static and an OptionList holding "New game", as bench_tui.py's baseline).
For each run a new visitor (a fresh browser context: no cookie, a new
process on the server) opens the page, and the page itself records, on the
browser's clock from the start of the navigation:

- first frame: when textual.js first writes the app's output to the
  terminal (the page's `-first-byte` class, which also uncovers the
  terminal);
- title visible: when "New game" is in xterm.js's buffer (checked every
  animation frame).

Runs alternate the two servers; the figures are the medians, and the
ratio of the game's median to the bare app's (target <= 1.15x, as for the
terminal). Chromium: /usr/bin/chromium or $ROCKY_ADVENTURE_CHROMIUM,
driven by Playwright, no browser download.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rocky_adventure.cli.serve import game_command  # noqa: E402
from rocky_adventure.web.server import GameServer, Limits  # noqa: E402
from rocky_adventure.web.visitors import VisitorDirs  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_tui import BARE_APP  # noqa: E402  (the same bare app as the terminal benchmark)

CHROMIUM = os.environ.get("ROCKY_ADVENTURE_CHROMIUM") or shutil.which("chromium") or ""
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
ANCHOR = "const t=new w(e,{ping:r});"
# In the page, from its first script on: note when the first frame and the
# title text show, on the page's own clock (0 = the start of the navigation).
MARKS = """
window.rockyMarks = {};
(function check() {
    const m = window.rockyMarks;
    if (!m.frame && document.body && document.body.classList.contains("-first-byte"))
        m.frame = performance.now();
    const t = window.rockyTerminal;
    if (t && !m.title) {
        for (let y = 0; y < t.rows; y++) {
            const line = t.buffer.active.getLine(y);
            if (line && line.translateToString(true).includes("New game")) {
                m.title = performance.now();
                break;
            }
        }
    }
    if (!m.title) requestAnimationFrame(check);
})();
"""


class Servers:
    """The two GameServers, on free ports, in a thread with their own loop."""

    def __init__(self, root: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.urls: dict[str, str] = {}
        ns = argparse.Namespace()
        commands = {
            "game": lambda folder: game_command(ns, folder),
            "bare": lambda folder: [sys.executable, "-c", BARE_APP],
        }
        self.servers = {
            kind: GameServer(
                command,
                VisitorDirs(root / kind),
                port=0,
                limits=Limits(max_sessions=4, idle_timeout=0),
            )
            for kind, command in commands.items()
        }
        self.runners: list = []
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        started.wait()

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            for kind, server in self.servers.items():
                self.runners.append(await server.start())
                self.urls[kind] = server.url

        self.loop.run_until_complete(start())
        started.set()
        self.loop.run_forever()

    def idle(self) -> bool:
        """No game left running (the last visitor's process has quit)."""
        return not any(s.visits for s in self.servers.values())

    def close(self) -> None:
        async def stop() -> None:
            for runner in self.runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(120)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


def one_run(browser, url: str) -> tuple[float, float]:
    """(ms to the first frame, ms to the title text), for a new visitor."""
    ctx = browser.new_context(viewport={"width": 1000, "height": 700})

    def expose(route):
        response = route.fetch()
        script = response.text()
        if ANCHOR not in script:
            raise SystemExit("textual-serve's bundle changed: update ANCHOR")
        route.fulfill(
            response=response,
            body=script.replace(ANCHOR, ANCHOR + "window.rockyTerminal=t.terminal;"),
        )

    ctx.route("**/static/js/textual.js", expose)
    ctx.add_init_script(MARKS)
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function("() => window.rockyMarks && window.rockyMarks.title", timeout=60_000)
    marks = page.evaluate("() => window.rockyMarks")
    ctx.close()
    return marks["frame"], marks["title"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 runs of each, not 15")
    parser.add_argument("--runs", type=int, default=None, help="runs of each app")
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 15)
    if not CHROMIUM or not Path(CHROMIUM).exists():
        raise SystemExit("no chromium: apt-get install chromium, or set ROCKY_ADVENTURE_CHROMIUM")
    compileall.compile_dir(ROOT / "rocky_adventure", quiet=1)

    import time

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        servers = Servers(Path(tmp))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        figures: dict[str, list[tuple[float, float]]] = {"game": [], "bare": []}
        try:
            for kind in ("game", "bare"):  # warm-up: the load cache, the page cache
                one_run(browser, servers.urls[kind])
            for _ in range(runs):
                for kind in ("bare", "game"):
                    while not servers.idle():  # the last visitor's game has quit
                        time.sleep(0.05)
                    figures[kind].append(one_run(browser, servers.urls[kind]))
        finally:
            browser.close()
            servers.close()

    def median(kind: str, i: int) -> float:
        return statistics.median(f[i] for f in figures[kind])

    print(f"served in chromium, {runs} new visitors each, alternating (medians):")
    for i, what in enumerate(("first frame", "title text visible")):
        bare, game = median("bare", i), median("game", i)
        print(
            f"  navigation to {what:<20} bare Textual app {bare:6.0f} ms   "
            f"game {game:6.0f} ms   ratio {game / bare:.2f}x"
        )


if __name__ == "__main__":
    main()
