"""The expression language of conditions, odds and effect values.

Parsed once at load with Python's `ast` module and an allow-list (never
eval/exec): literals, names, and/or/not, comparisons, + - * // %, unary
minus and `a if cond else b`. Every expression is type-checked against the
declared variables, then compiled into a tree of closures for speed: lazily,
on first evaluation, or all at once with `compile_all` (what randomtest
does: see docs/performance.md, "Big stories").
"""

from __future__ import annotations

import ast
import difflib
import gc
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeAlias

from .diagnostics import StoryRuntimeError

MAX_LENGTH = 500
# Operators inside one another (not, -, and/or, comparisons, arithmetic,
# `if ... else`), and brackets inside one another: type-checking, compiling
# and evaluating an expression recurse once a level.
MAX_DEPTH = 32
_TOO_DEEP = f"expression is nested more than {MAX_DEPTH} levels deep (the limit is {MAX_DEPTH})"
MAX_LITERAL = 10**12

INT, FLOAT, BOOL, STR = "int", "float", "bool", "str"
NUMERIC = (INT, FLOAT)
# The type of a variable whose declaration is broken (its error is reported
# once, at the declaration): it fits everywhere, so the expressions that read
# it add no errors of their own. It never reaches a Story.
ANY = "any"
TYPE_WORDS = {
    INT: "a whole number",
    FLOAT: "a number",
    BOOL: "true/false",
    STR: "text",
    ANY: "a value",
}

# An expression's tree: ("const", value), ("var", index), ("bin", op, a, b), ...
IR: TypeAlias = "tuple[Any, ...]"
# A name resolves to (ir, type): ("var", index), ("visits", scene_id) or ("turns",)
Resolver = Callable[[str], "tuple[IR, str] | None"]


class Context(Protocol):
    """What an expression reads: a State, a play.Cursor, or a tool's own."""

    @property
    def v(self) -> Sequence[Any]: ...  # the variable values, by index
    @property
    def visits(self) -> Mapping[str, int]: ...  # scene id -> times entered
    @property
    def turns(self) -> int: ...


# What an expression compiles to: the closure `Expr.fn`, called with a Context
Fn: TypeAlias = "Callable[[Context], Any]"


class ExprError(Exception):
    def __init__(self, msg: str, offset: int = 0):
        super().__init__(msg)
        self.msg = msg
        self.offset = offset


_CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%"}
_FORBIDDEN = {
    ast.Call: "function calls",
    ast.Attribute: "attributes (a.b)",
    ast.Subscript: "indexing (a[b])",
    ast.Pow: "powers (**)",
    ast.Div: "'/' (use // for whole-number division)",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.NamedExpr: "assignments (:=)",
    ast.JoinedStr: "f-strings",
    ast.Starred: "'*'",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.Is: "'is' (use ==)",
    ast.IsNot: "'is not' (use !=)",
    ast.In: "'in'",
    ast.NotIn: "'not in'",
    ast.BitAnd: "'&' (use and)",
    ast.BitOr: "'|' (use or)",
    ast.BitXor: "'^'",
    ast.Invert: "'~'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.MatMult: "'@'",
    ast.UAdd: "unary '+'",
}


def parse(source: str, resolve: Resolver) -> tuple[IR, str, frozenset[str]]:
    """Parse and type-check. Returns (ir, type, names read). Raises ExprError."""
    text = source.strip()
    if not text:
        raise ExprError("expected an expression, got nothing")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if "\n" in text:
        text = " ".join(text.split())
    if text.count("(") + text.count("[") + text.count("{") > MAX_DEPTH:
        _check_brackets(text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        foreign = _foreign_operator(text)
        if foreign is not None:
            raise ExprError(f"invalid expression: {foreign[0]}", foreign[1]) from None
        raise ExprError(f"invalid expression: {e.msg}", max(0, (e.offset or 1) - 1)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError(_TOO_DEEP) from None
    reads: set[str] = set()
    ir, typ = _walk(tree.body, resolve, reads, 0)
    return ir, typ, frozenset(reads)


_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")
_NAME_AFTER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")


def _foreign_operator(text: str) -> tuple[str, int] | None:
    """The first operator of another language (`&&`, `||`, `!`, a lone `=`)
    outside string literals, as (what to write instead, its offset); None
    when there is none. Called only when the text does not parse, and each
    of these is a syntax error wherever it stands."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":  # skip a string literal
            i += 1
            while i < n and text[i] != c:
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        two = text[i : i + 2]
        if two == "&&":
            return "write 'and', not '&&'", i
        if two == "||":
            return "write 'or', not '||'", i
        if c == "!" and two != "!=":
            m = _NAME_AFTER.match(text, i + 1)
            if m and m.group(1) not in ("and", "or", "not", "if", "else"):
                return f"write 'not {m.group(1)}', not '!{m.group(1)}'", i
            return "write 'not', not '!'", i
        if c == "=":
            if two == "==":
                i += 2
                continue
            if two in ("=>", "=<"):
                return f"write '{two[::-1]}', not '{two}'", i
            if i == 0 or text[i - 1] not in "=!<>:":
                return "write '==', not '='", i
        i += 1
    return None


def _check_brackets(text: str) -> None:
    """Brackets nested more than MAX_DEPTH deep are an error at the first
    one too deep. (`ast` drops parentheses, so the tree does not show them,
    and Python's own limit is 200.) Only called when the text has more than
    MAX_DEPTH opening brackets: rare, so the exact tokenizer is affordable,
    and brackets inside string literals do not count."""
    import io
    import tokenize

    depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type != tokenize.OP:
                continue
            if tok.string in _OPENING:
                depth += 1
                if depth > MAX_DEPTH:
                    raise ExprError(
                        f"expression has brackets nested more than {MAX_DEPTH} levels deep "
                        f"(the limit is {MAX_DEPTH})",
                        tok.start[1],
                    )
            elif tok.string in _CLOSING:
                depth -= 1
    except (tokenize.TokenError, SyntaxError):  # ast.parse reports it
        pass


# Nodes that nest: an operator at level MAX_DEPTH + 1 is an error
_NESTING = (ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Compare, ast.IfExp)


def _walk(n: ast.AST, resolve: Resolver, reads: set[str], depth: int) -> tuple[IR, str]:
    # (depth: how many operators this node is inside of)
    t = type(n)
    if depth >= MAX_DEPTH and t in _NESTING:
        raise ExprError(_TOO_DEEP, getattr(n, "col_offset", 0))
    d = depth + 1
    off = getattr(n, "col_offset", 0)
    if t is ast.Constant:
        assert isinstance(n, ast.Constant)  # (for the type checker: t is its class)
        v = n.value
        if isinstance(v, bool):
            return ("const", v), BOOL
        if isinstance(v, int):
            if abs(v) > MAX_LITERAL:
                raise ExprError(f"number {v} is too large (the limit is {MAX_LITERAL})", off)
            return ("const", v), INT
        if isinstance(v, float):
            if not abs(v) <= MAX_LITERAL:
                raise ExprError(f"number {v} is too large (the limit is {MAX_LITERAL})", off)
            return ("const", v), FLOAT
        if isinstance(v, str):
            return ("const", v), STR
        raise ExprError(f"{type(v).__name__} values are not allowed", off)
    if t is ast.Name:
        assert isinstance(n, ast.Name)  # (for the type checker: t is its class)
        name = n.id
        if name in ("true", "True"):
            return ("const", True), BOOL
        if name in ("false", "False"):
            return ("const", False), BOOL
        found = resolve(name)
        if found is None:
            raise ExprError(_unknown(name, resolve), off)
        reads.add(name)
        return found
    if t is ast.BoolOp:
        assert isinstance(n, ast.BoolOp)  # (for the type checker: t is its class)
        op: str | None = "and" if isinstance(n.op, ast.And) else "or"
        parts = []
        for side in n.values:
            ir, vt = _walk(side, resolve, reads, d)
            if vt != BOOL and vt != ANY:
                raise ExprError(
                    f"'{op}' needs true/false on both sides, got {TYPE_WORDS[vt]}", side.col_offset
                )
            parts.append(ir)
        return (op, tuple(parts)), BOOL
    if t is ast.UnaryOp:
        assert isinstance(n, ast.UnaryOp)  # (for the type checker: t is its class)
        if isinstance(n.op, ast.Not):
            ir, vt = _walk(n.operand, resolve, reads, d)
            if vt != BOOL and vt != ANY:
                raise ExprError(f"'not' needs true/false, got {TYPE_WORDS[vt]}", off)
            return ("not", ir), BOOL
        if isinstance(n.op, ast.USub):
            ir, vt = _walk(n.operand, resolve, reads, d)
            if vt not in NUMERIC and vt != ANY:
                raise ExprError(f"'-' needs a number, got {TYPE_WORDS[vt]}", off)
            if ir[0] == "const":
                return ("const", -ir[1]), vt
            return ("neg", ir), vt
        raise ExprError(f"{_FORBIDDEN.get(type(n.op), type(n.op).__name__)} not allowed", off)
    if t is ast.BinOp:
        assert isinstance(n, ast.BinOp)  # (for the type checker: t is its class)
        op = _BIN.get(type(n.op))
        if op is None:
            raise ExprError(f"{_FORBIDDEN.get(type(n.op), type(n.op).__name__)} not allowed", off)
        a, at = _walk(n.left, resolve, reads, d)
        b, bt = _walk(n.right, resolve, reads, d)
        if op == "+" and at == STR and bt == STR:
            return ("bin", "+", a, b), STR
        if at not in NUMERIC or bt not in NUMERIC:
            if at == ANY or bt == ANY:
                return ("bin", op, a, b), ANY
            raise ExprError(
                f"'{op}' needs numbers on both sides, got {TYPE_WORDS[at]} and {TYPE_WORDS[bt]}",
                off,
            )
        return ("bin", op, a, b), (INT if at == INT and bt == INT else FLOAT)
    if t is ast.Compare:
        assert isinstance(n, ast.Compare)  # (for the type checker: t is its class)
        ops = []
        operands = []
        left, lt = _walk(n.left, resolve, reads, d)
        operands.append(left)
        for cop, right_node in zip(n.ops, n.comparators):
            op = _CMP.get(type(cop))
            if op is None:
                raise ExprError(f"{_FORBIDDEN.get(type(cop), type(cop).__name__)} not allowed", off)
            right, rt = _walk(right_node, resolve, reads, d)
            if not _comparable(lt, rt, op):
                raise ExprError(
                    f"cannot compare {TYPE_WORDS[lt]} with {TYPE_WORDS[rt]} using '{op}'", off
                )
            ops.append(op)
            operands.append(right)
            lt = rt
        return ("cmp", tuple(ops), tuple(operands)), BOOL
    if t is ast.IfExp:
        assert isinstance(n, ast.IfExp)  # (for the type checker: t is its class)
        c, ct = _walk(n.test, resolve, reads, d)
        if ct != BOOL and ct != ANY:
            raise ExprError(
                f"the condition after 'if' must be true/false, got {TYPE_WORDS[ct]}",
                n.test.col_offset,
            )
        a, at = _walk(n.body, resolve, reads, d)
        b, bt = _walk(n.orelse, resolve, reads, d)
        if at == bt:
            typ = at
        elif at in NUMERIC and bt in NUMERIC:
            typ = FLOAT
        elif at == ANY or bt == ANY:
            typ = ANY
        else:
            raise ExprError(
                f"both sides of 'if ... else' must have one type, got {TYPE_WORDS[at]} and {TYPE_WORDS[bt]}",
                off,
            )
        return ("if", c, a, b), typ
    what = _FORBIDDEN.get(t)
    if what is None:
        what = f"'{type(n).__name__}'"
    raise ExprError(f"{what} not allowed in story expressions", off)


def _comparable(a: str, b: str, op: str) -> bool:
    if a in NUMERIC and b in NUMERIC:
        return True
    if a == ANY or b == ANY:
        return True
    if op in ("==", "!="):
        return a == b
    return a == b == STR


# Words other formats use for true and false (YAML 1.1, INI files, Python's
# True and False in capitals): what to write instead
_TRUE_WORDS = frozenset(("yes", "on", "true"))
_FALSE_WORDS = frozenset(("no", "off", "false"))


def _unknown(name: str, resolve: Resolver) -> str:
    low = name.lower()
    if low in _TRUE_WORDS or low in _FALSE_WORDS:
        word = "true" if low in _TRUE_WORDS else "false"
        return f"unknown name {name!r}: write {word} (true and false are the only yes/no values)"
    names = getattr(resolve, "names", None)
    hint = ""
    if names:
        close = difflib.get_close_matches(name, list(names()), n=1)
        if close:
            hint = f" (did you mean {close[0]!r}?)"
    return f"unknown name {name!r}: not a variable, a scene or 'turns'{hint}"


# (source, ir, type, reads, file, line, col): what pickling an Expr keeps
_ExprState: TypeAlias = "tuple[str, IR, str, frozenset[str], str, int, int]"


class Expr:
    """A compiled expression. Call `expr.fn(ctx)` where ctx has `v` (the
    variable values by index), `visits` (scene id -> count) and `turns`.

    `fn` is built on first use, or for a whole story at once by
    `compile_all`: until then the slot is empty and `__getattr__` builds
    it."""

    __slots__ = ("source", "ir", "type", "reads", "file", "line", "col", "fn")

    fn: Fn

    def __init__(
        self,
        source: str,
        ir: IR,
        typ: str,
        reads: frozenset[str],
        file: str,
        line: int,
        col: int,
    ):
        self.source = source
        self.ir = ir
        self.type = typ
        self.reads = reads
        self.file = file
        self.line = line
        self.col = col

    def __getattr__(self, name: str) -> Any:
        # only for an empty slot: `fn` before its first use
        if name != "fn":
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        fn = self.fn = _build(self.ir, self)
        return fn

    @property
    def constant(self) -> Any:
        """The value when the expression is a literal, else a sentinel."""
        return self.ir[1] if self.ir[0] == "const" else _NOT_CONST

    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def __getstate__(self) -> _ExprState:
        return (self.source, self.ir, self.type, self.reads, self.file, self.line, self.col)

    def __setstate__(self, s: _ExprState) -> None:
        self.source, self.ir, self.type, self.reads, self.file, self.line, self.col = s

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expr) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash((self.source, self.file, self.line, self.col))

    def __repr__(self) -> str:
        return f"Expr({self.source!r})"


_NOT_CONST = object()


def _fault(expr: Expr, what: str) -> StoryRuntimeError:
    return StoryRuntimeError.at(expr.file, expr.line, expr.col, f"{what} in {expr.source!r}")


_CMP_FN: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _cmp_var_const(i: int, op: str, k: Any) -> Fn:
    # The commonest condition shape, unrolled so it costs one closure call.
    if op == "==":
        return lambda c: c.v[i] == k
    if op == "!=":
        return lambda c: c.v[i] != k
    if op == "<":
        return lambda c: c.v[i] < k
    if op == "<=":
        return lambda c: c.v[i] <= k
    if op == ">":
        return lambda c: c.v[i] > k
    return lambda c: c.v[i] >= k


def _build(ir: IR, expr: Expr) -> Fn:
    k = ir[0]
    if k == "const":
        v = ir[1]
        return lambda c: v
    if k == "var":
        i = ir[1]
        return lambda c: c.v[i]
    if k == "visits":
        s = ir[1]
        return lambda c: c.visits.get(s, 0)
    if k == "turns":
        return lambda c: c.turns
    if k == "not":
        if ir[1][0] == "var":
            i = ir[1][1]
            return lambda c: not c.v[i]
        f = _build(ir[1], expr)
        return lambda c: not f(c)
    if k in ("and", "or"):
        fs = [_build(p, expr) for p in ir[1]]
        f = fs[-1]
        for g in reversed(fs[:-1]):
            f = _and(g, f) if k == "and" else _or(g, f)
        return f
    if k == "neg":
        f = _build(ir[1], expr)
        return lambda c: -f(c)
    if k == "if":
        cf, af, bf = _build(ir[1], expr), _build(ir[2], expr), _build(ir[3], expr)
        return lambda c: af(c) if cf(c) else bf(c)
    if k == "bin":
        op = ir[1]
        a, b = _build(ir[2], expr), _build(ir[3], expr)
        if op == "+":
            return lambda c: a(c) + b(c)
        if op == "-":
            return lambda c: a(c) - b(c)
        if op == "*":
            return lambda c: a(c) * b(c)

        def div(c: Context, a: Fn = a, b: Fn = b, floor: bool = (op == "//")) -> Any:
            d = b(c)
            if d == 0:
                raise _fault(expr, "division by zero" if floor else "modulo by zero")
            return a(c) // d if floor else a(c) % d

        return div
    if k == "cmp":
        ops, xs = ir[1], ir[2]
        if len(ops) == 1:
            left, right = xs
            if left[0] == "var" and right[0] == "const":
                return _cmp_var_const(left[1], ops[0], right[1])
            lf, rf, fn = _build(left, expr), _build(right, expr), _CMP_FN[ops[0]]
            return lambda c: fn(lf(c), rf(c))
        fs = [_build(x, expr) for x in xs]
        fns = [_CMP_FN[o] for o in ops]

        def chain(c: Context) -> bool:
            left = fs[0](c)
            for fn, g in zip(fns, fs[1:]):
                right = g(c)
                if not fn(left, right):
                    return False
                left = right
            return True

        return chain
    raise AssertionError(f"unknown expression node {k}")  # pragma: no cover


def _can_fault(ir: IR) -> bool:
    """Whether evaluating `ir` can raise (division or modulo): its closure
    then names its own expression's place in the message."""
    k = ir[0]
    if k == "bin":
        return ir[1] in ("//", "%") or _can_fault(ir[2]) or _can_fault(ir[3])
    if k in ("not", "neg"):
        return _can_fault(ir[1])
    if k in ("and", "or"):
        return any(_can_fault(p) for p in ir[1])
    if k == "if":
        return _can_fault(ir[1]) or _can_fault(ir[2]) or _can_fault(ir[3])
    if k == "cmp":
        return any(_can_fault(x) for x in ir[2])
    return False


def compile_all(exprs: Iterable[Expr]) -> int:
    """Build the closure of every expression now rather than on its first
    evaluation; returns how many distinct closures were built.

    Expressions that share their tree (the loader parses each distinct
    source text once, so a story's 300,000 expressions may hold 30,000
    trees) share one closure, built once, except where evaluating can fault
    (`//`, `%`): that closure names its own expression's place. The
    collector is paused meanwhile: a big story makes a million closures and
    cells, none of them garbage, which it would otherwise scan again and
    again (at 100,000 scenes, 3 s instead of 0.3 s)."""
    # id(tree) -> (tree, closure or None for "one per expression"); the tree is kept in the
    # entry so that its id cannot be reused while the memo lives
    memo: dict[int, tuple[IR, Fn | None]] = {}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for e in exprs:
            ir = e.ir
            hit = memo.get(id(ir))
            if hit is None:
                fn = _build(ir, e)
                memo[id(ir)] = (ir, None if _can_fault(ir) else fn)
            elif hit[1] is None:
                fn = _build(ir, e)
            else:
                fn = hit[1]
            e.fn = fn
    finally:
        if enabled:
            gc.enable()
    return len(memo)


def _and(f: Fn, g: Fn) -> Fn:
    return lambda c: f(c) and g(c)


def _or(f: Fn, g: Fn) -> Fn:
    return lambda c: f(c) or g(c)


def format_value(v: Any) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float):
        return format(v, "g")
    return str(v)
