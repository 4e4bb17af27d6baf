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

from ..engine.diagnostics import StoryRuntimeError
from ..engine.expr import Expr
from ..engine.model import Choice, Effect, Scene, Story
from ..engine.play import Cursor
from ..engine.state import State

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
    display_reads: set[str] = field(default_factory=set)  # read by the display or a policy


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
    for b in (*d.hud_bars, *d.sidebar_bars):
        use(b.when, None, "display")
        f.display_reads.add(b.var)
    if d.hud_round:
        f.display_reads.add(d.hud_round)
    # a balance policy's rules read what the player is shown (a variable only they read is read)
    for pol in story.policies:
        for r in pol.rules:
            if r.when is not None:
                f.display_reads.update(r.when.reads)
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


def can_fault(e: Expr) -> bool:
    """Whether evaluating the expression can fail: only `//` and `%` by a
    value that is not a constant can (by zero)."""

    def walk(ir) -> bool:
        if ir[0] == "bin" and ir[1] in ("//", "%") and ir[3][0] != "const":
            return True
        for x in ir[1:]:
            if isinstance(x, tuple) and x and isinstance(x[0], tuple):
                if any(walk(y) for y in x):
                    return True
            elif isinstance(x, tuple) and x and isinstance(x[0], str) and walk(x):
                return True
        return False

    return walk(e.ir)


@dataclass(frozen=True, slots=True)
class Live:
    """What can still change where the story goes, seen from one scene:
    the variables (by index) and the visit counts read from there on,
    whether `turns` is, the scenes whose once-only choices can still be
    offered, and whether a chance check can still be rolled."""

    vars: tuple[int, ...]
    visits: tuple[str, ...]
    turns: bool
    once: frozenset[str]
    chance: bool


def relevant_names(story: Story) -> set[str]:
    """The names whose values can change where the story goes: those read
    by conditions and odds, by an effect value that can fault, and (until
    nothing changes) by an effect value whose variable is one of them."""
    names: set[str] = set()
    effects: list[Effect] = []
    for scene in story.scenes.values():
        effects.extend(scene.effects)
        for ch in scene.exits:
            for x in (ch.cond, ch.chance):
                if x is not None:
                    names |= x.reads
            effects.extend(ch.effects)
    todo = []
    for e in effects:
        if can_fault(e.value):
            names |= e.value.reads
        else:
            todo.append(e)
    grew = True
    while grew:
        grew = False
        rest = []
        for e in todo:
            if e.name in names:
                if not e.value.reads <= names:
                    names |= e.value.reads
                    grew = True
            else:
                rest.append(e)
        todo = rest
    return names


def liveness(story: Story) -> dict[str, Live]:
    """For each scene, what can still change where the story goes from a
    state in it (see Live): the names that relevant_names() finds, read in
    this scene or in any scene reachable from it. Two states in the same
    scene that agree on these have the same futures, so explore and route
    merge them. Computed over the strongly connected components of the
    scene graph, sinks first."""
    relevant = relevant_names(story)
    own: dict[str, frozenset] = {}
    for scene in story.scenes.values():
        names: set = set()
        for e in scene.effects:
            if e.name in relevant or can_fault(e.value):
                names |= e.value.reads
        for ch in scene.exits:
            for x in (ch.cond, ch.chance):
                if x is not None:
                    names |= x.reads
            for e in ch.effects:
                if e.name in relevant or can_fault(e.value):
                    names |= e.value.reads
            if ch.once:
                names.add(("once", scene.id))
            if ch.chance is not None:
                names.add(("chance",))
        own[scene.id] = frozenset(names)
    succ = {
        sid: sorted({t for ch in scene.exits for t in ch.targets if t in story.scenes})
        for sid, scene in story.scenes.items()
    }
    live: dict[str, frozenset] = {}
    for comp in _components(list(story.scenes), succ):
        members = set(comp)
        acc: set = set()
        for sid in comp:
            acc |= own[sid]
            for t in succ[sid]:
                if t not in members:
                    acc |= live[t]
        shared = frozenset(acc)
        for sid in comp:
            live[sid] = shared
    out: dict[str, Live] = {}
    memo: dict[frozenset, Live] = {}
    index = story.var_index
    for sid, ahead in live.items():
        got = memo.get(ahead)
        if got is None:
            got = memo[ahead] = Live(
                tuple(sorted(index[n] for n in ahead if isinstance(n, str) and n in index)),
                tuple(sorted(n for n in ahead if isinstance(n, str) and n in story.scenes)),
                "turns" in ahead,
                frozenset(n[1] for n in ahead if isinstance(n, tuple) and n[0] == "once"),
                ("chance",) in ahead,
            )
        out[sid] = got
    return out


def _components(nodes: list[str], succ: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively, in reverse
    topological order (a component comes after every one it leads to)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    n = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        index[root] = low[root] = n
        n += 1
        stack.append(root)
        on.add(root)
        while work:
            v, i = work[-1]
            nxt = succ[v]
            if i < len(nxt):
                work[-1] = (v, i + 1)
                w = nxt[i]
                if w not in index:
                    index[w] = low[w] = n
                    n += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


# -- the scene graph ---------------------------------------------------


def static_reachable(
    story: Story, skip: set[tuple[str, int]] | None = None, start: str | None = None
) -> set[str]:
    """Scenes reachable from the start (or the scene `start`) along any
    exit, ignoring conditions, except exits listed in `skip` as (scene id,
    exit index)."""
    first = start if start is not None else story.start
    seen = {first}
    todo = deque([first])
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

    def __init__(self, story: Story, facts: Facts, reachable: set[str], start: State | None = None):
        """`start`: a state play starts from (--from/--set), whose values
        are among those the names can take."""
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
        if start is not None:
            for var in story.variables:
                self._add(var.name, start.v[var.index])
            for sid, n in start.visits.items():
                self._add(sid, n)

    def _add(self, name: str, value) -> None:
        vals = self.values.get(name, ())
        if value not in vals or not any(type(x) is type(value) for x in vals if x == value):
            self.values[name] = tuple(sorted(set(vals) | {value}, key=repr))

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

    def outcomes_in(
        self, exprs: tuple[Expr, ...], pools: dict[str, tuple], limit: int = MAX_COMBOS
    ) -> set[tuple] | None:
        """outcomes(), with the values in `pools` for the names it lists
        (the others take their domain's): what FlowReach evaluates."""
        names = sorted(set().union(*(e.reads for e in exprs)))
        memo_key = (tuple(e.ir for e in exprs), tuple(pools.get(n) for n in names))
        if memo_key in self.memo:
            return self.memo[memo_key]
        gen = self._values(exprs, limit, pools)
        out: set[tuple] | None = None
        if gen is not None:
            out = set()
            try:
                for t in gen:
                    out.add(t)
            except _Fault:
                out = None
        self.memo[memo_key] = out
        return out

    def truth_in(self, cond: Expr, pools: dict[str, tuple], limit: int = MAX_COMBOS) -> set | None:
        """The values a condition takes with the values in `pools` (see
        outcomes_in), stopping once it has been both true and false."""
        memo_key = ("truth", cond.ir, tuple(pools.get(n) for n in sorted(cond.reads)))
        if memo_key in self.memo:
            return self.memo[memo_key]  # type: ignore[return-value]
        gen = self._values((cond,), limit, pools)
        out: set | None = None
        if gen is not None:
            out = set()
            try:
                for (t,) in gen:
                    out.add(t)
                    if len(out) > 1:
                        break
            except _Fault:
                out = None
        self.memo[memo_key] = out  # type: ignore[assignment]
        return out

    def _values(self, exprs: tuple[Expr, ...], limit: int, given: dict[str, tuple] | None = None):
        """A generator of the value tuples, one per combination (raising
        _Fault where evaluating faults); None when there are too many."""
        names = sorted(set().union(*(e.reads for e in exprs)))
        if given:
            pools = [given.get(n) or self.values[n] for n in names]
        else:
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


# -- what playthroughs can reach, flow-sensitively ------------------------------

# The most values FlowReach follows one by one for a variable in a scene;
# past it, the variable may take any of its domain's values. So it does too
# once its set at a scene has grown WIDEN times (a loop's counter), and an
# expression over more than FLOW_COMBOS combinations is undecided.
MAX_FLOW_VALUES = MAX_ENUM_RANGE + 1
WIDEN = 3
FLOW_COMBOS = 4_000

Env = tuple  # per variable (by index): a frozenset of the values it may have, or None: any


class FlowReach:
    """The scenes playthroughs can reach, found without playing: an abstract
    interpretation over the scene graph that follows, for each scene, the
    set of values each variable may have on entering it (after the scene's
    effects), from the start state's values. A choice or branch is taken
    only where its condition can hold for those values (decided by the
    Domains' evaluator; undecided counts as open), a chance check goes both
    ways unless its odds settle it, effects map the sets, and sets meeting
    at a scene are joined. Visit counts and `turns` take their domain's
    values, and once-only choices are always open: over-approximations, so a
    scene this does not reach is never reached.

    It sees what a flow-insensitive check cannot: a pack's hook choice that
    sets `counter: 0` right before the only `if: "counter >= 3"` on the way
    to the pack's ending. With `region` (the packs' scenes) only the region
    is followed, from the scenes that lead into it, where every variable may
    have any value (so what comes before in the story costs nothing, and
    what the region sets on the way in is known exactly). `entries` are
    states playthroughs reached (the packs' hook states): joined in where
    they are, they keep the sets at least as wide as what real play met."""

    def __init__(
        self,
        story: Story,
        domains: Domains,
        start: State | None = None,
        entries: list[State] | tuple[State, ...] = (),
        region: set[str] | None = None,
    ):
        self.story = story
        self.dom = domains
        self.names = [v.name for v in story.variables]
        self.region = region
        self.envs: dict[str, Env] = {}
        self.grown: dict[tuple[str, int], int] = {}  # (scene, variable) -> times its set grew
        self.failed = False  # the start itself faults: nothing is claimed
        if region is not None:
            top: Env = (None,) * len(self.names)
            doors = [
                sid
                for sid, scene in story.scenes.items()
                if sid not in region and any(t in region for ch in scene.exits for t in ch.targets)
            ]
            if story.start in region:
                doors.append(story.start)
            self._run([(sid, top) for sid in doors], entries)
            return
        try:
            c = Cursor.start(story, 0) if start is None else Cursor.from_state(story, start)
        except StoryRuntimeError:
            self.failed = True
            return
        self._run([(c.scene.id, tuple(frozenset([x]) for x in c.v))], entries)

    @property
    def scenes(self) -> set[str]:
        """The scenes reached (every scene when the start faults); with a
        region, those of the region reached."""
        if self.failed:
            return set(self.story.scenes)
        if self.region is not None:
            return set(self.envs) & self.region
        return set(self.envs)

    def endings(self) -> set[str]:
        scenes = self.story.scenes
        return {e for sid in self.scenes if (e := scenes[sid].ending) is not None}

    # -- evaluating over sets --------------------------------------------
    def _pools(self, env: Env, expr: Expr) -> dict[str, tuple]:
        index = self.story.var_index
        out: dict[str, tuple] = {}
        for n in expr.reads:
            i = index.get(n)
            if i is not None and env[i] is not None:
                out[n] = tuple(sorted(env[i], key=repr))
        return out

    def _values(self, env: Env, expr: Expr) -> set | None:
        ir = expr.ir
        if ir[0] == "const":  # most effects: add 1, set true
            return {ir[1]}
        if ir[0] == "var":
            vals = env[ir[1]]
            return set(vals) if vals is not None else set(self.dom.values[self.names[ir[1]]])
        got = self.dom.outcomes_in((expr,), self._pools(env, expr), FLOW_COMBOS)
        return None if got is None else {t[0] for t in got}

    def _may(self, env: Env, cond: Expr | None) -> tuple[bool, bool]:
        """(can hold, always holds) for a condition in env."""
        if cond is None:
            return True, True
        got = self.dom.truth_in(cond, self._pools(env, cond), FLOW_COMBOS)
        if got is None:
            return True, False
        return True in got, got == {True}

    def _apply(self, env: Env, effects) -> Env:
        if not effects:
            return env
        out = list(env)
        for e in effects:
            vals = self._values(tuple(out), e.value)
            cur = out[e.var]
            if vals is None or (e.op != "set" and cur is None):
                out[e.var] = None
                continue
            if e.op == "set":
                new = set(vals)
            else:
                if len(cur) * len(vals) > MAX_COMBOS:
                    out[e.var] = None
                    continue
                sign = 1 if e.op == "add" else -1
                new = {x + sign * d for x in cur for d in vals}
            if e.lo is not None:
                new = {e.lo if x < e.lo else e.hi if x > e.hi else x for x in new}
            out[e.var] = frozenset(new) if len(new) <= MAX_FLOW_VALUES else None
        return tuple(out)

    @staticmethod
    def _join(a: Env, b: Env) -> Env:
        out: list[frozenset | None] = []
        for x, y in zip(a, b):
            if x is None or y is None:
                out.append(None)
            elif x is y or y <= x:
                out.append(x)
            else:
                u = x | y
                out.append(u if len(u) <= MAX_FLOW_VALUES else None)
        return tuple(out)

    def _widen(self, sid: str, old: Env, new: Env) -> Env:
        """The variables whose set at this scene grew WIDEN times may take
        any value from now on: the fixed point is reached in a few rounds."""
        grown = self.grown
        out = list(new)
        for i, (x, y) in enumerate(zip(old, new)):
            if y is not None and x != y:
                n = grown[(sid, i)] = grown.get((sid, i), 0) + 1
                if n >= WIDEN:
                    out[i] = None
        return tuple(out)

    # -- the fixed point -------------------------------------------------
    def _run(self, firsts: list[tuple[str, Env]], entries) -> None:
        story = self.story
        envs = self.envs
        region = self.region
        todo: deque[str] = deque()
        queued: set[str] = set()
        for first, env0 in firsts:
            envs[first] = env0
            todo.append(first)
            queued.add(first)
        for st in entries:
            if st.scene not in envs and (st.scene not in story.scenes or region is not None):
                continue
            env = tuple(frozenset([x]) for x in st.v)
            old = envs.get(st.scene)
            new = env if old is None else self._join(old, env)
            if new != old:
                envs[st.scene] = new
                if st.scene not in queued:
                    queued.add(st.scene)
                    todo.append(st.scene)
        while todo:
            sid = todo.popleft()
            queued.discard(sid)
            env = envs[sid]
            scene = story.scenes[sid]
            for ch in self._exits(scene, env):
                after = self._apply(env, ch.effects)
                for t in self._targets(ch, after):
                    target = story.scenes.get(t)
                    if target is None or (region is not None and t not in region):
                        continue
                    new = self._apply(after, target.effects)
                    old = envs.get(t)
                    if old is not None:
                        new = self._join(old, new)
                        if new == old:
                            continue
                        new = self._widen(t, old, new)
                    envs[t] = new
                    if t not in queued:
                        queued.add(t)
                        todo.append(t)

    def _exits(self, scene: Scene, env: Env) -> list[Choice]:
        if scene.choices is not None:
            return [ch for ch in scene.choices if self._may(env, ch.cond)[0]]
        out = []
        for b in scene.next or ():
            can, always = self._may(env, b.cond)
            if can:
                out.append(b)
            if always:
                break
        return out

    def _targets(self, ch: Choice, env: Env) -> tuple[str, ...]:
        if ch.to is not None:
            return (ch.to,)
        odds = self._values(env, ch.chance) if ch.chance is not None else None
        if odds is None:
            return ch.targets
        out = []
        if any(x > 0 for x in odds):  # a roll of 0.0 succeeds
            out.append(ch.success)
        if any(x < 100 for x in odds):  # a roll just under 1 fails
            out.append(ch.failure)
        return tuple(t for t in out if t is not None)
