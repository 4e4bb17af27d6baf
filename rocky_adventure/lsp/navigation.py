"""Completion, go to definition, find references, rename, hover and the
outline, for story and pack files.

Each feature is a plain function of (Workspace, path, line, col[, ...]) that
returns lsprotocol types, so it can be tested without a server; `register`
adds the thin handlers to the server. Lines and columns in and out are the
client's (UTF-16 code units by default); the index counts code points, and
index.to_units / from_units convert.

Names resolve as the loader resolves them (engine/packs.py): inside a pack a
name is the pack's own id if it has one, else the base story's; a pack's ids
are `name.id` from anywhere else. Expressions read variables, scenes (their
visit counts) and `turns` (engine/expr.py, loader._Builder.resolve)."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from lsprotocol import types as T
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path, to_fs_path

from ..engine.expr import _BIN, _CMP, TYPE_WORDS
from ..engine.format import LINT_LEVELS, POLICY_FALLBACKS, VARIABLE_TYPES
from ..engine.loader import RESERVED_NAMES
from ..engine.schema import ID_PATTERN
from .index import (
    CHAPTER,
    CHOICE,
    ENDING,
    NAME,
    SCENE,
    UTF16,
    VARIABLE,
    FileIndex,
    Occ,
    Slot,
    Sym,
    from_units,
    to_units,
)
from .workspace import Project, Workspace

if TYPE_CHECKING:
    from .server import RockyServer

TURNS = "turns"
# The words of the expression language (engine/expr.py): and/or/not, a if c else b, booleans
KEYWORDS = ("and", "or", "not", "if", "else", "true", "false")
OPERATORS = tuple(_CMP.values()) + tuple(_BIN.values())
# What a text's {...} may hold besides an expression (engine/text.py)
TEMPLATE_WORDS = ("if", "elif", "else", "end")
# The characters after which an editor asks for completion
TRIGGERS = [":", " ", "{", ".", "[", ",", '"', "'"]
_PREFIX = re.compile(r"[A-Za-z0-9_.]*$")

_WHAT = {
    SCENE: "scene",
    VARIABLE: "variable",
    ENDING: "ending",
    CHAPTER: "chapter",
    CHOICE: "choice",
}
_COMPLETION_KIND = {
    SCENE: T.CompletionItemKind.Class,
    VARIABLE: T.CompletionItemKind.Variable,
    ENDING: T.CompletionItemKind.Event,
    CHAPTER: T.CompletionItemKind.Module,
    CHOICE: T.CompletionItemKind.EnumMember,
}
_SYMBOL_KIND = {
    SCENE: T.SymbolKind.Class,
    VARIABLE: T.SymbolKind.Variable,
    ENDING: T.SymbolKind.Event,
    CHAPTER: T.SymbolKind.Namespace,
    CHOICE: T.SymbolKind.EnumMember,
}


class RenameRefused(JsonRpcException):
    """A rename that cannot be done: the client shows the message
    (a ResponseError with LSP's RequestFailed code)."""

    CODE = T.LSPErrorCodes.RequestFailed.value
    MESSAGE = "cannot rename"


class Key(NamedTuple):
    """What an id names: its kind, the project defining it (its root) and
    its own id there; a choice also its scene (that scene's project and id)."""

    kind: str
    owner: str
    name: str
    scene_owner: str = ""
    scene: str = ""


# -- positions ----------------------------------------------------------------
def _lsp_pos(ix: FileIndex, line: int, col: int, enc: str) -> T.Position:
    return T.Position(line=line, character=to_units(ix.line_text(line), col, enc))


def _lsp_range(
    ix: FileIndex, line: int, col: int, end_line: int, end_col: int, enc: str
) -> T.Range:
    return T.Range(start=_lsp_pos(ix, line, col, enc), end=_lsp_pos(ix, end_line, end_col, enc))


def _occ_range(ix: FileIndex, o: Occ, enc: str) -> T.Range:
    return _lsp_range(ix, o.line, o.col, o.line, o.end, enc)


def _uri(path: str) -> str:
    return from_fs_path(path) or f"file://{path}"


# -- resolving names ------------------------------------------------------------
def _root(p: Project) -> str:
    return str(p.root)


def _project_at(ws: Workspace, root: str) -> Project | None:
    return ws.project_at(root)


def resolve_id(ws: Workspace, p: Project, kind: str, name: str) -> Key | None:
    """The scene, variable, ending or chapter `name` means in project p."""
    if "." in name:
        pre, rest = name.split(".", 1)
        q = ws.pack_named(pre, p)
        if q is not None and q.defines(kind, rest):
            return Key(kind, _root(q), rest)
        return None
    if p.defines(kind, name):
        return Key(kind, _root(p), name)
    if p.is_pack and p.base is not None and p.base.defines(kind, name):
        return Key(kind, _root(p.base), name)
    return None


def resolve_name(ws: Workspace, p: Project, name: str) -> Key | None:
    """A name in an expression: a variable, else a scene's visit count (the
    pack's own first, then its base story's, as packs._PackBuilder.resolve)."""
    if "." in name:
        return resolve_id(ws, p, VARIABLE, name) or resolve_id(ws, p, SCENE, name)
    chain = [p] + ([p.base] if p.is_pack and p.base is not None else [])
    for q in chain:
        for kind in (VARIABLE, SCENE):
            if q.defines(kind, name):
                return Key(kind, _root(q), name)
    return None


def _choice_defs(ws: Workspace, q: Project) -> dict[tuple[Key, str], list[tuple[str, Occ]]]:
    """(scene key, choice id) -> where q defines that choice (its scenes'
    choices and the choices its hooks add)."""
    out: dict[tuple[Key, str], list[tuple[str, Occ]]] = {}
    for ix in q.indexes():
        for o in ix.occs:
            if o.kind == CHOICE and o.is_def and o.scope:
                sk = resolve_id(ws, q, SCENE, o.scope)
                if sk is not None:
                    out.setdefault((sk, o.name), []).append((ix.path, o))
    return out


def _choice_key(q: Project, sk: Key, cid: str) -> Key:
    return Key(CHOICE, _root(q), cid, sk.owner, sk.name)


def resolve_choice(ws: Workspace, p: Project, name: str, scope: str) -> list[Key]:
    """The choices a choice id written in p means: of the scene `scope`, or
    (no scope: a balance `always:`, a rule for a chapter) of any scene."""
    if "." in name:
        pre, cid = name.split(".", 1)
        q = ws.pack_named(pre, p)
        owners = [q] if q is not None else []
    else:
        cid = name
        owners = [p] + ([p.base] if p.is_pack and p.base is not None else [])
    sk = resolve_id(ws, p, SCENE, scope) if scope else None
    if scope and sk is None:
        return []
    for q in owners:
        table = _choice_defs(ws, q)
        if sk is not None:
            if (sk, cid) in table:
                return [_choice_key(q, sk, cid)]
        else:
            keys = [_choice_key(q, s, c) for (s, c) in table if c == cid]
            if keys:
                return keys
    return []


def resolve_occ(ws: Workspace, p: Project, o: Occ, ix: FileIndex | None = None) -> list[Key]:
    """What an occurrence in project p (in its file ix) names (a definition
    names itself)."""
    if o.is_def:
        if o.kind == CHOICE:
            sk = resolve_id(ws, p, SCENE, o.scope) if o.scope else None
            return [_choice_key(p, sk, o.name)] if sk is not None else []
        return [Key(o.kind, _root(p), o.name)]
    if o.kind == NAME:
        if o.scope and _is_text(ws, p, o.scope):
            return []  # (a str variable's value is text, not an expression)
        k = resolve_name(ws, p, o.name)
        return [k] if k is not None else []
    if o.kind == CHOICE:
        if ix is not None and (o.line, o.col) in ix.anchors:  # a hook's before:/after:
            sk = resolve_id(ws, p, SCENE, o.scope)
            owner = _project_at(ws, sk.owner) if sk is not None else None
            if sk is None or owner is None or (sk, o.name) not in _choice_defs(ws, owner):
                return []
            return [_choice_key(owner, sk, o.name)]
        return resolve_choice(ws, p, o.name, o.scope)
    k = resolve_id(ws, p, o.kind, o.name)
    return [k] if k is not None else []


def _is_text(ws: Workspace, p: Project, var: str) -> bool:
    """Whether a variable is a str one (an effect sets it to text)."""
    k = resolve_id(ws, p, VARIABLE, var)
    owner = _project_at(ws, k.owner) if k is not None else None
    return k is not None and owner is not None and owner.info(VARIABLE, k.name).get("type") == "str"


class Target(NamedTuple):
    project: Project
    file: FileIndex
    occ: Occ
    keys: list[Key]


def target_at(ws: Workspace, path: str, line: int, col: int) -> Target | None:
    """The id under the cursor (a code-point column) and what it names."""
    p = ws.project_for(path)
    ix = ws.index(path)
    if p is None or ix is None:
        return None
    o = ix.occ_at(line, col)
    if o is None:
        return None
    return Target(p, ix, o, resolve_occ(ws, p, o, ix))


def _cursor(ws: Workspace, path: str, line: int, character: int, enc: str) -> int:
    ix = ws.index(path)
    return from_units(ix.line_text(line), character, enc) if ix is not None else character


def _places(ws: Workspace, key: Key) -> list[tuple[Project, FileIndex, Occ, bool]]:
    """Every occurrence of what `key` names, in the projects that can name
    it: (project, file, occurrence, whether that occurrence names only it)."""
    owner = _project_at(ws, key.owner)
    if owner is None:
        return []
    out = []
    for q in ws.related(owner):
        for ix in q.files.values():
            for o in ix.occs:
                if o.kind != key.kind and not (o.kind == NAME and key.kind in (VARIABLE, SCENE)):
                    continue
                if o.name.rsplit(".", 1)[-1] != key.name:
                    continue
                keys = resolve_occ(ws, q, o, ix)
                if key in keys:
                    out.append((q, ix, o, len(keys) == 1))
    return out


def _defs_of(ws: Workspace, key: Key) -> list[tuple[FileIndex, Occ]]:
    owner = _project_at(ws, key.owner)
    if owner is None:
        return []
    if key.kind == CHOICE:
        sk = Key(SCENE, key.scene_owner, key.scene)
        found = _choice_defs(ws, owner).get((sk, key.name), [])
    else:
        found = owner.defs().get((key.kind, key.name), [])
    return [(owner.files[path], o) for path, o in found if path in owner.files]


# -- definition and references ------------------------------------------------------
def definition(
    ws: Workspace, path: str, line: int, character: int, enc: str = UTF16
) -> list[T.Location]:
    t = target_at(ws, path, line, _cursor(ws, path, line, character, enc))
    if t is None:
        return []
    out = []
    for key in t.keys:
        for ix, o in _defs_of(ws, key):
            out.append(T.Location(uri=_uri(ix.path), range=_occ_range(ix, o, enc)))
    return out


def references(
    ws: Workspace,
    path: str,
    line: int,
    character: int,
    include_declaration: bool = True,
    enc: str = UTF16,
) -> list[T.Location]:
    t = target_at(ws, path, line, _cursor(ws, path, line, character, enc))
    if t is None:
        return []
    out = []
    seen = set()
    for key in t.keys:
        for _q, ix, o, _only in _places(ws, key):
            if o.is_def and not include_declaration:
                continue
            k = (ix.path, o.line, o.col)
            if k not in seen:
                seen.add(k)
                out.append(T.Location(uri=_uri(ix.path), range=_occ_range(ix, o, enc)))
    return out


# -- rename -----------------------------------------------------------------------
_ID = re.compile(ID_PATTERN)


def _rename_target(ws: Workspace, path: str, line: int, col: int) -> tuple[Target, Key]:
    t = target_at(ws, path, line, col)
    if t is None:
        raise RenameRefused("there is no scene, variable, ending, chapter or choice id here")
    o = t.occ
    what = _WHAT.get(o.kind, "name")
    if o.kind == NAME and o.name == TURNS:
        raise RenameRefused("'turns' is built in (the number of turns taken): it cannot be renamed")
    if not t.keys:
        raise RenameRefused(f"unknown {what} {o.name!r}: nothing defines it, so nothing to rename")
    if len(t.keys) > 1:
        raise RenameRefused(
            f"{o.name!r} names choices of {len(t.keys)} scenes here: rename one of them "
            f"where it is defined"
        )
    key = t.keys[0]
    if key.owner != _root(t.project):
        owner = _project_at(ws, key.owner)
        kind = _WHAT[key.kind]
        if owner is not None and t.project.base is owner:
            raise RenameRefused(
                f"{kind} {key.name!r} belongs to the base story {owner.name!r}: "
                f"a pack cannot rename the story's ids"
            )
        name = owner.name if owner is not None else key.owner
        raise RenameRefused(
            f"{kind} {key.name!r} belongs to the pack {name!r}: rename it in that pack"
        )
    return t, key


def _id_range(ix: FileIndex, o: Occ) -> tuple[int, int, int]:
    """(line, col, end) of the id itself: the part after `pack.` when the
    occurrence is qualified."""
    dot = o.name.rfind(".")
    return o.line, o.col + dot + 1, o.end


def prepare_rename(
    ws: Workspace, path: str, line: int, character: int, enc: str = UTF16
) -> T.PrepareRenamePlaceholder | None:
    """The range of the id under the cursor and its name; refuses (raises
    RenameRefused) when it cannot be renamed from here."""
    col = _cursor(ws, path, line, character, enc)
    ix = ws.index(path)
    if ix is None or ix.occ_at(line, col) is None:
        return None
    t, key = _rename_target(ws, path, line, col)
    ln, c, e = _id_range(t.file, t.occ)
    return T.PrepareRenamePlaceholder(
        range=_lsp_range(t.file, ln, c, ln, e, enc), placeholder=key.name
    )


def _taken(ws: Workspace, p: Project, key: Key, new: str) -> str | None:
    """Why `new` cannot be the new id of `key` (defined in p), or None."""
    kind = key.kind
    if kind == CHOICE:
        sk = Key(SCENE, key.scene_owner, key.scene)
        for path, o in _choice_defs(ws, p).get((sk, new), []):
            return f"scene {key.scene!r} already has a choice {new!r} ({_where(path, o)})"
        return None
    if kind == VARIABLE and new in RESERVED_NAMES:
        return f"{new!r} is a reserved word and cannot name a variable"
    # scenes and variables share the names expressions read (a scene's name is its visits)
    kinds = (SCENE, VARIABLE) if kind in (SCENE, VARIABLE) else (kind,)
    story = p.base if p.is_pack else p
    scope = [p] + [q for q in ws.related(p) if q is not p]
    if p.is_pack and story is not None:
        scope.append(story)
    for q in scope:
        if q.is_pack and q is not p and p.is_pack:
            continue  # another pack's ids are name.id: no clash
        for k in kinds:
            for path, o in q.defs().get((k, new), []):
                if q is p:
                    return f"{_WHAT[k]} {new!r} already exists ({_where(path, o)})"
                whose = f"the {'pack' if q.is_pack else 'story'} {q.name!r}"
                return f"{whose} has a {_WHAT[k]} {new!r} ({_where(path, o)})"
    return None


def _where(path: str, o: Occ) -> str:
    return f"{os.path.basename(path)}:{o.line + 1}:{o.col + 1}"


def rename(
    ws: Workspace, path: str, line: int, character: int, new_name: str, enc: str = UTF16
) -> T.WorkspaceEdit:
    """Every occurrence of the id under the cursor, renamed, in every file
    of its project and of the packs that name it. Raises RenameRefused."""
    col = _cursor(ws, path, line, character, enc)
    t, key = _rename_target(ws, path, line, col)
    new = new_name.strip()
    owner = t.project
    if "." in new and new.split(".", 1)[0] == owner.name:
        new = new.split(".", 1)[1]
    if not _ID.fullmatch(new):
        raise RenameRefused(
            f"{new!r} is not a valid id: letters, digits and _, starting with a letter"
        )
    if new == key.name:
        return T.WorkspaceEdit(changes={})
    why = _taken(ws, owner, key, new)
    if why is not None:
        raise RenameRefused(f"cannot rename {_WHAT[key.kind]} {key.name!r} to {new!r}: {why}")
    for q in ws.related(owner):
        for ix in q.files.values():
            if not ix.parsed and ix.text.strip():
                raise RenameRefused(
                    f"{ix.path} does not parse as YAML now: fix it first, then rename"
                )
    changes: dict[str, list[T.TextEdit]] = {}
    for _q, ix, o, only in _places(ws, key):
        if not only:
            continue  # (a choice id without a scene naming choices of other scenes too)
        ln, c, e = _id_range(ix, o)
        changes.setdefault(_uri(ix.path), []).append(
            T.TextEdit(range=_lsp_range(ix, ln, c, ln, e, enc), new_text=new)
        )
    return T.WorkspaceEdit(changes=changes)


# -- hover ------------------------------------------------------------------------
def _md_code(s: str) -> str:
    return "`" + s.replace("`", "'") + "`"


def _first_lines(text: str, n: int = 3, width: int = 300) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()][:n]
    out = "\n".join("> " + (ln if len(ln) <= width else ln[: width - 1] + "…") for ln in lines)
    return out


def _qualified(ws: Workspace, p: Project, key: Key) -> str:
    """How the file at hand writes the key's id."""
    if key.owner == _root(p) or (p.is_pack and p.base is not None and key.owner == _root(p.base)):
        return key.name
    owner = _project_at(ws, key.owner)
    return f"{owner.name}.{key.name}" if owner is not None and owner.is_pack else key.name


def describe(ws: Workspace, p: Project, key: Key, as_visits: bool = False) -> str:
    """Markdown of what a key names."""
    owner = _project_at(ws, key.owner)
    if owner is None:
        return ""
    shown = _qualified(ws, p, key)
    whose = ""
    if owner is not p:
        whose = f" — from the {'pack' if owner.is_pack else 'story'} {_md_code(owner.name)}"
    if key.kind == CHOICE:
        ix_info = {}
        for ix, _o in _defs_of(ws, key):
            got = ix.info.get((CHOICE, f"{_o.scope}/{key.name}"))
            if got is not None:
                ix_info = got.fields
                break
        head = f"**choice** {_md_code(shown)} of scene {_md_code(key.scene)}{whose}"
        text = ix_info.get("text", "")
        return head + (f"\n\n{_first_lines(text, 2)}" if text else "")
    f = owner.info(key.kind, key.name)
    if key.kind == VARIABLE:
        typ = f.get("type", "")
        parts = [
            f"**variable** {_md_code(shown)}: {typ}"
            + (f" ({TYPE_WORDS[typ]})" if typ in TYPE_WORDS else "")
        ]
        lo, hi = f.get("min"), f.get("max")
        if lo is not None or hi is not None:
            parts.append(f"range {lo if lo is not None else '…'}..{hi if hi is not None else '…'}")
        if "default" in f:
            parts.append(f"default {_md_code(f['default'])}")
        if "label" in f:
            parts.append(f"label “{f['label']}”")
        if f.get("shown") == "true":
            parts.append("shown to the player")
        return " · ".join(parts) + whose
    if key.kind == SCENE:
        title = f.get("title", "")
        head = ("visits of " if as_visits else "") + f"**scene** {_md_code(shown)}"
        if title:
            head += f" — *{title}*"
        if f.get("chapter"):
            head += f" (chapter {_md_code(f['chapter'])})"
        head += whose
        if as_visits:
            head += "\n\nIn an expression a scene's name is the number of times it was entered."
        text = f.get("text", "")
        if f.get("ending"):
            head += f"\n\nends the story: {_md_code(f['ending'])}"
        return head + (f"\n\n{_first_lines(text)}" if text else "")
    if key.kind == ENDING:
        head = f"**ending** {_md_code(shown)}"
        if f.get("title"):
            head += f" — *{f['title']}*"
        head += whose
        if f.get("world"):
            head += f"\n\nworld: {f['world']}"
        if f.get("hint"):
            head += f"\n\nhint: {f['hint']}"
        return head
    if key.kind == CHAPTER:
        head = f"**chapter** {_md_code(shown)}"
        if f.get("title"):
            head += f" — *{f['title']}*"
        return head + whose
    return ""


def hover(ws: Workspace, path: str, line: int, character: int, enc: str = UTF16) -> T.Hover | None:
    col = _cursor(ws, path, line, character, enc)
    t = target_at(ws, path, line, col)
    if t is None:
        return None
    o = t.occ
    rng = _occ_range(t.file, o, enc)
    if o.kind == NAME and o.name == TURNS and not t.keys:
        value = "**turns** (int): the number of turns taken so far (built in)"
    elif not t.keys:
        return None
    else:
        value = "\n\n---\n\n".join(
            describe(ws, t.project, k, as_visits=o.kind == NAME and k.kind == SCENE)
            for k in t.keys[:5]
        )
    return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value=value), range=rng)


# -- document symbols ---------------------------------------------------------------
def _symbol(ix: FileIndex, s: Sym, enc: str) -> T.DocumentSymbol:
    rng = _lsp_range(ix, s.line, s.col, s.end_line, s.end_col, enc)
    ln, c, e = s.sel
    sel = _lsp_range(ix, ln, c, ln, e, enc)
    if (sel.start.line, sel.start.character) < (rng.start.line, rng.start.character) or (
        sel.end.line,
        sel.end.character,
    ) > (rng.end.line, rng.end.character):
        sel = T.Range(start=rng.start, end=rng.start)
    return T.DocumentSymbol(
        name=s.name,
        detail=s.detail or None,
        kind=_SYMBOL_KIND.get(s.kind, T.SymbolKind.Object),
        range=rng,
        selection_range=sel,
        children=[_symbol(ix, c, enc) for c in s.children] or None,
    )


def document_symbols(ws: Workspace, path: str, enc: str = UTF16) -> list[T.DocumentSymbol]:
    ix = ws.index(path)
    if ix is None:
        return []
    p = ws.project_for(path)
    if not ix.parsed and p is not None:
        ix = p.stale.get(ix.path, ix)
    out = []
    for s in ix.symbols:
        if s.kind == CHAPTER and s.children and p is not None:  # a group: the chapter's title
            key = resolve_id(ws, p, CHAPTER, s.name)
            owner = _project_at(ws, key.owner) if key is not None else None
            title = owner.info(CHAPTER, key.name).get("title") if owner and key else None
            s = s._replace(detail=title or s.detail)
        out.append(_symbol(ix, s, enc))
    return out


# -- completion ---------------------------------------------------------------------
class Context(NamedTuple):
    """What the cursor's place wants: SCENE, CHAPTER, ENDING, CHOICE,
    VARIABLE, "expr", "text", "type", "words" or "" (nothing); `scope`: a
    choice's scene, the kind of variable ("int", "bar"), the words' key."""

    what: str
    scope: str = ""
    brace: int = -1  # "text": the column of the open `{` (the {...} being written)
    native: bool = False  # CHOICE: only the scene's own (a hook's before/after)


class _Line(NamedTuple):
    key: str | None  # the key whose value the cursor is in (None: at a key or an item)
    parent: str | None  # the key of the innermost flow collection, if any
    container: str  # "{", "[" or "" (block)
    value: str  # the scalar typed so far, quotes included
    quoted: bool


def _scan(before: str) -> _Line | None:
    """Read one line's text up to the cursor as YAML would: which key's
    value the cursor is in, inside which flow collection. None in a comment."""
    stack: list[tuple[str, str | None]] = []
    key: str | None = None
    i, n = 0, len(before)
    while i < n:
        ch = before[i]
        if ch in " \t":
            i += 1
            continue
        if ch == "#" and (i == 0 or before[i - 1] in " \t"):
            return None
        if ch in "\"'":
            qs = i
            j = i + 1
            while j < n:
                if before[j] == ch:
                    if ch == "'" and before[j + 1 : j + 2] == "'":
                        j += 2
                        continue
                    break
                j += 2 if ch == '"' and before[j] == "\\" else 1
            if j >= n:
                return _Line(
                    key,
                    stack[-1][1] if stack else None,
                    stack[-1][0] if stack else "",
                    before[i:],
                    True,
                )
            i = j + 1
            if i < n and before[i] == ":":  # a quoted key
                key = before[qs + 1 : j]
                i += 1
            continue
        if ch in "{[":
            stack.append((ch, key))
            key = None
            i += 1
            continue
        if ch in "}]":
            if stack:
                stack.pop()
            key = None
            i += 1
            continue
        if ch == "," and stack:
            key = None
            i += 1
            continue
        if ch == "-" and not stack and (i + 1 == n or before[i + 1] in " \t"):
            i += 1
            key = None
            continue
        j = i
        while j < n:
            c = before[j]
            if c == ":" and (
                j + 1 == n or before[j + 1] in " \t" or (stack and before[j + 1] in ",[]{}")
            ):
                break
            if stack and c in ",[]{}":
                break
            if c == "#" and before[j - 1] in " \t":
                break
            j += 1
        if j < n and before[j] == ":":
            key = before[i:j].strip()
            i = j + 1
            continue
        if j >= n:  # the cursor is in this plain scalar
            return _Line(
                key,
                stack[-1][1] if stack else None,
                stack[-1][0] if stack else "",
                before[i:],
                False,
            )
        i = j
    return _Line(key, stack[-1][1] if stack else None, stack[-1][0] if stack else "", "", False)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _key_col(text: str) -> int:
    """The column of a line's first key (after its indentation and `- `)."""
    m = re.match(r"(\s*(?:-\s+)*)", text)
    return m.end() if m else 0


def _block_parent(ix: FileIndex, line: int) -> tuple[str | None, int]:
    """The key a block line sits under (by indentation), and its line."""
    text = ix.line_text(line)
    ind = _indent(text)
    item = text.lstrip().startswith("-")
    for ln in range(line - 1, max(-1, line - 200), -1):
        t = ix.line_text(ln)
        if not t.strip() or t.lstrip().startswith("#"):
            continue
        ti = _indent(t)
        if ti < ind or (item and ti == ind and not t.lstrip().startswith("-")):
            m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(?:#.*)?$", t)
            return (m.group(1) if m else None), ln
    return None, -1


def _sibling(ix: FileIndex, line: int, col: int, key: str) -> str:
    """The value of `key` in the mapping the cursor is in (a hook's or a
    rule's `scene:`), read from the text around it."""
    value = r"\s*:\s*[\"']?([A-Za-z][A-Za-z0-9_.]*)"
    text = ix.line_text(line)
    flow = text.rfind("{", 0, col)
    if flow >= 0:
        m = re.search(rf"(?:^|[\s{{,]){key}{value}", text[flow:])
        if m:
            return m.group(1)
    own = _key_col(text)
    mine = re.compile(rf"\s*(?:-\s+)?{key}{value}")
    m = mine.match(text)
    if m:
        return m.group(1)
    if text.lstrip().startswith("-"):
        up = -1  # the mapping starts on this line
    else:
        up = line - 1
    while up >= 0 and line - up < 200:
        t = ix.line_text(up)
        up -= 1
        if not t.strip() or t.lstrip().startswith("#"):
            continue
        kc = _key_col(t)
        if kc < own:
            break
        if kc == own:
            m = mine.match(t)
            if m:
                return m.group(1)
            if t.lstrip().startswith("-"):
                break
    down = line + 1
    while down < len(ix._starts) and down - line < 200:
        t = ix.line_text(down)
        down += 1
        if not t.strip() or t.lstrip().startswith("#"):
            continue
        if _key_col(t) < own or (t.lstrip().startswith("-") and _indent(t) < own):
            break
        if _key_col(t) == own:
            m = mine.match(t)
            if m:
                return m.group(1)
    return ""


# Keys whose value is one of a fixed set of words (engine/format.py's), and the levels of
# `lints:` (RA105: ignore)
_WORDS = {
    "fallback": POLICY_FALLBACKS,
    "once": ("true", "false"),
    "flavour": ("true", "false"),
    "shown": ("true", "false"),
    "lints": LINT_LEVELS,
}
_SCENE_KEYS = ("to", "success", "failure", "start", "next", "scene")
_EXPR_KEYS = ("if", "chance", "when")
_TEXT_KEYS = ("text", "epilogue")
_EFFECT_KEYS = ("set", "add", "subtract")


def _open_brace(before: str, start: int = 0) -> int:
    """The column of an open `{` of a text's {...} before the cursor (the
    text starting at column `start`), or -1."""
    i = before.rfind("{", start)
    if i < 0 or "}" in before[i:] or before[i - 1 : i] == "{":
        return -1
    return i


def context_at(ix: FileIndex, line: int, col: int) -> Context:
    """What completion offers at a place (a code-point column)."""
    text = ix.line_text(line)
    before = text[:col]
    slot = _slot_near(ix, line, col, before)
    if slot is not None and slot.what == "text" and slot.line != line:
        return Context("text", brace=_open_brace(before))
    if slot is not None and slot.what == "expr" and slot.line != line:
        return Context("expr")
    scan = _scan(before)
    if scan is None:
        return Context("")
    key, parent = scan.key, scan.parent
    if key is not None:
        value = scan.value
        if key in _TEXT_KEYS or (slot is not None and slot.what == "text"):
            return Context("text", brace=_open_brace(before, len(before) - len(value)))
        if parent in _EFFECT_KEYS and scan.container == "{":
            return Context("expr")
        if key in _EXPR_KEYS:
            return Context("expr")
        if key == "policy":
            v = value.strip("\"'")
            return Context(CHOICE) if v.startswith("always:") else Context("")
        if scan.container == "[" or value.startswith("["):
            return Context("")
        if key in _SCENE_KEYS:
            return Context(SCENE)
        if key == "chapter":
            return Context(CHAPTER)
        if key == "ending":
            return Context(ENDING)
        if key in ("before", "after"):
            scope = slot.scope if slot is not None and slot.what == CHOICE else ""
            return Context(CHOICE, scope or _sibling(ix, line, col, "scene"), native=True)
        if key == "type":
            return Context("type")
        if key == "var":
            return Context(VARIABLE, "bar")
        if key == "round":
            return Context(VARIABLE, "int")
        if key in _WORDS:
            return Context("words", key)
        if re.fullmatch(r"RA\d*", key) and _block_parent(ix, line)[0] == "lints":
            return Context("words", "lints")
        if parent == "lints" and scan.container == "{":
            return Context("words", "lints")
        if _block_parent(ix, line)[0] in _EFFECT_KEYS:
            return Context("expr")
        return Context("")
    # at a key or an item
    if scan.container == "{" and parent in _EFFECT_KEYS:
        return Context(VARIABLE)
    if scan.container == "[":
        if parent == "prefer":
            return Context(CHOICE, _sibling(ix, line, col, "scene"))
        if parent in ("sidebar", "bars"):
            return Context(VARIABLE, "bar")
        return Context("")
    if scan.container == "":
        bp, bl = _block_parent(ix, line)
        if bp in _EFFECT_KEYS:
            return Context(VARIABLE)
        if text.lstrip().startswith("-"):
            if bp == "prefer":
                return Context(CHOICE, _sibling(ix, bl, len(ix.line_text(bl)), "scene"))
            if bp in ("sidebar", "bars"):
                return Context(VARIABLE, "bar")
    return Context("")


def _slot_near(ix: FileIndex, line: int, col: int, before: str) -> Slot | None:
    s = ix.slot_at(line, col)
    if s is not None:
        return s
    for s in ix.slots:  # an empty value: `to: ` with the cursor after the space
        if s.line == line and s.end_line == line and s.col <= col and not before[s.col :].strip():
            return s
    return None


def _item(
    label: str,
    kind: T.CompletionItemKind,
    detail: str,
    rng: T.Range,
    text: str | None = None,
    sort: str = "1",
    doc: str = "",
) -> T.CompletionItem:
    return T.CompletionItem(
        label=label,
        kind=kind,
        detail=detail or None,
        documentation=T.MarkupContent(kind=T.MarkupKind.Markdown, value=doc) if doc else None,
        text_edit=T.TextEdit(range=rng, new_text=text if text is not None else label),
        sort_text=f"{sort}{label}",
        filter_text=label,
    )


def _detail(ws: Workspace, key: Key, q: Project) -> str:
    f = q.info(key.kind, key.name)
    if key.kind == VARIABLE:
        typ = f.get("type", "")
        lo, hi = f.get("min"), f.get("max")
        return typ + (f" {lo}..{hi}" if lo is not None and hi is not None else "")
    if key.kind == SCENE:
        title = f.get("title", "")
        chapter = f.get("chapter", "")
        return " · ".join(x for x in (title, chapter and f"chapter {chapter}") if x)
    return f.get("title", "")


def _ids(ws: Workspace, p: Project, kind: str) -> list[tuple[str, Key, Project]]:
    """The ids of a kind a file of p may write: (as written, key, owner)."""
    out: list[tuple[str, Key, Project]] = []
    seen: set[str] = set()
    for name in p.ids(kind):
        seen.add(name)
        out.append((name, Key(kind, _root(p), name), p))
    if p.is_pack and p.base is not None:
        for name in p.base.ids(kind):
            if name not in seen:
                out.append((name, Key(kind, _root(p.base), name), p.base))
        for q in ws.related(p.base):  # the packs beside it: name.id
            if q is not p and q.is_pack and q.name and kind in (SCENE, ENDING, CHAPTER):
                for name in q.ids(kind):
                    out.append((f"{q.name}.{name}", Key(kind, _root(q), name), q))
    return out


def _names(ws: Workspace, p: Project, rng: T.Range, closing: str = "") -> list[T.CompletionItem]:
    """What an expression may read: variables, scenes' visit counts, turns."""
    items = []
    for written, key, q in _ids(ws, p, VARIABLE):
        if "." not in written:
            items.append(
                _item(
                    written,
                    T.CompletionItemKind.Variable,
                    _detail(ws, key, q),
                    rng,
                    written + closing,
                )
            )
    for written, key, q in _ids(ws, p, SCENE):
        if "." not in written:
            d = _detail(ws, key, q)
            items.append(
                _item(
                    written,
                    T.CompletionItemKind.Class,
                    "visits of scene" + (f" · {d}" if d else ""),
                    rng,
                    written + closing,
                    sort="3",
                )
            )
    items.append(
        _item(
            TURNS,
            T.CompletionItemKind.Keyword,
            "int: the turns taken",
            rng,
            TURNS + closing,
            sort="2",
        )
    )
    return items


def completion(
    ws: Workspace, path: str, line: int, character: int, enc: str = UTF16
) -> T.CompletionList:
    p = ws.project_for(path)
    ix = ws.index(path)
    empty = T.CompletionList(is_incomplete=False, items=[])
    if p is None or ix is None:
        return empty
    text = ix.line_text(line)
    col = from_units(text, character, enc)
    if not ix.parsed:
        ix_slots = p.stale.get(ix.path)
        if ix_slots is not None:
            ix = _with_text(ix, ix_slots)
    ctx = context_at(ix, line, col)
    before = text[:col]
    prefix = _PREFIX.search(before)
    start = col - (len(prefix.group()) if prefix else 0)
    rng = _lsp_range(ix, line, start, line, col, enc)
    items: list[T.CompletionItem] = []
    what = ctx.what
    if what in (SCENE, ENDING, CHAPTER, VARIABLE):
        for written, key, q in _ids(ws, p, what):
            if what == VARIABLE and ("." in written or not _fits(q, key.name, ctx.scope)):
                continue
            items.append(
                _item(
                    written,
                    _COMPLETION_KIND[what],
                    _detail(ws, key, q),
                    rng,
                    sort="1" if q is p else "2",
                )
            )
    elif what == CHOICE:
        items = _choice_items(ws, p, ctx.scope, rng, ctx.native)
    elif what == "type":
        for t in VARIABLE_TYPES:
            items.append(_item(t, T.CompletionItemKind.EnumMember, TYPE_WORDS.get(t, ""), rng))
    elif what == "words":
        for w in _WORDS.get(ctx.scope, ()):
            items.append(_item(w, T.CompletionItemKind.EnumMember, "", rng))
    elif what == "expr":
        items = _expr_items(ws, p, rng, bool(prefix and prefix.group()))
    elif what == "text" and ctx.brace >= 0:
        inner = before[ctx.brace + 1 :]
        head = inner.lstrip().split(" ", 1)[0]
        if head in ("if", "elif") and " " in inner.lstrip():
            items = _expr_items(ws, p, rng, bool(prefix and prefix.group()))
        elif "." not in inner and " " not in inner.strip():
            closing = "" if text[col : col + 1] == "}" else "}"
            for w in TEMPLATE_WORDS:
                body = f"{w} " if w in ("if", "elif") else w + closing
                items.append(
                    _item(
                        w,
                        T.CompletionItemKind.Keyword,
                        {
                            "if": "{if condition}…{end}",
                            "elif": "{elif condition}",
                            "else": "{else}",
                            "end": "{end}",
                        }[w],
                        rng,
                        body,
                        sort="0",
                    )
                )
            items += _names(ws, p, rng, closing)
    return T.CompletionList(is_incomplete=False, items=items)


def _fits(q: Project, name: str, want: str) -> bool:
    """Whether a variable fits where it is wanted: "int" (a HUD's round),
    "bar" (a bar: an int with min and max), "" (any)."""
    if not want:
        return True
    f = q.info(VARIABLE, name)
    if f.get("type") != "int":
        return False
    return want != "bar" or ("min" in f and "max" in f)


def _with_text(current: FileIndex, stale: FileIndex) -> FileIndex:
    """The stale index's slots, read against the current text's lines (a
    file that does not parse while it is typed)."""
    ix = FileIndex(current.path, current.text, current.kind)
    ix.slots = stale.slots
    return ix


def _expr_items(ws: Workspace, p: Project, rng: T.Range, typing: bool) -> list[T.CompletionItem]:
    items = _names(ws, p, rng)
    for w in KEYWORDS:
        items.append(_item(w, T.CompletionItemKind.Keyword, "", rng, sort="4"))
    if not typing:
        for op in OPERATORS:
            items.append(_item(op, T.CompletionItemKind.Operator, "", rng, sort="5"))
    return items


def _choice_items(
    ws: Workspace, p: Project, scope: str, rng: T.Range, native: bool = False
) -> list[T.CompletionItem]:
    """The choice ids of a scene (a hook's before/after, a rule's prefer),
    or of every scene when none is given. `native`: only the choices the
    scene has itself (a hook goes before or after one of those: the ones
    packs add are name.id, which before/after cannot name)."""
    sk = resolve_id(ws, p, SCENE, scope) if scope else None
    owners = [p] + ([p.base] if p.is_pack and p.base is not None else [])
    if native and sk is not None:
        owner = _project_at(ws, sk.owner)
        owners = [owner] if owner is not None else []
    items = []
    seen: set[str] = set()
    for q in owners:
        for (s, cid), found in _choice_defs(ws, q).items():
            if sk is not None and s != sk:
                continue
            if cid in seen:
                continue
            seen.add(cid)
            path, o = found[0]
            info = q.files[path].info.get((CHOICE, f"{o.scope}/{cid}")) if path in q.files else None
            detail = (info.fields.get("text", "") if info else "") or ""
            detail = (detail[:60] + "…") if len(detail) > 61 else detail
            items.append(
                _item(
                    cid,
                    T.CompletionItemKind.EnumMember,
                    f"{s.name}: {detail}" if detail else s.name,
                    rng,
                )
            )
    return items


# -- the server's handlers ----------------------------------------------------------
def _encoding(ls: Any) -> str:
    enc = getattr(ls.workspace, "position_encoding", None)
    return str(getattr(enc, "value", enc) or UTF16)


def _path(uri: str) -> str:
    return to_fs_path(uri) or uri


def register(ls: RockyServer) -> None:
    """Add completion, definition, references, rename, hover and the
    outline to the server (`ls.model` is its Workspace)."""

    @ls.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=TRIGGERS))
    def _completion(params: T.CompletionParams) -> T.CompletionList:
        pos = params.position
        return completion(
            ls.model, _path(params.text_document.uri), pos.line, pos.character, _encoding(ls)
        )

    @ls.feature(T.TEXT_DOCUMENT_DEFINITION)
    def _definition(params: T.DefinitionParams) -> list[T.Location]:
        pos = params.position
        return definition(
            ls.model, _path(params.text_document.uri), pos.line, pos.character, _encoding(ls)
        )

    @ls.feature(T.TEXT_DOCUMENT_REFERENCES)
    def _references(params: T.ReferenceParams) -> list[T.Location]:
        pos = params.position
        return references(
            ls.model,
            _path(params.text_document.uri),
            pos.line,
            pos.character,
            params.context.include_declaration,
            _encoding(ls),
        )

    @ls.feature(T.TEXT_DOCUMENT_PREPARE_RENAME)
    def _prepare_rename(params: T.PrepareRenameParams) -> T.PrepareRenamePlaceholder | None:
        pos = params.position
        return prepare_rename(
            ls.model, _path(params.text_document.uri), pos.line, pos.character, _encoding(ls)
        )

    @ls.feature(T.TEXT_DOCUMENT_RENAME)
    def _rename(params: T.RenameParams) -> T.WorkspaceEdit:
        pos = params.position
        return rename(
            ls.model,
            _path(params.text_document.uri),
            pos.line,
            pos.character,
            params.new_name,
            _encoding(ls),
        )

    @ls.feature(T.TEXT_DOCUMENT_HOVER)
    def _hover(params: T.HoverParams) -> T.Hover | None:
        pos = params.position
        return hover(
            ls.model, _path(params.text_document.uri), pos.line, pos.character, _encoding(ls)
        )

    @ls.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def _symbols(params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
        return document_symbols(ls.model, _path(params.text_document.uri), _encoding(ls))
