"""The `lsp` command: the language server for story and pack files
(rocky_adventure/lsp/, docs/editors.md).

An editor starts `rocky-adventure lsp` and talks the Language Server
Protocol with it over standard input and output. Standard output is the
protocol's channel alone: while the server runs, anything else written to
it (a stray print, a child process that inherits it) goes to standard
error, where the log goes too. pygls is an extra, imported inside the
handler."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any

from .common import EXIT_USAGE, CommandError, installed_dir

HELP = "run the language server for story and pack files (editors start it; stdio)"
EXAMPLE = "rocky-adventure lsp   # started by the editor: see docs/editors.md"
MISSING = (
    "rocky-adventure lsp: the language server is an extra: "
    "pip install 'rocky-adventure[lsp]' (from a checkout: pip install '.[lsp]')"
)


def setup(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stdio",
        action="store_true",
        help="talk over standard input and output (the default and only transport; "
        "accepted for editors that pass it)",
    )
    p.add_argument(
        "--explore-budget",
        type=int,
        default=None,
        metavar="N",
        help="states the lints may explore to respect conditions, as for check "
        "(0: the scene graph only)",
    )
    p.add_argument(
        "--no-installed-packs",
        action="store_true",
        help="check stories without the branch packs installed in the data dir's packs/ folder",
    )


class _ProtocolStdout:
    """sys.stdout while the server runs: `buffer` is the protocol's binary
    channel (what pygls's start_io() writes to); text goes to `text`
    (standard error)."""

    def __init__(self, buffer: Any, text: Any):
        self.buffer = buffer
        self._text = text

    def write(self, s: str) -> int:
        return self._text.write(s)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._text.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._text, name)


@contextlib.contextmanager
def protocol_stdout() -> Iterator[None]:
    """Keep standard output for the protocol: the protocol gets the real
    stdout (a duplicate of its file descriptor, so that descriptor 1 can
    point at stderr for child processes and C code); everything else that
    writes to stdout reaches stderr. Undone on the way out."""
    out = sys.stdout
    try:
        fd, err_fd = out.fileno(), sys.stderr.fileno()
        sys.stderr.flush()
        out.flush()
    except (AttributeError, OSError, io.UnsupportedOperation):
        fd = err_fd = -1  # no real descriptors (an in-process test): the Python-level swap only
    if fd < 0:
        sys.stdout = _ProtocolStdout(getattr(out, "buffer", out), sys.stderr)  # type: ignore[assignment]
        try:
            yield
        finally:
            sys.stdout = out
        return
    saved = os.dup(fd)
    channel = open(os.dup(fd), "wb")  # closed on the way out
    os.dup2(err_fd, fd)
    sys.stdout = _ProtocolStdout(channel, sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout = out
        with contextlib.suppress(OSError):
            channel.close()
        os.dup2(saved, fd)
        os.close(saved)


def run(args: argparse.Namespace) -> int:
    import importlib.util
    import logging

    if importlib.util.find_spec("pygls") is None:
        raise CommandError(MISSING, code=EXIT_USAGE)
    from ..lsp.server import main

    # Set before the server's own basicConfig, so --verbose decides: by
    # default the server's messages and pygls's warnings (pygls logs every
    # message it sends at INFO); with --verbose, everything, pygls's included.
    verbose = bool(getattr(args, "verbose", False))
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if verbose else logging.WARNING,
        format="rocky-adventure lsp: "
        + ("%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s"),
    )
    if not verbose:
        logging.getLogger("rocky_adventure").setLevel(logging.INFO)
    budget = None if args.explore_budget is None else max(0, args.explore_budget)
    with protocol_stdout():
        return main(installed_dir(args), budget)
