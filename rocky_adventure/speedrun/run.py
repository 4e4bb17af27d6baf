"""A speedrun: categories, segments that follow the manifest's chapters, and
the Run that records every choice with its times.

The split rule (docs/speedrun.md cites it):
- Any% and single-ending categories have one segment per chapter (for an
  ending, the chapters up to the one its ending scene is in). A segment
  splits when the player first enters a later chapter; chapters passed over
  are skipped. The run's final time always falls on the last segment.
- All Endings has one segment per ending; a segment splits when an ending
  not found before in this run is reached. The story restarts after each
  ending while both clocks run on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .. import __version__
from ..engine import Story, available_choices, choose, new_game
from ..engine.rng import random_seed
from ..engine.state import State
from ..game.session import check_playable
from .timer import Clock, RunTimer, ms

RUN_FORMAT = "rocky-adventure-run"
RUN_VERSION = 1
RESTART = "<restart>"  # the choice id recorded when an All Endings run restarts the story
ANY, ALL = "any", "all"


@dataclass(frozen=True)
class Category:
    key: str  # any | all | ending:<id>
    title: str
    ending: str | None = None

    @property
    def all_endings(self) -> bool:
        return self.key == ALL


def categories(story: Story) -> list[Category]:
    out = [Category(ANY, "Any%"), Category(ALL, "All Endings")]
    out += [Category(f"ending:{e.id}", e.title, e.id) for e in story.endings.values()]
    return out


def parse_category(story: Story, key: str) -> Category:
    for c in categories(story):
        if c.key == key or (c.ending is not None and key == c.ending):
            return c
    names = ", ".join(c.key for c in categories(story))
    raise ValueError(f"unknown category {key!r}; the categories are: {names}")


def segment_names(story: Story, category: Category) -> list[str]:
    if category.all_endings:
        return [f"Ending {i + 1}" for i in range(len(story.endings))]
    chapters = [c.title for c in story.chapters]
    if category.ending is not None:
        index = {c.id: c.index for c in story.chapters}
        last = max(
            (index[s.chapter] for s in story.scenes.values() if s.ending == category.ending),
            default=0,
        )
        chapters = chapters[: last + 1]
    return chapters


@dataclass(frozen=True)
class SplitEvent:
    index: int
    name: str
    igt_ms: int | None  # None: the segment was skipped
    rta_ms: int | None

    @property
    def skipped(self) -> bool:
        return self.igt_ms is None


class Splitter:
    """Decides when segments split and when the run is over: one piece of
    logic for live runs and for verification."""

    def __init__(self, story: Story, category: Category):
        self.story = story
        self.category = category
        self.names = segment_names(story, category)
        self.chapter_index = {c.id: c.index for c in story.chapters}
        self.index = 0  # the next segment to split
        self.found: list[str] = []
        self.done = False

    def after(self, state: State, igt: int, rta: int) -> list[SplitEvent]:
        if self.done:
            return []
        out: list[SplitEvent] = []
        last = len(self.names) - 1
        if self.category.all_endings:
            if state.ending is not None and state.ending not in self.found:
                self.found.append(state.ending)
                out.append(SplitEvent(self.index, self.names[self.index], igt, rta))
                self.index += 1
                self.done = self.index > last
            return out
        finished = state.ending is not None and (self.category.ending in (None, state.ending))
        reached = self.chapter_index[self.story.scenes[state.scene].chapter]
        if finished:
            reached = last + 1
        if reached > self.index and self.index <= last:
            if finished:
                while self.index < last:  # chapters not played through are skipped
                    out.append(SplitEvent(self.index, self.names[self.index], None, None))
                    self.index += 1
                out.append(SplitEvent(last, self.names[last], igt, rta))
                self.index = last + 1
                self.done = True
            else:
                target = min(reached, last)
                out.append(SplitEvent(self.index, self.names[self.index], igt, rta))
                self.index += 1
                while self.index < target:
                    out.append(SplitEvent(self.index, self.names[self.index], None, None))
                    self.index += 1
        return out


@dataclass
class ChoiceRecord:
    scene: str
    choice: str
    igt_ms: int
    rta_ms: int


@dataclass
class Run:
    """One attempt. `choose` takes a choice id and returns the splits that
    fell; `finished` turns true when the category's end is reached."""

    story: Story
    category: Category
    seed: int | None = None
    clock: Clock = time.monotonic
    settings: dict = field(default_factory=dict)
    practice: bool = False
    start_state: State | None = None

    def __post_init__(self) -> None:
        self.seed_type = "set" if self.seed is not None else "random"
        if self.seed is None:
            self.seed = random_seed()
        self.timer = RunTimer(self.clock)
        self.splitter = Splitter(self.story, self.category)
        self.state = (
            self.start_state if self.start_state is not None else new_game(self.story, self.seed)
        )
        self.choices: list[ChoiceRecord] = []
        self.splits: list[SplitEvent] = []
        self.invalid_reason: str | None = None
        self.started_wall = time.time()
        self.practice_done = False
        self.practice_chapter: str | None = None
        if self.start_state is not None and not self.category.all_endings:
            # practice from a chapter: its segment is the one that runs
            chapter = self.story.scenes[self.start_state.scene].chapter
            self.practice_chapter = chapter
            self.splitter.index = min(
                self.splitter.chapter_index[chapter], len(self.splitter.names) - 1
            )

    # -- the live run ----------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.splitter.done or self.practice_done

    @property
    def valid(self) -> bool:
        return self.invalid_reason is None and not self.practice

    @property
    def names(self) -> list[str]:
        return self.splitter.names

    def now(self) -> tuple[int, int]:
        igt, rta = self.timer.times()
        return ms(igt), ms(rta)

    def choose(self, choice_id: str) -> list[SplitEvent]:
        if self.finished:
            raise ValueError("the run is over")
        if choice_id == RESTART:
            return self.restart_story()
        state = choose(self.story, self.state, choice_id)  # raises IllegalChoice
        check_playable(self.story, state)  # a fault in the story: the run stays where it was
        if self.timer.started_at is None:  # the start trigger: this choice is at 0 ms
            self.timer.start()
            igt = rta = 0
        else:
            igt, rta = self.now()
        self.choices.append(ChoiceRecord(self.state.scene, choice_id, igt, rta))
        self.state = state
        return self._after(igt, rta)

    def restart_story(self) -> list[SplitEvent]:
        """All Endings: back to the start with the same seed; the clocks run on."""
        if not self.category.all_endings:
            raise ValueError(
                "only an All Endings run restarts the story; press reset to start a new run"
            )
        if self.timer.started_at is None:
            return []
        igt, rta = self.now()
        self.choices.append(ChoiceRecord(self.state.scene, RESTART, igt, rta))
        self.state = new_game(self.story, self.seed)
        return []

    def _after(self, igt: int, rta: int) -> list[SplitEvent]:
        start = self.splitter.index
        events = self.splitter.after(self.state, igt, rta)
        self.splits.extend(events)
        if self.practice and self.start_state is not None and events and events[0].index == start:
            self.practice_done = True  # a practice run ends with its chapter
        if self.finished:
            self.timer.stop()
        return events

    def invalidate(self, reason: str) -> None:
        """Undo or load during a run: it can no longer count."""
        if self.invalid_reason is None:
            self.invalid_reason = reason

    def open_choices(self) -> list[str]:
        return [c.id for c in available_choices(self.story, self.state)]

    # -- the run file ----------------------------------------------------
    def record(self) -> dict:
        igt, rta = (self.choices[-1].igt_ms, self.choices[-1].rta_ms) if self.choices else (0, 0)
        return {
            "format": RUN_FORMAT,
            "version": RUN_VERSION,
            "game_version": __version__,
            "story": {"id": self.story.id, "title": self.story.title, "hash": self.story.hash},
            "packs": pack_list(self.story),
            "seed": self.seed,
            "seed_type": self.seed_type,
            "category": self.category.key,
            "settings": dict(self.settings),
            "practice": self.practice,
            "valid": self.valid,
            "invalid_reason": self.invalid_reason,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started_wall)),
            "choices": [[c.scene, c.choice, c.igt_ms, c.rta_ms] for c in self.choices],
            "splits": [
                {"name": s.name, "igt_ms": s.igt_ms, "rta_ms": s.rta_ms} for s in self.splits
            ],
            "final": {
                "finished": self.finished,
                "igt_ms": igt,
                "rta_ms": rta,
                "choices": sum(1 for c in self.choices if c.choice != RESTART),
                "ending": self.state.ending,
                "endings": list(self.splitter.found)
                if self.category.all_endings
                else ([self.state.ending] if self.state.ending else []),
                "state_hash": self.state.digest(self.story),
            },
        }


def pack_list(story: Story) -> list[dict[str, str]]:
    """The branch packs a story was played with, as a run file records them."""
    return [
        {"name": p.name, "title": p.title, "version": p.version, "hash": p.hash}
        for p in story.packs
    ]
