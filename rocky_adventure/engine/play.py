"""Playing a story: the only place where state changes.

`Cursor` is the mutable working copy one step runs on; the public functions
take a State and return a new State, so callers never see mutation. Tools
that play millions of choices (randomtest, explore) drive a Cursor directly:
it is the same code path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from operator import is_
from typing import Any

from .diagnostics import StoryError, StoryRuntimeError
from .expr import Expr, format_value
from .model import CONTINUE_ID, Choice, Effect, Scene, Story
from .rng import next_float, random_seed, seed_state
from .state import EMPTY_PATH, Path, State, Visits, as_dict
from .text import Template

CONTINUE = Choice(
    CONTINUE_ID,
    Template(("Continue",), "Continue", ()),
    None,
    False,
    (),
    None,
    None,
    None,
    None,
    "",
    0,
    0,
)


_NO_ONCE: frozenset[tuple[str, str]] = (
    frozenset()
)  # one empty set shared by every State that took no once-only choice

# A State with at most this many visit counts gives its Cursor a plain dict
# (copied: cheap at that size, and the fastest to read); a larger one an
# overlay that writes on top of the State's own counts (no copy).
_COPY_VISITS = 64
_MISSING: Any = object()


class IllegalChoice(StoryError):
    """A choice id that is not available in the current scene."""


class _Overlay(MutableMapping[str, int]):
    """A Cursor's visit counts on top of a State's (a Visits), without
    copying them: reads look in the writes, then in the State's base;
    `freeze()` makes the writes the next State's delta."""

    __slots__ = ("base", "writes", "n", "shared")

    def __init__(self, visits: Visits) -> None:
        self.base = visits._base
        self.writes = visits._delta  # shared with the State until the first write
        self.n = visits._n
        self.shared = True

    def get(self, key: str, default: Any = None) -> Any:
        val = self.writes.get(key, _MISSING)
        if val is _MISSING:
            return self.base.get(key, default)
        return val

    def __getitem__(self, key: str) -> int:
        val = self.writes.get(key, _MISSING)
        if val is _MISSING:
            return self.base[key]
        return val  # type: ignore[no-any-return]

    def __setitem__(self, key: str, value: int) -> None:
        writes = self.writes
        if self.shared:
            writes = self.writes = writes.copy()
            self.shared = False
        if key not in writes and key not in self.base:
            self.n += 1
        writes[key] = value

    def __delitem__(self, key: str) -> None:
        flat = self.to_dict()
        del flat[key]
        self.base, self.writes, self.n, self.shared = flat, {}, len(flat), False

    def __contains__(self, key: object) -> bool:
        return key in self.writes or key in self.base

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def to_dict(self) -> dict[str, int]:
        out = self.base.copy()
        out.update(self.writes)
        return out

    def keys(self) -> Any:
        return self.to_dict().keys()

    def items(self) -> Any:
        return self.to_dict().items()

    def values(self) -> Any:
        return self.to_dict().values()

    def freeze(self) -> Visits:
        """The counts now, as a State's; later writes copy first."""
        frozen = Visits._merged(self.base, self.writes, self.n)
        if frozen._delta is self.writes:
            self.shared = True
        else:  # merged into a new base
            self.base, self.writes, self.shared = frozen._base, frozen._delta, True
        return frozen


class Cursor:
    """A mutable position in a story. Expressions evaluate against it
    directly (they read `v`, `visits` and `turns`).

    The path is `prefix` (the path of the State the cursor started from, a
    persistent Path, not copied) and then `steps` (a list of the choices
    made since); `path` reads them as one list. `snapshot()` builds on the
    last State it made (or started from): it adds the steps made since to
    that State's path, and the counts of the scenes entered since to its
    visit counts, so a snapshot after each choice costs the same however
    long the run. (Visit counts change only by entering scenes between
    snapshots; a tool that sets `path` or `visits` gets a full snapshot.)"""

    __slots__ = (
        "story",
        "scenes",
        "seed",
        "scene",
        "v",
        "visits",
        "turns",
        "rng",
        "steps",
        "prefix",
        "once",
        "ending",
        "base",
        "last",
        "last_n",
    )

    visits: dict[str, int] | _Overlay
    once: set[tuple[str, str]] | frozenset[tuple[str, str]]  # (a State's, until a once-only choice)

    def __init__(self, story: Story, seed: int):
        self.story = story
        self.scenes = story.scenes
        self.seed = seed
        self.scene: Scene = None  # type: ignore[assignment]
        self.v = list(story.defaults())
        self.visits = {}
        self.turns = 0
        self.rng = seed_state(seed)
        self.steps: list[tuple[str, str]] = []
        self.prefix: Path = EMPTY_PATH
        self.once = set()
        self.ending: str | None = None
        self.base: State | None = None  # the State this cursor started from
        self.last: State | None = None  # the last State snapshot() made (or `base`)
        self.last_n = 0  # len(steps) at `last`

    @classmethod
    def start(cls, story: Story, seed: int) -> Cursor:
        c = cls(story, seed)
        c.enter(story.start)
        return c

    @classmethod
    def from_state(cls, story: Story, state: State, *, overlay: bool | None = None) -> Cursor:
        """A cursor at `state`. Its visit counts are a plain dict (a copy) when
        the State has few, or `overlay` is False; else an overlay on the
        State's own (no copy: what a single step wants; the public API's
        choose() asks for it)."""
        c = cls.__new__(cls)
        c.story = story
        c.scenes = story.scenes
        c.seed = state.seed
        c.scene = story.scenes[state.scene]
        c.v = list(state.v)
        visits, path = state.visits, state.path
        persistent = type(visits) is Visits and type(path) is Path
        if persistent and (len(visits) > _COPY_VISITS if overlay is None else overlay):
            c.visits = _Overlay(visits)
        else:
            c.visits = as_dict(visits)
        c.turns = state.turns
        c.rng = state.rng
        c.steps = []
        c.prefix = path if type(path) is Path else Path(path)
        c.once = state.once
        c.ending = state.ending
        c.base = state
        c.last = state if persistent else None
        c.last_n = 0
        return c

    @property
    def path(self) -> list[tuple[str, str]]:
        """Every choice made, in order, as (scene id, choice id)."""
        prefix = getattr(self, "prefix", EMPTY_PATH)  # (tools may build a Cursor with __new__)
        if not prefix:
            return self.steps
        return [*prefix, *self.steps]

    @path.setter
    def path(self, value: list[tuple[str, str]]) -> None:
        self.steps = value if type(value) is list else list(value)
        self.prefix = EMPTY_PATH
        self.last = None
        self.last_n = 0

    def snapshot(self) -> State:
        """The State now. What did not change since the last State this
        cursor made (or started from) is that State's own value, not a
        copy: a game's history keeps one State per turn, and most turns
        change neither the variables nor the once-only choices taken."""
        v = tuple(self.v)
        once = self.once
        if type(once) is not frozenset:
            once = frozenset(once) if once else _NO_ONCE
        steps = self.steps
        visits = self.visits
        last = getattr(self, "last", None)  # (tools may build a Cursor with __new__)
        n0 = self.last_n if last is not None else 0
        k = len(steps) - n0  # steps since `last`
        if last is not None and k >= 0:
            lv = last.v
            if len(v) == len(lv) and all(
                map(is_, v, lv)
            ):  # (the same values, not equal ones: 1 == True)
                v = lv
            if once is not last.once and once == last.once:
                once = last.once
            path = (
                last.path.append(steps[-1])
                if k == 1
                else last.path.extend(steps[n0:])
                if k
                else last.path
            )
            if type(visits) is _Overlay:
                new_visits = visits.freeze()
            else:
                if k == 1:  # one step: the one scene entered is this one
                    sid = self.scene.id
                    new_visits = last.visits.updated1(sid, visits[sid])
                elif k:
                    # the scenes entered since `last`: where each step but the first
                    # was made, and this one
                    entered = {s: 0 for s, _ in steps[n0 + 1 :]}
                    entered[self.scene.id] = 0
                    new_visits = last.visits.updated({s: visits[s] for s in entered})
                else:
                    new_visits = last.visits
                if new_visits._n != len(visits):  # counts set by other means: start afresh
                    new_visits = Visits(visits)
        else:
            path = getattr(self, "prefix", EMPTY_PATH).extend(steps)
            new_visits = Visits(as_dict(visits))
        state = State(
            self.story.id,
            self.seed,
            self.scene.id,
            v,
            new_visits,
            self.turns,
            self.rng,
            path,
            once,
            self.ending,
        )
        self.last = state
        self.last_n = len(steps)
        return state

    # -- moving --------------------------------------------------------
    def enter(self, scene_id: str) -> None:
        scene = self.scenes[scene_id]
        self.scene = scene
        visits = self.visits
        visits[scene_id] = visits.get(scene_id, 0) + 1
        if scene.effects:
            self.apply(scene.effects)
        if scene.ending is not None:
            self.ending = scene.ending

    def apply(self, effects: Iterable[Effect]) -> None:
        v = self.v
        for e in effects:
            val = e.value.fn(self)
            op = e.op
            new = val if op == "set" else v[e.var] + val if op == "add" else v[e.var] - val
            lo = e.lo
            if lo is not None:
                if new < lo:
                    new = lo
                elif new > e.hi:
                    new = e.hi
            v[e.var] = new

    def options(self) -> list[Choice]:
        """The choices open now: [CONTINUE] in a scene with `next`, [] at an
        ending (or where every condition is false: a dead end)."""
        scene = self.scene
        choices = scene.choices
        if choices is None:
            return [CONTINUE] if scene.next is not None else []
        once = self.once
        if not once:  # (no once-only choice taken: the commonest case, one test less)
            return [c for c in choices if c.cond is None or c.cond.fn(self)]
        sid = scene.id
        return [
            c
            for c in choices
            if (c.cond is None or c.cond.fn(self)) and not (c.once and (sid, c.id) in once)
        ]

    def take(self, choice: Choice) -> None:
        """Take a choice from options() (no legality check: see step)."""
        scene = self.scene
        self.steps.append((scene.id, choice.id))
        self.turns += 1
        if choice is CONTINUE:
            for branch in scene.next:  # type: ignore[union-attr]
                if branch.cond is None or branch.cond.fn(self):
                    choice = branch
                    break
            else:
                raise StoryRuntimeError.at(
                    scene.file,
                    scene.line,
                    scene.col,
                    f"no branch of 'next' in scene {scene.id!r} matches (add a last branch without 'if')",
                )
        elif choice.once:
            once = self.once
            if type(once) is frozenset:  # (a State's: copied on the first write)
                once = self.once = set(once)
            once.add((scene.id, choice.id))  # type: ignore[union-attr]
        if choice.effects:
            self.apply(choice.effects)
        target = choice.to
        if target is None:
            odds = choice.chance.fn(self)  # type: ignore[union-attr]
            self.rng, r = next_float(self.rng)
            target = choice.success if r * 100.0 < odds else choice.failure
        self.enter(target)  # type: ignore[arg-type]

    def step(self, choice_id: str) -> Choice:
        """Take the open choice with this id; IllegalChoice if there is none."""
        if self.ending is not None:
            raise IllegalChoice(f"the story has ended ({self.ending}); no more choices")
        for c in self.options():
            if c.id == choice_id:
                self.take(c)
                return c
        open_ids = ", ".join(c.id for c in self.options()) or "none"
        raise IllegalChoice(
            f"no open choice {choice_id!r} in scene {self.scene.id!r} (open: {open_ids})"
        )


# -- the functional API ------------------------------------------------


def new_game(story: Story, seed: int | None = None) -> State:
    """A fresh playthrough at the start scene. No seed: a random one."""
    return Cursor.start(story, random_seed() if seed is None else seed).snapshot()


def available_choices(story: Story, state: State) -> list[Choice]:
    return Cursor.from_state(story, state, overlay=True).options()


def choose(story: Story, state: State, choice_id: str) -> State:
    c = Cursor.from_state(story, state, overlay=True)
    c.step(choice_id)
    return c.snapshot()


def replay(story: Story, seed: int, choices: Iterable[str]) -> State:
    """Play choice ids from the start; IllegalChoice names the first bad
    one. (engine/replay.py's replay() says where and why instead of raising.)"""
    from .replay import StopKind
    from .replay import replay as replay_path

    r = replay_path(story, seed, choices)
    if r.stop is None:
        return r.state
    if r.stop.kind is StopKind.FAULT and r.stop.fault is not None:
        raise StoryRuntimeError(r.stop.fault)
    raise IllegalChoice(r.stop.message)


def scene_text(story: Story, state: State) -> str:
    return story.scenes[state.scene].text.render(state)


def choice_text(story: Story, state: State, choice: Choice) -> str:
    return choice.text.render(state) if choice.text is not None else ""


def epilogue_text(story: Story, state: State) -> str:
    if state.ending is None:
        return ""
    return story.endings[state.ending].epilogue.render(state)


def evaluate(expr: Expr, state: State) -> Any:
    return expr.fn(state)


__all__ = [
    "CONTINUE",
    "Cursor",
    "IllegalChoice",
    "available_choices",
    "choice_text",
    "choose",
    "epilogue_text",
    "evaluate",
    "format_value",
    "new_game",
    "replay",
    "scene_text",
]
