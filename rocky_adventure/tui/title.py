"""The title screen: the story's title, some art, and the main menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from .base import SizeAware

if TYPE_CHECKING:
    from ..engine import Story
    from ..engine.peek import Heading
    from .app import RockyApp

# The museum steps at dawn, and somebody at the top with both arms up.
_ART = (
    ("     .        *              \\O/              *        .     ", "sky"),
    ("          *                   |                   *          ", "sky"),
    ("   .                         / \\                         .   ", "sky"),
    ("             _____________________________________           ", "step"),
    ("          __/_____________________________________\\__        ", "step"),
    ("       __/___________________________________________\\__     ", "step"),
    ("    __/_________________________________________________\\__  ", "step"),
)

_STYLES = {"sky": "$text-muted", "step": "$primary"}


def art() -> Content:
    lines = []
    for row, (text, kind) in enumerate(_ART):
        line = Content.styled(text.rstrip(), _STYLES[kind])
        if row < 3:  # the figure at the top of the steps
            line = line.stylize("bold $accent", 28, 33)
        lines.append(line)
    return Content("\n").join(lines)


MENU = (
    ("new_game", "New game", "n"),
    ("continue_game", "Continue", "c"),
    ("load", "Load", "l"),
    ("endings", "Endings", "e"),
    ("settings", "Settings", "o"),
    ("help", "Help", "?"),
    ("request_quit", "Quit", "ctrl+q"),
)


def menu_option(action: str, label: str, key: str, disabled: bool = False) -> Option:
    prompt = Content.assemble((f"{label:<14}", "bold"), (f"{key:>6}", "$text-muted"))
    return Option(prompt, id=action, disabled=disabled)


class TitleScreen(SizeAware, Screen[None]):
    """The title and the menu. `story()` is the story once it has loaded
    (None before); `summary()` is the line about the game Continue resumes;
    `heading` the title and author peeked from the manifest, shown until the
    story has loaded (None: nothing until then)."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]
    BINDINGS = [
        Binding("n", "app.new_game", "New game"),
        Binding("c", "app.continue_game", "Continue"),
        Binding("l", "app.load", "Load"),
        Binding("e", "app.endings", "Endings"),
        Binding("o", "app.settings", "Settings"),
        Binding("f1,question_mark", "app.help", "Help"),
    ]

    def __init__(
        self,
        story: Callable[[], Story | None],
        summary: Callable[[], str],
        heading: Heading | None = None,
    ) -> None:
        super().__init__()
        self.story = story
        self.summary = summary
        self.heading = heading

    @property
    def rocky(self) -> RockyApp:
        """The app, typed: the title screen is RockyApp's default screen."""
        return cast("RockyApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="title-box"):
            with Center(id="art-row"):
                yield Static(art(), id="art")
            yield Static(self._title(self.heading), id="story-title")
            yield Static(self._byline(self.heading), id="byline")
            with Center():
                yield OptionList(*(menu_option(*m) for m in MENU), id="menu")
            yield Static(Content(""), id="continue-info")
        # The menu shows every key; a footer would cost the first frame (and
        # about a megabyte) for nothing.
        yield Static(
            Content.assemble(
                ("ctrl+p", "bold $accent"),
                (" commands   ", "$text-muted"),
                ("f1", "bold $accent"),
                (" help   ", "$text-muted"),
                ("ctrl+q", "bold $accent"),
                (" quit", "$text-muted"),
            ),
            id="title-keys",
        )

    def on_mount(self) -> None:
        self.refresh_story()

    def on_screen_resume(self) -> None:
        self.refresh_story()

    def refresh_story(self) -> None:
        """Show the story's title and whether there is a game to continue."""
        story = self.story()
        try:
            title = self.query_one("#story-title", Static)
            byline = self.query_one("#byline", Static)
            info = self.query_one("#continue-info", Static)
            menu = self.query_one("#menu", OptionList)
        except NoMatches:  # the screen is being taken down (a quit while it mounts)
            return
        if story is None:
            self.set_timer(0.4, self._still_loading)
            return
        title.update(self._title(story))
        byline.update(self._byline(story))
        summary = self.summary()
        if summary:
            menu.enable_option("continue_game")
            info.update(Content.styled(summary, "$text-muted"))
        else:
            menu.disable_option("continue_game")
            info.update(Content(""))

    @staticmethod
    def _title(story: Story | Heading | None) -> Content:
        return Content.styled(story.title, "bold $accent") if story else Content("")

    @staticmethod
    def _byline(story: Story | Heading | None) -> Content:
        if story is None or not story.author:
            return Content("")
        return Content.styled(f"by {story.author}", "$text-muted")

    def say(self, message: str) -> None:
        """A short notice in the line under the menu (a toast would cover
        the menu at 80x24); the next refresh puts the Continue line back."""
        self.query_one("#continue-info", Static).update(Content.styled(message, "$warning"))

    def _still_loading(self) -> None:
        if self.story() is None:
            where = "#continue-info" if self.heading else "#story-title"
            self.query_one(where, Static).update(
                Content.styled("loading the story\u2026", "$text-muted")
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.rocky.do(event.option.id)
