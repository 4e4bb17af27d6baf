"""A speedrun: categories, segments that follow the manifest's chapters, and
the Run that records every choice with its times.

The split rule (docs/speedrun.md cites it; SPLIT_RULE 2):
- Any% and single-ending categories have one segment per chapter, up to the
  chapter their ending lies in: for an ending, the last chapter holding that
  ending's scene; for Any%, the first chapter holding any ending (where the
  quickest Any% can end). A segment splits when the player first enters a
  later chapter; chapters passed over are skipped. The last segment splits
  only at the end: the run's final time always falls on it, also when the
  run played on into later chapters first.
- All Endings has one segment per ending; a segment splits when an ending
  not found before in this run is reached. The story restarts after each
  ending while both clocks run on.
Rule 1 (run files written before the rule was recorded) gave Any% every
chapter, so an Any% run that ended in an earlier chapter skipped it and put
its time on the last one; verification replays an old file with rule 1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .. import __version__
from ..engine import Story, available_choices, choose, new_game
from ..engine.rng import random_seed
from ..engine.state import State
from ..game.session import check_playable
from .timer import Clock, RunTimer

RUN_FORMAT = "rocky-adventure-run"
RUN_VERSION = 2
SPLIT_RULE = 2  # the split rule above; run files without one were made under rule 1
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


def segment_names(story: Story, category: Category, rule: int = SPLIT_RULE) -> list[str]:
    """The category's segments (the split rule above)."""
    if category.all_endings:
        return [f"Ending {i + 1}" for i in range(len(story.endings))]
    chapters = [c.title for c in story.chapters]
    index = {c.id: c.index for c in story.chapters}
    if category.ending is not None:
        last = max(
            (index[s.chapter] for s in story.scenes.values() if s.ending == category.ending),
            default=0,
        )
        chapters = chapters[: last + 1]
    elif rule >= 2:  # Any%: up to the first chapter where any ending lies
        first = min(
            (index[s.chapter] for s in story.scenes.values() if s.ending is not None),
            default=len(chapters) - 1,
        )
        chapters = chapters[: first + 1]
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
    logic for live runs and for verification. `rule` is the split rule a run
    file was made under (SPLIT_RULE for a new run)."""

    def __init__(self, story: Story, category: Category, rule: int = SPLIT_RULE):
        self.story = story
        self.category = category
        self.rule = rule
        self.names = segment_names(story, category, rule)
        self.chapter_index = {c.id: c.index for c in story.chapters}
        self.index = 0  # the next segment to split
        self.found: list[str] = []
        self.done = False

    def start_at(self, chapter: str) -> int:
        """Practice: the run starts in `chapter`, whose segment runs first
        (the chapters before it are not part of the run, not skipped).
        Returns that segment's index."""
        if not self.category.all_endings:
            self.index = min(self.chapter_index[chapter], len(self.names) - 1)
        return self.index

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
        if finished and self.index > last:  # rule 1 only: the last segment split early
            return out
        if finished:
            while self.index < last:  # chapters not played through are skipped
                out.append(SplitEvent(self.index, self.names[self.index], None, None))
                self.index += 1
            out.append(SplitEvent(last, self.names[last], igt, rta))
            self.index = last + 1
            self.done = True
        elif reached > self.index and (self.index < last or self.rule < 2):
            # a later chapter: the current segment splits, any passed over are
            # skipped; the last segment waits for the end (rule 2)
            target = min(reached, last)
            if self.index <= last:
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

    def entry(self) -> list:
        """The choice as the run file holds it (and the hash chain links it)."""
        return [self.scene, self.choice, self.igt_ms, self.rta_ms]


INVALIDATING = ("undo", "load", "invalid")  # the event kinds that make a run invalid
EVENT_KINDS = (*INVALIDATING, "route_view")
INPUTS = ("terminal", "pipe")


@dataclass
class Run:
    """One attempt. `choose` takes a choice id and returns the splits that
    fell; `finished` turns true when the category's end is reached.

    Besides the choices, the run logs its events (an undo, a load, the
    route view opened), each at the number of choices made before it; the
    run file links choices and events, in the order they happened, in a
    hash chain (`chain_links`), so removing, moving or editing one shows."""

    story: Story
    category: Category
    seed: int | None = None
    clock: Clock = time.monotonic
    settings: dict = field(default_factory=dict)
    practice: bool = False
    start_state: State | None = None
    input_kind: str = "terminal"  # how the choices arrived: "terminal" or "pipe"

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
        self.events: list[dict] = []
        self.splits: list[SplitEvent] = []
        self.invalid_reason: str | None = None
        self.started_wall = time.time()
        self.practice_done = False
        self.practice_chapter: str | None = None
        if self.start_state is not None and not self.category.all_endings:
            # practice from a chapter: its segment is the one that runs
            chapter = self.story.scenes[self.start_state.scene].chapter
            self.practice_chapter = chapter
            self.splitter.start_at(chapter)

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

    @property
    def route_view(self) -> bool:
        """Whether the route view was opened during this run."""
        return any(e["kind"] == "route_view" for e in self.events)

    def now(self) -> tuple[int, int]:
        return self.timer.times_ms()

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

    def log_event(self, kind: str) -> None:
        """An event of the run (EVENT_KINDS), logged where it happened."""
        igt, rta = self.now()
        self.events.append({"kind": kind, "after": len(self.choices), "igt_ms": igt, "rta_ms": rta})

    def invalidate(self, reason: str) -> None:
        """Undo or load during a run: it can no longer count. Every one is
        logged as an event (kind "invalid" for another reason); the first
        gives the reason."""
        self.log_event(reason if reason in INVALIDATING else "invalid")
        if self.invalid_reason is None:
            self.invalid_reason = reason

    def opened_route_view(self) -> None:
        """The route view was opened: the run file says so (once)."""
        if not self.route_view:
            self.log_event("route_view")

    def open_choices(self) -> list[str]:
        return [c.id for c in available_choices(self.story, self.state)]

    # -- the run file ----------------------------------------------------
    @staticmethod
    def chain_head(record: dict) -> dict:
        """What the chain's first link covers: the run's identity."""
        return {
            "story": record.get("story", {}).get("hash")
            if isinstance(record.get("story"), dict)
            else None,
            "seed": record.get("seed"),
            "seed_type": record.get("seed_type"),
            "category": record.get("category"),
            "split_rule": record.get("split_rule"),
            "input": record.get("input"),
            "game_version": record.get("game_version"),
            "started": record.get("started"),
        }

    @staticmethod
    def chain_entries(choices: list, events: list) -> list:
        """Choices and events in the order they happened: the events logged
        `after` k choices come right after the k-th choice."""
        out: list = []
        pending = sorted(
            range(len(events)),
            key=lambda i: (events[i].get("after", 0) if isinstance(events[i], dict) else 0, i),
        )
        j = 0
        for k in range(len(choices) + 1):
            while j < len(pending):
                e = events[pending[j]]
                after = e.get("after") if isinstance(e, dict) else None
                if isinstance(after, int) and not isinstance(after, bool) and after > k:
                    break
                out.append(e)
                j += 1
            if k < len(choices):
                out.append(choices[k])
        return out

    @staticmethod
    def canonical(value: object) -> str:
        """Canonical JSON: sorted keys, no spaces, UTF-8 (not \\u escapes)."""
        import json

        return json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            value
        )

    @staticmethod
    def chain_links(head: dict, entries: list) -> list[str]:
        """The hash chain: link 0 = sha256 of the run's identity, link i =
        sha256(link i-1 + the canonical JSON of entry i); one link an entry."""
        import hashlib
        import json

        encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
        sha256 = hashlib.sha256
        prev = sha256(encode(head).encode()).hexdigest()
        out = []
        for entry in entries:
            prev = sha256((prev + encode(entry)).encode()).hexdigest()
            out.append(prev)
        return out

    def record(self) -> dict:
        igt, rta = (self.choices[-1].igt_ms, self.choices[-1].rta_ms) if self.choices else (0, 0)
        choices = [c.entry() for c in self.choices]
        events = [dict(e) for e in self.events]
        out = {
            "format": RUN_FORMAT,
            "version": RUN_VERSION,
            "game_version": __version__,
            "story": {"id": self.story.id, "title": self.story.title, "hash": self.story.hash},
            "packs": pack_list(self.story),
            "seed": self.seed,
            "seed_type": self.seed_type,
            "category": self.category.key,
            "split_rule": SPLIT_RULE,
            "settings": dict(self.settings),
            "practice": self.practice,
            "valid": self.valid,
            "invalid_reason": self.invalid_reason,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started_wall)),
            "input": self.input_kind,
            "route_view": self.route_view,
            "choices": choices,
            "events": events,
            "pauses": [list(p) for p in self.timer.pauses],
            "io": [list(p) for p in self.timer.io_spans],
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
        out["chain"] = self.chain_links(self.chain_head(out), self.chain_entries(choices, events))
        return out


def pack_list(story: Story) -> list[dict[str, str]]:
    """The branch packs a story was played with, as a run file records them."""
    return [
        {"name": p.name, "title": p.title, "version": p.version, "hash": p.hash}
        for p in story.packs
    ]
