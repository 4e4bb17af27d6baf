"""What every screen of the game shares."""

from __future__ import annotations

from textual import events


class SizeAware:
    """Screens get the terminal's resizes (after the app's size is updated):
    each asks the app to show or hide the 'make the terminal larger' notice."""

    def on_resize(self, event: events.Resize) -> None:
        check = getattr(self.app, "check_size", None)  # type: ignore[attr-defined]
        if check is not None:
            check()
