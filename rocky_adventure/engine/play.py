"""Playing a story: the only place where state changes.

`Cursor` is the mutable working copy one step runs on; the public functions
take a State and return a new State, so callers never see mutation. Tools
that play millions of choices (randomtest, explore) drive a Cursor directly:
it is the same code path."""

from __future__ import annotations

from collections.abc import Iterable
from operator import is_
from typing import Any

from .diagnostics import StoryError, StoryRuntimeError
from .expr import Expr, format_value
from .model import CONTINUE_ID, Choice, Effect, Scene, Story
from .rng import next_float, random_seed, seed_state
from .state import State
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


class IllegalChoice(StoryError):
    """A choice id that is not available in the current scene."""


class Cursor:
    """A mutable position in a story. Expressions evaluate against it
    directly (they read `v`, `visits` and `turns`)."""

    __slots__ = (
        "story",
        "scenes",
        "seed",
        "scene",
        "v",
        "visits",
        "turns",
        "rng",
        "path",
        "once",
        "ending",
        "base",
    )

    def __init__(self, story: Story, seed: int):
        self.story = story
        self.scenes = story.scenes
        self.seed = seed
        self.scene: Scene = None  # type: ignore[assignment]
        self.v = list(story.defaults())
        self.visits: dict[str, int] = {}
        self.turns = 0
        self.rng = seed_state(seed)
        self.path: list[tuple[str, str]] = []
        self.once: set[tuple[str, str]] = set()
        self.ending: str | None = None
        self.base: State | None = None  # the State this cursor started from

    @classmethod
    def start(cls, story: Story, seed: int) -> Cursor:
        c = cls(story, seed)
        c.enter(story.start)
        return c

    @classmethod
    def from_state(cls, story: Story, state: State) -> Cursor:
        c = cls.__new__(cls)
        c.story = story
        c.scenes = story.scenes
        c.seed = state.seed
        c.scene = story.scenes[state.scene]
        c.v = list(state.v)
        c.visits = dict(state.visits)
        c.turns = state.turns
        c.rng = state.rng
        c.path = list(state.path)
        c.once = set(state.once)
        c.ending = state.ending
        c.base = state
        return c

    def snapshot(self) -> State:
        """The State now. What did not change since the State this cursor
        started from is that State's own value, not a copy: a game's history
        keeps one State per turn, and most turns change neither the
        variables nor the once-only choices taken."""
        v = tuple(self.v)
        once = frozenset(self.once) if self.once else _NO_ONCE
        base = getattr(self, "base", None)  # (tools may build a Cursor with __new__)
        if base is not None:
            if len(v) == len(base.v) and all(
                map(is_, v, base.v)
            ):  # (the same values, not equal ones: 1 == True)
                v = base.v
            if once == base.once:
                once = base.once
        return State(
            self.story.id,
            self.seed,
            self.scene.id,
            v,
            dict(self.visits),
            self.turns,
            self.rng,
            tuple(self.path),
            once,
            self.ending,
        )

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
            if e.op == "set":
                new = val
            elif e.op == "add":
                new = v[e.var] + val
            else:
                new = v[e.var] - val
            if e.lo is not None:
                if new < e.lo:
                    new = e.lo
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
        out = []
        for c in choices:
            if c.cond is not None and not c.cond.fn(self):
                continue
            if c.once and (scene.id, c.id) in once:
                continue
            out.append(c)
        return out

    def take(self, choice: Choice) -> None:
        """Take a choice from options() (no legality check: see step)."""
        scene = self.scene
        self.path.append((scene.id, choice.id))
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
            self.once.add((scene.id, choice.id))
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
    return Cursor.from_state(story, state).options()


def choose(story: Story, state: State, choice_id: str) -> State:
    c = Cursor.from_state(story, state)
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
