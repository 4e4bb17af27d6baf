"""Full-screen pages: the history (backlog), the endings gallery and help."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..game.endings import Row, gallery_groups, outcome
from ..game.session import Passage
from ..game.text import paragraphs
from .base import SizeAware
from .widgets import KeyBar, bar_line


def page_header(title: str, detail: str = "") -> Static:
    c = Content.assemble((" \u25c6 ", "bold $primary"), (title, "bold $accent"))
    if detail:
        c = Content.assemble(c, ("   ", ""), (detail, "$text-muted"))
    return Static(c, classes="page-header")


ResultT = TypeVar("ResultT")


class BackScreen(SizeAware, Screen[ResultT], Generic[ResultT]):
    """A full-screen page; escape goes back (dismissing with None)."""

    CSS_PATH = "pages.tcss"
    BINDINGS = [Binding("escape,q", "back", "Back")]

    def action_back(self) -> None:
        self.dismiss(None)


# -- history -------------------------------------------------------------------


def passage_content(p: Passage, current: bool) -> Content:
    """One entry of the history: a blank line, the number and title, the
    paragraphs a blank line apart, and the choice taken.

    The blank line is part of the text, not the option's padding: OptionList
    sizes an option by its text and clips the lines vertical padding adds."""
    head = Content.assemble(
        (f"{p.index:>3}  ", "$text-muted"), (p.title or p.scene, "bold $accent")
    )
    parts = [
        Content(""),
        head,
        Content("\n\n").join([Content(para) for para in paragraphs(p.text)]),
    ]
    if p.choice is not None:
        parts += [Content(""), Content.assemble(("  \u203a ", "bold $primary"), (p.choice, "bold"))]
    elif current:
        parts += [Content(""), Content.styled("  \u25c6 you are here", "italic $text-muted")]
    return Content("\n").join(parts)


class HistoryScreen(BackScreen[int | None]):
    """Every passage so far; dismisses with the index of the passage to go
    back to (the number of choices made before it), or None."""

    """Every passage and choice of this run; enter goes back to before a
    choice, to choose again."""

    BINDINGS = [Binding("enter", "jump", "Go back to this choice", show=True)]

    def __init__(self, passages: list[Passage]) -> None:
        super().__init__()
        self.passages = passages

    def compose(self) -> ComposeResult:
        n = len(self.passages) - 1
        yield page_header(
            "HISTORY",
            f"{n} choice{'s' if n != 1 else ''} so far \u00b7 enter: go back to before a choice",
        )
        last = len(self.passages) - 1
        yield OptionList(
            *(
                Option(passage_content(p, i == last), id=str(i))
                for i, p in enumerate(self.passages)
            ),
            id="history",
        )
        yield KeyBar()

    def on_mount(self) -> None:
        history = self.query_one("#history", OptionList)
        history.highlighted = max(history.option_count - 2, 0)
        history.focus()
        self.call_after_refresh(history.scroll_end, animate=False)

    @on(OptionList.OptionSelected, "#history")
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._jump(int(event.option.id or 0))

    def action_jump(self) -> None:
        h = self.query_one("#history", OptionList).highlighted
        if h is not None:
            self._jump(h)

    def _jump(self, index: int) -> None:
        if index >= len(self.passages) - 1:
            self.notify("That is where you are now.", timeout=1.5)
            return
        self.dismiss(index)


# -- the endings gallery -----------------------------------------------------------


def _day(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d")
    except (TypeError, ValueError):
        return ""


def ending_content(row: Row) -> Content:
    """One ending of the gallery: a found one's title, epilogue and when it
    was found; a locked one's ??? and its hint (how it ends, where, and the
    story's clue)."""
    entry = row.entry
    if entry is None:
        ending = row.ending
        if not ending.hint:  # the hint is made of the tags and the chapter
            return Content("\n").join(
                [
                    Content.styled("???", "bold $text-muted"),
                    Content.styled(row.hint, "italic $text-disabled"),
                ]
            )
        what = " \u00b7 ".join(x for x in (outcome(ending.tags), row.chapter) if x)
        return Content("\n").join(
            [
                Content.assemble(("???", "bold $text-muted"), (f"   {what}", "$text-muted")),
                Content.styled(row.hint, "italic $text-disabled"),
            ]
        )
    epilogue = [Content.styled(p, "italic") for p in paragraphs(str(entry.get("epilogue", "")))]
    times = int(entry.get("times", 1) or 1)
    meta = " \u00b7 ".join(
        x
        for x in (
            row.chapter,
            f"found {_day(str(entry.get('found', '')))}".strip(),
            f"reached {times} times" if times > 1 else "",
        )
        if x
    )
    return Content("\n").join(
        [
            Content.styled(row.ending.title, "bold $accent"),
            *epilogue,
            Content.styled(meta, "$text-muted"),
        ]
    )


class GalleryScreen(BackScreen[None]):
    def __init__(self, story, gallery: dict[str, dict]) -> None:
        super().__init__()
        self.story = story
        self.gallery = gallery

    def compose(self) -> ComposeResult:
        endings = self.story.endings
        found = sum(1 for k in endings if k in self.gallery)
        total = len(endings)
        pct = round(100 * found / total) if total else 0
        yield page_header("ENDINGS", f"{found} of {total} found \u00b7 {pct}%")
        yield Static(id="gallery-bar")
        with VerticalScroll(id="gallery"):
            for group in gallery_groups(self.story, self.gallery):
                if group.title:
                    yield Static(
                        Content.assemble(
                            (group.title.upper(), "bold $accent"),
                            (f"  {group.found} of {len(group.rows)}", "$text-muted"),
                        ),
                        classes="gallery-world",
                    )
                for row in group.rows:
                    yield Static(
                        ending_content(row),
                        classes="ending" + (" -found" if row.entry else " -locked"),
                    )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#gallery").focus()

    def on_resize(self, event) -> None:
        super().on_resize(event)
        self.draw_bar()

    def draw_bar(self) -> None:
        endings = self.story.endings
        found = sum(1 for k in endings if k in self.gallery)
        bar = self.query_one("#gallery-bar", Static)
        width = max(bar.size.width, 10)
        bar.update(bar_line(width, found / len(endings) if endings else 0.0, "$accent"))


# -- help --------------------------------------------------------------------------

HELP = (
    (
        "Playing",
        (
            ("1-9  0  a b …", "take a choice (past 9: the key shown beside it)"),
            ("\u2191 \u2193  enter", "move through the choices and take one (the mouse works too)"),
            ("any key, click", "show the whole text at once while it is being typed"),
            ("pgup pgdn space", "scroll the story text a page (whatever has focus)"),
            ("home  end", "the top or the foot of the story text"),
            ("u  ctrl+z", "undo: go back one choice"),
            ("h", "history: every passage so far; go back to any earlier choice"),
            ("s", "save to a named slot"),
            ("l", "load a save"),
            ("del  del", "in the save and load lists: delete the highlighted save"),
            ("e", "the endings gallery"),
            ("o", "settings: text speed, theme, skip text already read"),
            ("esc", "back to the title screen (the game is autosaved)"),
        ),
    ),
    (
        "Title screen",
        (
            ("n", "new game"),
            ("c", "continue where you left off"),
            ("l  e  o", "load, endings, settings"),
        ),
    ),
    (
        "Everywhere",
        (
            ("f1  ?", "this help"),
            ("ctrl+p", "command palette: every action by name, and a screenshot"),
            ("esc  q", "close a page or a dialog"),
            ("ctrl+q", "quit (asks first if your last choice is not saved)"),
        ),
    ),
)


def help_rows() -> ComposeResult:
    """The keys as rows of two columns, so long lines wrap under their own column."""
    for section, keys in HELP:
        yield Static(Content.styled(section.upper(), "bold $accent"), classes="help-section")
        for key, what in keys:
            with Horizontal(classes="help-row"):
                yield Static(Content.styled(key, "bold $primary"), classes="help-key")
                yield Static(Content(what), classes="help-what")
    yield Static(
        Content.styled(
            "Every scene is autosaved; Continue on the title screen brings you back.",
            "italic $text-muted",
        ),
        classes="help-section",
    )


class HelpScreen(BackScreen[None]):
    def compose(self) -> ComposeResult:
        yield page_header("HELP", "every key")
        with VerticalScroll(id="help"):
            yield from help_rows()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#help").focus()
