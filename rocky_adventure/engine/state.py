"""The State: all progress of one playthrough, as one immutable value.

Saves, undo, the history, replays and speedrun verification all use it. It
serializes to JSON with a format version and the story's identity."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from .diagnostics import StateError
from .digests import sha256
from .model import Story
from .rng import MAX_SEED

STATE_FORMAT = "rocky-adventure-state"
MAX_VALUE = 10**12  # an int variable's value (the story format's own bound)
MAX_TEXT = 10_000  # a str variable's length
MAX_COUNT = 10**9  # turns and visit counts
STATE_VERSION = 1

_T = TypeVar("_T")

# State.key(): (scene, variable values, sorted visits, once-only choices taken, rng, ending)
StateKey: TypeAlias = "tuple[str, tuple[Any, ...], tuple[tuple[str, int], ...], frozenset[tuple[str, str]], int, str | None]"


@dataclass(frozen=True, slots=True, eq=True)
class State:
    story_id: str
    seed: int
    scene: str
    v: tuple[Any, ...]  # variable values, in the story's declaration order
    visits: dict[str, int]  # scene id -> times entered; never mutated once in a State
    turns: int  # choices made
    rng: int  # the generator's state
    path: tuple[tuple[str, str], ...]  # ((scene id, choice id), ...): every choice made, in order
    once: frozenset[tuple[str, str]]  # {(scene id, choice id)} of once-only choices taken
    ending: str | None = None

    __hash__ = None  # type: ignore[assignment]  # visits is a dict

    def var(self, story: Story, name: str) -> Any:
        return self.v[story.var_index[name]]

    def variables(self, story: Story) -> dict[str, Any]:
        return {var.name: self.v[var.index] for var in story.variables}

    def key(self) -> StateKey:
        """A hashable identity of where the play is and what it knows (not
        the path taken): explore uses it to merge equal states."""
        return (
            self.scene,
            self.v,
            tuple(sorted(self.visits.items())),
            self.once,
            self.rng,
            self.ending,
        )

    def to_json(self, story: Story) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "story": self.story_id,
            "seed": self.seed,
            "scene": self.scene,
            "vars": self.variables(story),
            "visits": dict(self.visits),
            "turns": self.turns,
            "rng": self.rng,
            "path": [list(p) for p in self.path],
            "once": sorted(list(p) for p in self.once),
            "ending": self.ending,
        }

    def digest(self, story: Story) -> str:
        """SHA-256 of the canonical JSON: speedrun files record it."""
        data = json.dumps(self.to_json(story), sort_keys=True, separators=(",", ":"))
        return sha256(data.encode()).hexdigest()


def state_from_json(story: Story, data: Any) -> State:
    """Rebuild a State, checking every field against the story. Raises
    StateError with a plain message on anything that does not fit."""
    if not isinstance(data, dict):
        raise StateError("expected a JSON object holding a saved state")
    if data.get("format") != STATE_FORMAT:
        raise StateError("this is not a rocky-adventure saved state")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise StateError("the saved state has no version")
    if version > STATE_VERSION:
        raise StateError(
            f"the save was written by a newer version (state format {version}; this game reads {STATE_VERSION})"
        )
    if version < 1:
        raise StateError(f"unknown state format version {version}")
    sid = data.get("story")
    if sid != story.id:
        raise StateError(f"the save belongs to another story ({sid!r}, not {story.id!r})")

    def need(key: str, typ: type[_T], what: str) -> _T:
        val = data.get(key)
        if not isinstance(val, typ) or (typ is int and isinstance(val, bool)):
            raise StateError(f"the saved state's {key!r} is missing or not {what}")
        return val

    seed = need("seed", int, "a number")
    if not 0 <= seed <= MAX_SEED:
        raise StateError("the saved state's seed is out of range")
    scene = need("scene", str, "text")
    if scene not in story.scenes:
        raise StateError(f"the save is at scene {scene!r}, which no longer exists in the story")
    raw_vars = need("vars", dict, "an object")
    values: list[Any] = []
    for var in story.variables:
        if var.name not in raw_vars:
            values.append(var.default)  # a variable the story gained since
            continue
        val = raw_vars[var.name]
        ok = (
            isinstance(val, bool)
            if var.type == "bool"
            else isinstance(val, str)
            if var.type == "str"
            else isinstance(val, int) and not isinstance(val, bool)
        )
        if not ok:
            raise StateError(f"the saved variable {var.name!r} is not of type {var.type}")
        if var.type == "int":
            if not -MAX_VALUE <= val <= MAX_VALUE:
                raise StateError(f"the saved variable {var.name!r} is out of range")
            lo = var.min if var.min is not None else val
            hi = var.max if var.max is not None else val
            val = min(max(val, lo), hi)
        elif var.type == "str" and len(val) > MAX_TEXT:
            raise StateError(
                f"the saved variable {var.name!r} is longer than {MAX_TEXT} characters"
            )
        values.append(val)
    raw_visits = need("visits", dict, "an object")
    visits: dict[str, int] = {}
    for k, n in raw_visits.items():
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_COUNT:
            raise StateError(f"the saved visit count of {k!r} is not a count")
        if k in story.scenes:
            visits[k] = n
    turns = need("turns", int, "a number")
    rng = need("rng", int, "a number")
    if not 0 <= rng < (1 << 64) or not 0 <= turns <= MAX_COUNT:
        raise StateError("the saved state's counters are out of range")
    path: list[tuple[str, str]] = []
    for p in need("path", list, "a list"):
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)):
            raise StateError("the saved path is damaged")
        path.append((p[0], p[1]))
    once: set[tuple[str, str]] = set()
    for p in need("once", list, "a list"):
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)):
            raise StateError("the saved once-only choices are damaged")
        once.add((p[0], p[1]))
    ending = data.get("ending")
    if ending is not None and (not isinstance(ending, str) or ending not in story.endings):
        raise StateError(f"the save ends with {ending!r}, which is not an ending of this story")
    return State(
        story.id,
        seed,
        scene,
        tuple(values),
        visits,
        turns,
        rng,
        tuple(path),
        frozenset(once),
        ending,
    )
