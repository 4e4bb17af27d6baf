"""Exact exploration of a story's state space, and the shortest routes.

Breadth-first search over distinct states, driving the engine's Cursor so
the rules are the engine's own. Two states are the same when everything
that can change where the story goes is the same: the scene, the
variables and visit counts that conditions, odds and effects read, `turns`
if anything reads it, the once-only choices taken, and (when following a
seed) the RNG. Text never changes the flow, so it is not rendered.

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
from ..engine.play import CONTINUE, Cursor
from ..engine.rng import _GOLDEN, _MASK
from .analysis import flow_names

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

    def route(self, key) -> list[tuple[str, str | None]]:
        """The choices from the start to a state, with each chance check's
        outcome ("success", "failure", or None where no roll decided it)."""
        return _chain(self.parents, key)


class Explorer:
    def __init__(self, story: Story, seed: int | None = None):
        self.story = story
        self.seed = seed
        self.flow_vars, self.flow_scenes, self.turns_read = flow_names(story)
        fv = self.flow_vars
        # the flow variables' values, from a state's values (`tuple`: all of them)
        self.project: Callable[..., tuple[Any, ...]]
        if len(fv) == len(story.variables):
            self.project = tuple
        elif len(fv) >= 2:
            self.project = itemgetter(*fv)
        else:
            self.project = (lambda v, i=fv[0]: (v[i],)) if fv else (lambda v: ())
        self.defaults = list(story.defaults())
        # which options can involve a roll
        self.rolls = {}
        for scene in story.scenes.values():
            if scene.choices is not None:
                for ch in scene.choices:
                    self.rolls[(scene.id, ch.id)] = ch.chance is not None
            elif scene.next is not None:
                self.rolls[(scene.id, CONTINUE.id)] = any(b.chance is not None for b in scene.next)

    def key(self, c: Cursor) -> tuple:
        visits = c.visits
        return (
            c.scene.id,
            self.project(c.v),
            tuple([visits.get(s, 0) for s in self.flow_scenes]),
            c.turns if self.turns_read else 0,
            frozenset(c.once),
            c.rng if self.seed is not None else 0,
        )

    def cursor(self, key: tuple) -> Cursor:
        story = self.story
        c = Cursor.__new__(Cursor)
        c.story = story
        c.scenes = story.scenes
        c.seed = self.seed or 0
        c.scene = story.scenes[key[0]]
        if self.project is tuple:
            c.v = list(key[1])
        else:
            v = self.defaults[:]
            for i, x in zip(self.flow_vars, key[1]):
                v[i] = x
            c.v = v
        c.visits = dict(zip(self.flow_scenes, key[2])) if self.flow_scenes else {}
        c.turns = key[3]
        c.once = set(key[4]) if key[4] else set()
        c.rng = key[5]
        c.path = []
        c.ending = c.scene.ending
        return c

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
        self, budget: int = DEFAULT_BUDGET, want_endings: set[str] | None = None
    ) -> Exploration:
        """Explore up to `budget` distinct states breadth-first. With
        `want_endings`, stop as soon as each of them has been reached."""
        story = self.story
        res = Exploration(story, self.seed, budget)
        k0 = self.key(Cursor.start(story, self.seed or 0))
        parents = res.parents
        parents[k0] = None
        queue = deque([k0])
        scenes, offered, endings = res.scenes, res.offered, res.endings
        wanted = set(want_endings) if want_endings is not None else None
        expand = self.expand
        while queue:
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
            for cid, outcome, nk in succ:
                if nk not in parents:
                    if len(parents) >= budget:
                        res.states = len(parents)
                        return res
                    parents[nk] = (k, cid, outcome)
                    queue.append(nk)
        res.states = len(parents)
        res.complete = not res.stopped_early
        return res

    def distances(self, ending: str) -> dict[str, int]:
        """For each scene, the fewest steps to a scene with this ending along
        the scene graph, conditions ignored: a lower bound on the choices a
        route still needs, so A* with it finds the shortest route."""
        into: dict[str, list[str]] = {}
        for scene in self.story.scenes.values():
            for ch in scene.exits:
                for t in ch.targets:
                    into.setdefault(t, []).append(scene.id)
        dist = {s.id: 0 for s in self.story.scenes.values() if s.ending == ending}
        todo = deque(dist)
        while todo:
            sid = todo.popleft()
            for p in into.get(sid, ()):
                if p not in dist:
                    dist[p] = dist[sid] + 1
                    todo.append(p)
        return dist

    def search(self, ending: str, budget: int = DEFAULT_BUDGET, weight: float = 1.0):
        """A* towards one ending. Returns (route or None, states seen,
        complete). With weight 1 the route found is a shortest one; a
        larger weight finds one faster but without that promise. `complete`
        is true when the search ran out of states before the budget (so
        None then means: no route exists)."""
        dist = self.distances(ending)
        k0 = self.key(Cursor.start(self.story, self.seed or 0))
        if k0[0] not in dist:
            return None, 1, True
        parents: dict = {k0: None}
        best = {k0: 0}
        heap = [(weight * dist[k0[0]], 0, 0, k0)]
        counter = 1
        scenes = self.story.scenes
        expand = self.expand
        closed: set = set()
        while heap:
            _, neg_g, _, k = heapq.heappop(heap)
            g = -neg_g
            if k in closed or best.get(k, g) < g:
                continue
            closed.add(k)
            if scenes[k[0]].ending == ending:
                return _chain(parents, k), len(best), True
            for cid, outcome, nk in expand(k)[1]:
                h = dist.get(nk[0])
                if h is None:
                    continue
                ng = g + 1
                old = best.get(nk)
                if old is not None and old <= ng:
                    continue
                if old is None and len(best) >= budget:
                    return None, len(best), False
                best[nk] = ng
                parents[nk] = (k, cid, outcome)
                heapq.heappush(heap, (ng + weight * h, -ng, counter, nk))
                counter += 1
        return None, len(best), True


def _chain(parents: dict, key) -> list[tuple[str, str | None]]:
    out = []
    while True:
        parent = parents[key]
        if parent is None:
            break
        key, cid, outcome = parent
        out.append((cid, outcome))
    out.reverse()
    return out


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


# How many distinct states `route` explores breadth-first (exact, shortest)
# before it turns to guided walks for the endings still missing.
ROUTE_BUDGET = 40_000
WALKS = 48  # guided walks per missing ending in each round
# How often a walk takes the choice nearest its ending, round by round: the
# later rounds wander more, for endings behind conditions far upstream.
GREED = (0.8, 0.5, 0.25, 0.0)


def routes_for(
    story: Story,
    seed: int | None = None,
    budget: int = ROUTE_BUDGET,
    endings: list[str] | None = None,
    walks: int = WALKS,
) -> tuple[Exploration, list[dict]]:
    """Routes ready for a route file, one per ending (or the given ones).

    First a breadth-first search over exact states, up to `budget` states:
    a route found there has the fewest choices possible ("shortest": true).
    Without a seed it assumes the luckiest dice and names the first seed
    (if one is found quickly) under which the dice agree. The endings the
    search did not reach in the budget are then found by guided walks:
    random playthroughs that mostly take the choice nearest the ending in
    the scene graph, with loops cut out. Those routes are replayable
    ("exact": true) but not proven shortest. With a seed every route is
    exact for that seed."""
    want = sorted(set(endings) if endings else set(story.endings))
    ex, found = routes(story, seed, budget, want)
    out: dict[str, dict] = {}
    for ending, route in found.items():
        choices = [c for c, _ in route]
        use = seed if seed is not None else find_seed(story, choices, ending, tries=200)
        if use is not None or any(o is not None for _, o in route):
            out[ending] = {
                "ending": ending,
                "seed": use,
                "exact": use is not None,
                "shortest": True,
                "steps": len(choices),
                "choices": choices,
                "outcomes": [o for _, o in route],
            }
    missing = [e for e in want if e not in out or not out[e]["exact"]]
    if missing and not ex.complete:
        walked = guided_walks(story, missing, seed, walks)
        for ending, (use, choices) in walked.items():
            if ending not in out:
                out[ending] = {
                    "ending": ending,
                    "seed": use,
                    "exact": True,
                    "shortest": False,
                    "steps": len(choices),
                    "choices": choices,
                    "outcomes": [None] * len(choices),
                }
            elif not out[ending]["exact"]:
                out[ending]["alternative"] = {
                    "seed": use,
                    "exact": True,
                    "steps": len(choices),
                    "choices": choices,
                }
    return ex, [out[e] for e in want if e in out]


def guided_walks(
    story: Story,
    endings: list[str],
    seed: int | None = None,
    walks: int = WALKS,
    step_limit: int = 5_000,
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
                r = _walk(ex, story, use, score, rnd, step_limit, greed)
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


def _walk(ex: Explorer, story: Story, seed: int, score: dict, rnd, step_limit: int, greed: float):
    c = Cursor.start(story, seed)
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
    story: Story, choices: list[str], ending: str, tries: int = 2000, start: int = 0
) -> int | None:
    """The first seed from `start` under which playing `choices` reaches
    `ending` (routes through chance checks need the dice to agree)."""
    from ..engine.replay import replay

    for seed in range(start, start + tries):
        r = replay(story, seed, choices)
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
