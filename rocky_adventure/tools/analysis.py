"""Static facts about a loaded story, shared by the lints, explore and graph.

Everything here reads the immutable Story only: which expressions read
which names, which effects write which variables, the scene graph, and a
small abstract evaluator that decides whether a condition can ever hold.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..engine.expr import Expr
from ..engine.model import Choice, Effect, Scene, Story

# How many value combinations the condition evaluator tries before it gives
# up and says "cannot decide".
MAX_COMBOS = 20_000
# An int variable whose declared range is at most this wide is enumerated.
MAX_ENUM_RANGE = 256


@dataclass(slots=True)
class Use:
    """One place an expression sits in the story."""

    expr: Expr
    scene: str | None  # the scene it belongs to, if any
    role: str  # cond | chance | effect | text | epilogue | display


@dataclass(slots=True)
class Facts:
    uses: list[Use] = field(default_factory=list)
    reads: dict[str, list[Use]] = field(default_factory=dict)  # name -> uses reading it
    writes: dict[str, list[tuple[Effect, str]]] = field(
        default_factory=dict
    )  # var -> (effect, file)
    display_reads: set[str] = field(default_factory=set)


def exits(scene: Scene) -> tuple[Choice, ...]:
    return scene.exits


def walk_choices(story: Story) -> Iterator[tuple[Scene, Choice]]:
    for scene in story.scenes.values():
        for ch in scene.exits:
            yield scene, ch


def collect(story: Story) -> Facts:
    """Every expression with its role, and every write of every variable."""
    f = Facts()

    def use(e: Expr | None, scene: str | None, role: str) -> None:
        if e is None:
            return
        u = Use(e, scene, role)
        f.uses.append(u)
        for name in e.reads:
            f.reads.setdefault(name, []).append(u)

    def effects(effs, scene_id: str, file: str) -> None:
        for e in effs:
            use(e.value, scene_id, "effect")
            f.writes.setdefault(e.name, []).append((e, file))

    for scene in story.scenes.values():
        for e in scene.text.exprs:
            use(e, scene.id, "text")
        effects(scene.effects, scene.id, scene.file)
        for ch in scene.exits:
            use(ch.cond, scene.id, "cond")
            use(ch.chance, scene.id, "chance")
            if ch.text is not None:
                for e in ch.text.exprs:
                    use(e, scene.id, "text")
            effects(ch.effects, scene.id, ch.file)
    for ending in story.endings.values():
        for e in ending.epilogue.exprs:
            use(e, None, "epilogue")
    d = story.display
    use(d.hud_when, None, "display")
    for b in d.hud_bars:
        use(b.when, None, "display")
        f.display_reads.add(b.var)
    f.display_reads.update(d.sidebar)
    if d.hud_round:
        f.display_reads.add(d.hud_round)
    return f


def flow_names(story: Story) -> tuple[tuple[int, ...], tuple[str, ...], bool]:
    """What can change where the story goes: the variables and the scene
    visit counts read by conditions, odds and effect values, and whether
    `turns` is. Text never changes the flow, so it is left out: explore
    merges states that differ only in what is not here."""
    names: set[str] = set()
    for scene in story.scenes.values():
        for e in scene.effects:
            names |= e.value.reads
        for ch in scene.exits:
            for x in (ch.cond, ch.chance):
                if x is not None:
                    names |= x.reads
            for e in ch.effects:
                names |= e.value.reads
    scenes = tuple(sorted(n for n in names if n in story.scenes))
    variables = tuple(sorted(story.var_index[n] for n in names if n in story.var_index))
    return variables, scenes, "turns" in names


# -- the scene graph ---------------------------------------------------


def static_reachable(story: Story, skip: set[tuple[str, int]] | None = None) -> set[str]:
    """Scenes reachable from the start along any exit, ignoring conditions,
    except exits listed in `skip` as (scene id, exit index)."""
    seen = {story.start}
    todo = deque([story.start])
    skip = skip or set()
    while todo:
        sid = todo.popleft()
        for i, ch in enumerate(story.scenes[sid].exits):
            if (sid, i) in skip:
                continue
            for t in ch.targets:
                if t not in seen and t in story.scenes:
                    seen.add(t)
                    todo.append(t)
    return seen


# -- deciding conditions -------------------------------------------------


class _Ctx:
    __slots__ = ("v", "visits", "turns")

    def __init__(self, v, visits, turns):
        self.v = v
        self.visits = visits
        self.turns = turns


def _constants(ir, out: set) -> None:
    if ir[0] == "const":
        if isinstance(ir[1], int | float) and not isinstance(ir[1], bool):
            out.add(ir[1])
        return
    for x in ir[1:]:
        if isinstance(x, tuple) and x and isinstance(x[0], tuple):
            for y in x:
                _constants(y, out)
        elif isinstance(x, tuple):
            _constants(x, out)


class Domains:
    """For each name an expression can read, a finite set of values it may
    plausibly take. A variable never written keeps its default; one only
    ever `set` to constants takes those; a narrow int range is enumerated;
    a wide one is sampled at its bounds and around every constant the
    story compares with. Good enough to decide most conditions, and a
    condition it cannot decide is never reported."""

    def __init__(self, story: Story, facts: Facts, reachable: set[str]):
        self.story = story
        self.memo: dict[
            tuple, set[tuple] | None
        ] = {}  # by the expressions' IR: equal sources share it
        consts: set = set()
        for u in facts.uses:
            _constants(u.expr.ir, consts)
        near = {int(k) + d for k in consts for d in (-1, 0, 1)}
        self.values: dict[str, tuple] = {}
        for var in story.variables:
            writes = facts.writes.get(var.name, [])
            vals: set = {var.default}
            if all(e.op == "set" and e.value.ir[0] == "const" for e, _ in writes):
                vals |= {e.value.ir[1] for e, _ in writes}
                if var.type == "int" and var.min is not None:
                    vals = {min(max(x, var.min), var.max) for x in vals}
            elif var.type == "bool":
                vals = {False, True}
            elif var.type == "str":
                vals |= {e.value.ir[1] for e, _ in writes if e.value.ir[0] == "const"}
            else:
                lo, hi = var.min, var.max
                if lo is not None and hi is not None and hi - lo <= MAX_ENUM_RANGE:
                    vals = set(range(lo, hi + 1))
                else:
                    lo = -(10**6) if lo is None else lo
                    hi = 10**6 if hi is None else hi
                    vals |= {x for x in near if lo <= x <= hi} | {lo, hi, 0, 1, -1}
                    vals = {x for x in vals if lo <= x <= hi}
            self.values[var.name] = tuple(sorted(vals, key=repr))
        visit_vals = tuple(sorted({0, 1, 2, 3} | {x for x in near if 0 <= x <= 1000}))
        for sid in story.scenes:
            self.values[sid] = visit_vals if sid in reachable else (0,)
        self.values["turns"] = tuple(
            sorted({0, 1, 2, 10, 100, 10_000} | {x for x in near if x >= 0})
        )

    def outcomes(self, *exprs: Expr, limit: int = MAX_COMBOS) -> set[tuple] | None:
        """Every tuple of values the expressions take together over the
        domains of the names they read; None when there are too many
        combinations to try or evaluating one faults."""
        memo_key = tuple(e.ir for e in exprs)
        if memo_key in self.memo:
            return self.memo[memo_key]
        out = self._outcomes(exprs, limit)
        self.memo[memo_key] = out
        return out

    def _outcomes(self, exprs: tuple[Expr, ...], limit: int) -> set[tuple] | None:
        gen = self._values(exprs, limit)
        if gen is None:
            return None
        seen: set = set()
        try:
            for t in gen:
                seen.add(t)
        except _Fault:
            return None
        return seen

    def _values(self, exprs: tuple[Expr, ...], limit: int):
        """A generator of the value tuples, one per combination (raising
        _Fault where evaluating faults); None when there are too many."""
        names = sorted(set().union(*(e.reads for e in exprs)))
        pools = [self.values[n] for n in names]
        n = 1
        for p in pools:
            n *= len(p)
            if n > limit:
                return None
        story = self.story
        v = list(story.defaults())
        visits: dict[str, int] = {}
        ctx = _Ctx(v, visits, 0)
        setters: list[Callable[..., None]] = []
        for name in names:
            if name in story.var_index:
                i = story.var_index[name]
                setters.append(lambda x, i=i: v.__setitem__(i, x))
            elif name == "turns":
                setters.append(lambda x: setattr(ctx, "turns", x))
            else:
                setters.append(lambda x, s=name: visits.__setitem__(s, x))

        def gen():
            for combo in itertools.product(*pools):
                for put, x in zip(setters, combo):
                    put(x)
                try:
                    yield tuple(e.fn(ctx) for e in exprs)
                except Exception:  # a fault (division by zero): the value is unknown
                    raise _Fault from None

        return gen()

    def can_be(self, expr: Expr, value) -> bool | None:
        """Whether the expression can take the value: True/False when
        decided, None when not. Stops at the first combination that gives
        it."""
        key = ("can_be", expr.ir, value)
        if key in self.memo:
            return self.memo[key]  # type: ignore[return-value]
        gen = self._values((expr,), MAX_COMBOS)
        found: bool | None = None
        if gen is not None:
            try:
                found = any(t[0] == value and type(t[0]) is type(value) for t in gen)
            except _Fault:
                found = None
        self.memo[key] = found  # type: ignore[assignment]
        return found


class _Fault(Exception):
    pass
