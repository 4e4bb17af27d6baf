"""Speedrun widgets and screens: the HUD (a Digits timer, splits with
LiveSplit-coloured deltas, sum of best, seed, LiveSplit state), the results
screen and the route view. They read a speedrun.Run; they decide nothing."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Digits, Static

from ..speedrun.records import Comparison, delta_colour
from ..speedrun.run import Run
from ..speedrun.timer import format_time


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
        label = name if len(name) <= 14 else name[:13] + "…"
        e = done.get(i)
        if e is not None and not e.skipped:
            seg = e.igt_ms - last_time
            last_time = e.igt_ms
            if pb is not None:
                delta = e.igt_ms - pb
                colour = delta_colour(delta, prev_delta, seg, comparison.golds[i])
                prev_delta = delta
                parts.append((f"{label:<14}", "bold" if i == run.splitter.index - 1 else ""))
                parts.append((f"{format_time(delta, signed=True, places=1):>8}", _rgb(colour)))
            else:
                gold = comparison.golds[i] is None or seg < comparison.golds[i]
                parts.append((f"{label:<14}", ""))
                parts.append((f"{'':>8}", ""))
                if gold:
                    parts[-1] = (f"{'gold':>8}", _rgb((216, 175, 31)))
            parts.append((f" {format_time(e.igt_ms, places=1):>8}\n", ""))
        elif e is not None:
            parts.append((f"{label:<14}{'':>8} {'skipped':>8}\n", "dim"))
        else:
            current = i == run.splitter.index and not run.finished
            parts.append((f"{label:<14}", "bold reverse" if current else ""))
            parts.append((f"{'':>8} {format_time(pb, places=1):>8}\n", "dim"))
    return Content.assemble(*parts)


class SpeedrunHUD(Vertical):
    """The speedrun panel. `refresh_run()` is called on a short interval."""

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

    def __init__(self, run: Run, comparison: Comparison, status: Callable[[], str] | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.run = run
        self.comparison = comparison
        self.status = status
        self._splits_seen = -1

    def compose(self) -> ComposeResult:
        yield Digits("0.00", id="sr-timer")
        yield Static(Content(""), id="sr-meta")
        yield Static(Content(""), id="sr-splits")
        yield Static(Content(""), id="sr-foot")

    def on_mount(self) -> None:
        self.border_title = "SPEEDRUN" if not self.run.practice else "PRACTICE"
        self.refresh_run(force=True)
        self.set_interval(1 / 20, self.refresh_run)

    def set_run(self, run: Run, comparison: Comparison) -> None:
        self.run = run
        self.comparison = comparison
        self.border_title = "SPEEDRUN" if not run.practice else "PRACTICE"
        self.refresh_run(force=True)

    def refresh_run(self, force: bool = False) -> None:
        run = self.run
        igt, rta = run.now()
        self.query_one("#sr-timer", Digits).update(format_time(igt, places=2))
        self.set_class(run.invalid_reason is not None, "-invalid")
        self.set_class(run.practice, "-practice")
        self.set_class(run.finished, "-finished")
        if force or len(run.splits) != self._splits_seen:
            self._splits_seen = len(run.splits)
            seed = f"{run.seed_type} seed {run.seed}"
            meta = f"{run.category.title} · {seed} · attempt {self.comparison.attempts}"
            if run.invalid_reason:
                meta += f" · INVALID ({run.invalid_reason})"
            self.query_one("#sr-meta", Static).update(Content(meta))
            self.query_one("#sr-splits", Static).update(splits_content(run, self.comparison))
        foot = f"RTA {format_time(rta, places=1)} · sum of best {format_time(self.comparison.sum_of_best, places=1)}"
        foot += f" · choices {sum(1 for c in run.choices if c.choice != '<restart>')}"
        if self.status is not None:
            foot += f" · {self.status()}"
        self.query_one("#sr-foot", Static).update(Content(foot))


class ResultsScreen(ModalScreen[str]):
    """The end of a run: times, splits, PB and golds, the run file, the seed.
    Dismisses with 'again' (a fresh run) or 'title'."""

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
            head = "Practice complete" + (" · new practice best" if self.outcome.get("practice_best") else "")
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
        if self.outcome.get("golds"):
            lines.append(f"gold segments: {', '.join(run.names[i] for i in self.outcome['golds'])}")
        if self.outcome.get("path"):
            lines.append(f"run file: {self.outcome['path']}")
            lines.append("check it with: rocky-adventure verify RUN.json")
        with Vertical():
            yield Static(Content(head), id="res-title")
            yield Static(Content("\n".join(lines)), id="res-lines")
            yield Static(splits_content(run, self.comparison), id="res-splits")
            yield Static(Content("r: new run · escape: title"), id="res-keys")

    def action_again(self) -> None:
        self.dismiss("again")

    def action_title(self) -> None:
        self.dismiss("title")


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
            body = "\n".join(f"{i:>3}. {scene}: {text}" for i, (scene, text) in enumerate(self.steps, 1))
            yield Static(Content(body or "No route found."))

    def action_close(self) -> None:
        self.dismiss(None)
