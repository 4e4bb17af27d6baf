"""Exact exploration of a story's state space, and the shortest routes.

Breadth-first search over distinct states, driving the engine's Cursor so
the rules are the engine's own. Two states are the same when everything
that can change where the story goes is the same: the scene, the
variables and visit counts that conditions, odds and effects read, `turns`
if anything reads it, the once-only choices taken, and (when following a
seed) the RNG. Text never changes the flow, so it is not rendered. With
`tight` (what route uses) "can change" is seen from each scene: what is
read only in scenes that can no longer be reached, once-only choices of
those scenes, and the RNG when no chance check is left ahead, are left out
(analysis.liveness), so states that differ only there are merged.

Exploration can start anywhere (`starts`: the State of `--from/--set`),
and with branch packs also from the states real playthroughs reach at the
packs' hooks (`hook_states`), so a pack hooked deep into a story is
explored even when the state space before the hook is far larger than the
budget. Routes are searched with A* (towards one ending, or towards a set
of endings for Any%), proven shortest when the search completes within
its budget; past it, weighted A*, guided walks and random playthroughs
find a route that replays, not proven shortest.

A chance check branches both ways unless a seed is given: the Cursor rolls
with an RNG state that gives the lowest possible roll (succeeds unless the
odds are 0 or less) and then with one that gives the highest (fails unless
the odds are 100 or more), so explore never re-implements a rule.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from ..engine.diagnostics import StoryRuntimeError
from ..engine.model import Story
from ..engine.play import CONTINUE, Cursor, IllegalChoice
from ..engine.rng import _GOLDEN, _MASK
from ..engine.start import Start, start_state
from ..engine.state import State
from .analysis import flow_names, liveness

DEFAULT_BUDGET = 1_000_000


def _unxorshift(y: int, k: int) -> int:
    x = y
    for _ in range(64 // k + 1):
        x = y ^ (x >> k)
    return x


def _state_for_output(z: int) -> int:
    """The generator state whose next output is z (SplitMix64 inverted)."""
    z = _unxorshift(z, 31)
    z = (z * pow(0x94D049BB133111EB, -1, 1 << 64)) & _MASK
    z = _unxorshift(z, 27)
    z = (z * pow(0xBF58476D1CE4E5B9, -1, 1 << 64)) & _MASK
    z = _unxorshift(z, 30)
    return (z - _GOLDEN) & _MASK


RNG_LOWEST = _state_for_output(0)  # the next roll is 0.0: succeeds if the odds are above 0
RNG_HIGHEST = _state_for_output(_MASK)  # the next roll is just under 1: fails unless odds >= 100


@dataclass(slots=True)
class Fault:
    route: list  # [(choice id, outcome), ...] up to the state before the fault
    choice: str
    error: StoryRuntimeError  # its .diagnostic says where, with code RA009

    @property
    def message(self) -> str:
        return str(self.error)


@dataclass(slots=True)
class Exploration:
    story: Story
    seed: int | None
    budget: int
    complete: bool = False
    states: int = 0
    scenes: set = field(default_factory=set)  # scene ids reached
    offered: set = field(default_factory=set)  # (scene id, choice id) ever open
    endings: dict = field(default_factory=dict)  # ending id -> first state key reaching it
    dead_ends: list = field(default_factory=list)  # state keys with no open choice
    faults: list = field(default_factory=list)  # Fault
    parents: dict = field(
        default_factory=dict, repr=False
    )  # key -> (parent key, choice id, outcome)
    stopped_early: bool = False  # stopped once every wanted ending was found
    # the key of each state exploration started from -> the choices that lead
    # there from the start ([] for the start itself; a hook state's path)
    roots: dict = field(default_factory=dict, repr=False)
    hook_states: int = 0  # of the roots, the states sampled at the packs' hooks
    samples: list = field(default_factory=list, repr=False)  # those States

    def route(self, key) -> list[tuple[str, str | None]]:
        """The choices from the start to a state, with each chance check's
        outcome ("success", "failure", or None where no roll decided it,
        or where the dice of a sampled playthrough did)."""
        root, route = _chain_from(self.parents, key)
        return list(self.roots.get(root, ())) + route


@dataclass(slots=True)
class Search:
    """What an A* search found: a route to each target ending it reached
    (in the order found), how many states it kept, whether it ran out of
    states before its budget (then an ending not in `routes` has no route),
    and, for an exact search stopped by its budget, a lower bound on the
    length of any route to each ending still missing ("*": to any of them)."""

    routes: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    states: int = 0
    complete: bool = False
    bounds: dict[str, int] = field(default_factory=dict)


_NO_ONCE: frozenset = frozenset()


def _scatter(indexes: tuple[int, ...], defaults: list) -> Callable[[tuple], list]:
    """The inverse of _getter: a full variable list from the values at
    these indexes, the others at their defaults (in C: itemgetter over the
    values followed by the missing defaults)."""
    n = len(defaults)
    if len(indexes) == n:
        return list
    have = set(indexes)
    missing = [i for i in range(n) if i not in have]
    fill = tuple(defaults[i] for i in missing)
    where = {i: p for p, i in enumerate(list(indexes) + missing)}
    if n == 1:  # (itemgetter of one index gives the value, not a tuple)
        return lambda vals: list(vals + fill)
    pick = itemgetter(*[where[i] for i in range(n)])
    return lambda vals: list(pick(vals + fill))


_LIVENESS: dict[str, dict] = {}  # story hash -> analysis.liveness(story), for the last few


def _liveness(story: Story) -> dict:
    got = _LIVENESS.get(story.hash)
    if got is None:
        if len(_LIVENESS) >= 4:
            _LIVENESS.clear()
        got = _LIVENESS[story.hash] = liveness(story)
    return got


def _getter(indexes: tuple[int, ...], everything: int) -> Callable[..., tuple[Any, ...]]:
    """The values at these indexes of a variable list, as a tuple."""
    if len(indexes) == everything:
        return tuple
    if len(indexes) >= 2:
        return itemgetter(*indexes)
    if indexes:
        i = indexes[0]
        return lambda v: (v[i],)
    return lambda v: ()


class Explorer:
    def __init__(self, story: Story, seed: int | None = None, tight: bool = False):
        self.story = story
        self.seed = seed
        self.tight = tight
        self.flow_vars, self.flow_scenes, self.turns_read = flow_names(story)
        fv = self.flow_vars
        nvars = len(story.variables)
        # the flow variables' values, from a state's values (`tuple`: all of them)
        self.project: Callable[..., tuple[Any, ...]] = _getter(fv, nvars)
        self.defaults = list(story.defaults())
        # per scene: (getter, its inverse, visit-count scenes, turns read,
        # the scenes whose once-only choices count (None: all), the RNG counts)
        seeded = seed is not None
        self.plans: dict[str, tuple] = {}
        if tight:
            made: dict = {}
            for sid, live in _liveness(story).items():
                plan = made.get(live)
                if plan is None:
                    plan = made[live] = (
                        _getter(live.vars, nvars),
                        _scatter(live.vars, self.defaults),
                        live.visits,
                        live.turns,
                        live.once,
                        live.chance and seeded,
                    )
                self.plans[sid] = plan
        else:
            plan = (
                self.project,
                _scatter(fv, self.defaults),
                self.flow_scenes,
                self.turns_read,
                None,
                seeded,
            )
            self.plans = dict.fromkeys(story.scenes, plan)
        # which options can involve a roll
        self.rolls = {}
        for scene in story.scenes.values():
            if scene.choices is not None:
                for ch in scene.choices:
                    self.rolls[(scene.id, ch.id)] = ch.chance is not None
            elif scene.next is not None:
                self.rolls[(scene.id, CONTINUE.id)] = any(b.chance is not None for b in scene.next)
        self._into: dict[str, list[str]] | None = None

    def key(self, c: Cursor) -> tuple:
        sid = c.scene.id
        get, _, vis, turns, once_in, roll = self.plans[sid]
        taken = c.once
        if taken:
            once = (
                frozenset(taken)
                if once_in is None
                else frozenset([p for p in taken if p[0] in once_in])
            )
        else:
            once = _NO_ONCE
        if vis:
            visits = c.visits
            counts = tuple([visits.get(s, 0) for s in vis])
        else:
            counts = ()
        return (sid, get(c.v), counts, c.turns if turns else 0, once, c.rng if roll else 0)

    def cursor(self, key: tuple) -> Cursor:
        story = self.story
        c = Cursor.__new__(Cursor)
        c.story = story
        c.scenes = story.scenes
        c.seed = self.seed or 0
        c.scene = story.scenes[key[0]]
        _, scatter, vis, _, _, _ = self.plans[key[0]]
        c.v = scatter(key[1])
        c.visits = dict(zip(vis, key[2])) if vis else {}
        c.turns = key[3]
        c.once = set(key[4]) if key[4] else set()
        c.rng = key[5]
        c.path = []
        c.ending = c.scene.ending
        return c

    def start_key(self, state: State | None = None) -> tuple:
        """The key of a State (None: the story's start with this explorer's seed)."""
        if state is None:
            return self.key(Cursor.start(self.story, self.seed or 0))
        return self.key(Cursor.from_state(self.story, state))

    def expand(
        self, k: tuple
    ) -> tuple[list[str], list[tuple], list[tuple[str, StoryRuntimeError]]]:
        """The choice ids open in state k, its successors as (choice id,
        outcome, key), and the faults met as (choice id, error)."""
        c = self.cursor(k)
        try:
            opts = c.options()
        except StoryRuntimeError as e:
            return [], [], [("", e)]
        cursor, key = self.cursor, self.key
        chance_both = self.seed is None
        rolls = self.rolls
        sid = k[0]
        succ: list[tuple] = []
        faults: list[tuple[str, StoryRuntimeError]] = []
        for ch in opts:
            cid = ch.id
            if chance_both and rolls.get((sid, cid)):
                tries: tuple[tuple[int, str | None], ...] = (
                    (RNG_LOWEST, "success"),
                    (RNG_HIGHEST, "failure"),
                )
            else:
                tries = ((k[5], None),)
            made: list[tuple[str, str | None, tuple]] = []
            fresh = len(opts) > 1 or len(tries) > 1
            for rng, outcome in tries:
                n = cursor(k) if fresh else c
                n.rng = rng
                try:
                    n.take(ch)
                except StoryRuntimeError as e:
                    faults.append((cid, e))
                    continue
                made.append((cid, outcome, key(n)))
            if len(made) == 2 and made[0][2] == made[1][2]:
                made = [(cid, None, made[0][2])]
            succ.extend(made)
        return [ch.id for ch in opts], succ, faults

    def run(
        self,
        budget: int = DEFAULT_BUDGET,
        want_endings: set[str] | None = None,
        starts: list[State] | None = None,
        extra: list[State] | tuple[State, ...] = (),
        region: set[str] | None = None,
    ) -> Exploration:
        """Explore up to `budget` distinct states breadth-first from
        `starts` (default: the story's start). With `want_endings`, stop as
        soon as each of them has been reached.

        `extra` are more states to explore from, states that playthroughs
        from the start reach (hook_states), and `region` the scenes they
        lead into (the packs'). States in the region get a queue of their
        own, and what the region leads back out to a third one: the queues
        are taken in turn, so the region is explored first-hand even when
        the states before it, or after it, are far more than the budget.
        The extra states are reachable, so `complete` still means every
        state reachable from the start was explored. A route to a state
        found from one of them begins with that state's path."""
        story = self.story
        res = Exploration(story, self.seed, budget)
        parents = res.parents
        home: deque = deque()
        inside: deque = deque()
        after: deque = deque()
        queues = [home, inside, after]
        for group, q in ((list(starts) if starts else [None], home), (list(extra), inside)):
            for st in group:
                k0 = self.start_key(st)
                if k0 in parents:
                    continue
                parents[k0] = None
                res.roots[k0] = [(cid, None) for _, cid in st.path] if st is not None else []
                q.append(k0)
        if extra:
            res.samples = list(extra)
            res.hook_states = len(inside)
        scenes, offered, endings = res.scenes, res.offered, res.endings
        wanted = set(want_endings) if want_endings is not None else None
        expand = self.expand
        turn = 0
        while True:
            if not (inside or after):
                if not home:
                    break
                queue = home
            else:
                for _ in range(3):
                    turn = (turn + 1) % 3
                    queue = queues[turn]
                    if queue:
                        break
                else:
                    break
            k = queue.popleft()
            sid = k[0]
            scenes.add(sid)
            ending = story.scenes[sid].ending
            if ending is not None:
                endings.setdefault(ending, k)
                if wanted is not None:
                    wanted.discard(ending)
                    if not wanted:
                        res.stopped_early = True
                        break
                continue
            opts, succ, faults = expand(k)
            for cid, error in faults:
                res.faults.append(Fault(res.route(k), cid, error))
            if not opts:
                if not faults:
                    res.dead_ends.append(k)
                continue
            for cid in opts:
                offered.add((sid, cid))
            out = after if queue is inside else queue
            for cid, outcome, nk in succ:
                if nk not in parents:
                    if len(parents) >= budget:
                        res.states = len(parents)
                        return res
                    parents[nk] = (k, cid, outcome)
                    if region is not None and nk[0] in region:
                        inside.append(nk)
                    else:
                        out.append(nk)
        res.states = len(parents)
        res.complete = not res.stopped_early
        return res

    def distances(self, ending: str) -> dict[str, int]:
        """For each scene, the fewest steps to a scene with this ending along
        the scene graph, conditions ignored: a lower bound on the choices a
        route still needs, so A* with it finds the shortest route."""
        return self.distances_to({ending})

    def distances_to(self, endings: set[str] | frozenset[str]) -> dict[str, int]:
        """For each scene, the fewest steps along the scene graph to a scene
        with any of these endings (conditions ignored)."""
        if self._into is None:
            into: dict[str, list[str]] = {}
            for scene in self.story.scenes.values():
                for ch in scene.exits:
                    for t in ch.targets:
                        into.setdefault(t, []).append(scene.id)
            self._into = into
        into = self._into
        dist = {s.id: 0 for s in self.story.scenes.values() if s.ending in endings}
        todo = deque(dist)
        while todo:
            sid = todo.popleft()
            for p in into.get(sid, ()):
                if p not in dist:
                    dist[p] = dist[sid] + 1
                    todo.append(p)
        return dist

    def search(
        self,
        ending: str,
        budget: int = DEFAULT_BUDGET,
        weight: float = 1.0,
        start: State | None = None,
    ):
        """A* towards one ending. Returns (route or None, states seen,
        complete). With weight 1 the route found is a shortest one; a
        larger weight finds one faster but without that promise. `complete`
        is true when the search ran out of states before the budget (so
        None then means: no route exists)."""
        r = self.search_many({ending}, budget, weight, start)
        return r.routes.get(ending), r.states, r.complete

    def search_many(
        self,
        endings: set[str] | frozenset[str],
        budget: int = DEFAULT_BUDGET,
        weight: float = 1.0,
        start: State | None = None,
        first_only: bool = False,
    ) -> Search:
        """A* towards a set of endings, from `start` (default: the story's
        start). The heuristic is the fewest steps along the scene graph to
        any ending still wanted: never more than a route needs, and it
        changes by at most one per choice, so with weight 1 each ending is
        reached first by a shortest route, in the order of their lengths.
        When one is found the open states are ranked again for the rest.
        With `first_only`, stop at the first: the shortest route to any of
        them (Any%). Keeps at most `budget` states."""
        scenes = self.story.scenes
        res = Search()
        left = set(e for e in endings)
        dist = self.distances_to(left)
        k0 = self.start_key(start)
        if k0[0] not in dist:
            res.states, res.complete = 1, True
            return res
        parents: dict = {k0: None}
        best = {k0: 0}
        heap: list = [(weight * dist[k0[0]], 0, 0, k0)]
        counter = 1
        expand = self.expand
        closed: set = set()
        push, pop = heapq.heappush, heapq.heappop
        while heap:
            _, neg_g, _, k = pop(heap)
            g = -neg_g
            if k in closed or best.get(k, g) < g:
                continue
            closed.add(k)
            ending = scenes[k[0]].ending
            if ending is not None:
                if ending in left:
                    res.routes[ending] = _chain(parents, k)
                    left.discard(ending)
                    if first_only or not left:
                        res.states = len(best)
                        res.complete = not left
                        return res
                    dist = self.distances_to(left)  # rank what is open for the rest
                    ranked = []
                    for _, neg, n, ok in heap:
                        og = -neg
                        if ok not in closed and best[ok] == og and ok[0] in dist:
                            ranked.append((og + weight * dist[ok[0]], neg, n, ok))
                    heapq.heapify(ranked)
                    heap = ranked
                continue
            for cid, outcome, nk in expand(k)[1]:
                h = dist.get(nk[0])
                if h is None:
                    continue
                ng = g + 1
                old = best.get(nk)
                if old is not None and old <= ng:
                    continue
                if old is None and len(best) >= budget:
                    res.states = len(best)
                    if weight == 1.0:
                        res.bounds = self._bounds(left, heap, best, closed, (g, k))
                    return res
                best[nk] = ng
                parents[nk] = (k, cid, outcome)
                push(heap, (ng + weight * h, -ng, counter, nk))
                counter += 1
        res.states = len(best)
        res.complete = True
        return res

    def _bounds(self, left: set[str], heap: list, best: dict, closed: set, now: tuple) -> dict:
        """Lower bounds on the routes to the endings not found, when an
        exact A* stops at its budget: every route to one passes through a
        state still open (or the one being expanded), whose g is the
        shortest (the heuristic is consistent), so no route is shorter than
        the least g + distance over them."""
        open_: list[tuple[int, str]] = [(now[0], now[1][0])]
        for _, neg, _, k in heap:
            if k not in closed and best.get(k) == -neg:
                open_.append((-neg, k[0]))
        by_scene: dict[str, int] = {}
        for g, sid in open_:
            if g < by_scene.get(sid, 1 << 62):
                by_scene[sid] = g
        out: dict[str, int] = {}
        for e in sorted(left):
            d = self.distances_to({e})
            vals = [g + d[sid] for sid, g in by_scene.items() if sid in d]
            if vals:
                out[e] = min(vals)
        if out:
            out["*"] = min(out.values())
        return out


def _chain_from(parents: dict, key) -> tuple[Any, list[tuple[str, str | None]]]:
    """(the root the chain starts from, its choices up to `key`)."""
    out = []
    while True:
        parent = parents[key]
        if parent is None:
            break
        key, cid, outcome = parent
        out.append((cid, outcome))
    out.reverse()
    return key, out


def _chain(parents: dict, key) -> list[tuple[str, str | None]]:
    return _chain_from(parents, key)[1]


def explore(story: Story, seed: int | None = None, budget: int = DEFAULT_BUDGET) -> Exploration:
    return Explorer(story, seed).run(budget)


def routes(
    story: Story,
    seed: int | None = None,
    budget: int = DEFAULT_BUDGET,
    endings: list[str] | None = None,
) -> tuple[Exploration, dict[str, list]]:
    """The fewest-choices route to each ending (or the given ones):
    ending id -> [(choice id, outcome), ...]."""
    want = set(endings) if endings else set(story.endings)
    explorer = Explorer(story, seed)
    if len(want) == 1:  # one target: A* visits far fewer states than breadth-first search
        [ending] = want
        route, states, complete = explorer.search(ending, budget)
        ex = Exploration(story, seed, budget, complete=complete, states=states)
        return ex, ({ending: route} if route is not None else {})
    ex = explorer.run(budget, want_endings=want)
    return ex, {e: ex.route(ex.endings[e]) for e in sorted(want) if e in ex.endings}


# -- where playthroughs start, and the states they reach at the packs' hooks -----


def start_at(story: Story, start: Start | None, seed: int) -> State | None:
    """The State `start` gives with this seed's dice (None: the story's
    start, which Cursor.start builds)."""
    if start is None:
        return None
    return start_state(story, Start(start.scene, start.values, seed))


def _cursor_at(story: Story, start: Start | None, seed: int) -> Cursor:
    state = start_at(story, start, seed)
    return Cursor.start(story, seed) if state is None else Cursor.from_state(story, state)


_PICKER_MIX = 0x5DEECE66D  # (as randomtest: the picker's stream is not the dice's)


def random_runs(
    story: Story,
    runs: int,
    seed: int | None = None,
    start: Start | None = None,
    step_limit: int = 5_000,
    on_enter: Callable[[Cursor], None] | None = None,
    base: int = 0,
):
    """Random playthroughs, as randomtest plays them (each prefers the
    choices earlier runs left untaken), yielding (dice seed, cursor) for
    each run that ended. Run i rolls seed `seed`'s dice when a seed is
    given (only the picks differ), else seed base+i's. `on_enter(cursor)`
    sees every scene entered, the first one included."""
    from ..engine.rng import Random

    taken: set[int] = set()
    cont = CONTINUE
    for i in range(runs):
        dice = seed if seed is not None else base + i
        c = _cursor_at(story, start, dice)
        rnd = Random((base + i) ^ _PICKER_MIX)
        below = rnd.below
        steps = 0
        try:
            if on_enter is not None:
                on_enter(c)
            while c.ending is None and steps < step_limit:
                opts = c.options()
                if not opts:
                    break
                if len(opts) > 1:
                    nxt = c.scene.next
                    fresh = [o for o in opts if id(nxt if o is cont else o) not in taken]
                    pick = fresh[below(len(fresh))] if fresh else opts[below(len(opts))]
                else:
                    pick = opts[0]
                taken.add(id(c.scene.next if pick is cont else pick))
                c.take(pick)
                steps += 1
                if on_enter is not None:
                    on_enter(c)
        except StoryRuntimeError:
            continue
        if c.ending is not None:
            yield dice, c


# Random playthroughs sampling the states at the packs' hooks, and the most
# distinct states kept per hook scene.
HOOK_RUNS = 300
HOOK_STATES = 24


def hook_scenes(story: Story) -> list[str]:
    """The story's scenes (not the packs') holding a choice a pack hooked in
    (its id starts with `packname.`)."""
    names = tuple(p.name + "." for p in story.packs)
    if not names:
        return []
    return [
        sid
        for sid, scene in story.scenes.items()
        if not sid.startswith(names) and any(ch.id.startswith(names) for ch in scene.choices or ())
    ]


def hook_states(
    story: Story,
    seed: int | None = None,
    start: Start | None = None,
    runs: int = HOOK_RUNS,
    per_hook: int = HOOK_STATES,
) -> dict[str, list[State]]:
    """For each hook scene of the packs, the distinct states (as explore
    tells states apart) in which random playthroughs of the whole story
    entered it: at most `per_hook` each, the first met. Deterministic for
    the seed (None: run i rolls seed i's dice)."""
    hooks = hook_scenes(story)
    out: dict[str, list[State]] = {h: [] for h in hooks}
    if not hooks:
        return out
    ex = Explorer(story, seed, tight=True)
    seen: set = set()
    wanted = set(hooks)

    def on_enter(c: Cursor) -> None:
        sid = c.scene.id
        if sid in wanted:
            k = ex.key(c)
            if k not in seen:
                seen.add(k)
                got = out[sid]
                got.append(c.snapshot())
                if len(got) >= per_hook:
                    wanted.discard(sid)

    for _ in random_runs(story, runs, seed, start, on_enter=on_enter, base=seed or 0):
        if not wanted:
            break
    return out


def explore_from(
    story: Story,
    seed: int | None = None,
    budget: int = DEFAULT_BUDGET,
    start: Start | None = None,
    hooks: bool | None = None,
) -> Exploration:
    """Explore from `start` (default: the story's start) and, when the story
    has branch packs (or `hooks` says so), from the states playthroughs reach
    at their hooks too: what `explore` and `check` run."""
    first = start_at(story, start, seed or 0) if start is not None else None
    extra: list[State] = []
    region = None
    if bool(story.packs) if hooks is None else hooks:
        for states in hook_states(story, seed, start).values():
            extra.extend(states)
        names = tuple(p.name + "." for p in story.packs)
        region = {sid for sid in story.scenes if names and sid.startswith(names)}
    return Explorer(story, seed).run(
        budget, starts=[first] if first else None, extra=extra, region=region
    )


# -- routes ------------------------------------------------------------------------

# The states an exact A* keeps before it gives up proving a route shortest
# (the bundled story proves its two shortest endings, and so its Any%, in
# 6,000 to 15,000 states; its deeper endings need far more than any budget
# that fits in seconds), and the weighted A* tried next.
ROUTE_BUDGET = 50_000
WEIGHT = 4.0
WEIGHTED_BUDGET = 20_000
WALKS = 48  # guided walks per missing ending in each round
# How often a walk takes the choice nearest its ending, round by round: the
# later rounds wander more, for endings behind conditions far upstream.
GREED = (0.8, 0.5, 0.25, 0.0)
WITNESS_RUNS = 1000  # random playthroughs when nothing else found a route
WITNESS_ROUNDS = 4  # (with a seed: up to this many times as many for a rare ending)
POLISH_DEPTH = 2  # how far a shortcut may look ahead when a route is polished


def _entry(
    ending: str,
    seed: int | None,
    choices: list[str],
    shortest: bool,
    outcomes: list | None = None,
    how: str = "exact",
) -> dict:
    return {
        "ending": ending,
        "seed": seed,
        "exact": seed is not None,
        "shortest": shortest,
        "steps": len(choices),
        "choices": choices,
        "outcomes": outcomes if outcomes is not None else [None] * len(choices),
        "found_by": how,
    }


def routes_for(
    story: Story,
    seed: int | None = None,
    budget: int = ROUTE_BUDGET,
    endings: list[str] | None = None,
    walks: int = WALKS,
    start: Start | None = None,
    any_ending: bool = False,
    other_seeds: bool = False,
) -> tuple[Exploration, list[dict]]:
    """Routes ready for a route file, one per ending (or the given ones);
    with `any_ending`, the one shortest route to any of them (Any%).

    First A* over exact states (analysis.liveness merges states that cannot
    differ in outcome), up to `budget` states, towards all the endings at
    once: a route found there has the fewest choices possible ("shortest":
    true). Without a seed it assumes the luckiest dice and names the first
    seed (if one is found quickly) under which the dice agree. For the
    endings the budget did not reach: weighted A*, then guided walks
    (random playthroughs that mostly take the choice nearest the ending in
    the scene graph), then, if neither found one, random playthroughs
    (randomtest's witnesses); each route is polished (loops cut, short
    cuts taken) and replays exactly with its seed, but is not proven
    shortest unless it is as short as the lower bound the exact search
    proved ("lower_bound"). With a seed every route is exact for that seed;
    with `other_seeds` too, an ending no route reaches with its dice (none
    found, or none exists) gets randomtest's witness, with the seed that
    one needs. `start` starts every route from a --from/--set state."""
    want = sorted(set(endings) if endings else set(story.endings))
    explorer = Explorer(story, seed, tight=True)
    first = start_at(story, start, seed or 0)
    sr = explorer.search_many(set(want), budget, start=first, first_only=any_ending)
    ex = Exploration(story, seed, budget, complete=sr.complete, states=sr.states)
    out: dict[str, dict] = {}
    for ending, route in sr.routes.items():
        choices = [c for c, _ in route]
        use = seed if seed is not None else find_seed(story, choices, ending, 200, start=start)
        if use is not None or any(o is not None for _, o in route):
            out[ending] = _entry(ending, use, choices, True, [o for _, o in route], "A*")
    if any_ending:
        if out and next(iter(out.values()))["exact"]:
            return ex, list(out.values())
        if sr.complete and not sr.routes:
            if seed is None or start is not None or not other_seeds:
                return ex, []
            other = [
                _entry(
                    e, use, polish(story, use, ch, e), False, how="random playthrough, another seed"
                )
                for e, (use, ch) in _other_seeds(story, want)
            ]
            return ex, sorted(other, key=lambda r: (r["steps"], r["ending"]))[:1]
        alt = _fallback(
            story,
            explorer,
            seed,
            want,
            sr,
            walks,
            start,
            any_ending=True,
            budget=budget,
            other_seeds=other_seeds,
        )
        if not alt:
            return ex, list(out.values())
        best = min(alt.values(), key=lambda r: (r["steps"], r["ending"]))
        if out:  # a shortest route that needs lucky dice: keep it, with what replays
            only = next(iter(out.values()))
            only["alternative"] = {
                k: best[k] for k in ("ending", "seed", "exact", "steps", "choices")
            }
            return ex, [only]
        return ex, [best]
    missing = [e for e in want if e not in out or not out[e]["exact"]]
    alt = {}
    if missing and (not sr.complete or any(e in out for e in missing)):
        # (past the budget; or a shortest route needs lucky dice: one that replays too)
        alt = _fallback(
            story, explorer, seed, missing, sr, walks, start, budget=budget, other_seeds=other_seeds
        )
    elif missing and other_seeds and seed is not None and start is None:
        # no route with this seed's dice, proven: the seed another one needs
        for ending, (use, choices) in _other_seeds(story, missing):
            choices = polish(story, use, choices, ending)
            alt[ending] = _entry(
                ending, use, choices, False, how="random playthrough, another seed"
            )
    if alt:
        for ending, r in alt.items():
            if ending not in out:
                out[ending] = r
            else:
                out[ending]["alternative"] = {
                    k: r[k] for k in ("seed", "exact", "steps", "choices")
                }
    return ex, [out[e] for e in want if e in out]


def _fallback(
    story: Story,
    explorer: Explorer,
    seed: int | None,
    missing: list[str],
    sr: Search,
    walks: int,
    start: Start | None,
    any_ending: bool = False,
    budget: int = ROUTE_BUDGET,
    other_seeds: bool = False,
) -> dict[str, dict]:
    """Replayable routes to the endings the exact search did not reach:
    ending -> route entry ("shortest" only when as short as its bound)."""
    first = start_at(story, start, seed or 0)
    cands: dict[str, list[tuple[int, list[str], str]]] = {}  # ending -> (seed, choices, how)

    def add(ending: str, use: int | None, choices: list[str], how: str) -> None:
        if use is not None and ending in missing:
            cands.setdefault(ending, []).append((use, choices, how))

    # weighted A*, towards all of them at once (it finds the nearest first)
    weighted = explorer.search_many(
        set(missing),
        min(budget, WEIGHTED_BUDGET),
        weight=WEIGHT,
        start=first,
        first_only=any_ending,
    )
    for ending, route in weighted.routes.items():
        choices = [c for c, _ in route]
        use = seed if seed is not None else find_seed(story, choices, ending, 200, start=start)
        add(ending, use, choices, "weighted A*")
    for ending, (use, choices) in guided_walks(story, missing, seed, walks, start=start).items():
        add(ending, use, choices, "guided walk")
    if any(e not in cands for e in missing) and not (any_ending and cands):
        left = [e for e in missing if e not in cands]
        for ending, (use, choices) in random_witnesses(story, seed, start, want=left).items():
            add(ending, use, choices, "random playthrough")
    if other_seeds and seed is not None and start is None and any(e not in cands for e in missing):
        for ending, (use, choices) in _other_seeds(story, [e for e in missing if e not in cands]):
            add(ending, use, choices, "random playthrough, another seed")
    out: dict[str, dict] = {}
    for ending, found in cands.items():
        best: tuple[int, list[str], str] | None = None
        for use, choices, how in found:
            polished = polish(story, use, choices, ending, start)
            if best is None or len(polished) < len(best[1]):
                best = (use, polished, how)
        assert best is not None
        use, choices, how = best
        bound = sr.bounds.get(ending)
        out[ending] = _entry(
            ending, use, choices, bound is not None and len(choices) <= bound, how=how
        )
        if bound is not None:
            out[ending]["lower_bound"] = bound
    if any_ending and out and "*" in sr.bounds:
        for r in out.values():
            r["lower_bound"] = sr.bounds["*"]
            r["shortest"] = r["steps"] <= sr.bounds["*"]
    return out


def _other_seeds(story: Story, endings: list[str]):
    """For endings no route reaches with the seed asked for (none found, or
    none exists with its dice): randomtest's witnesses, with the seed each
    needs, as (ending, (seed, choices))."""
    w = random_witnesses(story)
    return [(e, w[e]) for e in endings if e in w]


def random_witnesses(
    story: Story,
    seed: int | None = None,
    start: Start | None = None,
    runs: int = WITNESS_RUNS,
    want: list[str] | None = None,
) -> dict[str, tuple[int, list[str]]]:
    """A random playthrough to each ending random play reaches: ending ->
    (seed, choices). randomtest's own witnesses from the story's start;
    with a seed (or a --from start), the same kind of runs rolling that
    seed's dice, so that the route replays with it: `runs` of them, and
    up to WITNESS_ROUNDS times as many while an ending of `want` is still
    missing (one that is rare with these dice)."""
    if seed is None and start is None:
        from .randomtest import randomtest

        w = randomtest(story, runs=runs, seed=0, render=False)["witnesses"]
        return {e: (x["seed"], list(x["choices"])) for e, x in w.items()}
    out: dict[str, tuple[int, list[str]]] = {}
    todo = set(want or ())
    n = 0
    for dice, c in random_runs(story, runs * WITNESS_ROUNDS, seed, start):
        n += 1
        e = c.ending
        assert e is not None
        choices = [cid for _, cid in c.path]
        if e not in out or len(choices) < len(out[e][1]):
            out[e] = (dice, choices)
        todo.discard(e)
        if n >= runs and not todo:
            break
    return out


def polish(
    story: Story,
    seed: int,
    choices: list[str],
    ending: str,
    start: Start | None = None,
    depth: int = POLISH_DEPTH,
) -> list[str]:
    """A shorter route with the same seed to the same ending, when there is
    one near: play the route, and from each state look up to `depth`
    choices ahead for a state the route reaches later (the same state, as
    explore tells them apart, with this seed's dice), and go there at once.
    Returns the route as given when nothing is shorter or the result does
    not replay."""
    from ..engine.replay import replay

    ex = Explorer(story, seed, tight=True)
    for _ in range(4):  # a few passes: each short cut can open another
        c = _cursor_at(story, start, seed)
        keys = [ex.key(c)]
        try:
            for cid in choices:
                c.step(cid)
                keys.append(ex.key(c))
        except (IllegalChoice, StoryRuntimeError):
            return choices
        last = {k: i for i, k in enumerate(keys)}
        out: list[str] = []
        i = 0
        n = len(choices)
        while i < n:
            j = last[keys[i]]
            if j > i:  # a loop: the same state again later
                i = j
                continue
            jump = _shortcut(ex, keys[i], last, i, depth)
            if jump is not None:
                j, path = jump
                out.extend(path)
                i = j
            else:
                out.append(choices[i])
                i += 1
        if len(out) >= len(choices):
            break
        r = replay(story, start_at(story, start, seed) or seed, out)
        if r.stop is not None or r.state.ending != ending:
            break
        choices = out
    return choices


def _shortcut(ex: Explorer, k: tuple, last: dict, i: int, depth: int):
    """(index, choices): the latest state of the route reachable from k in
    fewer choices than the route takes, within `depth`; None if none."""
    best: tuple[int, list[str]] | None = None
    frontier: list[tuple[tuple, list[str]]] = [(k, [])]
    seen = {k}
    for d in range(1, depth + 1):
        nxt = []
        for key, path in frontier:
            if key[0] in ex.story.scenes and ex.story.scenes[key[0]].ending is not None:
                continue
            for cid, _, nk in ex.expand(key)[1]:
                if nk in seen:
                    continue
                seen.add(nk)
                p = path + [cid]
                j = last.get(nk)
                if j is not None and j - i > d and (best is None or j - d > best[0] - len(best[1])):
                    best = (j, p)
                nxt.append((nk, p))
        frontier = nxt
    return best


def guided_walks(
    story: Story,
    endings: list[str],
    seed: int | None = None,
    walks: int = WALKS,
    step_limit: int = 5_000,
    start: Start | None = None,
) -> dict[str, tuple[int, list[str]]]:
    """Short replayable routes to the given endings, found by walks that
    mostly take an open choice nearest the ending in the scene graph (less
    and less so in each round of GREED). Each walk plays one seed (the given one, else 0, 1, ...),
    so its route is exact for it; a state met twice cuts the loop between.
    Returns ending -> (seed, choices), keeping the shortest found."""
    from ..engine.rng import Random

    ex = Explorer(story, 0)  # keys that include the RNG: loops are cut only when nothing differs
    best: dict[str, tuple[int, list[str]]] = {}
    rnd = Random(0x0A11CE if seed is None else seed ^ 0x0A11CE)
    run = 0
    for rnd_i, greed in enumerate(GREED):
        todo = [e for e in endings if e not in best] or (endings if rnd_i == 0 else [])
        if not todo:
            break
        for ending in todo:
            dist = ex.distances(ending)
            score = _choice_distances(story, dist)
            for _ in range(walks):
                use = seed if seed is not None else run
                run += 1
                r = _walk(ex, story, use, score, rnd, step_limit, greed, start)
                if r is None:
                    continue
                reached, choices = r
                old = best.get(reached)
                if reached in endings and (old is None or len(choices) < len(old[1])):
                    best[reached] = (use, choices)
    return best


def _choice_distances(story: Story, dist: dict[str, int]) -> dict[tuple[str, str], float]:
    inf = float("inf")
    out: dict[tuple[str, str], float] = {}
    for scene in story.scenes.values():
        if scene.choices is not None:
            for ch in scene.choices:
                out[(scene.id, ch.id)] = min((dist.get(t, inf) for t in ch.targets), default=inf)
        elif scene.next is not None:
            out[(scene.id, CONTINUE.id)] = min(
                (dist.get(t, inf) for b in scene.next for t in b.targets), default=inf
            )
    return out


def _walk(
    ex: Explorer,
    story: Story,
    seed: int,
    score: dict,
    rnd,
    step_limit: int,
    greed: float,
    start: Start | None = None,
):
    c = _cursor_at(story, start, seed)
    choices: list[str] = []
    seen = {ex.key(c): 0}
    keys = [ex.key(c)]
    try:
        while c.ending is None:
            if len(choices) >= step_limit:
                return None
            opts = c.options()
            if not opts:
                return None
            sid = c.scene.id
            if len(opts) > 1 and greed and rnd.random() < greed:
                hs = [score.get((sid, o.id), float("inf")) for o in opts]
                m = min(hs)
                opts = [o for o, h in zip(opts, hs) if h == m]
            pick = opts[rnd.below(len(opts))] if len(opts) > 1 else opts[0]
            c.take(pick)
            choices.append(pick.id)
            k = ex.key(c)
            j = seen.get(k)
            if j is not None:  # back where we were: cut the loop
                for old in keys[j + 1 :]:
                    del seen[old]
                del keys[j + 1 :]
                del choices[j:]
            else:
                seen[k] = len(keys)
                keys.append(k)
    except StoryRuntimeError:
        return None
    return c.ending, choices


def find_seed(
    story: Story,
    choices: list[str],
    ending: str,
    tries: int = 2000,
    start: int | Start | None = 0,
) -> int | None:
    """The first seed under which playing `choices` reaches `ending`
    (routes through chance checks need the dice to agree): from seed
    `start` when it is a number, else from 0 and from the --from/--set
    state `start` gives with each seed."""
    from ..engine.replay import replay

    first = start if isinstance(start, int) else 0
    at = start if isinstance(start, Start) else None
    for seed in range(first, first + tries):
        r = replay(story, start_at(story, at, seed) or seed, choices)
        if r.stop is None and r.state.ending == ending:
            return seed
    return None


def exploration_report(ex) -> dict:
    story = ex.story
    choices = [(s.id, c.id) for s in story.scenes.values() for c in (s.choices or ())]
    return {
        "story": story.id,
        "story_hash": story.hash,
        "seed": ex.seed,
        "complete": ex.complete,
        "budget": ex.budget,
        "states": ex.states,
        "hook_states": ex.hook_states,
        "reached_scenes": len(ex.scenes),
        "total_scenes": len(story.scenes),
        "unreached_scenes": [s for s in story.scenes if s not in ex.scenes],
        "reached_endings": sorted(ex.endings),
        "unreached_endings": [e for e in story.endings if e not in ex.endings],
        "never_open_choices": [
            f"{s}.{c}" for s, c in choices if s in ex.scenes and (s, c) not in ex.offered
        ],
        "dead_ends": [
            {"scene": k[0], "choices": [c for c, _ in ex.route(k)]} for k in ex.dead_ends[:20]
        ],
        "faults": [
            {
                "message": f.message,
                "choices": [c for c, _ in f.route] + ([f.choice] if f.choice else []),
            }
            for f in ex.faults[:20]
        ],
    }
