"""One playthrough as the game screen sees it: the engine's States, the undo
history, play time, autosave, the gallery and the text already read.

No textual here: the UI renders what a Session says and forwards keys to
it, and tests drive it directly."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from dataclasses import dataclass
from typing import Any, cast, overload

from ..engine import (
    CONTINUE,
    CONTINUE_ID,
    State,
    Story,
    available_choices,
    choice_text,
    choose,
    epilogue_text,
    new_game,
    scene_text,
)
from ..engine.model import HudBar
from ..engine.replay import replay
from .readtext import read_key
from .saves import Loaded, SaveInfo
from .storage import Storage
from .text import chapter_title


@dataclass(frozen=True, slots=True)
class Passage:
    """One step of the history: the scene's text and the choice taken there
    (None for the current scene)."""

    index: int  # the number of choices made before this scene
    scene: str
    title: str
    text: str
    choice: str | None


@dataclass(frozen=True, slots=True)
class EndingReached:
    ending_id: str
    title: str
    epilogue: str
    new: bool
    found: int  # endings found so far
    total: int


class History(MutableSequence[State]):
    """The States of one run, oldest first: a list that keeps every
    EVERY-th State and the last one, and replays the others from the kept
    State before them when asked for (at most EVERY - 1 engine steps).

    States share their path and visit counts with the State before them
    (engine/state.py's persistent Path and Visits), but each still holds
    its own variable values; undo, rewind and the history only ever need a
    few of them at a time.
    A State is left out only when it is, as checked when it came, exactly
    the engine's step from the one before it and to the one after it."""

    EVERY = 16

    def __init__(self, story: Story, states: Iterable[State] = ()):
        self.story = story
        self._kept: list[State | None] = []  # None: replayed when needed
        self._stepped: list[bool] = []  # [i]: state i is the engine's step from state i - 1
        for st in states:
            self.append(st)

    def __len__(self) -> int:
        return len(self._kept)

    @overload
    def __getitem__(self, index: int) -> State: ...

    @overload
    def __getitem__(self, index: slice) -> list[State]: ...

    def __getitem__(self, index: int | slice) -> State | list[State]:
        if isinstance(index, slice):
            return list(self)[index]
        n = len(self._kept)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("history index out of range")
        return self._state(index)

    def __iter__(self) -> Iterator[State]:
        kept = self._kept
        i, n = 0, len(kept)
        while i < n:
            base = kept[i]
            assert base is not None  # i is always a kept State: the first, or the next one kept
            yield base
            k = i + 1
            while k < n and kept[k] is None:
                k += 1
            if k > i + 1:  # replay the States between two kept ones
                yield from self._between(base, kept[k], k - i - 1)  # type: ignore[arg-type]
            i = k

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (History, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"History({list(self)!r})"

    def append(self, state: State) -> None:
        kept, n = self._kept, len(self._kept)
        # the last State is always kept in full
        stepped = n > 0 and self._is_step(cast(State, kept[-1]), state)
        if n >= 2 and (n - 1) % self.EVERY and stepped and self._stepped[-1]:
            kept[-1] = None  # the last State is now in the middle of a replayable stretch
        kept.append(state)
        self._stepped.append(stepped)

    @staticmethod
    def _is_step(before: State, after: State) -> bool:
        """`after` took one choice more than `before`, on the same path.
        (The game's States all come from engine steps or from a replay, so
        the path says it all: nothing is played again to check it.)"""
        return (
            len(after.path) == len(before.path) + 1
            and after.turns == before.turns + 1
            and after.path[:-1] == before.path
        )

    def _between(self, base: State, later: State, n: int) -> list[State]:
        """The n States after `base` on the way to `later`, replayed."""
        steps = later.path[len(base.path) : len(base.path) + n]
        return replay(self.story, base, steps, keep=True).states[1:]

    def _state(self, index: int) -> State:
        kept = self._kept
        state = kept[index]
        if state is not None:
            return state
        c = index - 1
        while kept[c] is None:
            c -= 1
        k = index + 1
        while kept[k] is None:
            k += 1
        return self._between(kept[c], kept[k], index - c)[-1]  # type: ignore[arg-type]

    def pop(self, index: int = -1) -> State:
        n = len(self._kept)
        if index not in (-1, n - 1):
            return super().pop(index)
        if n == 0:
            raise IndexError("pop from an empty history")
        last = self._kept[-1]
        self._truncate(n - 1)
        return last  # type: ignore[return-value]

    def _truncate(self, n: int) -> None:
        """Keep the first n States (the new last one is kept in full)."""
        if n and self._kept[n - 1] is None:
            self._kept[n - 1] = self._state(n - 1)
        del self._kept[n:]
        del self._stepped[n:]

    def __delitem__(self, index: int | slice) -> None:
        n = len(self._kept)
        if (
            isinstance(index, slice)
            and index.step in (None, 1)
            and index.stop in (None, n)
            and index.start is not None
        ):
            start = index.start + n if index.start < 0 else index.start
            self._truncate(max(0, min(start, n)))
            return
        states = list(self)
        del states[index]
        self._reset(states)

    @overload
    def __setitem__(self, index: int, value: State) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[State]) -> None: ...

    def __setitem__(self, index: int | slice, value: Any) -> None:
        states = list(self)
        states[index] = value
        self._reset(states)

    def insert(self, index: int, value: State) -> None:
        if index >= len(self._kept):
            self.append(value)
            return
        states = list(self)
        states.insert(index, value)
        self._reset(states)

    def _reset(self, states: list[State]) -> None:
        self._kept, self._stepped = [], []
        for st in states:
            self.append(st)


class Session:
    def __init__(
        self,
        story: Story,
        states: list[State],
        storage: Storage | None = None,
        play_time: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.story = story
        self.states = (
            states  # states[i]: after i of the kept choices; states[-1] is now (kept as a History)
        )
        self.storage = storage
        self.clock = clock
        self._played = play_time
        self._since: float | None = clock()
        self.dirty = False  # a choice (or undo) since the last named save or load
        self.read: set[str] = storage.load_read() if storage is not None else set()
        self.last_ending: EndingReached | None = None

    # -- starting
    @classmethod
    def new(
        cls,
        story: Story,
        seed: int | None,
        storage: Storage | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> Session:
        s = cls(story, [new_game(story, seed)], storage, 0.0, clock)
        s.autosave()
        return s

    @classmethod
    def from_save(
        cls,
        story: Story,
        loaded: Loaded,
        storage: Storage | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> Session:
        return cls(
            story, rebuild_history(story, loaded.state), storage, loaded.info.play_time, clock
        )

    # -- where we are
    @property
    def states(self) -> History:
        return self._states

    @states.setter
    def states(self, states: Iterable[State]) -> None:
        self._states = states if isinstance(states, History) else History(self.story, states)

    @property
    def state(self) -> State:
        return self.states[-1]

    @property
    def seed(self) -> int:
        return self.state.seed

    @property
    def play_time(self) -> float:
        if self._since is None:
            return self._played
        return self._played + (self.clock() - self._since)

    def pause(self) -> None:
        """Stop the play clock (the game screen is hidden)."""
        self._played = self.play_time
        self._since = None

    def resume(self) -> None:
        if self._since is None:
            self._since = self.clock()

    def chapter_title(self) -> str:
        return chapter_title(self.story, self.state.scene)

    def scene_title(self) -> str:
        return self.story.scenes[self.state.scene].title or ""

    def text(self) -> str:
        return scene_text(self.story, self.state)

    def choices(self) -> list[tuple[str, str]]:
        """(choice id, text) of the open choices; [] at an ending."""
        st = self.state
        if st.ending is not None:
            return []
        return [(c.id, choice_text(self.story, st, c)) for c in available_choices(self.story, st)]

    def is_continue(self) -> bool:
        ch = self.choices()
        return len(ch) == 1 and ch[0][0] == CONTINUE_ID

    def ending(self) -> tuple[str, str] | None:
        """(title, epilogue) at an ending."""
        st = self.state
        if st.ending is None:
            return None
        return self.story.endings[st.ending].title, epilogue_text(self.story, st)

    def values(self) -> dict[str, Any]:
        return self.state.variables(self.story)

    def hud_active(self) -> bool:
        when = self.story.display.hud_when
        return bool(when is not None and when.fn(self.state))

    def hud_bars(self) -> list[str]:
        """The HUD's bars that show now: each one's `when` holds (or it has none)."""
        return self._showing(self.story.display.hud_bars)

    def sidebar_bars(self) -> list[str]:
        """The sidebar's bars that show now, the same way."""
        return self._showing(self.story.display.sidebar_bars)

    def _showing(self, bars: Iterable[HudBar]) -> list[str]:
        st = self.state
        return [b.var for b in bars if b.when is None or b.when.fn(st)]

    # -- read text
    def is_read(self, text: str) -> bool:
        return read_key(self.state.scene, text) in self.read

    def mark_read(self, text: str) -> None:
        key = read_key(self.state.scene, text)
        if key not in self.read:
            self.read.add(key)
            if self.storage is not None:
                self.storage.save_read(self.read)

    # -- moving
    def choose(self, choice_id: str) -> State:
        """Take a choice (IllegalChoice if it is not open), autosave, and
        record an ending in the gallery."""
        new = choose(self.story, self.state, choice_id)
        check_playable(self.story, new)  # a fault in the story: nothing moves, nothing is saved
        self.states.append(new)
        self.dirty = True
        self.last_ending = None
        if new.ending is not None:
            self._record_ending(new)
        self.autosave()
        return new

    def undo(self) -> bool:
        if len(self.states) < 2:
            return False
        self.states.pop()
        self.dirty = True
        self.last_ending = None
        self.autosave()
        return True

    def rewind(self, index: int) -> None:
        """Go back to the scene reached after `index` choices."""
        if not 0 <= index < len(self.states) - 1:
            return
        del self.states[index + 1 :]
        self.dirty = True
        self.last_ending = None
        self.autosave()

    def history(self) -> list[Passage]:
        """Every passage of this run with the choice taken after it."""
        story = self.story
        out = []
        states = list(self.states)
        for i, st in enumerate(states):
            nxt = states[i + 1] if i + 1 < len(states) else None
            taken = None
            if nxt is not None:
                scene_id, choice_id = nxt.path[-1]
                scene = story.scenes[scene_id]
                choice = CONTINUE if choice_id == CONTINUE_ID else scene.by_id.get(choice_id)
                taken = choice_text(story, st, choice) if choice is not None else choice_id
            scene = story.scenes[st.scene]
            out.append(Passage(i, st.scene, scene.title or "", scene_text(story, st), taken))
        return out

    # -- saving
    def autosave(self) -> None:
        if self.storage is not None:
            self.storage.autosave(self.story, self.state, self.play_time)

    def save(self, slot: str, name: str) -> SaveInfo | None:
        if self.storage is None:
            return None
        info = self.storage.write_save(self.story, self.state, slot, name, self.play_time)
        self.dirty = False
        return info

    def _record_ending(self, st: State) -> None:
        assert st.ending is not None  # called only when `st` is at an ending
        ending = self.story.endings[st.ending]
        epilogue = epilogue_text(self.story, st)
        total = len(self.story.endings)
        if self.storage is None:
            self.last_ending = EndingReached(ending.id, ending.title, epilogue, True, 1, total)
            return
        gallery, new = self.storage.record_ending(ending.id, ending.title, epilogue)
        found = sum(1 for k in gallery if k in self.story.endings)
        self.last_ending = EndingReached(ending.id, ending.title, epilogue, new, found, total)


def check_playable(story: Story, state: State) -> None:
    """Evaluate everything showing `state` evaluates (its text, its open
    choices and their text, the epilogue, the sidebar's and the HUD's conditions), so a fault
    in the story (a division by zero, say) raises StoryRuntimeError, naming
    its file:line:col, before the game moves there: the player stays at the
    last good State and nothing is lost."""
    scene_text(story, state)
    if state.ending is not None:
        epilogue_text(story, state)
    else:
        for c in available_choices(story, state):
            choice_text(story, state, c)
    display = story.display
    if display.hud_when is not None:
        display.hud_when.fn(state)
    for bar in (*display.sidebar_bars, *display.hud_bars):
        if bar.when is not None:
            bar.when.fn(state)


def rebuild_history(story: Story, state: State) -> list[State]:
    """The states after each choice of `state.path`, replayed from the seed,
    so undo and the history work after a load. If the story changed so that
    the path no longer replays to the same place, only `state` is kept."""
    r = replay(story, state.seed, state.path, keep=True)
    if r.stop is not None or r.state.digest(story) != state.digest(story):
        return [state]
    return r.states
