"""The speedrun rules both front ends use: the Speedrun (category, seed rule,
records, LiveSplit, practice) that makes each next Run, the Attempt that
plays one Run under the rules (the attempt is counted on the first choice,
the records are written when it finishes, an undo or a load invalidates it),
and the SpeedrunSession the game screen drives. No UI here: the TUI
(tui/speedrun.py) and plain mode (plain/speedrun.py) render what these say.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..engine import Story
from ..engine.rng import random_seed
from ..engine.state import State
from ..game.session import Session
from .records import Comparison, Records
from .run import Category, Run, SplitEvent
from .timer import Clock

if TYPE_CHECKING:
    from ..game.saves import SaveInfo
    from ..game.storage import Storage
    from .livesplit import LiveSplitBridge


class Speedrun:
    """What a speedrun session keeps across runs: the category, the seed
    rule, the records, LiveSplit, and how to make the next Run."""

    def __init__(
        self,
        story: Story,
        category: Category,
        seed: int | None,
        records: Records,
        bridge: LiveSplitBridge | None = None,
        practice_chapter: str | None = None,
        practice_run: dict[str, Any] | None = None,
        clock: Clock | None = None,
        mode: str = "tui",
        input_kind: str | None = None,
    ):
        self.story = story
        self.category = category
        self.seed = seed  # None: a new random seed every run
        self.records = records
        self.bridge = bridge
        self.practice_chapter = practice_chapter
        self.practice_run = practice_run
        self.clock = clock or time.monotonic
        self.mode = mode  # "tui" | "plain": recorded in the run file
        # how the choices arrive, recorded in the run file: the TUI is a
        # terminal; plain mode reads stdin (its caller says which, from isatty)
        self.input_kind = input_kind or ("terminal" if mode == "tui" else _stdin_kind())

    def start_state(self, seed: int) -> State | None:
        if self.practice_chapter is None:
            return None
        from .practice import chapter_starts_from_run, preset_starts

        if self.practice_run is not None:
            starts = chapter_starts_from_run(self.story, self.practice_run)
        else:
            starts = preset_starts(self.story, seed, self.category.ending)
        if self.practice_chapter not in starts:
            raise ValueError(
                f"chapter {self.practice_chapter!r} is not reached"
                + (" by that run" if self.practice_run is not None else "")
            )
        return starts[self.practice_chapter]

    def new_run(self) -> Run:
        seed = self.seed
        if self.practice_run is not None:
            seed = self.practice_run.get("seed", seed)
        if seed is None:
            seed = random_seed()
        settings = {
            "mode": self.mode,
            "instant_text": True,
            "undo": False,
            "game_version": __version__,
            "livesplit": self.bridge is not None,
        }
        run = Run(
            self.story,
            self.category,
            seed=seed,
            clock=self.clock,
            settings=settings,
            practice=self.practice_chapter is not None,
            start_state=self.start_state(seed),
            input_kind=self.input_kind,
        )
        if self.seed is None and self.practice_run is None:
            run.seed_type = "random"
        if self.bridge is not None:
            self.bridge.start(run)
        return run

    def comparison(self, run: Run) -> Comparison:
        return self.records.comparison(run)

    def new_attempt(self) -> Attempt:
        return Attempt(self, self.new_run())


def _stdin_kind() -> str:
    """ "terminal" if the process's stdin is one, else "pipe"."""
    import sys

    try:
        return "terminal" if sys.stdin is not None and sys.stdin.isatty() else "pipe"
    except (AttributeError, ValueError, OSError):  # closed or replaced by an object without it
        return "pipe"


class Attempt:
    """One Run played under the rules. `outcome` is set once the run has
    finished its category (what Records.finish said: PB, golds, the run
    file)."""

    def __init__(self, speedrun: Speedrun, run: Run):
        self.speedrun = speedrun
        self.run = run
        self.comparison = speedrun.comparison(run)
        self.outcome: dict[str, Any] | None = None

    @property
    def number(self) -> int:
        """The attempt's number: before its first choice, the one it will
        be (the attempt is counted on the first choice)."""
        n = self.comparison.attempts
        if self.run.timer.started_at is None and not self.run.practice:
            n += 1
        return n

    def choose(self, choice_id: str, also: Callable[[], None] | None = None) -> list[SplitEvent]:
        """Take a choice (IllegalChoice leaves everything as it was). The
        attempt is counted on the first choice, `also` (the front end's own
        bookkeeping) and the records run as the game's own I/O, outside
        IGT; LiveSplit hears of the start and the splits."""
        run, speedrun = self.run, self.speedrun
        first = run.timer.started_at is None
        events = run.choose(choice_id)
        with run.timer.io():
            if first and not run.practice:
                self.comparison.attempts = speedrun.records.attempt(run)
            if also is not None:
                also()
            if run.finished:
                self.outcome = self.finish()
        if speedrun.bridge is not None:
            if first:
                speedrun.bridge.on_first_choice()
            speedrun.bridge.on_splits(events)
        return events

    def finish(self) -> dict[str, Any]:
        """Write the run to the records (also for a run that ended
        unfinished); a practice run keeps its chapter's practice best."""
        run = self.run
        outcome = self.speedrun.records.finish(run)
        if run.practice and run.practice_chapter is not None and run.invalid_reason is None:
            igt = run.choices[-1].igt_ms if run.choices else 0
            outcome["practice_best"] = self.speedrun.records.practice_best(
                run, run.practice_chapter, igt
            )
        return outcome

    def restart_story(self) -> None:
        """All Endings: on to the next playthrough, clocks running."""
        self.run.restart_story()

    def invalidate(self, reason: str) -> None:
        """An undo or a load: the run goes on, but can no longer count."""
        self.run.invalidate(reason)


class SpeedrunSession(Session):
    """A Session whose choices go through an Attempt: the timer, the splits
    and the records. Saving counts as the game's own I/O (left out of IGT);
    there is no autosave in a run."""

    instant = True

    def __init__(
        self, speedrun: Speedrun, run: Run, storage: Storage | None, clock: Callable[[], float]
    ):
        super().__init__(speedrun.story, [run.state], storage, 0.0, clock)
        self.attempt = Attempt(speedrun, run)
        self.run = run
        self.speedrun = speedrun
        self.comparison = self.attempt.comparison

    @property
    def outcome(self) -> dict[str, Any] | None:
        return self.attempt.outcome

    def choose(self, choice_id: str) -> State:
        run = self.run

        def bookkeeping() -> None:
            self.states.append(run.state)
            self.dirty = True
            self.last_ending = None
            if run.state.ending is not None:
                self._record_ending(run.state)
            self.autosave()

        self.attempt.choose(choice_id, bookkeeping)
        return run.state

    def restart_story(self) -> None:
        self.attempt.restart_story()
        self.states = [self.run.state]
        self.last_ending = None

    def undo(self) -> bool:
        if len(self.states) < 2:
            return False
        self.attempt.invalidate("undo")
        ok = super().undo()
        self.run.state = self.state
        return ok

    def rewind(self, index: int) -> None:
        self.attempt.invalidate("undo")
        super().rewind(index)
        self.run.state = self.state

    def loaded(self, state: State) -> None:
        """A save was loaded during the run: it goes on, invalid."""
        self.attempt.invalidate("load")
        self.states = [state]
        self.run.state = state

    def autosave(self) -> None:
        """No autosave in a run: it must not replace the story's Continue."""

    def mark_read(self, text: str) -> None:
        with self.run.timer.io():
            super().mark_read(text)

    def save(self, slot: str, name: str) -> SaveInfo | None:
        with self.run.timer.io():
            return super().save(slot, name)


def make_session(
    speedrun: Speedrun, storage: Storage | None, clock: Callable[[], float]
) -> SpeedrunSession:
    """A fresh run in a fresh SpeedrunSession."""
    return SpeedrunSession(speedrun, speedrun.new_run(), storage, clock)
