"""The one sanitising boundary for text that reaches a terminal.

Stories, packs, saves, settings, the gallery, run files and route files all
come from strangers. Any string from them may hold terminal control
sequences: OSC 52 writes the clipboard, OSC 0 retitles the window, `ESC[2J`
clears the screen, a bidirectional override makes a line read differently
than it is. `terminal_safe()` turns every such character into a visible
stand-in, so what is shown is exactly what the file holds and nothing more.

Every path to the terminal goes through `terminal_safe`:

- the command line and plain mode: `cli.main` wraps sys.stdout and
  sys.stderr in `SafeStream`, so every print of every command is made
  safe, whatever field it prints;
- the game: `tui/safe.py` makes safe every piece of text at the point
  where Textual turns it into terminal output, so no widget, dialog or
  notification can forget.

The story's own text is also stripped of control characters when it is
loaded (`schema.strip_control`), so an author sees in `check` what a player
will see.
"""

from __future__ import annotations

import re
from typing import IO, Any

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional
# embeddings, overrides and isolates.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _stand_in(m: re.Match[str]) -> str:
    c = ord(m.group())
    if c < 0x20:
        return "^" + chr(c + 0x40)  # caret notation: ESC is ^[, BEL is ^G
    if c == 0x7F:
        return "^?"
    return f"<U+{c:04X}>"


def terminal_safe(text: str, *, newlines: bool = True) -> str:
    """`text` with every terminal control character shown as a visible
    stand-in (ESC as ^[, U+202E as <U+202E>). Tab and newline are kept;
    with newlines=False a newline is shown as ^J too (one-line fields)."""
    pattern = CONTROL if newlines else _CONTROL_OR_NEWLINE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_stand_in, text)


def strip_control(text: str) -> str:
    """`text` without its terminal control characters (for story text at
    load time: the author's file is the source, and check shows the same)."""
    return CONTROL.sub("", text)


class SafeStream:
    """A text stream that makes every write terminal-safe (see the module's
    docstring). Everything else is the wrapped stream's."""

    def __init__(self, stream: IO[str]):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_safe(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
