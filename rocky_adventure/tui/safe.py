"""The game's half of the sanitising boundary (engine/safe.py has the rest).

Whatever a widget shows (story text, a save's name, a variable, a
notification, a gallery entry), Textual turns it into terminal output in
one place: `Strip.render`, which joins a line's segments with their
styles. `install()` wraps it so that every segment's text first passes
`terminal_safe`: a control character in a string from a file is shown as a
visible stand-in (U+FFFD, one cell wide, so lines stay aligned) and never
reaches the terminal. Textual's own escape sequences (styles, cursor moves)
are not segment text, so they are untouched.

Textual is pinned (pyproject.toml), and tests/security/test_terminal.py
checks on a real frame that the boundary holds.
"""

from __future__ import annotations

from typing import Any

from textual.strip import Strip

from ..engine.safe import CONTROL

REPLACEMENT = "\ufffd"
_installed = False


def safe_segment_text(text: str) -> str:
    return CONTROL.sub(REPLACEMENT, text) if CONTROL.search(text) else text


def install() -> None:
    """Make every strip Textual renders terminal-safe (once per process)."""
    global _installed
    if _installed:
        return
    original = Strip.render

    def render(self: Strip, console: Any) -> str:
        if self._render_cache is None:
            segments = self._segments
            if any(CONTROL.search(seg.text) for seg in segments):
                self._segments = [
                    seg._replace(text=safe_segment_text(seg.text)) for seg in segments
                ]
        return original(self, console)

    Strip.render = render  # type: ignore[method-assign]
    _installed = True
