"""The Textual app: screens over a Session. The engine decides; the app
renders and forwards keys.

The story loads in a thread worker (usually from the load cache), so the
title screen is interactive on the first frame."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from ..engine import Story
    from ..engine.start import Start
    from ..game.session import Session
    from ..game.storage import Storage
    from .dialogs import Slots

from ..engine.peek import Heading, peek_heading
from ..game.files import Writer, free_path
from ..game.lock import DataDirBusy, DataDirLock
from ..game.settings import Settings, load_settings, save_settings
from .safe import install as install_terminal_boundary
from .themes import THEMES, offered_themes
from .title import TitleScreen

MIN_SIZE = (60, 20)
WEB_MIN_SIZE = (40, 20)  # in a browser (`rocky-adventure serve`): a phone held upright
QUICKSAVE = ("quicksave", "Quick save")


class RockyApp(App[int]):
    CSS_PATH = "rocky.tcss"
    TITLE = "rocky-adventure"
    BINDINGS = [
        Binding("ctrl+q", "request_quit", "Quit", priority=True),
        Binding("f1", "help", "Help", show=False),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-normal"), (110, "-wide")]

    def __init__(
        self,
        *,
        loader: Callable[[], Story] | None = None,
        story: Story | None = None,
        seed: int | None = None,
        data_dir: Path | None = None,
        settings: Settings | None = None,
        clock: Callable[[], datetime] = datetime.now,
        monotonic: Callable[[], float] = time.monotonic,
        motion: bool = True,
        start: Start | None = None,
        heading: Heading | None = None,
        web: bool = False,
    ) -> None:
        """`loader` loads the story in a thread after the first frame (the
        CLI passes one that calls engine.load_story with the command's
        story, packs and cache options; the default loads the bundled story
        and the packs installed in `data_dir`); `story` skips loading
        (tests); `data_dir` None keeps nothing on disk; `clock`/`monotonic`
        and motion=False freeze time for snapshots. `heading` is the story's
        title and author peeked from its manifest (engine/peek.py), shown on
        the first frame while the story loads (default: the bundled story's,
        when the app loads it itself). `web`: served in a browser
        (`rocky-adventure serve`): quitting goes back to the title, and the
        game plays down to 40 columns."""
        super().__init__()
        install_terminal_boundary()  # every string shown passes terminal_safe (tui/safe.py)
        self.loader = loader
        self.start = start  # an engine.start.Start: --from/--set
        if heading is None and loader is None and story is None:
            heading = peek_heading(None)
        self.heading = heading
        self.story = story
        self.seed = seed
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.clock = clock
        self.monotonic = monotonic
        self.motion = motion  # False: nothing changes on screen by itself (snapshots, benchmarks)
        self.web = web
        self.min_size = WEB_MIN_SIZE if web else MIN_SIZE
        self.crash: BaseException | None = None  # an unexpected error: the CLI writes a crash log
        self.writer = Writer(delay=0.1)  # after the frame that shows the scene
        self.lock = DataDirLock(self.data_dir or Path())
        self.settings = settings or (load_settings(self.data_dir) if self.data_dir else Settings())
        self.storage: Storage | None = None
        self.session: Session | None = None
        self.load_error = None  # a StoryLoadError, printed once the app has ended
        self.load_message = ""
        self._when_loaded: list[str] = []
        self._too_small: Screen | None = None
        for theme in THEMES:
            self.register_theme(theme)
        self.start_theme(
            self.settings.theme if self.settings.theme in self.available_themes else "rocky"
        )

    def start_theme(self, name: str) -> None:
        """Set the theme before the app runs. Setting App.theme makes Textual
        re-parse every stylesheet, which costs the first frame a few
        milliseconds here, where nothing has been parsed yet. A dark theme
        replacing the dark default needs only what that watcher would change:
        the value, the app's classes and the CSS variables, which the first
        parse then uses. A light theme (other ANSI colours) takes the
        watcher's way."""
        theme = self.get_theme(name)
        if theme is None or not (theme.dark and self.current_theme.dark) or self.is_running:
            self.theme = name
            return
        self.set_reactive(App.theme, name)
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        self.update_classes(
            {**classes, f"-theme-{name}": True, "-dark-mode": True, "-light-mode": False},
            update=False,
        )
        self.stylesheet.set_variables(self.get_css_variables())
        self.watch_theme(name)

    def get_default_screen(self) -> Screen:
        return TitleScreen(lambda: self.story, self.continue_summary, self.heading)

    # -- loading the story
    def on_mount(self) -> None:
        if self.data_dir is not None:  # one game at a time per data dir (game/lock.py)
            try:
                self.lock.acquire()
            except DataDirBusy as e:
                self._load_failed(None, str(e))
                return
        self.check_size()
        self.set_interval(
            1.0, self.report_write_errors
        )  # the autosave and the rest are written in the background
        if self.story is not None:
            self.story_ready(self.story)
        else:
            # after the first frame, so that frame is not slowed by the load
            self.call_after_refresh(
                self.run_worker,
                self._load_story,
                thread=True,
                exit_on_error=False,
                name="load-story",
            )

    def load_the_story(self) -> Story:
        """The story with its branch packs (in the loading thread)."""
        if self.loader is not None:
            return self.loader()
        from ..engine import load_story

        installed = self.data_dir / "packs" if self.data_dir is not None else None
        return load_story(None, (), installed)

    def _load_story(self) -> None:
        from ..engine import StoryLoadError

        try:
            story = self.load_the_story()
        except StoryLoadError as e:
            self.call_from_thread(self._load_failed, e)
            return
        except Exception as e:  # noqa: BLE001 - anything else still ends the game with a message
            self.call_from_thread(self._load_failed, None, f"the story could not be loaded: {e}")
            return
        self.call_from_thread(self.story_ready, story)

    def _load_failed(self, error, message: str = "") -> None:
        self.load_error = error
        self.load_message = message
        self.exit(1)

    def story_ready(self, story) -> None:
        import gc

        # Everything so far (Textual, the story) lives as long as the app:
        # keep it out of the collector's way, so no turn pays for a full
        # collection of objects that are never garbage.
        gc.collect()
        gc.freeze()
        self.story = story
        self.title = story.title
        for warning in story.warnings:  # a broken installed pack was skipped
            self.notify(
                warning, title="A pack was skipped", severity="warning", timeout=15, markup=False
            )
        if self.data_dir is not None:
            from ..game.storage import Storage  # (not before the first frame)

            self.storage = Storage(self.data_dir, story.id, self.writer, self.clock)
        self.refresh_title()
        pending, self._when_loaded = self._when_loaded, []
        for action in pending:
            self.do(action)

    def do(self, action: str) -> None:
        """Run one of the app's actions by name, now."""
        getattr(self, f"action_{action}")()

    def refresh_title(self) -> None:
        screen = self.screen
        if isinstance(screen, TitleScreen) and screen.is_mounted:
            screen.refresh_story()

    def _need_story(self, action: str) -> bool:
        """False (and the action runs later) while the story is loading."""
        if self.story is None:
            self._when_loaded.append(action)
            return False
        return True

    def on_unmount(self) -> None:
        import gc

        self.writer.flush()  # however the app ends, what was handed to the writer is written
        self.lock.release()
        gc.unfreeze()  # what this app kept may be collected once it has gone

    # -- the size notice
    def check_size(self) -> None:
        w, h = self.size
        self.set_class(w < MIN_SIZE[0], "-phone")  # only in a browser: the CSS packs tighter
        small = w < self.min_size[0] or h < self.min_size[1]
        showing = self._too_small is not None and self.screen is self._too_small
        if small and not showing:
            # imported only when needed: start-up does not pay for the dialogs
            from .dialogs import TooSmallScreen

            self._too_small = TooSmallScreen(self.min_size)
            self.push_screen(self._too_small)
        elif not small and showing:
            self._too_small = None
            self.pop_screen()

    # -- screens
    def game_screen(self):
        from .game import GameScreen

        for screen in self.screen_stack:
            if isinstance(screen, GameScreen):
                return screen
        return None

    def show_title(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, TitleScreen):
            self.pop_screen()

    def start_session(self, session) -> None:
        from .game import GameScreen

        self.show_title()
        self.session = session
        self.push_screen(GameScreen(session, self.settings, self.motion))

    def list_saves(self) -> list:
        """The saves; any that cannot be read are set aside, with a message."""
        if self.storage is None:
            return []
        infos, problems = self.storage.list_saves()
        for p in problems:
            self.notify(
                p.message(),
                title="A save was set aside",
                severity="warning",
                timeout=10,
                markup=False,
            )
        return infos

    def continue_summary(self) -> str:
        """One line about the game Continue resumes, or "" if there is none."""
        from ..game.saves import format_play_time

        s = self.session
        if s is not None:
            where = s.chapter_title() + (f" \u203a {s.scene_title()}" if s.scene_title() else "")
            return f"Continue: {where} \u00b7 {format_play_time(s.play_time)} played"
        if self.storage is None or not self.storage.has_autosave():
            return ""
        auto = next((i for i in self.list_saves() if i.is_autosave), None)
        if auto is None:
            return ""
        where = auto.chapter + (f" \u203a {auto.scene_title}" if auto.scene_title else "")
        return f"Continue: {where} \u00b7 {format_play_time(auto.play_time)} played \u00b7 {auto.when()}"

    # -- actions
    def action_new_game(self) -> None:
        if not self._need_story("new_game"):
            return
        assert self.story is not None  # _need_story: it has loaded
        from ..game.session import Session

        if self.start is not None:  # play --from SCENE --set NAME=VALUE
            from ..engine.start import start_state

            session = Session(
                self.story, [start_state(self.story, self.start)], self.storage, 0.0, self.monotonic
            )
            self.start_session(session)
            return
        self.start_session(Session.new(self.story, self.seed, self.storage, self.monotonic))

    def action_continue_game(self) -> None:
        if not self._need_story("continue_game"):
            return
        if self.session is not None:
            if self.game_screen() is None:
                self.start_session(self.session)
            return
        if self.storage is None or not self.storage.has_autosave():
            message = "There is no game to continue yet: start a new one."
            screen = self.screen
            if isinstance(screen, TitleScreen):  # under the menu, not over it
                screen.say(message)
            else:
                self.notify(message, timeout=3)
            return
        from ..game.saves import AUTOSAVE

        self.load_slot(AUTOSAVE)

    def load_slot(self, slot: str) -> None:
        from ..engine import StoryRuntimeError
        from ..game.saves import SaveError
        from ..game.session import Session, check_playable

        if self.storage is None:
            return
        assert self.story is not None  # the storage is made when the story has loaded
        try:
            loaded = self.storage.load_save(self.story, slot)
        except SaveError as e:
            self.notify(str(e), title="Could not load", severity="error", timeout=10, markup=False)
            self.refresh_title()
            return
        try:
            check_playable(self.story, loaded.state)
        except StoryRuntimeError as e:  # the save is fine; the story fails where it is
            self.notify(
                f"The story fails at this save's scene: {e}",
                title="Could not load",
                severity="error",
                timeout=12,
                markup=False,
            )
            return
        session = Session.from_save(self.story, loaded, self.storage, self.monotonic)
        self.start_session(session)
        for note in loaded.notes:
            self.notify(note, severity="warning", timeout=8, markup=False)
        self.notify(f"Loaded '{loaded.info.name}'.", timeout=2, markup=False)

    def action_load(self) -> None:
        if not self._need_story("load"):
            return
        from .dialogs import LoadSlot, SaveLoadScreen, SaveTo

        def done(result: SaveTo | LoadSlot | None) -> None:
            if isinstance(result, LoadSlot):
                self.load_slot(result.slot)

        self.push_screen(SaveLoadScreen("load", self.slots()), done)

    def action_save(self) -> None:
        if self.session is None or self.game_screen() is None:
            self.notify("Start or continue a game to save it.", severity="warning", timeout=3)
            return
        from .dialogs import LoadSlot, SaveLoadScreen, SaveTo

        s = self.session
        default = s.chapter_title() + (f" \u00b7 {s.scene_title()}" if s.scene_title() else "")

        def done(result: SaveTo | LoadSlot | None) -> None:
            if isinstance(result, SaveTo):
                self.save_to(result.slot, result.name)

        self.push_screen(SaveLoadScreen("save", self.slots(), default), done)

    def slots(self) -> Slots:
        """What the save and load dialogs need of the storage."""
        from .dialogs import Slots

        def delete(slot: str) -> None:
            if self.storage is not None:
                self.storage.delete_save(slot)

        return Slots(self.list_saves, delete)

    def save_to(self, slot: str, name: str) -> None:
        if self.session is None or self.storage is None:
            return
        self.session.save(slot, name)
        self.writer.flush()  # a save the player asked for is on disk before it is said to be
        if self.report_write_errors():
            self.session.dirty = True
            return
        self.notify(f"Saved as '{name}'.", timeout=2, markup=False)

    def more_write_errors(self) -> list[str]:
        """Failed writes the background writer does not know of."""
        return []

    def report_write_errors(self) -> bool:
        """Say which writes failed (a full disk, a folder that cannot be
        written); True if any did."""
        errors = self.writer.take_errors() + self.more_write_errors()
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            self.notify(
                f"{errors[-1][0].upper()}{errors[-1][1:]}{more}.",
                title="Not saved",
                severity="error",
                timeout=10,
                markup=False,
            )
        return bool(errors)

    def action_endings(self) -> None:
        if not self._need_story("endings"):
            return
        from .pages import GalleryScreen

        gallery = self.storage.load_gallery() if self.storage is not None else {}
        self.push_screen(GalleryScreen(self.story, gallery))

    def action_settings(self) -> None:
        from .dialogs import SettingsScreen

        self.push_screen(
            SettingsScreen(
                self.settings,
                offered_themes(self.available_themes, self.theme),
                self.theme,
                self.update_settings,
            )
        )

    def action_help(self) -> None:
        from .pages import HelpScreen

        self.push_screen(HelpScreen())

    def update_settings(self, **changes) -> None:
        for key, value in changes.items():
            setattr(self.settings, key, value)
        if "theme" in changes and changes["theme"] in self.available_themes:
            self.theme = changes["theme"]
        if self.data_dir is not None:
            save_settings(self.data_dir, self.settings, self.writer)

    def watch_theme(self, theme: str) -> None:
        if self.settings.theme != theme:  # changed from the command palette
            self.update_settings(theme=theme)

    # -- quitting
    def action_request_quit(self) -> None:
        if self.web:  # in a browser the tab is closed, not the game: back to the title
            self.quit_to_title()
            return
        s = self.session
        if s is not None and s.dirty and s.state.turns > 0 and self.storage is not None:
            from .dialogs import ConfirmQuitScreen, QuitAnswer

            def done(answer: QuitAnswer | None) -> None:
                if answer is QuitAnswer.SAVE_AND_QUIT:
                    self.save_to(*QUICKSAVE)
                if answer is not None:
                    self.quit_now()

            if not isinstance(self.screen, ConfirmQuitScreen):
                self.push_screen(ConfirmQuitScreen(), done)
            return
        self.quit_now()

    def quit_now(self) -> None:
        if self.session is not None:
            self.session.pause()
            self.session.autosave()  # keep the play time
        self.writer.flush()
        self.exit(0)

    def quit_to_title(self) -> None:
        """Quit in a browser: the game is autosaved and the title comes back
        (Continue resumes it); on the title, a word on how to leave."""
        if isinstance(self.screen, TitleScreen):
            self.screen.say("To leave, close this tab: your game is saved.")
            return
        if self.session is not None:
            self.session.autosave()
        self.writer.flush()
        self.show_title()
        self.refresh_title()

    async def action_quit(self) -> None:
        self.action_request_quit()

    # -- unexpected errors
    def _handle_exception(self, error: Exception) -> None:
        # Textual ends the app; the CLI then writes the crash log and prints
        # one line naming it (cli/common.py report_crash), so Textual's own
        # traceback on the terminal is left out (_fatal_error below).
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        self.bell()
        self._close_messages_no_wait()

    # -- the command palette
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        in_game = self.session is not None and self.game_screen() is not None
        yield SystemCommand("New game", "Start the story from the beginning", self.action_new_game)
        if self.session is not None or (self.storage is not None and self.storage.has_autosave()):
            yield SystemCommand("Continue", "Resume where you left off", self.action_continue_game)
        if in_game:
            yield SystemCommand("Save", "Save to a named slot", self.action_save)
            game = self.game_screen()
            yield SystemCommand("Undo", "Go back one choice", game.action_undo)
            yield SystemCommand(
                "History", "Every passage so far; go back to an earlier choice", game.action_history
            )
            yield SystemCommand(
                "Title screen", "Back to the title (the game is autosaved)", self.show_title
            )
        yield SystemCommand("Load", "Load a saved game", self.action_load)
        yield SystemCommand("Endings", "The endings gallery", self.action_endings)
        yield SystemCommand(
            "Settings", "Text speed, theme, skip text already read", self.action_settings
        )
        yield SystemCommand("Help", "Every key", self.action_help)
        yield SystemCommand(
            "Screenshot", "Save a picture of the screen (SVG) in the data dir", self.screenshot
        )
        # Textual's own commands are left out: "Keys" opens a panel that
        # squashes the screen, "Screenshot" saves to ~/Downloads (which may
        # not exist), and the theme list holds every stock theme.
        yield SystemCommand("Quit", "Quit the game", self.action_request_quit)

    def screenshot(self) -> Path | None:
        """Save the screen as an SVG under <data dir>/screenshots and say
        where; the path, or None if it could not be saved."""
        if self.data_dir is None:
            self.notify(
                "No screenshot: this game keeps nothing on disk (no data dir).",
                severity="warning",
                timeout=5,
            )
            return None
        folder = self.data_dir / "screenshots"
        name = f"rocky-adventure-{self.clock():%Y%m%d-%H%M%S}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = free_path(folder, name, ".svg")
            path.write_text(self.export_screenshot(), encoding="utf-8")
        except OSError as e:
            self.notify(
                f"The screenshot could not be saved in {folder}: {e.strerror or e}.",
                title="No screenshot",
                severity="error",
                timeout=10,
                markup=False,
            )
            return None
        self.notify(f"Saved in {path}", title="Screenshot", timeout=8, markup=False)
        return path
