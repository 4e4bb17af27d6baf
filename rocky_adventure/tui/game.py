"""The game screen: header, story text, choices, the sidebar and the fight
HUD. It renders what the Session says and forwards keys to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..engine import IllegalChoice, StoryError
from ..game.saves import format_play_time
from ..game.session import Session
from ..game.settings import TEXT_SPEEDS, Settings
from .base import SizeAware
from .widgets import (
    CHOICE_KEYS,
    Bar,
    BarPanel,
    ChoiceList,
    KeyBar,
    SceneHeader,
    StoryText,
    story_content,
)

if TYPE_CHECKING:
    from .app import RockyApp

# The choices offered at an ending, after the epilogue.
ENDING_MENU = (
    ("_again", "Play again"),
    ("_gallery", "See the endings"),
    ("_title", "Back to the title"),
)


class GameScreen(SizeAware, Screen):
    CSS_PATH = "game.tcss"
    # under 24 rows, the fight leaves more room to the text (game.tcss)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]
    BINDINGS = [
        Binding("1", "choose(1)", "Choose", key_display="1-9"),
        *(
            Binding(key, f"choose({i})", show=False)
            for i, key in enumerate(CHOICE_KEYS, 1)
            if i > 1
        ),
        Binding("u,ctrl+z", "undo", "Undo"),
        Binding("h", "history", "History"),
        Binding("s", "save", "Save"),
        Binding("l", "app.load", "Load", show=False),
        Binding("e", "app.endings", "Endings", show=False),
        Binding("o", "app.settings", "Settings", show=False),
        Binding("f1,question_mark", "app.help", "Help"),
        Binding("escape", "to_title", "Menu"),
        # the story text scrolls whatever has focus (the choice list would take these)
        Binding("pageup", "scroll_text('up')", show=False, priority=True),
        Binding("pagedown,space", "scroll_text('down')", show=False, priority=True),
        Binding("home", "scroll_text('home')", show=False, priority=True),
        Binding("end", "scroll_text('end')", show=False, priority=True),
    ]

    def __init__(self, session: Session, settings: Settings, motion: bool = True) -> None:
        """`settings` is the app's own (a change in the settings dialog shows
        on the next scene); motion=False keeps the screen still (snapshots)."""
        super().__init__()
        self.session = session
        self.settings = settings
        self.motion = motion
        self._hud_shown: bool | None = None
        self._info = ""

    @property
    def rocky(self) -> RockyApp:
        """The app, typed: a game screen is only pushed by RockyApp (or a subclass)."""
        return cast("RockyApp", self.app)

    # -- layout
    def compose(self) -> ComposeResult:
        story = self.session.story
        display = story.display
        yield SceneHeader(id="header")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                with Vertical(id="hud") as hud:
                    hud.border_title = "ROUND"
                    yield self._panel([b.var for b in display.hud_bars], "hud-bars", health=True)
                yield StoryText(id="story")
                yield ChoiceList(id="choices")
            with Vertical(id="sidebar"):
                yield self._panel(list(display.sidebar), "side-bars", health=False)
                yield Static(Content(""), id="run-info")
        yield KeyBar()

    def _panel(self, names: list[str], id: str, health: bool) -> BarPanel:
        story, state = self.session.story, self.session.state
        bars = []
        for name in names:
            var = story.var(name)
            assert var.min is not None and var.max is not None  # the loader checks a bar's range
            bars.append(Bar(name, var.label, var.min, var.max, state.var(story, name)))
        return BarPanel(
            bars,
            health=health,
            delta_seconds=2.5 if self.motion else None,
            id=id,
            classes="-columns" if health else None,
        )

    def on_mount(self) -> None:
        if not self.session.story.display.sidebar:
            self.add_class("-no-sidebar")
        self.render_scene(animate=True)
        if self.motion:
            self.set_interval(1.0, self.update_info)  # the play time, ticking

    def on_screen_suspend(self) -> None:
        self.session.pause()

    def on_screen_resume(self) -> None:
        self.session.resume()
        self.update_info()

    # -- drawing
    def render_scene(self, animate: bool = True) -> None:
        s = self.session
        text = s.text()
        ending = s.ending()
        self.query_one(SceneHeader).set(s.chapter_title(), s.scene_title(), self.turn_label())
        choices = s.choices() if ending is None else list(ENDING_MENU)
        choice_list = self.query_one(ChoiceList)
        choice_list.set_choices(choices)
        if not choices:  # a dead end in the story: say so, and how to get out
            choice_list.add_option(
                Option(
                    Content.styled(
                        "No choice is open here, and it is not an ending. Press u to go back.",
                        "italic $text-muted",
                    ),
                    disabled=True,
                )
            )
        settings = self.settings
        cps = TEXT_SPEEDS.get(settings.text_speed, 0.0) if animate else 0.0
        if settings.skip_read and s.is_read(text):
            cps = 0.0
        self._text = text
        story_text = self.query_one(StoryText)
        choice_list.set_class(cps > 0, "-waiting")
        story_text.show(story_content(text, ending), cps)
        self.update_bars()
        self.update_info()
        reached = s.last_ending
        if reached is not None and reached.new:
            self.notify(
                f"New ending: {reached.title}. {reached.found} of {reached.total} found.",
                title="Endings gallery",
                markup=False,
            )

    def turn_label(self) -> str:
        n = self.session.state.turns
        return f"turn {n}"

    def update_bars(self) -> None:
        s = self.session
        values = s.values()
        side = s.sidebar_bars()  # the story says which bars matter where (`when:`)
        self.query_one("#side-bars", BarPanel).set_values(values, set(side))
        self.set_class(not side, "-no-bars")
        active = s.hud_active()
        if active != self._hud_shown:
            self._hud_shown = active
            self.set_class(active, "-hud")
        if active:
            self.query_one("#hud-bars", BarPanel).set_values(values, set(s.hud_bars()))
            hud = self.query_one("#hud")
            round_var = s.story.display.hud_round
            if round_var:
                top = s.story.var(round_var).max
                rnd = values[round_var]
                hud.border_title = f"ROUND {rnd}" + (f" / {top}" if top else "")
            else:
                hud.border_title = "FIGHT"

    def update_info(self) -> None:
        s = self.session
        text = f"{s.seed}\n{format_play_time(s.play_time)}"
        if text == self._info:
            return
        self._info = text
        info = Content.assemble(
            ("seed ", "$text-muted"),
            f"{s.seed}\n",
            ("time ", "$text-muted"),
            format_play_time(s.play_time),
        )
        self.query_one("#run-info", Static).update(info, layout=False)

    # -- the typewriter
    def on_key(self, event: events.Key) -> None:
        text = self.query_one(StoryText)
        if text.revealing:
            text.finish()
            event.stop()
            event.prevent_default()

    @on(StoryText.Revealed)
    def revealed(self) -> None:
        choices = self.query_one(ChoiceList)
        choices.remove_class("-waiting")
        self.session.mark_read(self._text)
        if not choices.has_focus:  # (focus() redraws the list even when it has it)
            choices.focus()

    # -- choosing
    @on(OptionList.OptionSelected, "#choices")
    def picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.take(event.option.id)

    def action_choose(self, n: int) -> None:
        choice_list = self.query_one(ChoiceList)
        if not 1 <= n <= choice_list.option_count:
            self.app.bell()
            return
        option = choice_list.get_option_at_index(n - 1)
        if option.id is not None:
            self.take(option.id)

    def take(self, choice_id: str) -> None:
        if self.query_one(StoryText).revealing:
            self.query_one(StoryText).finish()
            return
        if choice_id.startswith("_"):
            self.ending_action(choice_id)
            return
        try:
            self.session.choose(choice_id)
        except IllegalChoice:
            self.app.bell()
            return
        except StoryError as e:  # a fault in the story (say, no branch of `next` holds)
            self.app.bell()
            self.notify(
                f"{e}\nNothing has changed: you are where you were.",
                title="The story cannot go on that way",
                severity="error",
                timeout=12,
                markup=False,
            )
            return
        self.render_scene(animate=True)

    def ending_action(self, action: str) -> None:
        if action == "_again":
            self.rocky.do("new_game")
        elif action == "_gallery":
            self.rocky.do("endings")
        else:
            self.action_to_title()

    # -- going back
    def action_undo(self) -> None:
        if self.session.undo():
            self.render_scene(animate=False)
            self.notify("Went back one choice.", timeout=1.5)
        else:
            self.app.bell()
            self.notify(
                "Nothing to undo: this is the start of the story.", severity="warning", timeout=2
            )

    def action_history(self) -> None:
        from .pages import HistoryScreen

        def jump(index: int | None) -> None:
            if index is not None and index < len(self.session.states) - 1:
                self.session.rewind(index)
                self.render_scene(animate=False)
                self.notify("Went back in the story.", timeout=1.5)

        self.app.push_screen(HistoryScreen(self.session.history()), jump)

    def action_save(self) -> None:
        self.rocky.do("save")

    def action_to_title(self) -> None:
        self.rocky.show_title()

    def action_scroll_text(self, where: str) -> None:
        text = self.query_one(StoryText)
        if text.revealing:  # the first key shows the whole text, as any key does
            text.finish()
            return
        animate = self.motion
        if where == "up":
            text.scroll_page_up(animate=animate)
        elif where == "down":
            text.scroll_page_down(animate=animate)
        elif where == "home":
            text.scroll_home(animate=animate)
        else:
            text.scroll_end(animate=animate)
