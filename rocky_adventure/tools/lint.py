"""Lints: what a story that loads may still get wrong.

Every lint has a code (RA101...), a default severity and a location. The
loader's own errors keep RA001-RA009. docs/lints.md explains each code with
an example and a fix.

    diags = lint(story)                       # default severities
    diags = apply_levels(diags, story.lint_levels, {"RA105": "ignore"}, strict=False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..engine.diagnostics import CODES, E_RUNTIME, Diagnostic, Severity
from ..engine.expr import BOOL, Expr
from ..engine.model import Story
from ..engine.text import Branches, Template
from .analysis import Domains, collect, static_reachable
from .explore import Exploration, Explorer

# States the exploration inside `check` may visit before it falls back to
# what the scene graph alone can tell.
CHECK_BUDGET = 50_000
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
    def __init__(self, story: Story, budget: int, exploration: Exploration | None):
        self.story = story
        self.facts = collect(story)
        self.out: list[Diagnostic] = []
        if exploration is None and budget > 0:
            exploration = Explorer(story).run(budget)
        self.ex = exploration if exploration is not None and exploration.complete else None
        self.partial = exploration
        self.static_reach = static_reachable(story)
        self.domains = Domains(story, self.facts, self.static_reach)
        self.never: set[tuple[str, int]] = set()  # exits whose condition never holds

    def run(self) -> list[Diagnostic]:
        self.conditions()
        reach = static_reachable(self.story, self.never)
        self.unreachable(reach)
        self.dead_ends(reach)
        self.variables()
        self.endings(reach)
        self.ranges()
        self.duplicate_texts()
        self.interpolations()
        self.long_scenes()
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
                        self.out.append(
                            _at(
                                "RA103",
                                ch.cond,
                                f"the condition of {what}, {ch.cond.source!r}, can never be true",
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
    def dead_ends(self, reach: set[str]) -> None:
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
        if self.ex is not None:
            return  # exact: every dead end was found above
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


def _show(v) -> str:
    from ..engine.expr import format_value

    return repr(v) if isinstance(v, str) else format_value(v)


def lint(
    story: Story, budget: int = CHECK_BUDGET, exploration: Exploration | None = None
) -> list[Diagnostic]:
    """Every lint finding, at its default severity, sorted by place.
    Exploration (up to `budget` states; 0 turns it off) lets the lints
    respect conditions; a given exploration is used as it is."""
    return _Linter(story, budget, exploration).run()


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
