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

from collections import deque
from dataclasses import dataclass, field
from operator import itemgetter

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
    message: str


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
    parents: dict = field(default_factory=dict, repr=False)  # key -> (parent key, choice id, outcome)
    stopped_early: bool = False  # stopped once every wanted ending was found

    def route(self, key) -> list[tuple[str, str | None]]:
        """The choices from the start to a state, with each chance check's
        outcome ("success", "failure", or None where no roll decided it)."""
        out = []
        while True:
            parent = self.parents[key]
            if parent is None:
                break
            key, cid, outcome = parent
            out.append((cid, outcome))
        out.reverse()
        return out


class Explorer:
    def __init__(self, story: Story, seed: int | None = None):
        self.story = story
        self.seed = seed
        self.flow_vars, self.flow_scenes, self.turns_read = flow_names(story)
        fv = self.flow_vars
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
        return (c.scene.id, self.project(c.v), tuple([visits.get(s, 0) for s in self.flow_scenes]),
                c.turns if self.turns_read else 0, frozenset(c.once), c.rng if self.seed is not None else 0)

    def cursor(self, key: tuple) -> Cursor:
        story = self.story
        c = Cursor.__new__(Cursor)
        c.story = story
        c.scenes = story.scenes
        c.seed = self.seed or 0
        c.scene = story.scenes[key[0]]
        v = self.defaults[:]
        for i, x in zip(self.flow_vars, key[1]):
            v[i] = x
        c.v = v
        c.visits = dict(zip(self.flow_scenes, key[2]))
        c.turns = key[3]
        c.once = set(key[4])
        c.rng = key[5]
        c.path = []
        c.ending = c.scene.ending
        return c

    def run(self, budget: int = DEFAULT_BUDGET, want_endings: set[str] | None = None) -> Exploration:
        """Explore up to `budget` distinct states. With `want_endings`,
        stop as soon as each of them has been reached (for routes)."""
        story = self.story
        res = Exploration(story, self.seed, budget)
        start = Cursor.start(story, self.seed or 0)
        k0 = self.key(start)
        parents = res.parents
        parents[k0] = None
        queue = deque([k0])
        scenes, offered, endings = res.scenes, res.offered, res.endings
        seeded = self.seed is not None
        rolls = self.rolls
        key = self.key
        cursor = self.cursor
        wanted = set(want_endings) if want_endings is not None else None
        if start.ending is not None:
            endings.setdefault(start.ending, k0)
        while queue:
            k = queue.popleft()
            c = cursor(k)
            sid = k[0]
            scenes.add(sid)
            scene = c.scene
            if scene.ending is not None:
                endings.setdefault(scene.ending, k)
                if wanted is not None:
                    wanted.discard(scene.ending)
                    if not wanted:
                        res.stopped_early = True
                        break
                continue
            try:
                opts = c.options()
            except StoryRuntimeError as e:
                res.faults.append(Fault(res.route(k), "", str(e)))
                continue
            if not opts:
                res.dead_ends.append(k)
                continue
            for ch in opts:
                cid = ch.id
                offered.add((sid, cid))
                if not seeded and rolls.get((sid, cid)):
                    tries = ((RNG_LOWEST, "success"), (RNG_HIGHEST, "failure"))
                else:
                    tries = ((k[5], None),)
                made = []
                fresh = len(opts) > 1 or len(tries) > 1
                for rng, outcome in tries:
                    n = cursor(k) if fresh else c
                    n.rng = rng
                    try:
                        n.take(ch)
                    except StoryRuntimeError as e:
                        res.faults.append(Fault(res.route(k), cid, str(e)))
                        continue
                    nk = key(n)
                    made.append((nk, outcome))
                if len(made) == 2 and made[0][0] == made[1][0]:
                    made = [(made[0][0], None)]
                for nk, outcome in made:
                    if nk not in parents:
                        if len(parents) >= budget:
                            res.states = len(parents)
                            return res
                        parents[nk] = (k, cid, outcome)
                        queue.append(nk)
        res.states = len(parents)
        res.complete = not res.stopped_early
        return res


def explore(story: Story, seed: int | None = None, budget: int = DEFAULT_BUDGET) -> Exploration:
    return Explorer(story, seed).run(budget)


def routes(story: Story, seed: int | None = None, budget: int = DEFAULT_BUDGET,
           endings: list[str] | None = None) -> tuple[Exploration, dict[str, list]]:
    """The fewest-choices route to each ending (or the given ones):
    ending id -> [(choice id, outcome), ...]."""
    want = set(endings) if endings else set(story.endings)
    ex = Explorer(story, seed).run(budget, want_endings=want)
    return ex, {e: ex.route(ex.endings[e]) for e in sorted(want) if e in ex.endings}


def routes_for(story: Story, seed: int | None = None, budget: int = DEFAULT_BUDGET,
               endings: list[str] | None = None) -> tuple[Exploration, list[dict]]:
    """Routes ready for a route file. With a seed each route is exact for
    it; without, the fewest choices over any dice, with the first seed
    (if one is found quickly) under which the dice agree."""
    ex, found = routes(story, seed, budget, endings)
    out = []
    for ending, route in found.items():
        choices = [c for c, _ in route]
        use = seed if seed is not None else find_seed(story, choices, ending)
        out.append({"ending": ending, "seed": use, "exact": use is not None, "steps": len(choices),
                    "choices": choices, "outcomes": [o for _, o in route]})
    return ex, out


def find_seed(story: Story, choices: list[str], ending: str, tries: int = 2000, start: int = 0) -> int | None:
    """The first seed from `start` under which playing `choices` reaches
    `ending` (routes through chance checks need the dice to agree)."""
    from ..engine.play import IllegalChoice
    for seed in range(start, start + tries):
        c = Cursor.start(story, seed)
        try:
            for cid in choices:
                c.step(cid)
        except (IllegalChoice, StoryRuntimeError):
            continue
        if c.ending == ending:
            return seed
    return None
