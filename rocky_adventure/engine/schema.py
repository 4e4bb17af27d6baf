"""A small declarative schema over YAML nodes.

One description of the format does two jobs: it validates and builds the
story model straight from YAML nodes (so every error has its file, line and
column, and all errors are collected in one pass), and it generates the JSON
Schema that editors use (`rocky-adventure schema`).
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import E_SCHEMA, E_YAML_FEATURE, Diagnostic
from .yamlio import IMPLICIT, kind_name

INVALID: Any = type("Invalid", (), {"__repr__": lambda self: "INVALID"})()

# Terminal control characters (C0 but tab and newline, DEL, C1) and the
# bidirectional overrides that can make text read differently than it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Patterns of whole strings. The `^...$` is for the JSON Schema (where `$` is
# the end of the text); in Python they are only ever used with fullmatch,
# since re's `$` also matches before a final newline ("gym\n").
ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
REF_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$"
_ID = re.compile(ID_PATTERN)
_REF = re.compile(REF_PATTERN)
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
MAX_INT = 10**12
# More characters than any number within MAX_INT is written with: such a literal
# is out of range without converting it (int() of 4,300 digits or more raises)
MAX_INT_CHARS = 100
# A plain scalar's style: None from the Python parser, "" from libyaml's.
_PLAIN = (None, "")


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text)


# What a file may hold for no scalar of it to have a character _CONTROL strips
_PLAIN_BYTES = bytes(range(0x20, 0x7F)).replace(b"\\", b"") + b"\t\n"


def no_control(data: bytes) -> bool:
    """Whether no scalar read from `data` can hold a character that
    _CONTROL strips: the file is ASCII, without control characters but tab
    and newline, and without a backslash (a double-quoted scalar's escapes
    can make any character). One pass over the bytes in C, where stripping
    looks at every character of every scalar."""
    return data.isascii() and not data.translate(None, _PLAIN_BYTES)


# Words other formats use for true and false (YAML 1.1's yes/no/on/off)
_TRUE_WORDS = frozenset(("yes", "y", "on", "true"))
_FALSE_WORDS = frozenset(("no", "n", "off", "false"))


def bool_hint(text: str, plain: bool) -> str:
    """What to write for a true/false value written `text`: ": write true",
    ": write false without quotes", or "" when `text` is no such word."""
    low = text.strip().lower()
    word = "true" if low in _TRUE_WORDS else "false" if low in _FALSE_WORDS else None
    if word is None:
        return ""
    return f": write {word}" + ("" if plain else " without quotes")


def number_hint(text: str, plain: bool) -> str:
    """ ": write 5 without quotes" for a whole number in quotes, else ""."""
    return f": write {text} without quotes" if not plain and _INT.fullmatch(text) else ""


def tag_message(node: Node) -> str:
    """The error for a YAML tag. `!brave` alone (a local tag) is most often
    a condition written as in C or JavaScript."""
    msg = f"YAML tags ({node.tag}) are not allowed in story files"
    if re.fullmatch(r"![A-Za-z_][A-Za-z0-9_]*", node.tag or ""):
        rest = node.value if isinstance(node, ScalarNode) and node.value else ""
        negated = f"not {node.tag[1:]}" + (f" {rest}" if rest else "")
        msg += (
            f": a value that starts with '!' needs quotes; to negate a condition, write {negated!r}"
        )
    return msg


def refused(
    node: Node | None, loaded: Collection[str]
) -> list[tuple[str, dict[str, str], tuple[int, int]]]:
    """The entries of a mapping `node` that a Map left out because their
    value did not load (its error is reported): each one's key, the plain
    scalars its value maps, by key (what can still be read of it), and the
    key's (line, col). Only for the loader's error path."""
    if not isinstance(node, MappingNode):
        return []
    out = []
    for knode, vnode in node.value:
        k = knode.value if isinstance(knode, ScalarNode) else None
        if not isinstance(k, str) or k in loaded or not _ID.fullmatch(k):
            continue
        scalars: dict[str, str] = {}
        if isinstance(vnode, MappingNode):
            for kn, vn in vnode.value:
                if isinstance(kn, ScalarNode) and isinstance(vn, ScalarNode):
                    scalars.setdefault(kn.value, vn.value)
        out.append((k, scalars, pos(knode)))
    return out


class FileSource:
    """A file's text (its bytes, or its decoded text), from which the positions
    of a mapping's values are found again when an error needs one: the Fields
    of a file read with one (see Ctx) keep no YAML nodes, so a file's nodes are
    freed as soon as its Fields are built. The file is parsed again, once, the
    first time a position is asked for."""

    __slots__ = ("file", "data", "_maps")

    def __init__(self, file: str, data: str | bytes):
        self.file = file
        self.data = data
        self._maps: dict[tuple[int, int], list[MappingNode]] | None = None

    def value_node(self, line: int, col: int, key: str) -> Node | None:
        """The node of `key`'s value in the mapping at (line, col)."""
        maps = self._maps
        if maps is None:
            maps = self._maps = self._index()
        for mapping in maps.get((line, col), ()):
            for knode, vnode in mapping.value:
                if knode.__class__ is ScalarNode and knode.value == key:
                    found: Node = vnode  # (the first: a key given twice makes no Fields)
                    return found
        return None

    def _index(self) -> dict[tuple[int, int], list[MappingNode]]:
        from .yamlio import compose, decode

        data = self.data
        text = data if isinstance(data, str) else decode(data, self.file)[0]
        root = compose(text, self.file)[0] if text is not None else None
        maps: dict[tuple[int, int], list[MappingNode]] = {}
        stack = [root] if root is not None else []
        while stack:
            n = stack.pop()
            if isinstance(n, MappingNode):
                maps.setdefault(pos(n), []).append(n)
                for k, v in reversed(n.value):
                    stack.append(v)
                    stack.append(k)
            elif isinstance(n, SequenceNode):
                stack.extend(reversed(n.value))
        return maps


@dataclass(slots=True)
class Ctx:
    """Where errors of one file go, and the file's text when its Fields are
    to keep no nodes (see FileSource). `lines` makes each line number one
    object (a story's files share them: the model holds some 80,000), and
    can be shared by the files of one load."""

    file: str
    errors: list[Diagnostic]
    source: FileSource | None = None
    lines: dict[int, int] = field(default_factory=dict)
    clean: bool = False  # (no_control of the file: its text needs no stripping)

    def err(self, node: Node, msg: str, code: str = E_SCHEMA) -> None:
        m = node.start_mark
        self.errors.append(Diagnostic(self.file, m.line + 1, m.column + 1, code, msg))


@dataclass(frozen=True, slots=True)
class Source:
    """A scalar kept as written, with its position: expressions and effect
    values are compiled once the variables are known."""

    text: str
    style: str | None  # None for a plain scalar, else the quote or block indicator
    line: int
    col: int

    @property
    def plain(self) -> bool:
        return self.style in _PLAIN


def pos(node: Node) -> tuple[int, int]:
    m = node.start_mark
    return (m.line + 1, m.column + 1)


class T:
    """A schema type."""

    doc: str = ""

    def load(self, node: Node, ctx: Ctx) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def json(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def expected(self) -> str:
        return "a value"

    def _with_doc(self, d: dict[str, Any]) -> dict[str, Any]:
        if self.doc:
            d["description"] = self.doc
        return d


class _Scalar(T):
    def scalar(self, node: Node, ctx: Ctx) -> ScalarNode | None:
        if not isinstance(node, ScalarNode):
            ctx.err(node, f"expected {self.expected()}, got {kind_name(node)}")
            return None
        if node.tag != IMPLICIT:
            ctx.err(node, tag_message(node), E_YAML_FEATURE)
            return None
        return node

    def present(self, node: Node, ctx: Ctx) -> ScalarNode | None:
        """The node, if it is an untagged scalar holding something."""
        n: ScalarNode | None
        if node.__class__ is ScalarNode and node.tag == IMPLICIT:
            n = node
        else:
            n = self.scalar(node, ctx)
            if n is None:
                return None
        if n.style in _PLAIN and n.value in _NULLS:
            ctx.err(node, f"expected {self.expected()}, got nothing")
            return None
        return n


def _held(node: Node) -> ScalarNode | None:
    """The node if it is an untagged scalar holding something (what
    _Scalar.present lets through, without a word), else None."""
    if node.__class__ is ScalarNode and node.tag == IMPLICIT:
        n: ScalarNode = node
        if n.style not in _PLAIN or n.value not in _NULLS:
            return n
    return None


class Str(_Scalar):
    def __init__(
        self, doc: str = "", pattern: str | None = None, what: str = "text", control: bool = True
    ):
        self.doc = doc
        self.pattern = pattern
        self._re = re.compile(pattern) if pattern else None
        self.what = what
        self.control = control

    def expected(self) -> str:
        return self.what

    def load(self, node: Node, ctx: Ctx) -> Any:
        n = _held(node)
        if n is None:
            n = self.present(node, ctx)
            if n is None:
                return INVALID
        v = n.value
        if self._re is not None and not self._re.fullmatch(v):
            ctx.err(node, f"expected {self.what}, got {v!r}")
            return INVALID
        if self.control:
            return v if ctx.clean else _CONTROL.sub("", v)
        # an id, a reference or a word: one object for each (a story repeats them)
        return sys.intern(v)

    def json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": "string", "minLength": 1}
        if self.pattern:
            d["pattern"] = self.pattern
        return self._with_doc(d)


class Enum(Str):
    """One of a fixed set of words (a variable's type, a lint level): the
    JSON Schema lists them, so an editor completes and checks them."""

    def __init__(self, values: tuple[str, ...], doc: str = ""):
        what = ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]
        super().__init__(doc, "^(" + "|".join(map(re.escape, values)) + ")$", what, control=False)
        self.values = values

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": "string", "enum": list(self.values)})


def Id(doc: str = "") -> Str:
    return Str(
        doc, ID_PATTERN, "an id (letters, digits and _, starting with a letter)", control=False
    )


def Ref(doc: str = "") -> Str:
    return Str(
        doc, REF_PATTERN, "an id (letters, digits and _, starting with a letter)", control=False
    )


class Int(_Scalar):
    def __init__(self, doc: str = ""):
        self.doc = doc

    def expected(self) -> str:
        return "a whole number"

    def load(self, node: Node, ctx: Ctx) -> Any:
        n = self.scalar(node, ctx)
        if n is None:
            return INVALID
        if n.style not in _PLAIN or not _INT.fullmatch(n.value):
            hint = number_hint(n.value, n.style in _PLAIN)
            ctx.err(node, f"expected a whole number, got {kind_name(node)}{hint}")
            return INVALID
        if len(n.value) > MAX_INT_CHARS:
            ctx.err(
                node,
                f"expected a number between {-MAX_INT} and {MAX_INT}, "
                f"got a number {len(n.value.lstrip('+-'))} digits long",
            )
            return INVALID
        v = int(n.value)
        if abs(v) > MAX_INT:
            ctx.err(node, f"expected a number between {-MAX_INT} and {MAX_INT}, got {v}")
            return INVALID
        return v

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": "integer", "minimum": -MAX_INT, "maximum": MAX_INT})


class IntEnum(Int):
    """A whole number of a fixed set (the format version): the loader reads
    any whole number, so it can say which versions it supports."""

    def __init__(self, values: tuple[int, ...], doc: str = ""):
        super().__init__(doc)
        self.values = values

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": "integer", "enum": list(self.values)})


class Bool(_Scalar):
    def __init__(self, doc: str = ""):
        self.doc = doc

    def expected(self) -> str:
        return "true or false"

    def load(self, node: Node, ctx: Ctx) -> Any:
        n = self.scalar(node, ctx)
        if n is None:
            return INVALID
        plain = n.style in _PLAIN
        if plain:
            low = n.value.lower()
            if low == "true":
                return True
            if low == "false":
                return False
        hint = bool_hint(n.value, plain)
        ctx.err(node, f"expected true or false, got {kind_name(node)}{hint}")
        return INVALID

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": "boolean"})


class Scalar(_Scalar):
    """Any scalar, kept as written (an expression or a literal value)."""

    def __init__(self, doc: str = "", what: str = "an expression"):
        self.doc = doc
        self.what = what

    def expected(self) -> str:
        return self.what

    def load(self, node: Node, ctx: Ctx) -> Any:
        n = _held(node)
        if n is None:
            n = self.present(node, ctx)
            if n is None:
                return INVALID
        m = n.start_mark
        line = m.line + 1
        v = n.value if ctx.clean else _CONTROL.sub("", n.value)
        return Source(v, n.style or None, ctx.lines.setdefault(line, line), m.column + 1)

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": ["string", "integer", "number", "boolean"]})


def scalar_value(src: Source) -> Any:
    """The typed value of a plain scalar written as a literal (for defaults).
    A whole number more than MAX_INT_CHARS long stays text: see is_long_int."""
    v = src.text
    if src.plain:
        if v in ("true", "True", "TRUE"):
            return True
        if v in ("false", "False", "FALSE"):
            return False
        if _INT.fullmatch(v):
            return int(v) if len(v) <= MAX_INT_CHARS else v
        if _FLOAT.fullmatch(v):
            return float(v)
    return v


def is_long_int(src: Source) -> bool:
    """A plain whole number too long to be within MAX_INT."""
    return src.plain and len(src.text) > MAX_INT_CHARS and _INT.fullmatch(src.text) is not None


class List(T):
    def __init__(self, item: T, doc: str = "", min_items: int = 0):
        self.item = item
        self.doc = doc
        self.min_items = min_items

    def expected(self) -> str:
        return "a list"

    def load(self, node: Node, ctx: Ctx) -> Any:
        if not isinstance(node, SequenceNode):
            ctx.err(node, f"expected a list, got {kind_name(node)}")
            return INVALID
        if node.tag != IMPLICIT:
            ctx.err(node, f"YAML tags ({node.tag}) are not allowed in story files", E_YAML_FEATURE)
            return INVALID
        if len(node.value) < self.min_items:
            ctx.err(node, f"expected at least {self.min_items} item(s), got {len(node.value)}")
            return INVALID
        load = self.item.load
        out = []
        for item in node.value:
            v = load(item, ctx)
            if v is not INVALID:
                out.append(v)
        return out

    def json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": "array", "items": self.item.json()}
        if self.min_items:
            d["minItems"] = self.min_items
        return self._with_doc(d)


def _mapping(node: Node, ctx: Ctx, what: str) -> MappingNode | None:
    if not isinstance(node, MappingNode):
        ctx.err(node, f"expected {what}, got {kind_name(node)}")
        return None
    if node.tag != IMPLICIT:
        ctx.err(node, f"YAML tags ({node.tag}) are not allowed in story files", E_YAML_FEATURE)
        return None
    return node


def _key(knode: Node, seen: set[str], ctx: Ctx) -> str | None:
    if not isinstance(knode, ScalarNode) or knode.tag != IMPLICIT:
        ctx.err(knode, "expected a plain key")
        return None
    k: str = knode.value
    if k == "<<" and knode.style in _PLAIN:
        ctx.err(
            knode,
            "merge keys (<<) are not allowed in story files: write the keys out",
            E_YAML_FEATURE,
        )
        return None
    if k in seen:
        ctx.err(knode, f"duplicate key {k!r}", E_YAML_FEATURE)
        return None
    seen.add(k)
    return k


class Map(T):
    """A mapping from ids to values of one type (e.g. variables by name)."""

    def __init__(self, value: T, doc: str = "", key_what: str = "an id"):
        self.value = value
        self.doc = doc
        self.key_what = key_what

    def expected(self) -> str:
        return "a mapping"

    def load(self, node: Node, ctx: Ctx) -> Any:
        mapping = _mapping(node, ctx, "a mapping")
        if mapping is None:
            return INVALID
        out: dict[str, tuple[Any, tuple[int, int]]] = {}
        seen: set[str] = set()
        for knode, vnode in mapping.value:
            k = _key(knode, seen, ctx)
            if k is None:
                continue
            if not _ID.fullmatch(k):
                ctx.err(
                    knode,
                    f"expected {self.key_what} (letters, digits and _, starting with a letter), got {k!r}",
                )
                continue
            v = self.value.load(vnode, ctx)
            if v is not INVALID:
                m = knode.start_mark
                line = m.line + 1
                out[sys.intern(k)] = (v, (ctx.lines.setdefault(line, line), m.column + 1))
        return out

    def json(self) -> dict[str, Any]:
        return self._with_doc(
            {
                "type": "object",
                "propertyNames": {"pattern": ID_PATTERN},
                "additionalProperties": self.value.json(),
            }
        )


@dataclass(slots=True)
class Field:
    type: T
    required: bool = False
    doc: str = ""


class Fields:
    """What an Obj yields: the values, where the mapping was, and what gives
    the positions of its values (read only when an error needs them, but for
    a scalar given where a list or mapping could be: `next: scene`).

    Read with a FileSource (the loader's files), `nodes` holds only those
    scalars' start marks, and the nodes of mappings whose entries were
    partly refused (see `refused`); any other position is found again in the
    file. Read without one, `nodes` holds every value node."""

    __slots__ = ("values", "nodes", "line", "col", "source")

    def __init__(
        self,
        values: dict[str, Any],
        nodes: dict[str, Any] | None,
        line: int,
        col: int,
        source: FileSource | None = None,
    ):
        self.values = values
        self.nodes = nodes
        self.line = line
        self.col = col
        self.source = source

    def at(self, key: str) -> tuple[int, int]:
        """(line, col) of a key's value, or of the mapping if it is absent."""
        n = self.nodes.get(key) if self.nodes else None
        if n is None and self.source is not None and key in self.values:
            n = self.source.value_node(self.line, self.col, key)
        if n is None:
            return (self.line, self.col)
        m = getattr(n, "start_mark", n)  # (a node, or a kept mark)
        return (m.line + 1, m.column + 1)

    def node(self, key: str) -> Node | None:
        """The node of a key's value (None if absent)."""
        n = self.nodes.get(key) if self.nodes else None
        if isinstance(n, Node):
            return n
        if self.source is not None and key in self.values:
            return self.source.value_node(self.line, self.col, key)
        return None

    def kept(self, key: str) -> Node | None:
        """The node of a key's value if the Fields hold it: every one when read
        without a FileSource, else only a mapping whose entries were partly
        refused (what `refused` looks at). Never parses the file again."""
        n = self.nodes.get(key) if self.nodes else None
        return n if isinstance(n, Node) else None


_MARK, _REFUSED = 1, 2  # (see Obj.entries)


class Obj(T):
    def __init__(
        self,
        name: str,
        fields: dict[str, Field],
        doc: str = "",
        one_of: tuple[tuple[str, ...], ...] = (),
    ):
        self.name = name
        self.fields = fields
        # each key's own string (the values are keyed by these, not by the strings of
        # the file's keys, which go with its nodes), its loader, and what a Fields read
        # with a FileSource keeps of it: _MARK, the position of a scalar given where a
        # list could be; _REFUSED, a mapping's node when some of its entries are refused
        self.entries: dict[str, tuple[str, Callable[[Node, Ctx], Any], int]] = {
            k: (
                k,
                f.type.load,
                _MARK if isinstance(f.type, Either) else _REFUSED if isinstance(f.type, Map) else 0,
            )
            for k, f in fields.items()
        }
        self.required = tuple(k for k, f in fields.items() if f.required)
        self.doc = doc
        # groups of keys of which exactly one must be given, e.g. (choices, next, ending)
        self.one_of = one_of

    def expected(self) -> str:
        return f"a mapping ({self.name})"

    def load(self, node: Node, ctx: Ctx) -> Any:
        if node.__class__ is not MappingNode or node.tag != IMPLICIT:
            mapping = _mapping(node, ctx, self.expected())
            if mapping is None:
                return INVALID
            node = mapping
        entries = self.entries
        source = ctx.source
        values: dict[str, Any] = {}  # (a key whose value is INVALID is there too, as INVALID)
        eager = source is None
        nodes: dict[str, Any] | None = {} if eager else None
        bad = False
        for knode, vnode in node.value:
            k = knode.value
            if (
                knode.__class__ is not ScalarNode
                or knode.tag != IMPLICIT
                or k in values
                or (k == "<<" and knode.style in _PLAIN)
            ):
                _key(knode, set(values), ctx)  # reports what is wrong
                bad = True
                continue
            entry = entries.get(k)
            if entry is None:
                close = difflib.get_close_matches(k, list(entries), n=1)
                hint = (
                    f" (did you mean {close[0]!r}?)"
                    if close
                    else f" (expected one of: {', '.join(entries)})"
                )
                ctx.err(knode, f"unknown key {k!r} in {self.name}{hint}")
                bad = True
                continue
            k, load, keep = entry
            v = values[k] = load(vnode, ctx)
            if v is INVALID:
                bad = True
            elif eager:
                nodes[k] = vnode  # type: ignore[index]
            elif keep:
                if keep == _MARK and vnode.__class__ is ScalarNode:
                    nodes = nodes or {}
                    nodes[k] = vnode.start_mark
                elif keep == _REFUSED and len(v) < len(vnode.value):
                    nodes = nodes or {}
                    nodes[k] = vnode  # (what `refused` reads)
        for k in self.required:
            if k not in values:
                ctx.err(node, f"{self.name} is missing the required key {k!r}")
                bad = True
        for group in self.one_of:
            given = [k for k in group if k in values]
            if len(given) != 1:
                what = ", ".join(group[:-1]) + " or " + group[-1]
                if given:
                    ctx.err(
                        node,
                        f"{self.name} has {' and '.join(repr(g) for g in given)}: expected exactly one of {what}",
                    )
                else:
                    ctx.err(node, f"{self.name} needs one of {what}")
                bad = True
        if bad:
            return INVALID
        m = node.start_mark
        line = m.line + 1
        return Fields(values, nodes, ctx.lines.setdefault(line, line), m.column + 1, source)

    def json(self) -> dict[str, Any]:
        props: dict[str, dict[str, Any]] = {}
        for k, f in self.fields.items():
            j = f.type.json()
            if f.doc:
                j = dict(j, description=f.doc)
            props[k] = j
        d: dict[str, Any] = {
            "type": "object",
            "title": self.name,
            "properties": props,
            "additionalProperties": False,
        }
        req = [k for k, f in self.fields.items() if f.required]
        if req:
            d["required"] = req
        for group in self.one_of:
            d.setdefault("allOf", []).append({"oneOf": [{"required": [k]} for k in group]})
        return self._with_doc(d)


class Either(T):
    """A scalar of one type or a mapping/list of another (e.g. `next: scene`
    or `next: [branches]`)."""

    def __init__(
        self,
        scalar: T | None = None,
        mapping: T | None = None,
        sequence: T | None = None,
        doc: str = "",
    ):
        self.scalar = scalar
        self.mapping = mapping
        self.sequence = sequence
        self.doc = doc

    def expected(self) -> str:
        opts = [t.expected() for t in (self.scalar, self.mapping, self.sequence) if t is not None]
        return " or ".join(opts)

    def load(self, node: Node, ctx: Ctx) -> Any:
        if isinstance(node, ScalarNode) and self.scalar is not None:
            return self.scalar.load(node, ctx)
        if isinstance(node, MappingNode) and self.mapping is not None:
            return self.mapping.load(node, ctx)
        if isinstance(node, SequenceNode) and self.sequence is not None:
            return self.sequence.load(node, ctx)
        ctx.err(node, f"expected {self.expected()}, got {kind_name(node)}")
        return INVALID

    def json(self) -> dict[str, Any]:
        return self._with_doc(
            {
                "anyOf": [
                    t.json() for t in (self.scalar, self.mapping, self.sequence) if t is not None
                ]
            }
        )
