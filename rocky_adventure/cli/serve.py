"""The `serve` command: the game in a browser (rocky_adventure/web/).

Each visitor's game is `rocky-adventure --data-dir <their dir> play --web`
with this command's story options, run by textual-serve. aiohttp and
textual-serve are imported inside the handler."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import EXIT_OK, CommandError, data_dir, load_from_args, story_args

HELP = "serve the game to web browsers (textual-serve), each visitor with their own saves"
EXAMPLE = "rocky-adventure serve --port 8000   # then open http://127.0.0.1:8000/"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {n}")
    return n


def _count(low: int):
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if n < low:
            raise argparse.ArgumentTypeError(f"expected a number of at least {low}, got {n}")
        return n

    return parse


def _minutes(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of minutes, got {text!r}") from None
    if not 0 <= n <= 7 * 24 * 60:
        raise argparse.ArgumentTypeError(f"expected 0 (never) to 10080 minutes, got {text}")
    return n


def setup(p: argparse.ArgumentParser) -> None:
    story_args(p)
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default: 127.0.0.1, this machine only; "
        "0.0.0.0 for every interface, better behind a TLS proxy: docs/serve.md)",
    )
    p.add_argument(
        "--port", type=_port, default=8000, help="the port (default: 8000; 0: any free port)"
    )
    g = p.add_argument_group("limits")
    g.add_argument(
        "--max-sessions",
        type=_count(1),
        default=16,
        metavar="N",
        help="games running at once, one process each (default: 16); more visitors are asked "
        "to come back later",
    )
    g.add_argument(
        "--idle-timeout",
        type=_minutes,
        default=30.0,
        metavar="MINUTES",
        help="close a game after this long without a key or a click; it is saved "
        "(default: 30; 0: never)",
    )
    g.add_argument(
        "--max-message-size",
        type=_count(1024),
        default=64 * 1024,
        metavar="BYTES",
        help="the largest websocket message a browser may send, a paste say (default: 65536)",
    )
    g = p.add_argument_group("behind a reverse proxy")
    g.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="URL",
        help="also accept the game's websocket from pages of this origin, e.g. "
        "https://rocky.example.org (default: the host the browser asked for)",
    )
    g.add_argument(
        "--secure-cookies",
        action="store_true",
        help="mark the visitor cookie Secure (HTTPS only): for a TLS proxy in front",
    )


def game_command(args: argparse.Namespace, visitor_dir: Path) -> list[str]:
    """The argv of one visitor's game: this Python, this package, their data
    dir, and the story options `serve` was given (as absolute paths)."""
    argv = [sys.executable, "-m", "rocky_adventure", "--data-dir", str(visitor_dir), "play"]
    argv += ["--web", "--no-installed-packs"]
    if getattr(args, "story", None):
        argv += ["--story", os.path.abspath(args.story)]
    for pack in getattr(args, "packs", None) or ():
        argv += ["--pack", os.path.abspath(pack)]
    if getattr(args, "no_cache", False):
        argv.append("--no-cache")
    return argv


def run(args: argparse.Namespace) -> int:
    import importlib.util
    import logging

    if importlib.util.find_spec("textual_serve") is None:
        raise CommandError(
            "rocky-adventure serve: the web server is an extra: "
            "pip install 'rocky-adventure[web]' (from a checkout: pip install '.[web]')"
        )
    from ..web.server import GameServer, Limits, serve_forever
    from ..web.visitors import ServeRootError, VisitorDirs

    story = load_from_args(args)  # a broken story ends here, once, not in every visitor's game
    root = data_dir(args) / "web"
    try:
        visitors = VisitorDirs(root)
    except ServeRootError as e:
        raise CommandError(f"rocky-adventure serve: {e}") from None
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="rocky-adventure serve: %(message)s",
    )
    server = GameServer(
        lambda folder: game_command(args, folder),
        visitors,
        title=story.title,
        host=args.host,
        port=args.port,
        limits=Limits(
            max_sessions=args.max_sessions,
            idle_timeout=args.idle_timeout * 60,
            max_message=args.max_message_size,
        ),
        allowed_origins=args.allow_origin,
        secure_cookie=args.secure_cookies,
    )

    def announce(url: str) -> None:
        print(f"rocky-adventure: serving {story.title} on {url} (Ctrl+C stops)", flush=True)
        print(f"rocky-adventure: visitors' saves are in {root / 'visitors'}", flush=True)
        if args.host not in LOOPBACK:
            print(
                "rocky-adventure: other machines can reach this server: put it behind a "
                "TLS reverse proxy (docs/serve.md)",
                flush=True,
            )

    try:
        serve_forever(server, announce)
    except OSError as e:  # the port is taken, the address is not this machine's
        raise CommandError(
            f"rocky-adventure serve: cannot listen on {args.host}:{args.port}: {e.strerror or e}",
        ) from None
    return EXIT_OK
