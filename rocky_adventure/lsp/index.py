"""Where each id of one story or pack file is defined and used, read from
its YAML nodes (engine/yamlio.compose, which marks every node with its
position): scenes, variables, endings, chapters and choices, the names read
inside expressions (`if:`, `chance:`, effects, `when:`) and inside `{...}`
in text. A file is indexed once per text: an edit re-indexes only the file
edited.

Positions are 0-based lines and columns in code points; the server turns
them into the editor's units (UTF-16 by default)."""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..engine.yamlio import compose

SCENE, VARIABLE, ENDING, CHAPTER, CHOICE = "scene", "variable", "ending", "chapter", "choice"
NAME = "name"  # a name inside an expression: a variable, a scene's visit count, or `turns`
KINDS = (SCENE, VARIABLE, ENDING, CHAPTER, CHOICE)

# What a file is, by its name and place (story.yaml, pack.yaml or a scene file)
MANIFEST, SCENES, PACK, PACK_SCENES = "manifest", "scenes", "pack", "pack-scenes"

# A name in an expression (a pack's own ids may be written `pack.id` from elsewhere)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")
_STRING = re.compile(r"'[^']*'?|\"[^\"]*\"?")
WORDS = frozenset(("and", "or", "not", "if", "else", "true", "false", "True", "False"))
# The most occurrences one file is indexed with (a bound, as the loader's limits are)
MAX_OCCS = 200_000


class Occ(NamedTuple):
    """One place an id is written: its definition or a use."""

    kind: str  # SCENE, VARIABLE, ENDING, CHAPTER, CHOICE or NAME
    name: str  # as written
    # CHOICE: the scene it belongs to, as written ("" when not known); NAME: the variable
    # an effect's value is for ("" elsewhere)
    scope: str
    line: int
    col: int
    end: int  # the column after it (an id is on one line)
    is_def: bool


class Slot(NamedTuple):
    """A value where completion offers something: its kind and range."""

    what: str  # SCENE, CHAPTER, ENDING, CHOICE, VARIABLE, "expr", "text" or "type"
    scope: str  # CHOICE: the scene whose choices fit
    line: int
    col: int
    end_line: int
    end_col: int


class Sym(NamedTuple):
    """An outline entry: a scene, a chapter, a variable, an ending."""

    name: str
    detail: str
    kind: str
    line: int
    col: int
    end_line: int
    end_col: int
    sel: tuple[int, int, int]  # (line, col, end) of its id
    children: tuple[Sym, ...] = ()


class Info(NamedTuple):
    """What a hover says of a definition: its fields as written."""

    kind: str
    name: str
    fields: dict[str, str]


class FileIndex:
    """One file's ids, slots, outline and hover facts."""

    def __init__(self, path: str, text: str, kind: str):
        self.path = path
        self.text = text
        self.kind = kind
        self.occs: list[Occ] = []
        self.slots: list[Slot] = []
        self.symbols: list[Sym] = []
        self.info: dict[tuple[str, str], Info] = {}
        self.parsed = False  # the YAML composed
        self.pack_name = ""  # pack.yaml's `name:`
        self.extends = ""  # pack.yaml's `extends:`
        self.story_id = ""  # story.yaml's `id:`
        # the (line, col) of hooks' before:/after: choice ids: one of the hooked scene's own
        # choices (never one a pack adds, which is name.id)
        self.anchors: set[tuple[int, int]] = set()
        # where a new variable goes: (line to insert before, indent), or None (no `variables:`)
        self.var_insert: tuple[int, int] | None = None
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    # -- positions ---------------------------------------------------------
    def pos(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, index) - 1
        return line, index - self._starts[line]

    def line_text(self, line: int) -> str:
        if not 0 <= line < len(self._starts):
            return ""
        start = self._starts[line]
        end = self._starts[line + 1] - 1 if line + 1 < len(self._starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def occ_at(self, line: int, col: int) -> Occ | None:
        for o in self.occs:
            if o.line == line and o.col <= col <= o.end:
                return o
        return None

    def slot_at(self, line: int, col: int) -> Slot | None:
        best = None
        for s in self.slots:
            if (s.line, s.col) <= (line, col) <= (s.end_line, s.end_col):
                if best is None or (s.line, s.col) >= (best.line, best.col):
                    best = s
        return best


# -- the editor's units ------------------------------------------------------
# LSP positions count UTF-16 code units unless client and server agree on
# another encoding; the index counts code points (what Python's str does).
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def to_units(line: str, col: int, encoding: str = UTF16) -> int:
    """A code-point column of `line` in the client's units."""
    head = line[:col]
    if encoding == UTF32 or head.isascii():
        return col
    if encoding == UTF8:
        return len(head.encode("utf-8"))
    return col + sum(1 for c in head if ord(c) > 0xFFFF)


def from_units(line: str, units: int, encoding: str = UTF16) -> int:
    """A column in the client's units as a code-point column of `line`
    (clamped to the line's end; inside a character: that character)."""
    if encoding == UTF32 or line.isascii():
        return min(max(units, 0), len(line))
    n = 0
    for i, c in enumerate(line):
        if n >= units:
            return i
        n += len(c.encode("utf-8")) if encoding == UTF8 else (2 if ord(c) > 0xFFFF else 1)
    return len(line)


def index_file(path: str, text: str, kind: str) -> FileIndex:
    """Index one file's text (which may not parse: then it has no ids)."""
    ix = FileIndex(path, text, kind)
    node, errors = compose(text, path)
    if node is None or errors or not isinstance(node, MappingNode):
        return ix
    ix.parsed = True
    _Walker(ix).file(node)
    return ix


def _pairs(node: Node) -> dict[str, tuple[ScalarNode, Node]]:
    out: dict[str, tuple[ScalarNode, Node]] = {}
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                out.setdefault(k.value, (k, v))
    return out


def _scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


class _Walker:
    def __init__(self, ix: FileIndex):
        self.ix = ix
        self.text = ix.text

    # -- recording -----------------------------------------------------------
    def occ(self, kind: str, node: Node | None, is_def: bool = False, scope: str = "") -> None:
        """The id a scalar node holds (on its first line)."""
        if not isinstance(node, ScalarNode) or not node.value or len(self.ix.occs) >= MAX_OCCS:
            return
        value = node.value
        raw = self.text[node.start_mark.index : node.end_mark.index]
        off = raw.find(value)
        if off < 0 or "\n" in value:
            return
        line, col = self.ix.pos(node.start_mark.index + off)
        self.ix.occs.append(Occ(kind, value, scope, line, col, col + len(value), is_def))

    def slot(self, what: str, node: Node, scope: str = "") -> None:
        s, e = node.start_mark, node.end_mark
        self.ix.slots.append(Slot(what, scope, s.line, s.column, e.line, e.column))

    def ref(self, kind: str, node: Node | None, scope: str = "") -> None:
        if node is None:
            return
        self.slot(kind, node, scope)
        self.occ(kind, node, scope=scope)

    def names(self, start: int, raw: str, scope: str = "") -> None:
        """The names an expression's source (at text index `start`) reads.
        `scope`: the variable an effect sets with it (a str variable's value
        is text, not an expression: navigation knows the variable's type)."""
        strings = [(m.start(), m.end()) for m in _STRING.finditer(raw)]
        for m in _NAME.finditer(raw):
            if len(self.ix.occs) >= MAX_OCCS:
                return
            word = m.group()
            if word in WORDS or any(a <= m.start() < b for a, b in strings):
                continue
            if m.start() > 0 and (raw[m.start() - 1].isdigit() or raw[m.start() - 1] == "."):
                continue
            line, col = self.ix.pos(start + m.start())
            self.ix.occs.append(Occ(NAME, word, scope, line, col, col + len(word), False))

    def expr(self, node: Node | None, scope: str = "") -> None:
        if not isinstance(node, ScalarNode):
            return
        self.slot("expr", node)
        a, b = node.start_mark.index, node.end_mark.index
        if node.style in ('"', "'") and b - a >= 2:  # the YAML quotes are not the expression's
            a, b = a + 1, b - 1
        raw = self.text[a:b]
        if node.style == "'":  # '' is one quote inside YAML's single quotes (same length kept)
            raw = raw.replace("''", "' ")
        self.names(a, raw, scope)

    def template(self, node: Node | None) -> None:
        """The names inside `{...}` of a text."""
        if not isinstance(node, ScalarNode):
            return
        self.slot("text", node)
        base = node.start_mark.index
        raw = self.text[base : node.end_mark.index]
        i, n = 0, len(raw)
        while i < n:
            j = raw.find("{", i)
            if j < 0:
                return
            if raw.startswith("{{", j):
                i = j + 2
                continue
            close = raw.find("}", j + 1)
            if close < 0:
                return
            inner = raw[j + 1 : close]
            word = inner.strip()
            head, _, rest = word.partition(" ")
            if head in ("if", "elif") and rest:
                at = j + 1 + inner.index(head) + len(head)
                self.names(base + at, raw[at:close])
            elif word not in ("else", "end"):
                self.names(base + j + 1, inner)
            i = close + 1

    def effects(self, fields: dict[str, tuple[ScalarNode, Node]]) -> None:
        for op in ("set", "add", "subtract"):
            if op not in fields:
                continue
            _k, v = fields[op]
            if isinstance(v, MappingNode):
                for kn, vn in v.value:
                    self.ref(VARIABLE, kn)
                    self.expr(vn, _scalar(kn) or "")

    def goto(self, f: dict[str, tuple[ScalarNode, Node]]) -> None:
        for key in ("to", "success", "failure"):
            if key in f:
                self.ref(SCENE, f[key][1])
        if "chance" in f:
            self.expr(f["chance"][1])
        if "if" in f:
            self.expr(f["if"][1])
        self.effects(f)

    # -- the format ----------------------------------------------------------
    def file(self, node: MappingNode) -> None:
        f = _pairs(node)
        ix = self.ix
        if ix.kind == MANIFEST:
            ix.story_id = _scalar(f.get("id", (None, None))[1]) or ""
            if "start" in f:
                self.ref(SCENE, f["start"][1])
        if ix.kind == PACK:
            ix.pack_name = _scalar(f.get("name", (None, None))[1]) or ""
            ix.extends = _scalar(f.get("extends", (None, None))[1]) or ""
        if "variables" in f:
            self.variables(f["variables"][0], f["variables"][1])
        if "chapters" in f:
            self.chapters(f["chapters"][1])
        if "endings" in f:
            self.endings(f["endings"][1])
        if "display" in f:
            self.display(f["display"][1])
        if "policies" in f:
            self.policies(f["policies"][1])
        if "balance" in f:
            self.balance(f["balance"][1])
        if "hooks" in f:
            self.hooks(f["hooks"][1])
        chapter = None
        if "chapter" in f:
            self.ref(CHAPTER, f["chapter"][1])
            chapter = _scalar(f["chapter"][1])
        if "scenes" in f and isinstance(f["scenes"][1], SequenceNode):
            groups: dict[str, list[Sym]] = {}
            for s in f["scenes"][1].value:
                sym, ch = self.scene(s, chapter)
                if sym is not None:
                    groups.setdefault(ch or "", []).append(sym)
            for ch, syms in groups.items():
                if not ch:
                    ix.symbols += syms
                    continue
                first, last = syms[0], syms[-1]
                ix.symbols.append(
                    Sym(
                        ch,
                        "chapter",
                        CHAPTER,
                        first.line,
                        first.col,
                        last.end_line,
                        last.end_col,
                        first.sel,
                        tuple(syms),
                    )
                )

    def _sym(self, name: str, detail: str, kind: str, node: Node, idn: Node | None) -> Sym:
        s, e = node.start_mark, node.end_mark
        if isinstance(idn, ScalarNode):
            sel = self.ix.pos(idn.start_mark.index)
            sel3 = (sel[0], sel[1], sel[1] + len(name))
        else:
            sel3 = (s.line, s.column, s.column)
        return Sym(name, detail, kind, s.line, s.column, e.line, e.column, sel3)

    def variables(self, key: ScalarNode, node: Node) -> None:
        if not isinstance(node, MappingNode):
            return
        last = key.start_mark.line
        indent = key.start_mark.column + 2
        for kn, vn in node.value:
            if not isinstance(kn, ScalarNode):
                continue
            self.occ(VARIABLE, kn, is_def=True)
            indent = kn.start_mark.column
            last = vn.end_mark.line if vn.end_mark.column else vn.end_mark.line - 1
            vf = _pairs(vn)
            if "type" in vf:
                self.slot("type", vf["type"][1])
            fields = {k: v for k, (_kn, n) in vf.items() if (v := _scalar(n)) is not None}
            self.ix.info[(VARIABLE, kn.value)] = Info(VARIABLE, kn.value, fields)
            self.ix.symbols.append(
                self._sym(kn.value, fields.get("type", ""), VARIABLE, kn, kn)._replace(
                    end_line=vn.end_mark.line, end_col=vn.end_mark.column
                )
            )
        self.ix.var_insert = (last + 1, indent)

    def chapters(self, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            return
        for c in node.value:
            f = _pairs(c)
            if "id" in f:
                self.occ(CHAPTER, f["id"][1], is_def=True)
                cid = _scalar(f["id"][1]) or ""
                title = _scalar(f.get("title", (None, None))[1]) or ""
                self.ix.info[(CHAPTER, cid)] = Info(CHAPTER, cid, {"title": title})
                self.ix.symbols.append(self._sym(cid, title, CHAPTER, c, f["id"][1]))

    def endings(self, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            return
        for e in node.value:
            f = _pairs(e)
            if "id" in f:
                self.occ(ENDING, f["id"][1], is_def=True)
                eid = _scalar(f["id"][1]) or ""
                fields = {
                    k: v
                    for k in ("title", "epilogue", "hint", "world")
                    if (v := _scalar(f.get(k, (None, None))[1])) is not None
                }
                self.ix.info[(ENDING, eid)] = Info(ENDING, eid, fields)
                self.ix.symbols.append(
                    self._sym(eid, fields.get("title", ""), ENDING, e, f["id"][1])
                )
            if "epilogue" in f:
                self.template(f["epilogue"][1])

    def bar(self, node: Node) -> None:
        if isinstance(node, ScalarNode):
            self.ref(VARIABLE, node)
        else:
            f = _pairs(node)
            if "var" in f:
                self.ref(VARIABLE, f["var"][1])
            if "when" in f:
                self.expr(f["when"][1])

    def display(self, node: Node) -> None:
        f = _pairs(node)
        if "sidebar" in f and isinstance(f["sidebar"][1], SequenceNode):
            for b in f["sidebar"][1].value:
                self.bar(b)
        if "hud" in f:
            h = _pairs(f["hud"][1])
            if "when" in h:
                self.expr(h["when"][1])
            if "round" in h:
                self.ref(VARIABLE, h["round"][1])
            if "bars" in h and isinstance(h["bars"][1], SequenceNode):
                for b in h["bars"][1].value:
                    self.bar(b)

    def policies(self, node: Node) -> None:
        if not isinstance(node, MappingNode):
            return
        for _kn, pn in node.value:
            rules = _pairs(pn).get("rules")
            if rules is None or not isinstance(rules[1], SequenceNode):
                continue
            for r in rules[1].value:
                f = _pairs(r)
                if "when" in f:
                    self.expr(f["when"][1])
                if "chapter" in f:
                    self.ref(CHAPTER, f["chapter"][1])
                scope = ""
                if "scene" in f:
                    self.ref(SCENE, f["scene"][1])
                    scope = _scalar(f["scene"][1]) or ""
                if "prefer" in f and isinstance(f["prefer"][1], SequenceNode):
                    for c in f["prefer"][1].value:
                        self.ref(CHOICE, c, scope)

    def balance(self, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            return
        for t in node.value:
            f = _pairs(t)
            if "ending" in f:
                self.ref(ENDING, f["ending"][1])
            pol = f.get("policy")
            if pol is not None and isinstance(pol[1], ScalarNode):
                p = pol[1]
                if p.value.startswith("always:") and "\n" not in p.value:
                    cid = p.value[len("always:") :]
                    off = self.text.find(cid, p.start_mark.index, p.end_mark.index)
                    if cid and off >= 0:
                        line, col = self.ix.pos(off)
                        self.ix.occs.append(Occ(CHOICE, cid, "", line, col, col + len(cid), False))
            if "start" in f:
                s = _pairs(f["start"][1])
                if "scene" in s:
                    self.ref(SCENE, s["scene"][1])
                if "set" in s and isinstance(s["set"][1], MappingNode):
                    for kn, _vn in s["set"][1].value:
                        self.occ(NAME, kn)

    def hooks(self, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            return
        for h in node.value:
            f = _pairs(h)
            scene = ""
            if "scene" in f:
                self.ref(SCENE, f["scene"][1])
                scene = _scalar(f["scene"][1]) or ""
            for key in ("before", "after"):
                if key in f:
                    self.ref(CHOICE, f[key][1], scene)
                    if self.ix.occs and self.ix.occs[-1].kind == CHOICE:
                        o = self.ix.occs[-1]
                        self.ix.anchors.add((o.line, o.col))
            if "choices" in f and isinstance(f["choices"][1], SequenceNode):
                for c in f["choices"][1].value:
                    self.choice(c, scene)

    def choice(self, node: Node, scene: str) -> None:
        f = _pairs(node)
        if "id" in f:
            self.occ(CHOICE, f["id"][1], is_def=True, scope=scene)
            cid = _scalar(f["id"][1])
            if cid:
                text = _scalar(f.get("text", (None, None))[1]) or ""
                self.ix.info[(CHOICE, f"{scene}/{cid}")] = Info(
                    CHOICE, cid, {"text": text, "scene": scene}
                )
        if "text" in f:
            self.template(f["text"][1])
        self.goto(f)

    def scene(self, node: Node, chapter: str | None) -> tuple[Sym | None, str | None]:
        f = _pairs(node)
        sid = _scalar(f.get("id", (None, None))[1])
        if sid is None:
            return None, chapter
        self.occ(SCENE, f["id"][1], is_def=True)
        if "chapter" in f:
            self.ref(CHAPTER, f["chapter"][1])
            chapter = _scalar(f["chapter"][1]) or chapter
        title = _scalar(f.get("title", (None, None))[1]) or ""
        text = _scalar(f.get("text", (None, None))[1]) or ""
        fields = {"title": title, "text": text, "chapter": chapter or ""}
        if "text" in f:
            self.template(f["text"][1])
        self.effects(f)
        if "choices" in f and isinstance(f["choices"][1], SequenceNode):
            for c in f["choices"][1].value:
                self.choice(c, sid)
        if "next" in f:
            nxt = f["next"][1]
            if isinstance(nxt, ScalarNode):
                self.ref(SCENE, nxt)
            elif isinstance(nxt, SequenceNode):
                for b in nxt.value:
                    self.goto(_pairs(b))
        if "ending" in f:
            self.ref(ENDING, f["ending"][1])
            fields["ending"] = _scalar(f["ending"][1]) or ""
        self.ix.info[(SCENE, sid)] = Info(SCENE, sid, fields)
        return self._sym(sid, title, SCENE, node, f["id"][1]), chapter
