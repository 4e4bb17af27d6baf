"""The command line around the browser game: `play` runs without a
terminal only under textual-serve's web driver (a pipe still gets the
message), an exception inside the TUI ends with a crash log and one line,
and `serve` reports bad options, a broken story and a damaged serve root
as messages, never a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rocky_adventure.cli import main, play
from rocky_adventure.cli.play import WEB_DRIVER

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"


def run(*args: str, env: dict | None = None, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rocky_adventure", *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=120,
    )


def packet(kind: bytes, payload: bytes) -> bytes:
    """textual-serve's framing of what it sends a game: kind, length, payload."""
    return kind + len(payload).to_bytes(4, "big") + payload


def test_play_under_the_web_driver_needs_no_terminal(tmp_path):
    game = subprocess.Popen(
        [sys.executable, "-m", "rocky_adventure", "--data-dir", str(tmp_path), "play", "--web"]
        + ["--story", str(STARTER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TEXTUAL_DRIVER": WEB_DRIVER, "COLUMNS": "80", "ROWS": "24"},
        cwd=ROOT,
    )
    try:
        assert game.stdout.readline() == b"__GANGLION__\n"  # the web driver's hello
        screen = b""
        while b"New game" not in screen:  # frames, as textual-serve reads them
            kind, size = game.stdout.read(1), int.from_bytes(game.stdout.read(4), "big")
            assert kind, game.stderr.read()
            payload = game.stdout.read(size)
            if kind == b"D":
                screen += payload
        game.stdin.write(packet(b"M", json.dumps({"type": "quit"}).encode()))
        game.stdin.close()
        game.stdout.read()
        assert game.wait(timeout=60) == 0
    finally:
        if game.poll() is None:  # pragma: no cover - a game that did not quit
            game.kill()
    err = game.stderr.read()
    assert b"needs a terminal" not in err and b"unexpected error" not in err, err


def test_play_in_a_pipe_still_gets_the_message(tmp_path):
    done = run("--data-dir", str(tmp_path), "play", "--web", env={"TEXTUAL_DRIVER": ""})
    assert done.returncode == 2
    assert b"the game needs a terminal" in done.stderr and b"--plain" in done.stderr


def test_an_exception_in_the_tui_writes_a_crash_log_and_one_line(tmp_path, monkeypatch, capsys):
    from rocky_adventure.engine import load_story
    from rocky_adventure.tui.app import RockyApp

    class Broken(RockyApp):
        CSS_PATH = str(Path(sys.modules[RockyApp.__module__].__file__).parent / "rocky.tcss")

        def action_new_game(self) -> None:
            raise RuntimeError("the bell rang twice")

        def on_ready(self) -> None:
            self.call_later(self.run_action, "new_game")

        def run(self, **kw):  # headless: no terminal in a test
            return super().run(headless=True, size=(80, 24))

    app = Broken(story=load_story(STARTER, cache=False), data_dir=tmp_path / "data")
    monkeypatch.setattr(play, "make_app", lambda *a: app)
    monkeypatch.setenv("TEXTUAL_DRIVER", WEB_DRIVER)  # past the terminal check
    code = main(["--data-dir", str(tmp_path / "data"), "play"])
    err = capsys.readouterr().err
    assert code == 1
    logs = list((tmp_path / "data" / "logs").glob("crash-*.log"))
    assert len(logs) == 1
    log = logs[0].read_text()
    assert "RuntimeError: the bell rang twice" in log and "action_new_game" in log
    lines = err.strip().splitlines()
    assert lines == [
        "rocky-adventure: unexpected error (RuntimeError: the bell rang twice); "
        f"the details are in {logs[0]}"
    ]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--port", "70000"], "expected a port from 0 to 65535"),
        (["--max-sessions", "0"], "expected a number of at least 1"),
        (["--idle-timeout", "soon"], "expected a number of minutes"),
        (["--max-message-size", "10"], "expected a number of at least 1024"),
    ],
)
def test_serve_refuses_bad_limits_with_a_usage_message(args, message, tmp_path):
    done = run("--data-dir", str(tmp_path), "serve", *args)
    assert done.returncode == 2 and message in done.stderr.decode()


def test_serve_with_a_broken_story_says_where_and_does_not_start(tmp_path):
    story = tmp_path / "story"
    story.mkdir()
    (story / "story.yaml").write_text("format: 1\nid: x\ntitle: [unclosed\n")
    done = run("--data-dir", str(tmp_path / "data"), "serve", "--story", str(story))
    err = done.stderr.decode()
    assert done.returncode == 1 and "story.yaml:" in err and "[RA002]" in err
    assert "Traceback" not in err
    assert not (tmp_path / "data" / "web").exists()


def test_serve_with_a_damaged_secret_or_a_taken_port_says_so(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "secret").write_text("hello\n")
    done = run("--data-dir", str(tmp_path), "serve", "--story", str(STARTER))
    err = done.stderr.decode()
    assert done.returncode == 1 and "secret:1: expected the server's key" in err
    (tmp_path / "web" / "secret").unlink()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = run("--data-dir", str(tmp_path), "serve", "--story", str(STARTER), "--port", port)
    err = done.stderr.decode()
    assert done.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err
