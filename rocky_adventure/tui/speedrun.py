"""Speedrun widgets and screens: the HUD (a Digits timer, splits with
LiveSplit-coloured deltas, sum of best, seed, LiveSplit state), the results
screen and the route view. They read a speedrun.Run; they decide nothing."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Digits, Static

from ..game.settings import Settings
from ..speedrun.attempts import Speedrun, SpeedrunSession, make_session
from ..speedrun.records import Comparison, delta_colour, format_delta
from ..speedrun.run import Run
from ..speedrun.timer import format_time
from .app import RockyApp
from .game import GameScreen
from .widgets import ChoiceList


def _rgb(c: tuple[int, int, int]) -> str:
    return f"rgb({c[0]},{c[1]},{c[2]})"


def splits_content(run: Run, comparison: Comparison, width: int = 30) -> Content:
    """One line a segment: name, delta against the PB (coloured), time."""
    done = {e.index: e for e in run.splits}
    parts: list = []
    prev_delta: int | None = None
    last_time = 0
    for i, name in enumerate(comparison.names):
        pb = comparison.pb_splits[i] if i < len(comparison.pb_splits) else None
        label = name if len(name) <= 12 else name[:11] + "…"
        e = done.get(i)
        if e is not None and e.igt_ms is not None:  # split (not skipped)
            seg = e.igt_ms - last_time
            last_time = e.igt_ms
            if pb is not None:
                delta = e.igt_ms - pb
                colour = delta_colour(delta, prev_delta, seg, comparison.golds[i])
                prev_delta = delta
                parts.append((f"{label:<12}", "bold" if i == run.splitter.index - 1 else ""))
                parts.append((f"{format_delta(delta):>8}", _rgb(colour)))
            else:
                best = comparison.golds[i]
                gold = best is None or seg < best
                parts.append((f"{label:<12}", ""))
                parts.append((f"{'':>8}", ""))
                if gold:
                    parts[-1] = (f"{'gold':>8}", _rgb((216, 175, 31)))
            parts.append((f" {format_time(e.igt_ms, places=1):>8}\n", ""))
        elif e is not None:
            parts.append((f"{label:<12}{'':>8} {'skipped':>8}\n", "dim"))
        else:
            current = i == run.splitter.index and not run.finished
            parts.append((f"{label:<12}", "bold reverse" if current else ""))
            parts.append((f"{'':>8} {format_time(pb, places=1):>8}\n", "dim"))
    return Content.assemble(*parts)


class SpeedrunHUD(Vertical):
    """The speedrun panel. `refresh_run()` is called on a short interval; it
    redraws a part only when what it shows has changed (the timer's digits
    while the clock runs; nothing while it is stopped or paused)."""

    DEFAULT_CSS = """
    SpeedrunHUD {
        height: auto;
        border: round $accent;
        border-title-color: $accent;
        padding: 0 1;
    }
    SpeedrunHUD #sr-timer { width: auto; color: $success; }
    SpeedrunHUD.-invalid #sr-timer { color: $text-disabled; }
    SpeedrunHUD.-practice #sr-timer { color: $warning; }
    SpeedrunHUD.-finished #sr-timer { color: $accent; }
    SpeedrunHUD #sr-meta, SpeedrunHUD #sr-foot { color: $text-muted; }
    """
    TICK = 1 / 20  # how often the HUD looks at the clock (it redraws only on change)

    def __init__(
        self, run: Run, comparison: Comparison, status: Callable[[], str] | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.run = run
        self.comparison = comparison
        self.status = status
        self._splits_seen = -1
        self._ready = False
        self._shown: dict[str, str] = {}  # what each part shows now
        self.redraws = 0  # parts redrawn (tests: an idle HUD redraws nothing)

    def compose(self) -> ComposeResult:
        yield Digits("0.00", id="sr-timer")
        yield Static(Content(""), id="sr-meta")
        yield Static(Content(""), id="sr-splits")
        yield Static(Content(""), id="sr-foot")

    def on_mount(self) -> None:
        from .. import __version__

        self._ready = True
        self.border_title = "SPEEDRUN" if not self.run.practice else "PRACTICE"
        # the version and settings stamp, for run videos
        self.border_subtitle = f"v{__version__} · instant · no undo"
        self.refresh_run(force=True)
        self.set_interval(self.TICK, self.refresh_run)

    def set_run(self, run: Run, comparison: Comparison) -> None:
        self.run = run
        self.comparison = comparison
        self.border_title = "SPEEDRUN" if not run.practice else "PRACTICE"
        self.refresh_run(force=True)

    def attempt_number(self) -> int:
        """The attempt shown: before the first choice, the one this run
        will be (attempts are counted on the first choice)."""
        n = self.comparison.attempts
        if self.run.timer.started_at is None and not self.run.practice:
            n += 1
        return n

    def _show(self, part: str, text: str, force: bool) -> bool:
        """True if `part` must be redrawn to show `text`."""
        if not force and self._shown.get(part) == text:
            return False
        self._shown[part] = text
        self.redraws += 1
        return True

    def refresh_run(self, force: bool = False) -> None:
        if not self._ready:
            return
        run = self.run
        igt, rta = run.now()
        timer = format_time(igt, places=2)
        if self._show("timer", timer, force):
            self.query_one("#sr-timer", Digits).update(timer)
        self.set_class(run.invalid_reason is not None, "-invalid")
        self.set_class(run.practice, "-practice")
        self.set_class(run.finished, "-finished")
        seed = f"{'set ' if run.seed_type == 'set' else ''}seed {run.seed}"
        meta = f"{run.category.title} · {seed} · #{self.attempt_number()}"
        if run.invalid_reason:
            meta += f" · INVALID ({run.invalid_reason})"
        if self._show("meta", meta, force):
            self.query_one("#sr-meta", Static).update(Content(meta))
        if force or len(run.splits) != self._splits_seen:
            self._splits_seen = len(run.splits)
            self.redraws += 1
            self.query_one("#sr-splits", Static).update(splits_content(run, self.comparison))
        foot = f"RTA {format_time(rta, places=1)} · SoB {format_time(self.comparison.sum_of_best, places=1)}"
        n = sum(1 for c in run.choices if c.choice != "<restart>")
        foot += f" · {n} choice{'s' if n != 1 else ''}"
        if self.status is not None:
            foot += f"\n{self.status()}"
        if self._show("foot", foot, force):
            self.query_one("#sr-foot", Static).update(Content(foot))


class AfterRun(Enum):
    AGAIN = "again"  # a fresh run
    TITLE = "title"  # back to the title


class ResultsScreen(ModalScreen[AfterRun]):
    """The end of a run: times, splits, PB and golds, the run file, the seed.
    Dismisses with AfterRun.AGAIN or AfterRun.TITLE."""

    BINDINGS = [
        Binding("r,ctrl+r", "again", "New run"),
        Binding("escape,q", "title", "Title"),
    ]
    DEFAULT_CSS = """
    ResultsScreen { align: center middle; }
    ResultsScreen > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    ResultsScreen #res-title { text-style: bold; color: $accent; }
    ResultsScreen #res-keys { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, run: Run, comparison: Comparison, outcome: dict) -> None:
        super().__init__()
        self.run = run
        self.comparison = comparison
        self.outcome = outcome

    def compose(self) -> ComposeResult:
        run = self.run
        igt, rta = (run.choices[-1].igt_ms, run.choices[-1].rta_ms) if run.choices else (0, 0)
        if run.practice:
            head = "Practice complete" + (
                " · new practice best" if self.outcome.get("practice_best") else ""
            )
        elif not run.valid:
            head = f"Run complete, but invalid ({run.invalid_reason})"
        elif self.outcome.get("pb"):
            head = "NEW PERSONAL BEST"
        else:
            head = "Run complete"
        lines = [
            f"{run.category.title} · {run.seed_type} seed {run.seed}",
            f"IGT {format_time(igt)}   RTA {format_time(rta)}   choices "
            f"{sum(1 for c in run.choices if c.choice != '<restart>')}",
        ]
        if not run.practice:
            record = run.record()
            link = record["chain"][-1][:16] if record["chain"] else "-"
            lines.append(
                f"chain {link} · input {run.input_kind}"
                + (" · route view opened" if run.route_view else "")
            )
        if self.outcome.get("golds"):
            lines.append(f"gold segments: {', '.join(run.names[i] for i in self.outcome['golds'])}")
        if self.outcome.get("path"):
            if run.practice:
                lines.append(f"practice file: {self.outcome['path']}")
                lines.append("practice is never a run: verify rejects it by design")
            else:
                lines.append(f"run file: {self.outcome['path']}")
                lines.append("check it with: rocky-adventure verify RUN.json")
        elif "path" in self.outcome:
            lines.append("run file: NOT SAVED (the data folder cannot be written)")
        with Vertical():
            yield Static(Content(head), id="res-title")
            yield Static(Content("\n".join(lines)), id="res-lines")
            yield Static(splits_content(run, self.comparison), id="res-splits")
            yield Static(Content("r: new run · escape: title"), id="res-keys")

    def action_again(self) -> None:
        self.dismiss(AfterRun.AGAIN)

    def action_title(self) -> None:
        self.dismiss(AfterRun.TITLE)


def route_view(story, seed: int, ending: str | None) -> tuple[str, list[tuple[str, str]], str]:
    """What the route view shows for a run with this seed: (title, steps,
    note). The route is `route`'s own exact search (tools/explore.py
    routes_for): to the category's ending, or with none (Any%, All
    Endings) the shortest route to any ending (`route --any`); only a
    route that replays with this seed is shown."""
    from ..tools.explore import routes_for
    from ..tools.transcript import route_steps

    if ending is None:
        _, found = routes_for(story, seed=seed, any_ending=True)
    else:
        _, found = routes_for(story, seed=seed, endings=[ending])
    found = [r for r in found if r["exact"] and r["seed"] == seed]
    if not found:
        return "Route", [], ""
    r = found[0]
    steps = route_steps(story, seed, r["choices"])
    title = f"Route to {story.endings[r['ending']].title}: {len(r['choices'])} choices, seed {seed}"
    note = (
        "The fewest choices possible."
        if r["shortest"]
        else "Replays exactly with this seed; not proven the shortest."
    )
    return title, steps, note


class RouteScreen(ModalScreen[None]):
    """The fewest-choices route to the category's ending for this seed."""

    BINDINGS = [Binding("escape,q,t", "close", "Close")]
    DEFAULT_CSS = """
    RouteScreen { align: center middle; }
    RouteScreen > VerticalScroll {
        width: 70; max-width: 100%; height: 80%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, title: str, steps: list[tuple[str, str]], note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.steps = steps
        self.note = note

    def compose(self) -> ComposeResult:
        with VerticalScroll() as v:
            v.border_title = self.title_text
            if self.note:
                yield Static(Content(self.note))
            body = "\n".join(
                f"{i:>3}. {scene}: {text}" for i, (scene, text) in enumerate(self.steps, 1)
            )
            yield Static(Content(body or "No route found."))

    def action_close(self) -> None:
        self.dismiss(None)


# -- the screens and the app in speedrun mode ----------------------------------


class SpeedrunGameScreen(GameScreen):
    """The game screen with the speedrun HUD; text is always instant."""

    CSS_PATH = "game.tcss"
    CSS = """
    SpeedrunGameScreen #sidebar { width: 36; padding: 0 0 0 1; }
    SpeedrunGameScreen.-narrow #sidebar { width: 1fr; }
    SpeedrunGameScreen.-narrow.-hud #sidebar { display: block; }
    SpeedrunGameScreen.-narrow #side-bars, SpeedrunGameScreen.-narrow #sr-splits { display: none; }
    SpeedrunGameScreen #run-info { display: none; }
    """
    BINDINGS = [
        Binding("ctrl+r", "app.reset_run", "Reset", priority=True),
        Binding("t", "route", "Route"),
    ]

    session: SpeedrunSession  # set by GameScreen.__init__ and set_session

    def __init__(self, session: SpeedrunSession, settings: Settings, motion: bool = True) -> None:
        super().__init__(session, settings, motion)
        self._undo_armed = 0.0
        self._results_shown = False

    def on_mount(self) -> None:
        s = self.session
        s.run.timer.resume()  # back from the pause menu on a new screen (Continue)
        self.remove_class("-no-sidebar")
        bridge = s.speedrun.bridge
        status = bridge.status if bridge is not None else None
        hud = SpeedrunHUD(s.run, s.comparison, status, id="speedrun-hud")
        self.query_one("#sidebar").mount(hud, before=0)
        super().on_mount()
        if bridge is not None:
            self.set_interval(1.0, bridge.tick)

    def set_session(self, session: SpeedrunSession) -> None:
        """A reset: the next run on the same screen, drawn at once."""
        self.session = session
        self._results_shown = False
        self.query_one(SpeedrunHUD).set_run(session.run, session.comparison)
        self.render_scene(animate=False)

    def render_scene(self, animate: bool = True) -> None:
        super().render_scene(animate=False)
        s = self.session
        if s.state.ending is not None:
            self.query_one(ChoiceList).set_choices(self.ending_menu())
        hud = self.query(SpeedrunHUD)
        if hud:
            hud.first().refresh_run(force=True)

    def ending_menu(self) -> list[tuple[str, str]]:
        run = self.session.run
        if run.finished:
            return [
                ("_results", "See the results"),
                ("_reset", "New run (ctrl+r)"),
                ("_title", "Back to the title"),
            ]
        if run.category.all_endings:
            found = len(run.splitter.found)
            return [
                (
                    "_restart",
                    f"Next playthrough ({found} of {len(run.names)} endings; the clock runs on)",
                ),
                ("_reset", "New run (ctrl+r)"),
            ]
        return [
            ("_reset", "This ending does not finish the category: new run (ctrl+r)"),
            ("_title", "Back to the title"),
        ]

    def take(self, choice_id: str) -> None:
        if choice_id == "_restart":
            self.session.restart_story()
            self.render_scene(animate=False)
            return
        if choice_id == "_reset":
            self.rocky.do("reset_run")
            return
        if choice_id == "_results":
            self.show_results()
            return
        super().take(choice_id)
        if self.session.outcome is not None and not self._results_shown:
            self.show_results()

    def show_results(self) -> None:
        s = self.session
        self._results_shown = True

        def done(answer: AfterRun | None) -> None:
            if answer is AfterRun.AGAIN:
                self.rocky.do("reset_run")
            elif answer is AfterRun.TITLE:
                self.rocky.show_title()

        self.app.push_screen(ResultsScreen(s.run, s.comparison, s.outcome or {}), done)

    def action_undo(self) -> None:
        import time as _time

        now = _time.monotonic()
        if now - self._undo_armed > 3.0:
            self._undo_armed = now
            self.notify(
                "Undo is off in speedrun mode: it would make this run invalid. "
                "Press u again to undo anyway.",
                severity="warning",
                timeout=3,
            )
            return
        self._undo_armed = 0.0
        super().action_undo()
        self.query_one(SpeedrunHUD).refresh_run(force=True)

    def action_route(self) -> None:
        s = self.session
        run = s.run
        ending = run.category.ending
        run.opened_route_view()  # the run file says so (verify prints it)
        self.notify("Finding the route\u2026", timeout=2)

        def work():
            title, steps, note = route_view(s.story, run.seed, ending)
            self.app.call_from_thread(self.app.push_screen, RouteScreen(title, steps, note))

        self.run_worker(work, thread=True, exit_on_error=False, name="route")

    def on_screen_suspend(self) -> None:
        super().on_screen_suspend()
        # Only the pause menu stops IGT: History, Help, the gallery, the
        # dialogs and the "make the terminal larger" notice go over the game
        # screen and their time counts. The pause menu (the title screen)
        # takes the game screen off the stack, so its story text is hidden.
        # (SpeedrunApp.show_title pauses first; this catches any other way
        # the game screen leaves.)
        if self not in self.app.screen_stack:
            self.session.run.timer.pause()

    def on_screen_resume(self) -> None:
        self.session.run.timer.resume()
        super().on_screen_resume()


class SpeedrunApp(RockyApp):
    """RockyApp in speedrun mode: New game starts a run, ctrl+r resets."""

    def __init__(self, speedrun_factory, **kwargs) -> None:
        super().__init__(**kwargs)
        self.speedrun_factory = speedrun_factory  # story -> Speedrun
        self.speedrun: Speedrun | None = None
        self._autostart = True

    def story_ready(self, story) -> None:
        try:
            self.speedrun = self.speedrun_factory(story, self.data_dir)
        except ValueError as e:
            self.notify(str(e), title="Speedrun", severity="error", timeout=10, markup=False)
            self.speedrun = None
        if self.speedrun is not None and self.speedrun.records.problem:
            self.notify(
                self.speedrun.records.problem,
                title="Speedrun records",
                severity="warning",
                timeout=10,
                markup=False,
            )
        super().story_ready(story)
        if self._autostart and self.speedrun is not None:
            self._autostart = False
            self.action_new_game()

    def show_title(self) -> None:
        """The pause menu: IGT stops while it is open."""
        s = self.session
        if isinstance(s, SpeedrunSession) and self.game_screen() is not None:
            s.run.timer.pause()
        super().show_title()

    def reset_livesplit(self) -> None:
        """A run LiveSplit may be timing is abandoned: LiveSplit resets too."""
        if self.speedrun is not None and self.speedrun.bridge is not None:
            self.speedrun.bridge.reset()

    def action_new_game(self) -> None:
        if not self._need_story("new_game"):
            return
        if self.speedrun is None:
            return super().action_new_game()
        if isinstance(self.session, SpeedrunSession):  # New game from the pause menu
            self.reset_livesplit()
        try:
            session = make_session(self.speedrun, self.storage, self.monotonic)
        except ValueError as e:
            self.notify(str(e), title="Speedrun", severity="error", timeout=10, markup=False)
            return
        self.start_session(session)

    def start_session(self, session) -> None:
        if not isinstance(session, SpeedrunSession):
            return super().start_session(session)
        self.show_title()
        self.session = session
        self.push_screen(SpeedrunGameScreen(session, self.settings, self.motion))

    def more_write_errors(self) -> list[str]:
        return self.speedrun.records.take_errors() if self.speedrun is not None else []

    def action_reset_run(self) -> None:
        """ctrl+r: abandon this attempt and start a fresh run at once."""
        if self.speedrun is None:
            return
        self.reset_livesplit()
        session = make_session(self.speedrun, self.storage, self.monotonic)
        self.session = session
        while len(self.screen_stack) > 1 and not isinstance(self.screen, SpeedrunGameScreen):
            if self.screen.__class__.__name__ == "TitleScreen":
                break
            self.pop_screen()
        game = self.screen if isinstance(self.screen, SpeedrunGameScreen) else None
        if game is None:
            self.start_session(session)
        else:
            game.set_session(session)
        self.notify("New run.", timeout=1)

    def load_slot(self, slot: str) -> None:
        s = self.session
        if not isinstance(s, SpeedrunSession) or self.storage is None:
            return super().load_slot(slot)
        from ..game.saves import SaveError

        assert self.story is not None  # a run is under way: the story has loaded
        try:
            with s.run.timer.io():
                loaded = self.storage.load_save(self.story, slot)
        except SaveError as e:
            self.notify(str(e), title="Could not load", severity="error", timeout=10, markup=False)
            return
        s.loaded(loaded.state)
        game = self.game_screen()
        if game is not None:
            game.render_scene(animate=False)
        self.notify("Loaded during a run: the run is now invalid.", severity="warning", timeout=4)

    def quit_now(self) -> None:
        if self.speedrun is not None and self.speedrun.bridge is not None:
            self.speedrun.bridge.reset()  # quitting abandons the run: LiveSplit resets
            self.speedrun.bridge.client.close()
        super().quit_now()
