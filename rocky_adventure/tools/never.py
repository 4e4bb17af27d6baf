"""Why a condition can never be true, in words, for RA103.

The lint decides it with `analysis.Domains`; this module says why, from
what the story declares and does: a variable's declared range, the only
values it is ever given, a scene that is never reached.

    why_never(story, facts, domains, cond)
    # "stamina is at most 10 (its declared max)"
    # "stamina is at least 0 (its declared min), so 'stamina < 0' is never true"

Only the error path runs it: once per condition that never holds.
"""

from __future__ import annotations

import json

from ..engine.expr import BOOL, Expr, format_value
from ..engine.model import Story
from .analysis import Domains, Facts

# what a comparison becomes with its two sides swapped (`12 < x` is `x > 12`)
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
# binding strength, for writing a part of an expression back as text
_PREC = {"if": 0, "or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "//": 6, "%": 6}


def why_never(story: Story, facts: Facts, domains: Domains, cond: Expr) -> str | None:
    """Why `cond` can never be true, or None when it cannot be said simply.
    The reason names a part of the condition when only that part fails."""
    return _Why(story, facts, domains, cond).why(cond.ir, whole=True)


class _Why:
    def __init__(self, story: Story, facts: Facts, domains: Domains, cond: Expr):
        self.story = story
        self.facts = facts
        self.domains = domains
        self.cond = cond
        # a pack's own names are written without `pack.` in its files
        self.prefix = ""
        for p in story.packs:
            root = p.root.rstrip("/")
            if root and cond.file.startswith(root + "/"):
                self.prefix = p.name + "."

    # -- the parts ---------------------------------------------------------
    def why(self, ir: tuple, whole: bool = False) -> str | None:
        kind = ir[0]
        if kind == "and":  # one part that never holds is enough
            for part in ir[1]:
                if self.never(part):
                    return self.why(part)
        elif kind == "or":  # every part never holds
            reasons = [self.why(part) for part in ir[1]]
            if all(reasons):
                return "; ".join(r for r in reasons if r)
            return None
        reason = self.reason(ir)
        if reason is None:
            return None
        return reason if whole else f"{reason}, so {self.text(ir)!r} is never true"

    def never(self, ir: tuple) -> bool:
        e = Expr(self.text(ir), ir, BOOL, frozenset(self.reads(ir)), "", 0, 0)
        return self.domains.can_be(e, True) is False

    def reason(self, ir: tuple) -> str | None:
        """Why the names `ir` reads make it false: for `NAME OP constant`
        the bound that rules it out, else what each name can be."""
        kind = ir[0]
        if kind == "cmp" and len(ir[1]) == 1:
            (op,), (a, b) = ir[1], ir[2]
            if _is_name(a) and b[0] == "const":
                return self.about(a, op, b[1])
            if _is_name(b) and a[0] == "const":
                return self.about(b, _FLIP[op], a[1])
        names = sorted(set(self._name_irs(ir)), key=repr)
        said = [s for s in (self.about(n) for n in names) if s]
        return " and ".join(said) if said else None

    # -- what a name can be ------------------------------------------------
    def about(self, name_ir: tuple, op: str | None = None, k: object = None) -> str | None:
        kind = name_ir[0]
        if kind == "turns":
            return "turns is never negative" if op in ("<", "<=", "==") else None
        if kind == "visits":
            sid = name_ir[1]
            shown = self.show(sid)
            if self.domains.values.get(sid) == (0,):
                return f"scene {shown!r} is never reached, so {shown} is always 0"
            return f"{shown} (a count of visits) is never negative" if op else None
        var = self.story.variables[name_ir[1]]
        shown = self.show(var.name)
        writes = self.facts.writes.get(var.name, [])
        if not writes:
            return f"{shown} is never changed, so it is always {_value(var.default)}"
        if all(e.op == "set" and e.value.ir[0] == "const" for e, _ in writes):
            values = {var.default} | {e.value.ir[1] for e, _ in writes}
            if var.type == "int" and var.min is not None and var.max is not None:
                values = {min(max(x, var.min), var.max) for x in values}
            if len(values) == 1:
                return f"{shown} is always {_value(var.default)} (no effect gives it another value)"
            shown_values = [_value(v) for v in sorted(values, key=lambda v: (str(type(v)), v))]
            return f"{shown} is only ever {_either(shown_values)}"
        if var.type != "int":
            return None
        lo, hi = var.min, var.max
        at_most = f"{shown} is at most {hi} (its declared max)" if hi is not None else None
        at_least = f"{shown} is at least {lo} (its declared min)" if lo is not None else None
        if op in (">", ">="):
            return at_most
        if op in ("<", "<="):
            return at_least
        if op == "==":
            if isinstance(k, int | float) and hi is not None and k > hi:
                return at_most
            if isinstance(k, int | float) and lo is not None and k < lo:
                return at_least
            if isinstance(k, float) and not k.is_integer():
                return f"{shown} is a whole number"
        if lo is not None and hi is not None:
            return f"{shown} is between {lo} and {hi} (its declared range)"
        return at_most or at_least

    # -- names and text ----------------------------------------------------
    def show(self, name: str) -> str:
        p = self.prefix
        return name[len(p) :] if p and name.startswith(p) else name

    def _name_irs(self, ir: tuple):
        if _is_name(ir):
            yield ir
            return
        for x in ir[1:]:
            if isinstance(x, tuple) and x and isinstance(x[0], tuple):
                for y in x:
                    yield from self._name_irs(y)
            elif isinstance(x, tuple) and x and isinstance(x[0], str):
                yield from self._name_irs(x)

    def reads(self, ir: tuple) -> set[str]:
        out = set()
        for n in self._name_irs(ir):
            if n[0] == "var":
                out.add(self.story.variables[n[1]].name)
            elif n[0] == "visits":
                out.add(n[1])
            else:
                out.add("turns")
        return out

    def text(self, ir: tuple) -> str:
        """A part of the expression written back as source (the loader
        keeps no offsets inside an expression)."""
        kind = ir[0]
        if kind == "const":
            v = ir[1]
            return json.dumps(v) if isinstance(v, str) else _value(v)
        if kind == "var":
            return self.show(self.story.variables[ir[1]].name)
        if kind == "visits":
            return self.show(ir[1])
        if kind == "turns":
            return "turns"
        if kind == "not":
            return f"not {self.sub(ir[1], _PREC['not'])}"
        if kind == "neg":
            return f"-{self.sub(ir[1], 7)}"
        if kind in ("and", "or"):
            return f" {kind} ".join(self.sub(p, _PREC[kind] + 1) for p in ir[1])
        if kind == "bin":
            p = _PREC[ir[1]]
            return f"{self.sub(ir[2], p)} {ir[1]} {self.sub(ir[3], p + 1)}"
        if kind == "cmp":
            out = self.sub(ir[2][0], _PREC["cmp"] + 1)
            for op, x in zip(ir[1], ir[2][1:]):
                out += f" {op} {self.sub(x, _PREC['cmp'] + 1)}"
            return out
        if kind == "if":
            return f"{self.sub(ir[2], 1)} if {self.sub(ir[1], 1)} else {self.sub(ir[3], 0)}"
        return "..."  # pragma: no cover - every kind is above

    def sub(self, ir: tuple, prec: int) -> str:
        s = self.text(ir)
        kind = ir[0] if ir[0] != "bin" else ir[1]
        own = _PREC.get(kind, 8)
        return f"({s})" if own < prec else s


def _is_name(ir: tuple) -> bool:
    return ir[0] in ("var", "visits", "turns")


def _value(v: object) -> str:
    return json.dumps(v) if isinstance(v, str) else format_value(v)


def _either(values: list[str]) -> str:
    if len(values) <= 2:
        return " or ".join(values)
    return ", ".join(values[:-1]) + " or " + values[-1]
