"""The State: all progress of one playthrough, as one immutable value.

Saves, undo, the history, replays and speedrun verification all use it. It
serializes to JSON with a format version and the story's identity.

A State's path and visit counts are persistent structures (`Path`,
`Visits`): the State after a choice shares all but the last few entries
with the State before it, so a choice costs the same at the 4,000th step
of a run as at the 100th (copying a tuple and a dict grew with the run).
They read like the tuple and the dict they replace (Sequence and Mapping,
equal to a tuple / a dict with the same items) and serialize to the same
JSON, digests and keys."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from math import isqrt
from typing import Any, TypeAlias, TypeVar, overload

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


Step: TypeAlias = "tuple[str, str]"  # (scene id, choice id)

# -- the path: a persistent vector -------------------------------------------
#
# Clojure's layout: the steps in leaves of 32, the leaves in a trie of
# tuples 32 wide (so 1,024 steps take two levels, 32,768 three), and the
# last 1 to 32 steps in a `tail` outside the trie. Appending copies the
# tail (at most 32 references), and every 32nd step one path of the trie
# (a tuple of at most 32 per level); reading a step walks the levels. The
# layout is a function of the length alone, so two paths of one length
# compare node by node, and a node two paths share compares by identity.

_BITS = 5
_WIDTH = 1 << _BITS  # 32
_MASK = _WIDTH - 1

Node: TypeAlias = "tuple[Any, ...]"


def _single(leaf: Node, height: int) -> Node:
    """A node of `height` holding only `leaf`."""
    node = leaf
    for _ in range(height):
        node = (node,)
    return node


def _push(node: Node, height: int, count: int, leaf: Node) -> Node:
    """`node` (of `height`, holding `count` leaves, not full) with `leaf` added last."""
    if height == 1:
        return node + (leaf,)
    cap = 1 << (_BITS * (height - 1))  # leaves a child holds
    i = count // cap
    if i < len(node):
        return node[:i] + (_push(node[i], height - 1, count - i * cap, leaf),)
    return node + (_single(leaf, height - 1),)


def _truncate(node: Node, height: int, count: int) -> Node:
    """`node` keeping only its first `count` (>= 1) leaves."""
    if height == 1:
        return node[:count]
    cap = 1 << (_BITS * (height - 1))
    last = (count - 1) // cap
    return node[:last] + (_truncate(node[last], height - 1, count - last * cap),)


def _leaves(node: Node, height: int) -> Iterator[Node]:
    if height == 1:
        yield from node
    else:
        for child in node:
            yield from _leaves(child, height - 1)


def _nodes_equal(a: Node, b: Node, height: int) -> bool:
    if a is b:
        return True
    if len(a) != len(b):
        return False
    if height == 1:
        return a == b  # (leaves are tuples: equal, or the same object, element by element)
    return all(x is y or _nodes_equal(x, y, height - 1) for x, y in zip(a, b))


class Path(Sequence[Step]):
    """The choices of a play, in order: an immutable sequence of (scene id,
    choice id) that reads like a tuple of them (it equals the tuple with
    the same steps, and hashes like it) and grows without copying.
    `path.extend(steps)` and `path[:k]` share all but O(32 log n) of it."""

    __slots__ = ("_n", "_height", "_root", "_tail", "_hash")

    _n: int
    _height: int  # of the trie: 0 when it holds no leaf
    _root: Node
    _tail: Node  # the last 1 to 32 steps (none in the empty path)
    _hash: int | None

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self._set(0, 0, (), ())
        built = self.extend(steps)
        if built is not self:
            self._set(built._n, built._height, built._root, built._tail)

    def _set(self, n: int, height: int, root: Node, tail: Node) -> None:
        self._n = n
        self._height = height
        self._root = root
        self._tail = tail
        self._hash = None

    @staticmethod
    def _of(n: int, height: int, root: Node, tail: Node) -> Path:
        p = _new_path(Path)
        p._n = n
        p._height = height
        p._root = root
        p._tail = tail
        p._hash = None
        return p

    def extend(self, steps: Iterable[Step]) -> Path:
        """This path with `steps` after it (self when there are none)."""
        items = steps if isinstance(steps, (tuple, list)) else tuple(steps)
        if not items:
            return self
        n, height, root, tail = self._n, self._height, self._root, self._tail
        room = _WIDTH - len(tail)
        if len(items) <= room:  # the common case: one step, into the tail
            return Path._of(n + len(items), height, root, tail + tuple(items))
        count = (n - len(tail)) >> _BITS  # leaves in the trie
        pos = 0
        if len(tail) < _WIDTH:
            tail = tail + tuple(items[:room])
            pos = room
        while pos < len(items):
            # the tail is full and a step follows: the tail becomes a leaf
            if count == 0:
                root, height = (tail,), 1
            elif count == 1 << (_BITS * height):
                root, height = (root, _single(tail, height)), height + 1
            else:
                root = _push(root, height, count, tail)
            count += 1
            tail = tuple(items[pos : pos + _WIDTH])
            pos += _WIDTH
        return Path._of(n + len(items), height, root, tail)

    def append(self, step: Step) -> Path:
        """This path with one step more."""
        tail = self._tail
        if len(tail) < _WIDTH:
            p = _new_path(Path)
            p._n = self._n + 1
            p._height = self._height
            p._root = self._root
            p._tail = tail + (step,)
            p._hash = None
            return p
        return self.extend((step,))

    def __len__(self) -> int:
        return self._n

    def _leaf(self, index: int) -> Node:
        """The leaf number `index` of the trie."""
        node = self._root
        for level in range(self._height - 1, 0, -1):
            node = node[(index >> (_BITS * level)) & _MASK]
        return node[index & _MASK]  # type: ignore[no-any-return]

    @overload
    def __getitem__(self, index: int) -> Step: ...
    @overload
    def __getitem__(self, index: slice) -> Path: ...
    def __getitem__(self, index: int | slice) -> Step | Path:
        n = self._n
        if isinstance(index, slice):
            start, stop, stride = index.indices(n)
            if stride == 1 and start == 0:
                return self._prefix(max(stop, 0))
            if stride == 1 and start < stop and stop - start <= 2 * _WIDTH:
                return _EMPTY.extend([self[i] for i in range(start, stop)])
            return _EMPTY.extend(tuple(self)[index])
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("path index out of range")
        offset = n - len(self._tail)
        if index >= offset:
            return self._tail[index - offset]  # type: ignore[no-any-return]
        return self._leaf(index >> _BITS)[index & _MASK]  # type: ignore[no-any-return]

    def _prefix(self, k: int) -> Path:
        """The first k steps, sharing the trie."""
        n = self._n
        if k >= n:
            return self
        if k == 0:
            return _EMPTY
        tail_len = ((k - 1) & _MASK) + 1
        count = (k - tail_len) >> _BITS  # leaves of the prefix's trie
        offset = n - len(self._tail)
        start = count << _BITS  # where the prefix's tail starts
        if start >= offset:
            return Path._of(k, self._height, self._root, self._tail[: k - offset])
        tail = self._leaf(count)[:tail_len]
        if count == 0:
            return Path._of(k, 0, (), tail)
        root, height = _truncate(self._root, self._height, count), self._height
        while height > 1 and len(root) == 1:
            root, height = root[0], height - 1
        return Path._of(k, height, root, tail)

    def __iter__(self) -> Iterator[Step]:
        if self._height == 0:
            return iter(self._tail)
        return chain.from_iterable(chain(_leaves(self._root, self._height), (self._tail,)))

    def __reversed__(self) -> Iterator[Step]:
        return reversed(tuple(self))

    def __contains__(self, step: object) -> bool:
        return step in self._tail or any(step in leaf for leaf in _leaves(self._root, self._height))

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, Path):
            return (
                self._n == other._n
                and self._tail == other._tail
                and _nodes_equal(self._root, other._root, self._height)
            )
        if isinstance(other, tuple):
            return self._n == len(other) and tuple(self) == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash(tuple(self))
        return h

    def __add__(self, other: Iterable[Step]) -> Path:
        if isinstance(other, (Path, tuple)):
            return self.extend(other)
        return NotImplemented

    def __radd__(self, other: tuple[Step, ...]) -> tuple[Step, ...]:
        if isinstance(other, tuple):
            return other + tuple(self)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Path({list(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path, (tuple(self),))


_new_path = object.__new__
_EMPTY = EMPTY_PATH = Path()


# -- the visit counts: a persistent map ----------------------------------------
#
# A `base` dict shared by many States and a small `delta` dict of what
# changed since (a State after a choice: the delta before it, copied, and
# the scene entered). When the delta outgrows DELTA_LIMIT (at least 32;
# the square root of twice the length for a long run, which balances
# copying the delta each step against flattening it into a new base) the
# two are merged into a new base. Iteration order is a dict's: the order
# of first visits, as the copied dict had.

_MISSING: Any = object()


def delta_limit(n: int) -> int:
    """How large a Visits' delta may grow before it is merged into a new base
    (Visits._merged tests `d > 32 and d * d > 2 * n`, the same without a root)."""
    return max(32, isqrt(2 * n))


class Visits(Mapping[str, int]):
    """Scene id -> times entered: an immutable mapping that equals the dict
    with the same items. `visits.updated(changes)` shares all but the
    changes (see above)."""

    __slots__ = ("_base", "_delta", "_n")

    _base: dict[str, int]  # never mutated
    _delta: dict[str, int]  # never mutated; its keys may be in _base too
    _n: int

    def __init__(self, items: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> None:
        self._base = dict(items)
        self._delta = {}
        self._n = len(self._base)

    @staticmethod
    def _merged(base: dict[str, int], delta: dict[str, int], n: int) -> Visits:
        """A Visits of `base` and `delta` (both now the new value's own), merged
        into a new base when the delta has grown too large."""
        m = _new_visits(Visits)
        d = len(delta)
        if d > 32 and d * d > 2 * n:  # d > delta_limit(n)
            flat = base.copy()
            flat.update(delta)
            base, delta = flat, {}
        m._base = base
        m._delta = delta
        m._n = n
        return m

    def updated(self, changes: Mapping[str, int]) -> Visits:
        """These counts with `changes` applied (new scenes last, in their order)."""
        if not changes:
            return self
        base, delta = self._base, self._delta
        n = self._n
        for k in changes:
            if k not in delta and k not in base:
                n += 1
        new = delta.copy()
        new.update(changes)
        return Visits._merged(base, new, n)

    def updated1(self, key: str, count: int) -> Visits:
        """These counts with one count set (a new scene last)."""
        base, delta = self._base, self._delta
        n = self._n if key in delta or key in base else self._n + 1
        new = delta.copy()
        new[key] = count
        return Visits._merged(base, new, n)

    def to_dict(self) -> dict[str, int]:
        """A new dict with the same items, in the same order."""
        out = self._base.copy()
        if self._delta:
            out.update(self._delta)
        return out

    def get(self, key: str, default: Any = None) -> Any:
        val = self._delta.get(key, _MISSING)
        if val is _MISSING:
            return self._base.get(key, default)
        return val

    def __getitem__(self, key: str) -> int:
        val = self._delta.get(key, _MISSING)
        if val is _MISSING:
            return self._base[key]
        return val  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return key in self._delta or key in self._base

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[str]:
        if not self._delta:
            return iter(self._base)
        return iter(self.to_dict())

    def keys(self) -> Any:  # (a dict's views: set operations as before)
        return self.to_dict().keys()

    def items(self) -> Any:
        return self.to_dict().items()

    def values(self) -> Any:
        return self.to_dict().values()

    def copy(self) -> dict[str, int]:
        return self.to_dict()

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, Visits):
            if self._n != other._n:
                return False
            if self._base is other._base and self._delta == other._delta:
                return True
            return self.to_dict() == other.to_dict()
        if isinstance(other, dict):
            return self._n == len(other) and self.to_dict() == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]  # (as a dict)

    def __repr__(self) -> str:
        return f"Visits({self.to_dict()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Visits, (self.to_dict(),))


_new_visits = object.__new__


def as_dict(visits: Mapping[str, int]) -> dict[str, int]:
    """A new dict of visit counts, quickly for a Visits."""
    return visits.to_dict() if isinstance(visits, Visits) else dict(visits)


@dataclass(frozen=True, slots=True, eq=True)
class State:
    story_id: str
    seed: int
    scene: str
    v: tuple[Any, ...]  # variable values, in the story's declaration order
    visits: Visits  # scene id -> times entered (reads like a dict)
    turns: int  # choices made
    rng: int  # the generator's state
    path: Path  # ((scene id, choice id), ...): every choice made, in order (reads like a tuple)
    once: frozenset[tuple[str, str]]  # {(scene id, choice id)} of once-only choices taken
    ending: str | None = None

    __hash__ = None  # type: ignore[assignment]  # visits is a mapping, as a dict

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
            "visits": as_dict(self.visits),
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
        Visits(visits),
        turns,
        rng,
        Path(path),
        frozenset(once),
        ending,
    )
