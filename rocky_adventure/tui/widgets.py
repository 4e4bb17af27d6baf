"""The game's widgets. Story text, choice text, titles and epilogues are
always wrapped in Content(...) (never parsed as markup): a story can hold
`[b]` or `[@click=app.quit]` and it is shown exactly as written."""

from __future__ import annotations

import time
from collections.abc import Iterable

from textual import events
from textual.color import Color
from textual.content import Content
from textual.message import Message
from textual.style import Style
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..plain import paragraphs

# Not-yet-revealed text is drawn fully transparent, so the typewriter never
# moves a word from one line to the next as it types.
HIDDEN = Style(foreground=Color(0, 0, 0, 0))

# How long (in characters) the typewriter pauses after punctuation.
_PAUSES = {".": 6, "!": 6, "?": 6, ",": 2, ";": 2, ":": 2, "\u2014": 2, "\n": 8}


def story_content(text: str, ending: tuple[str, str] | None = None) -> Content:
    """A scene's text (and, at an ending, the ending's title and epilogue)
    as Content. Story strings are plain Content: never markup."""
    parts: list[Content] = [Content(p) for p in paragraphs(text)]
    if ending is not None:
        title, epilogue = ending
        parts.append(Content.assemble(("THE END", "bold $accent"), ("  \u00b7  ", "$text-muted"),
                                      (title, "bold $foreground")))
        parts.extend(Content.styled(p, "italic") for p in paragraphs(epilogue))
    return Content("\n\n").join(parts)


class StoryText(Widget):
    """Text with a typewriter reveal. Any key or a click completes it (the
    game screen forwards keys); `cps` 0 shows it at once."""

    DEFAULT_CSS = """
    StoryText { height: auto; width: 1fr; }
    """

    class Revealed(Message):
        """The whole text is on screen."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = Content("")
        self._shown = 0
        self._cps = 0.0
        self._budget = 0.0
        self._last = 0.0
        self._timer: Timer | None = None

    @property
    def content(self) -> Content:
        return self._content

    @property
    def revealing(self) -> bool:
        return self._shown < len(self._content)

    def show(self, content: Content, cps: float = 0.0) -> None:
        self._stop()
        self._content = content
        self._cps = cps
        self._budget = 0.0
        if cps <= 0 or not content:
            self._shown = len(content)
            self.refresh(layout=True)
            self.post_message(self.Revealed())
            return
        self._shown = 0
        self._last = time.monotonic()
        self._timer = self.set_interval(1 / 40, self._tick)
        self.refresh(layout=True)

    def finish(self) -> None:
        if self.revealing:
            self._stop()
            self._shown = len(self._content)
            self.refresh()
            self.post_message(self.Revealed())

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        now = time.monotonic()
        self._budget += (now - self._last) * self._cps
        self._last = now
        text = self._content.plain
        n = self._shown
        while n < len(text):
            cost = _PAUSES.get(text[n - 1], 1) if n else 1
            if self._budget < cost:
                break
            self._budget -= cost
            n += 1
        if n != self._shown:
            self._shown = n
            self.refresh()
        if n >= len(text):
            self._stop()
            self.post_message(self.Revealed())

    def render(self) -> Content:
        c = self._content
        if self._shown >= len(c):
            return c
        return c[: self._shown] + c[self._shown:].stylize(HIDDEN)

    def on_click(self, event: events.Click) -> None:
        self.finish()


def numbered(i: int, text: str) -> Content:
    key = f"{i}" if i <= 9 else " "
    return Content.assemble((f" {key} ", "bold $accent"), " ", Content(text))


class ChoiceList(OptionList):
    """The open choices: keys 1-9 (handled by the game screen), arrows and
    enter, or the mouse."""

    def set_choices(self, choices: Iterable[tuple[str, str]]) -> None:
        self.clear_options()
        self.add_options([Option(numbered(i, text), id=cid) for i, (cid, text) in enumerate(choices, 1)])
        if self.option_count:
            self.highlighted = 0


def fraction(value: int, lo: int, hi: int) -> float:
    return 0.0 if hi <= lo else max(0.0, min(1.0, (value - lo) / (hi - lo)))


def bar_line(width: int, frac: float, style: str) -> Content:
    """A bar `width` cells wide, in half-cell steps."""
    halves = round(frac * width * 2)
    full, half = divmod(halves, 2)
    parts: list[tuple[str, str] | str] = [("\u2501" * full, style)]
    if half:
        parts.append(("\u2578", style))
    rest = width - full - half
    if rest > 0:
        parts.append(("\u2501" * rest, "$foreground 12%"))
    return Content.assemble(*parts)


class StatBar(Widget):
    """A labelled bar for an int variable: label and value on one line, the
    bar under it. A change shows briefly as +1 or -2."""

    DEFAULT_CSS = """
    StatBar { height: 2; width: 1fr; min-width: 10; }
    """

    def __init__(self, var: str, label: str, lo: int, hi: int, value: int, health: bool = False,
                 delta_seconds: float | None = 2.5, id: str | None = None) -> None:
        super().__init__(id=id)
        self.var = var
        self.label = label
        self.lo = lo
        self.hi = hi
        self.value = value
        self.delta = 0
        self.health = health
        self.delta_seconds = delta_seconds
        self._delta_timer: Timer | None = None

    def set_value(self, value: int, show_change: bool = True) -> None:
        if value == self.value:
            if self.delta and self.delta_seconds is None:
                self.delta = 0  # a frozen change lasts one turn
                self.refresh()
            return
        self.delta = (value - self.value) if show_change else 0
        self.value = value
        if self._delta_timer is not None:
            self._delta_timer.stop()
            self._delta_timer = None
        if self.delta and self.delta_seconds is not None:
            self._delta_timer = self.set_timer(self.delta_seconds, self._clear_delta)
        self.refresh()

    def _clear_delta(self) -> None:
        self.delta = 0
        self._delta_timer = None
        self.refresh()

    def bar_style(self) -> str:
        if not self.health:
            return "$accent"
        f = fraction(self.value, self.lo, self.hi)
        return "$success" if f >= 0.6 else "$warning" if f >= 0.3 else "$error"

    def render(self) -> Content:
        width = max(self.size.width, 1)
        value = Content.styled(f"{self.value}", "bold")
        if self.delta:
            sign = "+" if self.delta > 0 else ""
            value = Content.assemble((f"{sign}{self.delta} ", "bold $success" if self.delta > 0 else "bold $error"),
                                     value)
        label = Content.styled(self.label, "$text-muted").truncate(max(width - value.cell_length - 1, 1),
                                                                    ellipsis=True)
        gap = max(width - label.cell_length - value.cell_length, 1)
        top = Content.assemble(label, " " * gap, value)
        frac = fraction(self.value, self.lo, self.hi)
        return Content("\n").join([top, bar_line(width, frac, self.bar_style())])


class SceneHeader(Widget):
    """Chapter and scene on the left, the turn and seed on the right."""

    DEFAULT_CSS = """
    SceneHeader { height: 1; dock: top; background: $panel; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chapter = ""
        self.scene = ""
        self.right = ""

    def set(self, chapter: str, scene: str, right: str) -> None:
        self.chapter, self.scene, self.right = chapter, scene, right
        self.refresh()

    def render(self) -> Content:
        width = self.size.width
        right = Content.styled(f"{self.right} ", "$text-muted")
        left = Content.assemble((" \u25c6 ", "bold $primary"), (self.chapter.upper(), "bold $accent"))
        if self.scene:
            left = Content.assemble(left, ("  \u203a  ", "$text-muted"), Content(self.scene))
        room = width - right.cell_length - 1
        if room < left.cell_length:
            left = left.truncate(max(room, 1), ellipsis=True)
        gap = max(width - left.cell_length - right.cell_length, 0)
        return Content.assemble(left, " " * gap, right)
