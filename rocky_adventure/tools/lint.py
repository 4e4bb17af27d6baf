"""Lints: what a story that loads may still get wrong.

Every lint has a code (RA101...), a default severity and a location. The
loader's own errors keep RA001-RA009. docs/lints.md explains each code with
an example and a fix.

    diags = lint(story)                       # default severities
    diags = apply_levels(diags, story.lint_levels, {"RA105": "ignore"}, strict=False)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..engine.diagnostics import CODES, E_RUNTIME, Diagnostic, Severity
from ..engine.expr import BOOL, Expr
from ..engine.model import CONTINUE_ID, Choice, Effect, Story
from ..engine.start import Start
from ..engine.text import Branches, Template
from .analysis import Domains, FlowReach, _components, collect, static_reachable
from .explore import Exploration, explore_from, start_at
from .never import why_never

# States the exploration inside `check` may visit before it falls back to
# what the scene graph alone can tell.
CHECK_BUDGET = 50_000
# What lint(quick=True) leaves out, in part or whole: the lints that read
# expressions' value domains (the language server's full phase adds them).
QUICK_SKIPS = frozenset(("RA102", "RA103", "RA108", "RA109", "RA112"))
# The most words a player can read in one scene before RA111 speaks up.
LONG_SCENE_WORDS = 450
LEVELS = ("error", "warning", "info", "ignore")


@dataclass(frozen=True, slots=True)
class Lint:
    code: str
    name: str
    severity: Severity
    summary: str


W, INFO = Severity.WARNING, Severity.INFO
LINTS: dict[str, Lint] = {
    lint.code: lint
    for lint in (
        Lint("RA101", "unreachable-scene", W, "a scene the player can never reach"),
        Lint("RA102", "dead-end", W, "a scene where the player can be left with no way on"),
        Lint("RA103", "condition-never-true", W, "a choice or branch whose condition never holds"),
        Lint(
            "RA104",
            "variable-never-written",
            W,
            "a variable read by conditions or effects but never changed",
        ),
        Lint("RA105", "variable-never-read", W, "a variable changed but never read"),
        Lint("RA106", "variable-unused", W, "a variable declared and never used"),
        Lint("RA107", "ending-never-reached", W, "an ending no playthrough can reach"),
        Lint(
            "RA108",
            "effect-out-of-range",
            W,
            "an effect that pushes a variable past its declared range",
        ),
        Lint("RA109", "duplicate-choice-text", W, "two choices of a scene with the same text"),
        Lint(
            "RA110",
            "suspicious-interpolation",
            W,
            "text that looks like an interpolation but is not one",
        ),
        Lint("RA111", "long-scene", INFO, f"a scene longer than {LONG_SCENE_WORDS} words"),
        Lint(
            "RA112", "chance-always-same", W, "a chance check that always succeeds or always fails"
        ),
        Lint(
            "RA113",
            "choices-that-change-nothing",
            W,
            "choices open together that lead to the same place with the same effects",
        ),
        Lint(
            "RA114",
            "text-that-repeats",
            INFO,
            "a scene entered again that shows the same text every time",
        ),
    )
}


def _d(code: str, file: str, line: int, col: int, msg: str) -> Diagnostic:
    return Diagnostic(file, line, col, code, msg, LINTS[code].severity)


def _at(code: str, thing, msg: str) -> Diagnostic:
    return _d(code, thing.file, thing.line, thing.col, msg)


def _route_text(route: list, n: int = 8) -> str:
    ids = [c for c, _ in route]
    if len(ids) > n:
        return "..., " + ", ".join(ids[-n:])
    return ", ".join(ids) or "(the start)"


class _Linter:
    def __init__(
        self,
        story: Story,
        budget: int,
        exploration: Exploration | None,
        start: Start | None = None,
    ):
        self.story = story
        self.facts = collect(story)
        self.out: list[Diagnostic] = []
        # --from/--set: what is reachable is what is reachable from there
        self.start = start_at(story, start, 0)
        self.first = start.scene if start is not None else None
        if exploration is None and budget > 0:
            # with packs, also from the states playthroughs reach at their hooks
            exploration = explore_from(story, None, budget, start)
        self.ex = exploration if exploration is not None and exploration.complete else None
        self.partial = exploration
        self.static_reach = static_reachable(story, start=self.first)
        self.domains = Domains(story, self.facts, self.static_reach, self.start)
        self.never: set[tuple[str, int]] = set()  # exits whose condition never holds
        self.flow: FlowReach | None = None  # (made when a pack's ending needs it)
        # the scenes the player can enter again: scene id -> (the scenes on its
        # cycles, the variables an effect on one of them writes)
        self.again: dict[str, tuple[frozenset[str], frozenset[str]]] = {}

    def run(self, quick: bool = False) -> list[Diagnostic]:
        if not quick:
            self.conditions()
        reach = static_reachable(self.story, self.never, start=self.first)
        self.unreachable(reach)
        self.dead_ends(reach, quick)
        self.variables()
        self.endings(reach)
        if not quick:
            self.ranges()
        self.duplicate_texts()
        self.interpolations()
        self.long_scenes()
        self.cycles(reach)
        self.same_outcomes()
        self.repeated_texts()
        self.faults()
        return sorted(self.out, key=Diagnostic.sort_key)

    # RA103 and RA112 --------------------------------------------------
    def conditions(self) -> None:
        dom = self.domains
        ex = self.ex
        for scene in self.story.scenes.values():
            for i, ch in enumerate(scene.exits):
                what = f"choice {ch.id!r}" if ch.id else f"branch {i + 1} of 'next' in {scene.id!r}"
                if ch.cond is not None:
                    if dom.can_be(ch.cond, True) is False:
                        self.never.add((scene.id, i))
                        why = why_never(self.story, self.facts, dom, ch.cond)
                        self.out.append(
                            _at(
                                "RA103",
                                ch.cond,
                                f"the condition of {what}, {ch.cond.source!r}, can never be true"
                                + (f": {why}" if why else ""),
                            )
                        )
                    elif (
                        ex is not None
                        and ch.id
                        and scene.id in ex.scenes
                        and (scene.id, ch.id) not in ex.offered
                    ):
                        self.out.append(
                            _at(
                                "RA103",
                                ch.cond,
                                f"{what} is never open: its condition "
                                f"{ch.cond.source!r} is false in every reachable "
                                f"state ({ex.states} explored)",
                            )
                        )
                if ch.chance is not None:
                    out = dom.outcomes(ch.chance)
                    if out:
                        odds = [o[0] for o in out]
                        if all(x <= 0 for x in odds):
                            self.out.append(
                                _at(
                                    "RA112",
                                    ch.chance,
                                    f"the chance check of {what} never succeeds: "
                                    f"its odds {ch.chance.source!r} are never above 0",
                                )
                            )
                        elif all(x >= 100 for x in odds):
                            self.out.append(
                                _at(
                                    "RA112",
                                    ch.chance,
                                    f"the chance check of {what} never fails: "
                                    f"its odds {ch.chance.source!r} are always "
                                    f"100 or more",
                                )
                            )

    # RA101 ---------------------------------------------------------------
    def unreachable(self, reach: set[str]) -> None:
        ex = self.ex
        for scene in self.story.scenes.values():
            if scene.id not in self.static_reach:
                self.out.append(
                    _at(
                        "RA101",
                        scene,
                        f"scene {scene.id!r} is never reached: no choice leads "
                        f"to it from the start scene",
                    )
                )
            elif scene.id not in reach:
                self.out.append(
                    _at(
                        "RA101",
                        scene,
                        f"scene {scene.id!r} is never reached: every way to it "
                        f"needs a condition that can never be true",
                    )
                )
            elif ex is not None and scene.id not in ex.scenes:
                self.out.append(
                    _at(
                        "RA101",
                        scene,
                        f"scene {scene.id!r} is never reached: no playthrough "
                        f"gets there (all {ex.states} reachable states explored)",
                    )
                )

    # RA102 ---------------------------------------------------------------
    def dead_ends(self, reach: set[str], quick: bool = False) -> None:
        found: set[str] = set()
        explored = self.partial
        if explored is not None:
            for k in explored.dead_ends:
                sid = k[0]
                if sid in found:
                    continue
                found.add(sid)
                scene = self.story.scenes[sid]
                self.out.append(
                    _at(
                        "RA102",
                        scene,
                        f"the player can get stuck in scene {sid!r}: no choice is "
                        f"open after {_route_text(explored.route(k))}",
                    )
                )
        if self.ex is not None or quick:
            return  # exact: every dead end was found above (or quick: no domains)
        dom = self.domains
        for scene in self.story.scenes.values():
            if scene.id in found or scene.id not in reach:
                continue
            exits = scene.exits
            conds = [ch.cond for ch in exits if ch.cond is not None]
            if not exits or len(conds) != len(exits):  # an exit without a condition
                continue
            out = dom.outcomes(*conds)
            if out is None or not any(not any(t) for t in out):
                continue
            if scene.next is not None:
                last = exits[-1]
                self.out.append(
                    _at(
                        "RA102",
                        last,
                        f"no branch of 'next' in scene {scene.id!r} may match "
                        f"(the game stops with an error): end with a branch "
                        f"without 'if'",
                    )
                )
            else:
                self.out.append(
                    _at(
                        "RA102",
                        scene,
                        f"the player may get stuck in scene {scene.id!r}: "
                        f"every choice has a condition and they can all be false",
                    )
                )

    # RA104-RA106 ---------------------------------------------------------
    def variables(self) -> None:
        f = self.facts
        for var in self.story.variables:
            uses = f.reads.get(var.name, [])
            flow = [u for u in uses if u.role not in ("text", "epilogue")]
            read = bool(uses) or var.name in f.display_reads
            writes = f.writes.get(var.name, [])
            if not read and not writes:
                self.out.append(
                    _at("RA106", var, f"variable {var.name!r} is declared but never used")
                )
            elif not writes and flow:
                u = flow[0].expr
                self.out.append(
                    _at(
                        "RA104",
                        var,
                        f"variable {var.name!r} is read (first at {u.where()}) but "
                        f"never changed, so it is always {_show(var.default)}",
                    )
                )
            elif writes and not read:
                e, file = writes[0]
                self.out.append(
                    _at(
                        "RA105",
                        var,
                        f"variable {var.name!r} is changed (first at "
                        f"{file}:{e.line}:{e.col}) but never read",
                    )
                )

    # RA107 ---------------------------------------------------------------
    def endings(self, reach: set[str]) -> None:
        used: dict[str, list[str]] = {}
        for scene in self.story.scenes.values():
            if scene.ending is not None:
                used.setdefault(scene.ending, []).append(scene.id)
        ex = self.ex
        for ending in self.story.endings.values():
            scenes = used.get(ending.id)
            if not scenes:
                self.out.append(
                    _at(
                        "RA107",
                        ending,
                        f"ending {ending.id!r} is never reached: no scene ends with it",
                    )
                )
            elif not any(s in reach for s in scenes):
                self.out.append(
                    _at(
                        "RA107",
                        ending,
                        f"ending {ending.id!r} is never reached: its scenes "
                        f"({', '.join(scenes)}) are unreachable",
                    )
                )
            elif ex is not None and ending.id not in ex.endings:
                self.out.append(
                    _at(
                        "RA107",
                        ending,
                        f"ending {ending.id!r} is never reached in any of the "
                        f"{ex.states} reachable states",
                    )
                )
            elif ex is None and self._pack_ending_unreached(ending.id, scenes):
                self.out.append(
                    _at(
                        "RA107",
                        ending,
                        f"ending {ending.id!r} is never reached: on every way into the "
                        f"pack, the conditions on the way to its scenes "
                        f"({', '.join(scenes)}) cannot hold (found without playing, "
                        f"from what each way in sets)",
                    )
                )

    def _pack_ending_unreached(self, ending: str, scenes: list[str]) -> bool:
        """A pack's ending that exploration did not reach, and that the flow
        analysis over the packs' scenes (analysis.FlowReach) proves no state
        entering them can reach: found even when exploration stops at its
        budget long before the hooks."""
        names = tuple(p.name + "." for p in self.story.packs)
        if not names or not ending.startswith(names):
            return False
        if self.partial is not None and ending in self.partial.endings:
            return False
        if self.flow is None:
            region = {sid for sid in self.story.scenes if sid.startswith(names)}
            samples = self.partial.samples if self.partial is not None else []
            self.flow = FlowReach(self.story, self.domains, self.start, samples, region)
        return not any(s in self.flow.scenes for s in scenes)

    # RA108 ---------------------------------------------------------------
    def ranges(self) -> None:
        story = self.story
        for scene in story.scenes.values():
            for effs in [scene.effects] + [ch.effects for ch in scene.exits]:
                for e in effs:
                    var = story.variables[e.var]
                    if var.type != "int" or var.min is None or var.max is None:
                        continue
                    out = self.domains.outcomes(e.value)
                    if not out:
                        continue
                    vals = sorted(o[0] for o in out)
                    span = var.max - var.min
                    rng = f"{var.min}..{var.max}"
                    if e.op == "set":
                        bad = [x for x in vals if not var.min <= x <= var.max]
                        if bad:
                            self.out.append(
                                _d(
                                    "RA108",
                                    e.value.file,
                                    e.line,
                                    e.col,
                                    f"'set' can give {var.name!r} the value {_show(bad[0])}, outside "
                                    f"its range {rng}; it is clamped",
                                )
                            )
                    else:
                        big = [x for x in vals if abs(x) > span]
                        if big:
                            self.out.append(
                                _d(
                                    "RA108",
                                    e.value.file,
                                    e.line,
                                    e.col,
                                    f"'{e.op}' of {_show(big[0])} to {var.name!r} pushes it past its "
                                    f"whole range {rng}",
                                )
                            )

    # RA109 ---------------------------------------------------------------
    def duplicate_texts(self) -> None:
        dom = self.domains
        for scene in self.story.scenes.values():
            seen: dict[str, list] = {}
            for ch in scene.choices or ():
                key = _text_key(ch.text)
                for other in seen.get(key, []):
                    if other.cond is not None and ch.cond is not None:
                        both = dom.outcomes(other.cond, ch.cond)
                        if both is not None and (True, True) not in both:
                            continue  # never open together
                    self.out.append(
                        _at(
                            "RA109",
                            ch,
                            f"choice {ch.id!r} has the same text as choice "
                            f"{other.id!r} (line {other.line}) in scene {scene.id!r}",
                        )
                    )
                    break
                seen.setdefault(key, []).append(ch)

    # RA110 ---------------------------------------------------------------
    def interpolations(self) -> None:
        story = self.story
        names = set(story.var_index) | set(story.scenes) | {"turns"}
        for scene in story.scenes.values():
            self._template(scene.text, scene, names)
            for ch in scene.choices or ():
                self._template(ch.text, ch, names)
        for ending in story.endings.values():
            self._template(ending.epilogue, ending, names)

    def _template(self, t: Template | None, owner, names: set[str]) -> None:
        if t is None:
            return
        for kind, p in _parts(t.parts):
            if kind == "expr":
                if p.type == BOOL:
                    self.out.append(
                        _at(
                            "RA110",
                            p,
                            f"{{{p.source}}} shows 'true' or 'false' to the player: "
                            f"use {{if {p.source}}}...{{end}}",
                        )
                    )
                continue
            for m in _LOOKALIKE.finditer(p):
                name = m.group("n1") or m.group("n2") or m.group("n3")
                if name in names:
                    self.out.append(
                        _at(
                            "RA110",
                            owner,
                            f"{m.group(0)!r} is shown as written, not as the value "
                            f"of {name!r}: write {{{name}}}",
                        )
                    )

    # RA111 ---------------------------------------------------------------
    def long_scenes(self) -> None:
        for scene in self.story.scenes.values():
            n = longest_words(scene.text.parts)
            if n > LONG_SCENE_WORDS:
                self.out.append(
                    _at(
                        "RA111",
                        scene,
                        f"scene {scene.id!r} is {n} words long (more than "
                        f"{LONG_SCENE_WORDS}): consider splitting it",
                    )
                )

    # RA113 and RA114: what the player can tell apart ----------------------
    def cycles(self, reach: set[str]) -> None:
        """Fill self.again with the scenes the player can enter more than
        once. The scene graph runs along the exits that can be taken (not
        those whose condition never holds; with a complete exploration,
        only scenes reached and choices offered), cut into strongly
        connected components: a scene outside every cycle is entered at
        most once, and every scene and exit inside a scene's component is
        on a cycle back to it. On a cycle, `_entries` bounds how often."""
        story, ex, never = self.story, self.ex, self.never
        scenes = story.scenes
        nodes = [s for s in scenes if s in reach and (ex is None or s in ex.scenes)]
        live = set(nodes)
        blocked = {sid for sid, _ in never}
        succ: dict[str, list[str]] = {}
        taken: dict[str, Sequence[Choice]] = {}
        for sid in nodes:
            exits: Sequence[Choice] = scenes[sid].exits
            if ex is not None or sid in blocked:
                exits = [
                    ch
                    for i, ch in enumerate(exits)
                    if (sid, i) not in never
                    and (ex is None or (sid, ch.id or CONTINUE_ID) in ex.offered)
                ]
            taken[sid] = exits
            out: list[str] = []
            for ch in exits:
                if ch.to is not None:
                    out.append(ch.to)
                else:
                    out += (ch.success, ch.failure)  # type: ignore[arg-type]
            # (without an exploration every scene a way leads to from a reachable one is
            # reachable: only the exploration's scenes need picking out)
            succ[sid] = out if ex is None else [t for t in out if t in live]
        comp_of: dict[str, int] = {}
        cycle: dict[str, _Cycle] = {}
        for n, comp in enumerate(_components(nodes, succ)):
            for sid in comp:
                comp_of[sid] = n
            if len(comp) > 1 or comp[0] in succ[comp[0]]:
                made = _Cycle(story, comp, taken)
                for sid in comp:
                    cycle[sid] = made
        # the scenes with a way in that only their first entry can take: from
        # outside their cycles, or one that entering shuts; and the other ways
        firsts = {self.first or story.start}  # (--from: the scene the player starts in)
        inner: dict[str, list[tuple[str, bool]]] = {}
        for sid in nodes:
            c = cycle.get(sid)
            if c is None:  # every way out leaves the scene's component
                firsts.update(succ[sid])
                continue
            here = comp_of[sid]
            ways = inner[sid] = []
            for ch in taken[sid]:
                for t in (ch.to,) if ch.to is not None else dict.fromkeys(ch.targets):
                    if t not in live:
                        continue
                    if comp_of[t] != here:
                        firsts.add(t)
                    elif ch.cond is None:
                        ways.append((t, ch.once))
                    elif c.first_only(ch.cond, t):
                        firsts.add(t)
                    else:
                        ways.append((t, ch.once or c.once_only(ch, sid)))
        entries = _entries(list(cycle), inner, firsts)
        for sid, c in cycle.items():
            if entries[sid] > 1:
                self.again[sid] = (c.members, frozenset(c.writes))

    # RA113 ---------------------------------------------------------------
    def same_outcomes(self) -> None:
        ex, never = self.ex, self.never
        for scene in self.story.scenes.values():
            choices = scene.choices
            if choices is None or len(choices) < 2:
                continue
            if ex is not None and scene.id not in ex.scenes:
                continue
            # only choices to the same places can do the same (a quick first sort)
            by_place: dict[tuple, list[Choice]] = {}
            for ch in choices:
                by_place.setdefault(ch.targets, []).append(ch)
            if len(by_place) == len(choices):
                continue
            # `once` tells two choices apart only where the player can come back
            again = scene.id in self.again
            groups: dict[tuple, list[Choice]] = {}
            for i, ch in enumerate(choices):
                if len(by_place[ch.targets]) < 2:
                    continue
                if ch.flavour or (again and ch.once) or (scene.id, i) in never:
                    continue
                if ex is not None and (scene.id, ch.id) not in ex.offered:
                    continue
                same = groups.setdefault(_outcome_key(ch), [])
                for other in same:
                    if self._together(other, ch):
                        self.out.append(
                            _at(
                                "RA113",
                                ch,
                                f"choice {ch.id!r} does the same as choice {other.id!r} "
                                f"(line {other.line}) in scene {scene.id!r}: "
                                f"{_outcome_text(ch)}, so nothing afterwards can tell which "
                                f"the player picked (make them differ, merge them, or mark "
                                f"one 'flavour: true')",
                            )
                        )
                        break
                same.append(ch)

    def _together(self, a: Choice, b: Choice) -> bool:
        """Whether both choices can be open at once (True when undecided)."""
        conds = [c for c in (a.cond, b.cond) if c is not None]
        if not conds:
            return True
        out = self.domains.outcomes(*conds)
        return out is None or any(all(t) for t in out)

    # RA114 ---------------------------------------------------------------
    def repeated_texts(self) -> None:
        for sid, (members, writes) in self.again.items():
            scene = self.story.scenes[sid]
            text = scene.text
            if text.plain is None:
                reads: set[str] = set()
                for e in text.exprs:
                    reads |= e.reads
                # turns grows on every choice; a visit count on the way back, and a
                # variable an effect there writes, can change between two visits
                if (
                    "turns" in reads
                    or not reads.isdisjoint(members)
                    or not reads.isdisjoint(writes)
                ):
                    continue
            self.out.append(
                _at(
                    "RA114",
                    scene,
                    f"scene {sid!r} can be entered again and shows the same text every "
                    f"time: vary it with its visit count ({{if {sid} > 1}}...{{end}}) or "
                    f"what changed",
                )
            )

    # RA009: faults found while exploring ---------------------------------
    def faults(self) -> None:
        ex = self.partial
        if ex is None:
            return
        seen = set()
        for fault in ex.faults:
            d = fault.error.diagnostic
            if (d.file, d.line, d.col) in seen:
                continue
            seen.add((d.file, d.line, d.col))
            route = fault.route + ([(fault.choice, None)] if fault.choice else [])
            self.out.append(
                Diagnostic(
                    d.file, d.line, d.col, E_RUNTIME, f"{d.message} (after {_route_text(route)})"
                )
            )


_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f'’-]+")
# {name} left from '{{name}}', $name (Yarn, ChoiceScript), [name] (Twine). Not
# ${name}: that is a real interpolation after a dollar sign ("${purse}").
_LOOKALIKE = re.compile(r"\{(?P<n1>[A-Za-z_]\w*)\}|\$(?P<n2>[A-Za-z_]\w*)|\[(?P<n3>[A-Za-z_]\w*)\]")


def _parts(parts):
    for p in parts:
        if isinstance(p, str):
            yield "text", p
        elif isinstance(p, Expr):
            yield "expr", p
        elif isinstance(p, Branches):
            for _, sub in p:
                yield from _parts(sub)


def longest_words(parts) -> int:
    """The most words one rendering of the text can show: {if} blocks count
    their longest branch."""
    n = 0
    for p in parts:
        if isinstance(p, str):
            n += len(_WORD.findall(p))
        elif isinstance(p, Expr):
            n += 1
        elif isinstance(p, Branches):
            n += max((longest_words(sub) for _, sub in p), default=0)
    return n


def _text_key(t: Template | None) -> str:
    if t is None:
        return ""
    if t.plain is not None:
        return " ".join(t.plain.lower().split())
    return repr(t.parts)


class _Cycle:
    """One strongly connected component of the scene graph with a cycle:
    what changes on the way round, for deciding which ways in and out of
    its scenes can be taken again."""

    def __init__(self, story: Story, comp: list[str], taken: Mapping[str, Sequence[Choice]]):
        self.story = story
        self.members = members = frozenset(comp)
        # every effect on a cycle: the scenes' own, and those of the exits that stay
        effects: list[Effect] = []
        for sid in comp:
            effects.extend(story.scenes[sid].effects)
            for ch in taken[sid]:
                if ch.effects and (
                    ch.to in members
                    if ch.to is not None
                    else ch.success in members or ch.failure in members
                ):
                    effects.extend(ch.effects)
        self.writes: dict[str, int] = {}
        rising: dict[int, bool] = {}
        for e in effects:
            self.writes[e.name] = self.writes.get(e.name, 0) + 1
            k = e.value.constant
            up = (
                e.op in ("add", "subtract")
                and isinstance(k, int)
                and not isinstance(k, bool)
                and (k >= 0 if e.op == "add" else k <= 0)
            )
            rising[e.var] = rising.get(e.var, True) and up
        self.rising = {i for i, up in rising.items() if up}
        self.latches: dict[str, dict[int, object]] = {}  # scene id -> its latch
        self.steps: dict[str, set[int]] = {}  # scene id -> the counts it raises on entry

    def _latch(self, effects: tuple[Effect, ...]) -> dict[int, object]:
        """The variables these effects set to a constant that nothing else
        on the cycles changes, with their values (clamped)."""
        out: dict[int, object] = {}
        for e in effects:
            if e.op == "set" and self.writes.get(e.name) == 1 and e.value.ir[0] == "const":
                c = e.value.ir[1]
                out[e.var] = c if e.lo is None else min(max(c, e.lo), e.hi)
        return out

    def first_only(self, cond: Expr, target: str) -> bool:
        """Whether the first entry into `target` shuts a way in with this
        condition: it needs the target unvisited (`robot == 0`), or needs
        otherwise a variable the target sets on entry (`if: not met` into
        a scene with `set: {met: true}`)."""
        latch = self.latches.get(target)
        if latch is None:
            latch = self.latches[target] = self._latch(self.story.scenes[target].effects)
        return _shut(cond.ir, latch, target)

    def once_only(self, ch: Choice, sid: str) -> bool:
        """Whether the exit can be taken only once: a `once` choice, one
        whose own effects shut its condition (`if: not asked` with `set:
        {asked: true}`), or one whose condition asks for one value of a
        count that rises on every entry of its scene (`if: day == 4`
        below a scene with `add: {day: 1}`)."""
        if ch.once:
            return True
        if ch.cond is None:
            return False
        if ch.effects and _shut(ch.cond.ir, self._latch(ch.effects), ""):
            return True
        steps = self.steps.get(sid)
        if steps is None:
            steps = self.steps[sid] = {
                e.var
                for e in self.story.scenes[sid].effects
                if e.var in self.rising and e.value.constant != 0
            }
        return bool(steps) and _one_value(ch.cond.ir, steps, self.story)


def _one_value(ir: tuple, steps: set[int], story: Story) -> bool:
    """Whether the condition holds for one value at most of a count in
    `steps` (`day == 4`, and/or of such), below the count's largest value
    (where it would stay)."""
    k = ir[0]
    if k == "and":
        return any(_one_value(p, steps, story) for p in ir[1])
    if k == "or":
        return all(_one_value(p, steps, story) for p in ir[1])
    if k != "cmp" or ir[1] != ("==",):
        return False
    a, b = ir[2]
    if a[0] == "const":
        a, b = b, a
    if a[0] != "var" or a[1] not in steps or b[0] != "const":
        return False
    hi = story.variables[a[1]].max
    return hi is None or b[1] < hi


def _entries(
    nodes: list[str], inner: dict[str, list[tuple[str, bool]]], firsts: set[str]
) -> dict[str, int]:
    """How often the player can enter each scene on a cycle at most: 1, or
    2 for more than once. `inner` gives each scene's ways out inside its
    strongly connected component that more than the target's first entry
    can take, as (target, the way can be taken only once); `firsts` the
    scenes with a way in that only their first entry can take. Every scene
    here is reachable, so entered once at least.

    A scene whose ways in all come from one scene and can all be taken
    again belongs to the region of that scene; the other scenes head a
    region each. A region is a tree below its head, so it is entered from
    outside only at its head: from another region, or along a way in that
    only the head's first entry takes (from outside the head's component,
    or shut once the head was entered). A stay in a region starts with such
    an entry, goes down the tree, and may come back to the head (a loop) a
    number of times before it leaves the region, once. So the ways out of a
    region are taken, together, as often as the region is entered from
    outside, and each `once` way once; the head is entered again only if a
    loop comes back to it, and a scene of the tree that cannot reach a loop
    is entered once a stay. Linear in the size of the graph."""
    # each scene's one source of ways in, if it has one and they can all be taken again
    pred: dict[str, str | None] = {}
    for sid in nodes:
        for t, once in inner[sid]:
            p = pred.get(t, sid)
            pred[t] = sid if p == sid and not once and t not in firsts else None
    head: dict[str, str] = {}
    for sid in nodes:
        path: dict[str, None] = {}
        x = sid
        while x not in head:
            up = pred.get(x)
            if up is None or x in path:
                head[x] = x
                break
            path[x] = None
            x = up
        h = head[x]
        for y in path:
            head[y] = h
    # the ways between regions (target head -> source head -> how often they can be
    # taken, 2: more than once), and the scenes a loop back to their head leaves
    into: dict[str, dict[str, int]] = {}
    loops: set[str] = set()
    for sid in nodes:
        h = head[sid]
        for t, once in inner[sid]:
            if head[t] != h:
                ways = into.setdefault(t, {})
                ways[h] = min(2, ways.get(h, 0) + 1) if once else 2
            elif t == h:
                loops.add(sid)
    # the scenes of a tree that can reach a loop: the loops' sources and those above them
    looping: set[str] = set()
    for sid in loops:
        x = sid
        while x not in looping:
            looping.add(x)
            if head[x] == x:
                break
            x = pred[x]  # type: ignore[assignment]
    # how often each region is entered from outside
    arrive: dict[str, int] = {}
    copies: dict[str, str] = {}
    for sid in nodes:
        if head[sid] != sid:
            continue
        ways = into.get(sid, {})
        if sid in firsts or len(ways) != 1:
            arrive[sid] = 2 if (sid in firsts and ways) or len(ways) > 1 else 1
        else:
            [(h, cap)] = ways.items()
            if cap == 1:
                arrive[sid] = 1
            else:
                copies[sid] = h
    for sid in copies:
        chain: dict[str, None] = {}
        x = sid
        while x not in arrive and x not in chain:
            chain[x] = None
            x = copies[x]
        n = arrive.get(x, 1)  # (a ring of such regions with no other way in is never reached)
        for y in chain:
            arrive[y] = n
    return {sid: 2 if sid in looping else arrive[head[sid]] for sid in nodes}


_HOLDS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
# a comparison the other way round: `0 == x` is `x == 0`, `1 > x` is `x < 1`
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _shut(ir: tuple, latch: dict[int, object], sid: str) -> bool:
    """Whether the condition is false once scene `sid` was entered (its
    visit count is 1 or more: `sid == 0`, `sid < 1`) or while a variable
    of `latch` has its value there (`not met`, `met == false`), or and/or
    of those. Decided from the condition's shape only."""
    k = ir[0]
    if k == "and":
        return any(_shut(p, latch, sid) for p in ir[1])
    if k == "or":
        return all(_shut(p, latch, sid) for p in ir[1])
    if k == "var":
        return latch.get(ir[1], True) is False
    if k == "not":
        return ir[1][0] == "var" and latch.get(ir[1][1], False) is True
    if k != "cmp" or len(ir[1]) != 1:
        return False
    (op,), (a, b) = ir[1], ir[2]
    if a[0] == "const":
        op, a, b = _FLIP[op], b, a
    if b[0] != "const":
        return False
    k = b[1]
    if a == ("visits", sid):
        # false for every count from 1 up: `== 0`, `< 1`, `<= 0`
        return isinstance(k, int | float) and (
            (op == "==" and k < 1) or (op == "<" and k <= 1) or (op == "<=" and k < 1)
        )
    if a[0] == "var" and a[1] in latch:
        c = latch[a[1]]
        if isinstance(c, str) != isinstance(k, str):
            return False
        return not _HOLDS[op](c, k)
    return False


def _effects_key(effects: tuple[Effect, ...]) -> tuple:
    """The effects as data: op, variable and value, in order; in any order
    when no effect reads a variable another writes (set a then b is set b
    then a)."""
    key = [(e.op, e.var, e.value.ir) for e in effects]
    names = {e.name for e in effects}
    if len(names) == len(effects) and all(names.isdisjoint(e.value.reads) for e in effects):
        key.sort(key=repr)
    return tuple(key)


def _outcome_key(ch: Choice) -> tuple:
    """What taking the choice does to the state: where it goes (a chance
    check's odds and both outcomes) and its effects."""
    odds = ch.chance.ir if ch.chance is not None else None
    return (ch.to, odds, ch.success, ch.failure, _effects_key(ch.effects))


def _outcome_text(ch: Choice) -> str:
    if ch.chance is not None:
        where = f"both roll {ch.chance.source!r} for {ch.success!r} or {ch.failure!r}"
    else:
        where = f"both go to {ch.to!r}"
    return f"{where} with {'the same effects' if ch.effects else 'no effects'}"


def _show(v) -> str:
    from ..engine.expr import format_value

    return repr(v) if isinstance(v, str) else format_value(v)


def lint(
    story: Story,
    budget: int = CHECK_BUDGET,
    exploration: Exploration | None = None,
    start: Start | None = None,
    quick: bool = False,
) -> list[Diagnostic]:
    """Every lint finding, at its default severity, sorted by place.
    Exploration (up to `budget` states; 0 turns it off) lets the lints
    respect conditions; a given exploration is used as it is. With branch
    packs it also starts from the states playthroughs reach at the packs'
    hooks. `start` (--from/--set) makes what is reachable what is reachable
    from that state. `quick` (the language server's first answer to an edit)
    leaves out what reads expressions' value domains (QUICK_SKIPS: RA103,
    RA112 and the exits they close, RA108-RA109, the RA102 dead ends found
    from conditions), so it may differ from the full run where such an exit
    decides what is reachable."""
    return _Linter(story, budget, exploration, start).run(quick)


# -- severities ------------------------------------------------------------


def apply_levels(
    diags: list[Diagnostic],
    manifest: dict[str, str] | None = None,
    overrides: dict[str, str] | None = None,
    strict: bool = False,
) -> list[Diagnostic]:
    """Each lint's severity from the manifest's `lints:`, then the command
    line's; 'ignore' drops it; strict turns warnings into errors."""
    manifest = manifest or {}
    overrides = overrides or {}
    out = []
    for d in diags:
        sev = d.severity
        if d.code in LINTS:
            level = overrides.get(d.code) or manifest.get(d.code)
            if level == "ignore":
                continue
            if level:
                sev = Severity(level)
        if strict and sev is Severity.WARNING:
            sev = Severity.ERROR
        if sev is not d.severity:
            d = Diagnostic(d.file, d.line, d.col, d.code, d.message, sev)
        out.append(d)
    return out


def unknown_codes(levels: dict[str, str]) -> list[str]:
    return sorted(c for c in levels if c not in LINTS)


# -- output ------------------------------------------------------------------


def code_names() -> dict[str, str]:
    """Every code's name, the loader's and the lints' (for github titles)."""
    return {**{c: k.name for c, k in CODES.items()}, **{c: k.name for c, k in LINTS.items()}}


def github(d: Diagnostic, pack: str | None = None) -> str:
    """A GitHub Actions workflow command, with the code's name (and the
    pack the file belongs to) as title."""
    names = code_names()
    if pack is not None:
        names = {d.code: f"{names.get(d.code, 'story')} (pack {pack})"}
    return d.github(names)
