"""Dialogs: save and load slots, settings, the quit confirmation, and the
notice shown when the terminal is too small."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, OptionList, Select, Static, Switch
from textual.widgets.option_list import Option

from ..game.saves import SaveInfo, format_play_time, slot_for_name
from ..game.settings import TEXT_SPEEDS, Settings
from .base import SizeAware


@dataclass(frozen=True, slots=True)
class SaveTo:
    """The save dialog's answer: save the game in `slot`, named `name`."""

    slot: str
    name: str


@dataclass(frozen=True, slots=True)
class LoadSlot:
    """The load dialog's answer: load the save in `slot`."""

    slot: str


@dataclass(frozen=True, slots=True)
class Slots:
    """What the save and load dialogs need of the storage: the saves there
    are (reading them may set damaged ones aside, with a message), and how
    to delete one."""

    list_saves: Callable[[], list[SaveInfo]]
    delete_save: Callable[[str], None]


class QuitAnswer(Enum):
    SAVE_AND_QUIT = "save"
    QUIT = "quit"


def slot_content(info: SaveInfo) -> Content:
    where = info.chapter + (f" \u203a {info.scene_title}" if info.scene_title else "")
    if info.ending:
        where += " \u00b7 THE END"
    name = Content.styled(info.name, "bold $accent" if info.is_autosave else "bold")
    details = Content.assemble(
        ("   ", ""),
        Content(where),
        (f" \u00b7 {format_play_time(info.play_time)} \u00b7 {info.when()}", "$text-muted"),
    )
    return Content("\n").join([name, details])


class SaveLoadScreen(SizeAware, ModalScreen[SaveTo | LoadSlot | None]):
    """Named slots. Dismisses with SaveTo, LoadSlot or None (cancelled)."""

    CSS_PATH = "dialogs.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("delete", "delete", "Delete slot"),
    ]

    def __init__(self, mode: str, slots: Slots, default_name: str = "") -> None:
        super().__init__()
        self.mode = mode  # "save" | "load"
        self.slots = slots
        self.default_name = default_name
        self.infos: list[SaveInfo] = []
        self._armed: str | None = None  # the slot a first press of del picked

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="slots") as box:
            box.border_title = "SAVE" if self.mode == "save" else "LOAD"
            if self.mode == "save":
                yield Label(
                    Content.styled("Name a new save, or pick a slot to overwrite:", "$text-muted")
                )
                yield Input(
                    value=self.default_name,
                    placeholder="name this save",
                    id="name",
                    max_length=60,
                    compact=True,
                )
            else:
                yield Label(Content.styled("Pick a save to load:", "$text-muted"))
            yield OptionList(id="slots")
            hint = f"enter: {self.mode} \u00b7 del twice: delete \u00b7 esc: cancel"
            yield Static(Content.styled(hint, "$text-muted"), id="dialog-hint")

    def on_mount(self) -> None:
        self.refresh_slots()
        if self.mode == "save":
            self.query_one("#name", Input).focus()
        else:
            self.query_one("#slots").focus()

    def refresh_slots(self) -> None:
        self.infos = infos = self.slots.list_saves()
        slots = self.query_one("#slots", OptionList)
        slots.clear_options()
        for info in infos:
            disabled = self.mode == "save" and info.is_autosave
            slots.add_option(Option(slot_content(info), id=info.slot, disabled=disabled))
        if not infos:
            slots.add_option(
                Option(Content.styled("No saves yet.", "italic $text-muted"), disabled=True)
            )
        else:  # enter takes the first slot that can be taken
            slots.highlighted = next(
                (i for i in range(slots.option_count) if not slots.get_option_at_index(i).disabled),
                None,
            )

    @on(Input.Submitted, "#name")
    def named(self, event: Input.Submitted) -> None:
        name = event.value.strip() or self.default_name or "Save"
        existing = next((i for i in self.infos if i.name == name and not i.is_autosave), None)
        self.dismiss(SaveTo(existing.slot if existing else slot_for_name(name), name))

    @on(OptionList.OptionSelected, "#slots")
    def picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        info = next((i for i in self.infos if i.slot == event.option.id), None)
        if info is None:
            return
        if self.mode == "save":
            self.dismiss(SaveTo(info.slot, info.name))
        else:
            self.dismiss(LoadSlot(info.slot))

    def action_delete(self) -> None:
        slots = self.query_one("#slots", OptionList)
        if slots.highlighted is None or not self.infos:
            return
        option = slots.get_option_at_index(slots.highlighted)
        info = next((i for i in self.infos if i.slot == option.id), None)
        if info is None:
            return
        if self._armed != info.slot:  # a save is deleted by a second press, never by a slip
            self._armed = info.slot
            self.notify(
                f"Press del again to delete the save '{info.name}'.", timeout=3, markup=False
            )
            return
        self._armed = None
        self.slots.delete_save(info.slot)
        self.notify(f"Deleted the save '{info.name}'.", timeout=2, markup=False)
        self.refresh_slots()

    @on(OptionList.OptionHighlighted, "#slots")
    def _disarm(self) -> None:
        self._armed = None

    def action_cancel(self) -> None:
        self.dismiss(None)


SPEED_LABELS = {"slow": "Slow", "normal": "Normal", "fast": "Fast", "instant": "Instant"}


def on_off(value: bool) -> str:
    return "On" if value else "Off"


class SettingsScreen(SizeAware, ModalScreen[None]):
    """Text speed, theme and skip-read; every change applies and is kept at
    once, through `change(name=value)`."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(
        self,
        settings: Settings,
        themes: list[str],
        theme: str,
        change: Callable[..., None],
    ) -> None:
        super().__init__()
        self.settings = settings
        self.themes = themes
        self.theme_now = theme
        self.change = change

    def compose(self) -> ComposeResult:
        settings = self.settings
        themes = list(self.themes)  # the game's own first (themes.offered_themes)
        with Vertical(id="dialog", classes="settings") as box:
            box.border_title = "SETTINGS"
            with Horizontal(classes="row"):
                yield Label("Text speed", classes="row-label")
                yield Select(
                    [(SPEED_LABELS[k], k) for k in TEXT_SPEEDS],
                    value=settings.text_speed,
                    allow_blank=False,
                    compact=True,
                    id="speed",
                )
            with Horizontal(classes="row"):
                yield Label("Theme", classes="row-label")
                yield Select(
                    [(t, t) for t in themes],
                    value=self.theme_now,
                    allow_blank=False,
                    compact=True,
                    id="theme",
                )
            with Horizontal(classes="row"):
                yield Label("Skip text already read", classes="row-label")
                yield Switch(value=settings.skip_read, id="skip-read")
                yield Label(on_off(settings.skip_read), id="skip-read-state")
            yield Button("Done", variant="primary", compact=True, id="done")

    def on_mount(self) -> None:
        self.query_one("#speed").focus()

    @on(Select.Changed, "#speed")
    def speed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.change(text_speed=event.value)

    @on(Select.Changed, "#theme")
    def theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.change(theme=event.value)

    @on(Switch.Changed, "#skip-read")
    def skip(self, event: Switch.Changed) -> None:
        self.change(skip_read=event.value)
        self.query_one("#skip-read-state", Label).update(on_off(event.value))

    @on(Button.Pressed, "#done")
    def done(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmQuitScreen(SizeAware, ModalScreen[QuitAnswer | None]):
    """Dismisses with QuitAnswer.SAVE_AND_QUIT (quick save, then quit),
    QuitAnswer.QUIT or None (stay)."""

    CSS_PATH = "dialogs.tcss"

    BINDINGS = [
        Binding("escape,n", "cancel", "Cancel"),
        Binding("s", "choose('save')", "Save and quit"),
        Binding("q,y", "choose('quit')", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm") as box:
            box.border_title = "QUIT?"
            yield Static(
                Content.assemble(
                    ("Your last choice is not in a save slot.\n", "bold"),
                    ("The autosave has it, so Continue will bring you back here.", "$text-muted"),
                ),
                id="confirm-text",
            )
            with Horizontal(id="buttons"):
                yield Button("Save and quit", variant="primary", compact=True, id="save")
                yield Button("Quit", variant="error", compact=True, id="quit")
                yield Button("Cancel", compact=True, id="cancel")

    def on_mount(self) -> None:
        self.query_one("#save").focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else QuitAnswer(event.button.id))

    def action_choose(self, what: str) -> None:
        self.dismiss(QuitAnswer(what))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TooSmallScreen(SizeAware, Screen[None]):
    """Shown instead of the game while the terminal is under the minimum size."""

    CSS_PATH = "dialogs.tcss"

    BINDINGS = [Binding("ctrl+q", "app.request_quit", "Quit", priority=True)]

    def __init__(self, min_size: tuple[int, int]) -> None:
        super().__init__()
        self.min_size = min_size

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.show_size()

    def on_resize(self, event) -> None:
        super().on_resize(event)
        if self.is_attached:
            self.show_size()

    def show_size(self) -> None:
        w, h = self.size
        mw, mh = self.min_size
        self.query_one("#too-small", Static).update(
            Content.assemble(
                ("Make the terminal larger\n", "bold $accent"),
                (f"The game needs {mw}\u00d7{mh}; this one is {w}\u00d7{h}.", "$text-muted"),
            )
        )
