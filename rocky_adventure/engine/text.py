"""Text templates: `{expr}` interpolation and `{if}/{elif}/{else}/{end}`
fragments, parsed once at load. Rendering yields plain text; it is never
markup."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeAlias

from .expr import BOOL, Context, Expr, ExprError, format_value

# A piece of a template: literal text, an interpolated {expr}, or an {if} block
Part: TypeAlias = "str | Expr | Branches"
# `compile_expr(source, offset_in_text, want_type)`: see parse_template
CompileExpr: TypeAlias = "Callable[[str, int, str | None], Expr]"


class TemplateError(Exception):
    def __init__(self, msg: str, offset: int):
        super().__init__(msg)
        self.msg = msg
        self.offset = offset


# {if} blocks inside one another: rendering (and every walk over a template:
# the load cache, pickling, the lints) recurses once a level.
MAX_IF_DEPTH = 32

_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_BRACE = re.compile(r"[{}]")


class Template:
    """Parsed text. `plain` is the text itself when nothing in it varies."""

    __slots__ = ("parts", "plain", "exprs")

    def __init__(self, parts: tuple[Part, ...], plain: str | None, exprs: tuple[Expr, ...]):
        self.parts = parts
        self.plain = plain
        self.exprs = exprs  # every expression inside, for lints and tools

    def render(self, ctx: Context) -> str:
        if self.plain is not None:
            return self.plain
        out: list[str] = []
        _render(self.parts, ctx, out)
        return tidy("".join(out))

    def __getstate__(self) -> tuple[tuple[Part, ...], str | None, tuple[Expr, ...]]:
        return (self.parts, self.plain, self.exprs)

    def __setstate__(self, s: tuple[tuple[Part, ...], str | None, tuple[Expr, ...]]) -> None:
        self.parts, self.plain, self.exprs = s

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Template) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def __repr__(self) -> str:
        return (
            f"Template({self.plain!r})"
            if self.plain is not None
            else f"Template(<{len(self.parts)} parts>)"
        )


def tidy(text: str) -> str:
    """Rendered text as shown: stripped, the trailing blanks of its lines
    off, and runs of blank lines made one."""
    text = text.strip()
    if "\n" not in text:  # (one line, the commonest case: one memchr, where the
        return text  # two-character searches below cost a microsecond on a paragraph)
    if " \n" in text or "\t\n" in text:
        # trailing blanks off each line: linear, where the regular expression
        # [ \t]+\n backtracks over a long run of blanks not followed by a newline
        text = "\n".join([line.rstrip(" \t") for line in text.split("\n")])
    if "\n\n\n" in text:  # (after the line above, a run of blank lines is three \n or more)
        text = _BLANKS.sub("\n\n", text)
    return text


class Branches(tuple["tuple[Expr | None, tuple[Part, ...]]", ...]):
    """One {if}...{end} block: a tuple of (condition or None, parts)."""

    __slots__ = ()


def _render(parts: tuple[Part, ...], ctx: Context, out: list[str]) -> None:
    # (Any: the `__class__ is` tests below pick the kind of part, but cannot narrow the last
    # case to Branches for the type checker, and an isinstance would cost in the hottest loop)
    p: Any
    for p in parts:
        if p.__class__ is str:
            out.append(p)
        elif p.__class__ is Expr:
            out.append(format_value(p.fn(ctx)))
        else:
            for cond, sub in p:
                if cond is None or cond.fn(ctx):
                    _render(sub, ctx, out)
                    break


def parse_template(text: str, compile_expr: CompileExpr) -> Template:
    """`compile_expr(source, offset_in_text, want_type)` compiles one
    expression (raising ExprError). Raises TemplateError with an offset."""
    if "{" not in text and "}" not in text:
        plain = text.strip()
        return Template((plain,), plain, ())
    exprs: list[Expr] = []
    # stack of frames: (parts list, branches list or None, offset of the {if})
    root: list[Part] = []
    stack: list[tuple[list[Part], list[tuple[Expr | None, list[Part]]] | None, int]] = [
        (root, None, 0)
    ]
    buf: list[str] = []
    i, n = 0, len(text)

    def flush() -> None:
        if buf:
            stack[-1][0].append("".join(buf))
            buf.clear()

    while i < n:
        ch = text[i]
        if ch == "}":
            if text.startswith("}}", i):
                buf.append("}")
                i += 2
                continue
            raise TemplateError("unmatched '}' (write '}}' for a literal brace)", i)
        if ch != "{":
            m = _BRACE.search(text, i)
            j = m.start() if m else n
            buf.append(text[i:j])
            i = j
            continue
        if text.startswith("{{", i):
            buf.append("{")
            i += 2
            continue
        close = text.find("}", i + 1)
        if close < 0:
            raise TemplateError("'{' is never closed with '}' (write '{{' for a literal brace)", i)
        inner = text[i + 1 : close]
        word = inner.strip()
        start = i + 1 + (len(inner) - len(inner.lstrip()))
        head, _, rest = word.partition(" ")
        flush()
        if head == "if" and rest:
            if len(stack) > MAX_IF_DEPTH:  # (the root and one frame an open {if})
                raise TemplateError(
                    f"{{if}} blocks are nested more than {MAX_IF_DEPTH} levels deep "
                    f"(the limit is {MAX_IF_DEPTH})",
                    i,
                )
            cond = _compile(compile_expr, rest, start + 3, BOOL)
            exprs.append(cond)
            branches: list[tuple[Expr | None, list[Part]]] = [(cond, [])]
            stack.append((branches[0][1], branches, i))
        elif head == "elif" and rest:
            frame = stack[-1]
            if frame[1] is None:
                raise TemplateError("{elif} without an {if}", i)
            if frame[1][-1][0] is None:
                raise TemplateError("{elif} after {else}", i)
            cond = _compile(compile_expr, rest, start + 5, BOOL)
            exprs.append(cond)
            frame[1].append((cond, []))
            stack[-1] = (frame[1][-1][1], frame[1], frame[2])
        elif word == "else":
            frame = stack[-1]
            if frame[1] is None:
                raise TemplateError("{else} without an {if}", i)
            if frame[1][-1][0] is None:
                raise TemplateError("two {else} in one {if}", i)
            frame[1].append((None, []))
            stack[-1] = (frame[1][-1][1], frame[1], frame[2])
        elif word == "end":
            frame = stack.pop()
            if frame[1] is None or not stack:
                raise TemplateError("{end} without an {if}", i)
            stack[-1][0].append(Branches((c, tuple(p)) for c, p in frame[1]))
        elif not word:
            raise TemplateError("empty '{}' (write '{{' and '}}' for literal braces)", i)
        else:
            e = _compile(compile_expr, inner, i + 1, None)
            exprs.append(e)
            stack[-1][0].append(e)
        i = close + 1
    flush()
    if len(stack) > 1:
        raise TemplateError("{if} is never closed with {end}", stack[-1][2])
    return Template(tuple(root), None, tuple(exprs))


def _compile(compile_expr: CompileExpr, source: str, offset: int, want: str | None) -> Expr:
    try:
        return compile_expr(source, offset, want)
    except ExprError as e:
        raise TemplateError(e.msg, offset + e.offset) from None
