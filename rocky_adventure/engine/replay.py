"""The one replay: play a path of choices from a start, and say where and
why it stopped.

    r = replay(story, 7, ["jab", "duck"])             # from a seed's new game
    r = replay(story, state, path, keep=True)         # from any State; every State on the way
    r = replay(story, start, [("gym", "rest"), ...])  # (scene, choice) pairs: the scene must match
    if r.stop is not None:
        print(r.stop.message)                         # "choice 3 ('rest') no longer exists ..."
    r.state                                           # the last State reached

Saves (rebuilding the history after a load), undo's history, live reload,
transcripts, routes, practice and speedrun verification all replay through
here, so they agree on what a path means and on why one no longer plays.
A replay never raises for a path that does not fit: the reason is in
`stop`. Faults in the story (a division by zero) stop it too, with the
fault's Diagnostic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

from .diagnostics import Diagnostic, StoryRuntimeError
from .model import Story
from .play import Cursor, IllegalChoice
from .state import State

Step = str | tuple[str, str]  # a choice id, or (scene id, choice id) as a State's path holds them


class StopKind(str, Enum):
    ENDED = "ended"  # the story had already ended
    SCENE = "scene"  # the choice was made in another scene than the one the story is in
    ILLEGAL = "illegal"  # no such choice is open in the scene
    FAULT = "fault"  # the story failed while playing the choice


@dataclass(frozen=True, slots=True)
class Stop:
    """Why a replay stopped before the end of its path."""

    kind: StopKind
    index: int  # 0-based: the step of the path that could not be played
    choice: str  # its choice id
    scene: str  # the scene the story was in
    expected_scene: str | None = None  # (kind SCENE) the scene the path says
    open: tuple[str, ...] = ()  # the choice ids open in `scene`
    ending: str | None = None  # (kind ENDED) the ending reached
    fault: Diagnostic | None = None  # (kind FAULT) where and what

    @property
    def number(self) -> int:
        """The step as people count: choice 1 is the first."""
        return self.index + 1

    @property
    def detail(self) -> str:
        """What went wrong, without saying which choice."""
        if self.kind is StopKind.ENDED:
            return f"the story has ended ({self.ending}); no more choices"
        if self.kind is StopKind.SCENE:
            return (
                f"the choice was made in scene {self.expected_scene!r}, "
                f"but the story is at {self.scene!r}"
            )
        if self.kind is StopKind.ILLEGAL:
            return (
                f"no open choice {self.choice!r} in scene {self.scene!r} "
                f"(open: {', '.join(self.open) or 'none'})"
            )
        assert self.fault is not None
        where = self.fault.file + (
            f":{self.fault.line}:{self.fault.col}" if self.fault.line else ""
        )
        return f"{where}: error: {self.fault.message}"

    @property
    def message(self) -> str:
        """One line: "choice 3: no open choice 'rest' in scene 'gym' (open: ...)"."""
        return f"choice {self.number}: {self.detail}"


@dataclass(slots=True)
class Replayed:
    state: State  # where the replay got to: the last State before `stop`, or the end of the path
    played: int  # steps of the path played
    stop: Stop | None = None  # None: the whole path played
    states: list[State] = field(
        default_factory=list
    )  # with keep=True: the start, then one per step

    @property
    def ok(self) -> bool:
        return self.stop is None


def replay(
    story: Story,
    start: int | State,
    path: Iterable[Step],
    *,
    keep: bool = False,
    on_step: Callable[[int, State], None] | None = None,
) -> Replayed:
    """Play `path` from `start` (a seed: that seed's new game; or a State).

    A step is a choice id, or a (scene id, choice id) pair that must be
    taken in that scene. `keep` collects every State along the way;
    `on_step(i, state)` is called after step i (0-based) with the State it
    reached. Stops at the first step that does not fit (see Stop)."""
    steps = list(path)
    c = _cursor(story, start)
    states: list[State] = [c.snapshot()] if keep else []
    done = 0
    stop: Stop | None = None
    for i, step in enumerate(steps):
        scene_id, cid = step if isinstance(step, tuple) else (None, step)
        if c.ending is not None:
            stop = Stop(StopKind.ENDED, i, cid, c.scene.id, ending=c.ending)
            break
        if scene_id is not None and c.scene.id != scene_id:
            stop = Stop(StopKind.SCENE, i, cid, c.scene.id, expected_scene=scene_id)
            break
        scene_now = c.scene.id
        try:
            c.step(cid)
        except IllegalChoice:
            stop = Stop(StopKind.ILLEGAL, i, cid, scene_now, open=tuple(o.id for o in c.options()))
            break
        except StoryRuntimeError as e:
            # the cursor may be half-way through the step: play up to it again
            c = _cursor(story, start)
            for before in steps[:done]:
                c.step(before[1] if isinstance(before, tuple) else before)
            stop = Stop(StopKind.FAULT, i, cid, scene_now, fault=e.diagnostic)
            break
        done += 1
        if keep or on_step is not None:
            now = c.snapshot()
            if keep:
                states.append(now)
            if on_step is not None:
                on_step(i, now)
    return Replayed(c.snapshot(), done, stop, states)


def _cursor(story: Story, start: int | State) -> Cursor:
    return Cursor.start(story, start) if isinstance(start, int) else Cursor.from_state(story, start)
