"""The game's widgets. Story text, choice text, titles and epilogues are
always wrapped in Content(...) (never parsed as markup): a story can hold
`[b]` or `[@click=app.quit]` and it is shown exactly as written."""

from __future__ import annotations

import re
import textwrap
import time
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.cells import cell_len, chop_cells, get_character_cell_size
from textual import events
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style as TStyle
from textual.timer import Timer
from textual.visual import RenderOptions, Visual
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..game.text import paragraphs

# How long (in characters) the typewriter pauses after punctuation.
_PAUSES = {".": 6, "!": 6, "?": 6, ",": 2, ";": 2, ":": 2, "\u2014": 2}
_LINE_PAUSE = 8  # and at the end of a line of a paragraph (counted on blank lines)
TEXT_WIDTH = 76  # the longest line of story text, for reading comfort


def cells(text: str) -> int:
    """The cells `text` takes on screen, as rich measures it, but without
    rich's cache: Textual measures with `cached_cell_len`, an LRU cache of
    4,096 strings shared by the whole app, and a few dozen scenes of story
    text (every word, every line) would fill it and keep it full. Here only
    single characters are cached (in rich's bounded per-character cache)."""
    if text.isascii() and text.isprintable():
        return len(text)
    if "\u200d" in text or "\ufe0f" in text:  # emoji sequences: rare, rich's own rules
        return cell_len(text)
    return sum(map(get_character_cell_size, text))


def measured(content: Content) -> Content:
    """`content` with its cell length known, so Textual never measures it
    (and never caches its text)."""
    return Content(
        content.plain, list(content.spans), cells(content.plain), strip_control_codes=False
    )


_WORD = re.compile(r"\s*\S+\s*")


def divide_line(text: str, width: int) -> list[int]:
    """Where to break a line to fit `width`: rich's `divide_line` (with
    fold), measured with `cells`."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = cells(word.rstrip())
        if width - offset >= length:
            offset += cells(word)
        elif length > width:  # longer than a line: fold it
            folded = chop_cells(word, width)
            for i, piece in enumerate(folded):
                if start:
                    breaks.append(start)
                if i == len(folded) - 1:
                    offset = cells(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = cells(word)
    return breaks


def wrap(content: Content, width: int) -> list[Content]:
    """The lines of `content` wrapped to `width`, as `Content.wrap(width)`
    makes them, each with its cell length known (see `cells`)."""
    lines: list[Content] = []
    for line in content.split("\n", allow_blank=True):
        line = line.expand_tabs(8)
        pieces = line.divide(divide_line(line.plain, width))
        last = len(pieces) - 1
        for i, piece in enumerate(pieces):
            piece = measured(piece if i == last else piece.rstrip())
            if piece.cell_length > width:  # a piece of a folded word with a wide character
                piece = piece.truncate(width)
            lines.append(piece.rstrip_end(width))
    return lines


def story_content(text: str, ending: tuple[str, str] | None = None) -> Content:
    """A scene's text (and, at an ending, the ending's title and epilogue)
    as Content. Story strings are plain Content: never markup."""
    parts: list[Content] = [Content(p) for p in paragraphs(text)]
    if ending is not None:
        title, epilogue = ending
        parts.append(
            Content.assemble(
                ("THE END", "bold $accent"),
                ("  \u00b7  ", "$text-muted"),
                (title, "bold $foreground"),
            )
        )
        parts.extend(Content.styled(p, "italic") for p in paragraphs(epilogue))
    return Content("\n\n").join(parts)


if TYPE_CHECKING:
    _Scrolling = Widget  # the mixin reads a Widget's scrolling (it is always mixed into one)
else:
    _Scrolling = object


class ScrollsWithoutBar(_Scrolling):
    """A scrolling widget with `overflow-y: hidden` that scrolls all the same
    (keys, the wheel, scrolling to the highlighted choice). With `auto`,
    Textual makes a scroll bar widget and shows or hides it whenever the
    content's length crosses the widget's height: even with no room for it,
    each change lays the screen out again and starts a new generation of the
    screen's query cache."""

    @property
    def allow_vertical_scroll(self) -> bool:
        return not (self.disabled or self.loading) and self.max_scroll_y > 0


class StoryText(ScrollsWithoutBar, ScrollView, can_focus=False):
    """The story text, centred in a column at most TEXT_WIDTH wide, with a
    typewriter reveal that any key or a click completes (the game screen
    forwards keys). It wraps the text itself and scrolls it (Line API), and
    draws its own slim scroll bar in the last column, so everything a new
    scene changes is known before the frame is drawn: the first frame after
    a choice is the whole scene."""

    DEFAULT_CSS = """
    StoryText {
        width: 100%;  /* (1fr makes a ScrollView as wide as its virtual size) */
        height: 1fr;
        overflow-x: hidden;
        overflow-y: hidden;  /* it scrolls, with its own scroll bar: see ScrollsWithoutBar */
        scrollbar-size-vertical: 0;
        text-wrap: nowrap;  /* each line is wrapped already: drawing it only measures it */
    }
    """

    class Revealed(Message):
        """The whole text is on screen."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = Content("")
        self._lines: list[Content] = []
        self._starts: list[int] = [0]  # characters before each wrapped line
        self._strips: dict[int, Strip] = {}
        self._wrap_width = -1
        self._shown = 0  # characters revealed, counted along the wrapped lines
        self._total = 0
        self._cps = 0.0
        self._budget = 0.0
        self._last = 0.0
        self._timer: Timer | None = None

    @property
    def content(self) -> Content:
        return self._content

    @property
    def revealing(self) -> bool:
        return self._shown < self._total

    def show(self, content: Content, cps: float = 0.0) -> None:
        self._stop()
        self._content = content
        self._cps = cps
        self._budget = 0.0
        self._wrap_width = -1
        self._rewrap()
        self.scroll_to(0, 0, animate=False, immediate=True)
        if cps <= 0 or not self._total:
            self._shown = self._total
            self.post_message(self.Revealed())
        else:
            self._shown = 0
            self._last = time.monotonic()
            self._timer = self.set_interval(1 / 40, self._tick)
        self.refresh()

    def finish(self) -> None:
        if self.revealing:
            self._stop()
            self._shown = self._total
            self.refresh()
            self.post_message(self.Revealed())

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    # -- wrapping
    def _column(self) -> tuple[int, int]:
        """(left margin, text width) inside the content region, less the
        last column, which holds the scroll bar."""
        width = max(self.scrollable_content_region.width - 2, 1)
        text_width = min(width, TEXT_WIDTH)
        return (width - text_width) // 2, text_width

    def _rewrap(self) -> None:
        _, text_width = self._column()
        if text_width == self._wrap_width:
            return
        self._wrap_width = text_width
        lines = wrap(self._content, text_width) if self._content else []
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line.plain))
        # keep the same share of the text revealed across a re-wrap
        if self._total and self._shown < self._total:
            self._shown = round(self._shown / self._total * starts[-1])
        elif self._shown >= self._total:
            self._shown = starts[-1]
        self._lines, self._starts, self._total = lines, starts, starts[-1]
        self._strips.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(lines))

    def on_resize(self) -> None:
        # Only a new width re-wraps. A new height (the choices below grew
        # or shrank) was already drawn by the layout pass that made it; a
        # refresh here would redraw the same picture a frame later.
        before = self._wrap_width
        self._rewrap()
        if self._wrap_width != before:
            self.refresh()

    # -- the typewriter
    def _tick(self) -> None:
        now = time.monotonic()
        self._budget += (now - self._last) * self._cps
        self._last = now
        n = self._shown
        total = self._total
        while n < total:
            cost = self._cost(n)
            if self._budget < cost:
                break
            self._budget -= cost
            n += 1
        if n != self._shown:
            self._shown = n
            self.refresh()
        if n >= total:
            self._stop()
            self.post_message(self.Revealed())

    def _cost(self, n: int) -> int:
        """What revealing character n costs: more after punctuation and
        between paragraphs, so the reading has a rhythm."""
        line = bisect_right(self._starts, n) - 1
        at = n - self._starts[line]
        if at == 0 and line and not self._lines[line - 1].plain:
            return _LINE_PAUSE
        if at:
            return _PAUSES.get(self._lines[line].plain[at - 1], 1)
        return 1

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under a mouse selection, as it is laid out (for ctrl+c)."""
        left, _ = self._column()
        text = "\n".join(" " * left + line.plain for line in self._lines)
        return textwrap.dedent(selection.extract(text)), "\n"

    # -- drawing
    def render_line(self, y: int) -> Strip:
        text = self._text_line(y + round(self.scroll_offset.y))
        return Strip.join([text, self._scroll_mark(y)])

    def _text_line(self, index: int) -> Strip:
        left, _ = self._column()
        width = max(self.scrollable_content_region.width - 1, 0)
        style = self.visual_style.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, style)
        visible = self._shown - self._starts[index]
        line = self._lines[index]
        if visible <= 0:
            return Strip.blank(width, style)
        if visible >= len(line.plain):
            strip = self._strips.get(index)
            if strip is None:
                strip = self._strips[index] = self._draw_line(line, left, width)
            return strip
        return self._draw_line(measured(line[:visible]), left, width)

    def _scroll_mark(self, y: int) -> Strip:
        """One cell of the scroll bar: a dim track and a bright thumb, shown
        only when the text is longer than the widget."""
        height = self.scrollable_content_region.height
        total = len(self._lines)
        style = self.visual_style.rich_style
        if total <= height or height <= 0:
            return Strip.blank(1, style)
        thumb = max(1, round(height * height / total))
        top = round(self.scroll_offset.y / max(total - height, 1) * (height - thumb))
        on = top <= y < top + thumb
        mark = Content.styled("\u2503" if on else "\u2502", "$primary" if on else "$foreground 15%")
        return Visual.to_strips(self, mark, 1, 1, self.visual_style)[0]

    def _draw_line(self, line: Content, left: int, width: int) -> Strip:
        strips = Visual.to_strips(self, line, max(width - left, 1), 1, self.visual_style)
        strip = strips[0] if strips else Strip.blank(0)
        style = self.visual_style.rich_style
        return (
            Strip.join([Strip.blank(left, style), strip])
            .extend_cell_length(width, style)
            .crop(0, width)
        )

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_click(self, event: events.Click) -> None:
        self.finish()


class _AsWrapped:
    """A widget's style rules, except that a line is drawn as it is."""

    __slots__ = ("rules",)

    def __init__(self, rules) -> None:
        self.rules = rules

    def get(self, key: str, default=None):
        return "nowrap" if key == "text_wrap" else self.rules.get(key, default)


class ChoiceText(Content):
    """A choice's text. It wraps itself with `wrap` (and measures itself
    with `cells`): as a plain Content, Textual would measure every word of
    it with its cached cell_len (see `cells`), and a few hundred choices
    later the cache would hold a few thousand of them. Justified text, line
    padding and other wrapping than the default are left to Content."""

    def _plain(self, rules) -> bool:
        return (
            rules.get("text_wrap", "wrap") == "wrap"
            and rules.get("text_overflow", "fold") == "fold"
            and not rules.get("line_pad", 0)
            and rules.get("text_align", "left") != "justify"
        )

    def __init__(self, *args, indent: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._indent = indent  # cells that the second and later lines start in by

    def _lines(self, width: int) -> list[Content]:
        wrapped = getattr(self, "_wrapped", None)
        if wrapped is None or wrapped[0] != width:
            wrapped = self._wrapped = (width, self._wrap(width))
        return wrapped[1]

    def _wrap(self, width: int) -> list[Content]:
        """Wrapped to `width`; the lines after the first start under the
        text, not under the key (a hanging indent)."""
        indent = self._indent
        first = wrap(self, width)
        if not indent or len(first) < 2 or width <= indent + 8:
            return first
        head = first[0]
        after = self.plain[len(head.plain) :]
        rest = self[len(head.plain) + len(after) - len(after.lstrip()) :]
        pad = Content(" " * indent)
        return [head, *(measured(pad + line) for line in wrap(rest, width - indent))]

    def get_optimal_width(self, rules, container_width: int) -> int:
        return max(map(cells, self.plain.split("\n"))) + rules.get("line_pad", 0) * 2

    def get_minimal_width(self, rules) -> int:
        words = self.plain.split()
        return max(map(cells, words)) + rules.get("line_pad", 0) * 2 if words else 0

    def get_height(self, rules, width: int) -> int:
        if not self._plain(rules):
            return super().get_height(rules, width)
        return len(self._lines(width))

    def render_strips(
        self, width: int, height: int | None, style, options: RenderOptions
    ) -> list[Strip]:
        if not width or not self._plain(options.rules):
            return super().render_strips(width, height, style, options)
        lines = self._lines(width)
        if height is not None:
            lines = lines[:height]
        # each line is wrapped already: drawn as it is, it is only measured, and its length is known
        # (_AsWrapped stands in for the rules: like them, it is only read with .get)
        options = replace(options, rules=_AsWrapped(options.rules))  # type: ignore[arg-type]
        return [line.render_strips(width, 1, style, options)[0] for line in lines]


# The keys of the choices, in order: 1-9, 0, then the letters that no game
# screen binds: not e, h, l, o, s, u (GameScreen), d (dev mode's debug), t
# (the speedrun's route), nor q, which closes pages.
CHOICE_KEYS = "1234567890abcfgijkmnprvwxyz"
_KEY_CELLS = 4  # " 1 " and a space: a wrapped line is indented as far


def choice_key(i: int) -> str:
    """The key of choice `i` (from 1), or "" past the last key."""
    return CHOICE_KEYS[i - 1] if 1 <= i <= len(CHOICE_KEYS) else ""


def numbered(i: int, text: str) -> ChoiceText:
    key = choice_key(i) or " "
    content = Content.assemble((f" {key} ", "bold $accent"), " ", Content(text))
    return ChoiceText(
        content.plain, list(content.spans), strip_control_codes=False, indent=_KEY_CELLS
    )


class ChoiceList(ScrollsWithoutBar, OptionList):
    """The open choices: keys 1-9, 0 and letters (CHOICE_KEYS, handled by
    the game screen), arrows and enter, or the mouse. A long list scrolls,
    with no scroll bar: a mark in the border says that more is above or
    below."""

    DEFAULT_CSS = """
    ChoiceList { overflow-y: hidden; }
    """

    _drawn_width = -1
    _marks = ("", "")

    def _on_resize(self, event: events.Resize) -> None:  # type: ignore[override]
        # OptionList drops its rendered options on every resize; they depend
        # only on the width, and a new height is drawn by the layout pass
        # that made it (a refresh here would redraw the same picture).
        if self.size.width == self._drawn_width:
            event.prevent_default()  # OptionList's own handler does not run
        self._drawn_width = self.size.width
        self.call_after_refresh(self.mark_more)

    def set_choices(self, choices: Iterable[tuple[str, str]]) -> None:
        # set_options, not clear_options and add_options: the list is not measured empty in between
        self.set_options(
            [Option(numbered(i, text), id=cid) for i, (cid, text) in enumerate(choices, 1)]
        )
        if self.option_count:
            self.highlighted = 0
        self.call_after_refresh(self.mark_more)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.mark_more()

    def mark_more(self) -> None:
        """A mark in the border where choices are cut: "more" above, below."""
        y, bottom = round(self.scroll_y), round(self.max_scroll_y)
        title = "\u25b2 more" if y > 0 else ""
        subtitle = "\u25bc more" if y < bottom else ""
        if (title, subtitle) != self._marks:
            self._marks = (title, subtitle)
            self.border_title, self.border_subtitle = title, subtitle


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


@dataclass
class Bar:
    """One int variable drawn as a bar, and its last change."""

    var: str
    label: str
    lo: int
    hi: int
    value: int
    delta: int = 0
    shown: bool = True
    changed_at: float = 0.0


class BarPanel(Widget):
    """Labelled bars for int variables: the label and the value on one line,
    the bar under it. A change shows briefly as +1 or -2 beside the value.
    Bars stack in rows, or stand side by side with the class "-columns" (the
    fight HUD); on a narrow screen the rows become a compact line of values.
    One widget draws them all: a screen full of bars costs one widget, not
    one each."""

    DEFAULT_CSS = """
    BarPanel { height: auto; width: 1fr; }
    """

    def __init__(
        self,
        bars: list[Bar],
        health: bool = False,
        delta_seconds: float | None = 2.5,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.bars = bars
        self.health = health
        self.delta_seconds = delta_seconds
        self._timer: Timer | None = None

    @property
    def columns(self) -> bool:
        return self.has_class("-columns")

    @property
    def compact(self) -> bool:
        return not self.columns and self.screen.has_class("-narrow")

    def set_values(self, values: dict, shown: set[str] | None = None) -> None:
        """New values (and which bars show); changes are remembered to show."""
        now = time.monotonic()
        changed = False
        for bar in self.bars:
            value = values[bar.var]
            visible = shown is None or bar.var in shown
            if visible != bar.shown:
                bar.shown = visible
                changed = True
            if value != bar.value:
                bar.delta, bar.value, bar.changed_at = value - bar.value, value, now
                changed = True
            elif bar.delta and self.delta_seconds is None:
                bar.delta = 0  # a change that does not fade lasts one turn
                changed = True
        if changed:
            self.refresh(layout=shown is not None)
        if (
            self.delta_seconds is not None
            and any(b.delta for b in self.bars)
            and self._timer is None
        ):
            self._timer = self.set_timer(self.delta_seconds, self._fade)

    def _fade(self) -> None:
        self._timer = None
        delta_seconds = self.delta_seconds
        assert delta_seconds is not None  # the timer is only set when changes fade
        now = time.monotonic()
        for bar in self.bars:
            if bar.delta and now - bar.changed_at >= delta_seconds - 0.05:
                bar.delta = 0
        self.refresh()
        if any(b.delta for b in self.bars):
            self._timer = self.set_timer(0.25, self._fade)

    def _visible(self) -> list[Bar]:
        return [b for b in self.bars if b.shown]

    def get_content_height(self, container, viewport, width: int) -> int:
        n = len(self._visible())
        if not n:
            return 0
        if self.compact:
            return len(self._compact_lines(width))
        if self.columns:
            per_row = self._per_row(width)
            return 2 * -(-n // per_row) + (-(-n // per_row) - 1)
        return 3 * n - 1

    def _per_row(self, width: int, gap: int = 2) -> int:
        """How many bars stand side by side: all of them, or fewer rows of
        them when a label would be cut (the fight HUD on a phone)."""
        bars = self._visible()
        for rows in range(1, len(bars)):
            per_row = -(-len(bars) // rows)
            cell = (width - gap * (per_row - 1)) // per_row
            if all(len(b.label) + 1 + len(str(b.value)) <= cell for b in bars):
                return per_row
        return 1

    def _value(self, bar: Bar) -> Content:
        value = Content.styled(f"{bar.value}", "bold")
        if not bar.delta:
            return value
        sign = "+" if bar.delta > 0 else ""
        return Content.assemble(
            (f"{sign}{bar.delta} ", "bold $success" if bar.delta > 0 else "bold $error"), value
        )

    def _compact_lines(self, width: int) -> list[Content]:
        """Label and value of each bar, packed into as few lines as fit."""
        lines: list[Content] = []
        line = Content("")
        for bar in self._visible():
            item = Content.assemble((bar.label, "$text-muted"), " ", self._value(bar))
            if line and line.cell_length + 3 + item.cell_length > width:
                lines.append(line)
                line = Content("")
            line = Content.assemble(line, ("  \u00b7  " if line else "", "$text-muted"), item)
        lines.append(line)
        return lines

    def bar_style(self, bar: Bar) -> str:
        if not self.health:
            return "$accent"
        f = fraction(bar.value, bar.lo, bar.hi)
        return "$success" if f >= 0.6 else "$warning" if f >= 0.3 else "$error"

    def _cell(self, bar: Bar, width: int) -> tuple[Content, Content]:
        value = self._value(bar)
        label = Content.styled(bar.label, "$text-muted").truncate(
            max(width - value.cell_length - 1, 1), ellipsis=True
        )
        gap = max(width - label.cell_length - value.cell_length, 1)
        top = Content.assemble(label, " " * gap, value)
        return top, bar_line(width, fraction(bar.value, bar.lo, bar.hi), self.bar_style(bar))

    def render(self) -> Content:
        bars = self._visible()
        width = max(self.size.width, 1)
        if not bars:
            return Content("")
        if self.compact:
            return Content("\n").join(self._compact_lines(width))
        if not self.columns:
            lines: list[Content] = []
            for bar in bars:
                if lines:
                    lines.append(Content(""))
                lines.extend(self._cell(bar, width))
            return Content("\n").join(lines)
        gap = 2
        per_row = self._per_row(width, gap)
        cell = max((width - gap * (per_row - 1)) // per_row, 4)
        spacer = " " * gap
        lines = []
        for start in range(0, len(bars), per_row):
            if lines:
                lines.append(Content(""))
            cells = [self._cell(bar, cell) for bar in bars[start : start + per_row]]
            lines += [Content(spacer).join(c[row] for c in cells) for row in (0, 1)]
        return Content("\n").join(lines)


class SceneHeader(Widget):
    """Chapter and scene on the left, the turn and seed on the right. Its
    line is measured here (with `cells`) and drawn as it is: the turn number
    makes every line a new string, which Textual's cached measuring would
    keep (see `cells`)."""

    DEFAULT_CSS = """
    SceneHeader { height: 1; dock: top; background: $panel; text-wrap: nowrap; }
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
        right = measured(Content.styled(f"{self.right} ", "$text-muted"))
        left = Content.assemble(
            (" \u25c6 ", "bold $primary"), (self.chapter.upper(), "bold $accent")
        )
        if self.scene:
            left = Content.assemble(left, ("  \u203a  ", "$text-muted"), Content(self.scene))
        left = measured(left)
        room = width - right.cell_length - 1
        if room < left.cell_length:
            left = left.truncate(max(room, 1), ellipsis=True)
        gap = max(width - left.cell_length - right.cell_length, 0)
        line = Content.assemble(left, " " * gap, right)
        return Content(
            line.plain,
            list(line.spans),
            left.cell_length + gap + right.cell_length,
            strip_control_codes=False,
        )


class KeyBar(Widget):
    """The key line at the foot of the game screen and the pages: the keys
    of the screen's bindings marked `show` (one per action), each
    clickable, and the command palette's key at the right; packed tighter,
    then shortened by whole keys, when the terminal is narrow.

    What Textual's Footer shows, drawn by one widget as one line: a Footer
    is a widget per key and recomposes them all whenever the bindings
    change, which cost the game screen 0.8 MiB and a frame.
    Keys and descriptions come from the code's bindings, never from a story."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom; height: 1; background: $panel; text-wrap: nowrap;
        link-style: none; link-color: $foreground;
        link-style-hover: none; link-background-hover: $accent 25%; link-color-hover: $foreground;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        self.refresh()

    def _key(self, binding, description: str, enabled: bool, pad: str) -> Content:
        click = TStyle.from_meta({"@click": f"app.simulate_key({binding.key!r})"})
        key_style, text_style = (
            ("bold $accent", "$foreground") if enabled else ("$text-disabled", "$text-disabled")
        )
        key = Content.styled(f"{pad}{self.app.get_key_display(binding)} ", key_style)
        return Content.assemble(key, Content.styled(f"{description}{pad}", text_style)).stylize(
            click
        )

    def _line(self, pad: str) -> tuple[list[Content], Content]:
        """The keys, and the palette's key: with a space either side of each
        (`pad`), or packed tighter to fit a narrow terminal."""
        app = self.app
        active = self.screen.active_bindings
        keys, actions = [], set()
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append(self._key(binding, binding.description, enabled, pad))
        right = Content("")
        palette = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        if palette is not None:
            right = measured(
                Content.assemble(
                    ("\u258f", "$text-muted"),
                    self._key(palette[1], "palette" if pad else "", palette[2], pad),
                )
            )
        return keys, right

    def render(self) -> Content:
        width = self.size.width
        keys, right = self._line(" ")
        left = measured(Content.assemble(*keys))
        if left.cell_length + right.cell_length > width:
            keys, right = self._line(
                ""
            )  # tighter; then leave keys off the end (help lists them all)
            left = measured(Content(" ").join(keys))
            while keys and left.cell_length + right.cell_length > width:
                keys.pop()
                left = measured(Content(" ").join(keys))
        gap = max(width - left.cell_length - right.cell_length, 0)
        return Content.assemble(left, " " * gap, right)
