"""Code actions: the quick fixes for the diagnostics authors meet most.

- the loader's "did you mean 'x'?" (an unknown scene, variable, key,
  choice...): replace the name with the suggestion, there or everywhere
  the file makes the same mistake;
- an unknown variable or name: declare it under `variables:` in the story's
  story.yaml (a pack's pack.yaml), typed by how it is used (bool when
  compared to true/false or used as a condition alone, str when compared
  to or set to text, int otherwise);
- a tab where YAML wants spaces: spaces instead, on that line or in the file.

Each fix is a plain function of texts (testable without a server); `register`
adds the textDocument/codeAction handler that reads the diagnostics' `data`
(lsp/diagnostics.action_data)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .diagnostics import PACK_MANIFEST, STORY_MANIFEST, action_data, utf16_col

if TYPE_CHECKING:
    from .server import RockyServer

QUICKFIX = types.CodeActionKind.QuickFix
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_YESNO = frozenset(("yes", "no", "on", "off", "true", "false"))
_TAB_WIDTH = 2


# -- positions ---------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _line(text: str, line0: int) -> str:
    lines = _lines(text)
    return lines[line0].rstrip("\r") if 0 <= line0 < len(lines) else ""


def code_point_col(line: str, units: int) -> int:
    """A UTF-16 column of `line` in code points."""
    n = 0
    for i, ch in enumerate(line):
        if n >= units:
            return i
        n += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def _pos(line: str, line0: int, col: int) -> types.Position:
    return types.Position(line0, utf16_col(line, col))


def _edit(line: str, line0: int, start: int, end: int, new: str) -> types.TextEdit:
    return types.TextEdit(
        types.Range(_pos(line, line0, start), _pos(line, line0, end)), new_text=new
    )


def apply_edits(text: str, edits: Iterable[types.TextEdit]) -> str:
    """`text` with `edits` applied (positions in UTF-16, as the editor
    applies them); for tests and for checking a fix before offering it."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(p: types.Position) -> int:
        if p.line >= len(lines):
            return len(text)
        return starts[p.line] + code_point_col(lines[p.line], p.character)

    out = text
    for e in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        a, b = offset(e.range.start), offset(e.range.end)
        out = out[:a] + e.new_text + out[b:]
    return out


# -- did you mean ------------------------------------------------------------


def find_name(line: str, name: str, start: int = 0, end: int | None = None) -> int | None:
    """Where `name` is written on `line` as a whole id, preferring the
    span [start, end) (code points), else the first nearest `start`."""
    hits = [
        m.start()
        for m in re.finditer(rf"(?<![\w.]){re.escape(name)}(?![\w])", line)
        if not line[m.end() : m.end() + 1] == "." or "." in name
    ]
    if not hits:
        return None
    inside = [h for h in hits if start <= h and (end is None or h + len(name) <= max(end, start))]
    if inside:
        return inside[0]
    return min(hits, key=lambda h: abs(h - start))


def replacement(text: str, rng: types.Range, name: str, suggestion: str) -> types.TextEdit | None:
    """The edit writing `suggestion` for `name` at the diagnostic's range."""
    line0 = rng.start.line
    line = _line(text, line0)
    start = code_point_col(line, rng.start.character)
    end = code_point_col(line, rng.end.character) if rng.end.line == line0 else len(line)
    at = find_name(line, name, start, end)
    if at is None:
        return None
    return _edit(line, line0, at, at + len(name), suggestion)


# -- declare a variable ------------------------------------------------------


def infer_type(line: str, name: str) -> str:
    """bool, str or int: how `name` is used on `line`."""
    n = re.escape(name)
    b = rf"(?<![\w.]){n}(?![\w.])"
    if re.search(rf"{b}\s*:\s*(true|false)\b", line) or re.search(
        rf"{b}\s*[!=]=\s*(true|false)\b|\b(true|false)\s*[!=]=\s*{n}(?![\w.])", line
    ):
        return "bool"
    if re.search(rf"{b}\s*:\s*(\"|')", line) and not re.search(r"\b(if|when|chance)\s*:", line):
        return "str"
    if re.search(rf"{b}\s*[!=]=\s*(\"|')|(\"|')\s*[!=]=\s*{n}(?![\w.])", line):
        return "str"
    if re.search(rf"\bnot\s+{n}(?![\w.])|{b}\s+(and|or)\b|\b(and|or)\s+{n}(?![\w.])", line):
        return "bool"
    # a condition that is the name alone: `if: name`, `if: "name"`, `{if name}`, `{elif name}`
    if re.search(rf"\b(if|when)\s*:\s*([\"']?)\s*{n}\s*\2\s*(#.*)?$", line) or re.search(
        rf"\{{(if|elif)\s+{n}\s*\}}", line
    ):
        return "bool"
    return "int"


_DEFAULTS = {"bool": "false", "int": "0", "str": '""'}


def declaration(name: str, type_: str) -> str:
    return f"{name}: {{type: {type_}, default: {_DEFAULTS.get(type_, '0')}}}"


def declare_edits(
    manifest: str, var_insert: tuple[int, int] | None, name: str, type_: str
) -> list[types.TextEdit] | None:
    """The edits declaring `name` in the manifest's text: under its
    `variables:` (before line var_insert[0], indented var_insert[1]), or a
    new `variables:` at its end; None when no edit gives a manifest whose
    `variables:` holds the name (an odd layout: flow style, say)."""
    lines = manifest.split("\n")
    decl = declaration(name, type_)
    candidates: list[list[types.TextEdit]] = []
    if var_insert is not None:
        line0, indent = var_insert
        if line0 < len(lines):
            candidates.append(
                [
                    types.TextEdit(
                        types.Range(types.Position(line0, 0), types.Position(line0, 0)),
                        f"{' ' * indent}{decl}\n",
                    )
                ]
            )
        else:
            last = len(lines) - 1
            end = types.Position(last, utf16_col(lines[last], len(lines[last])))
            lead = "" if lines[last] == "" else "\n"
            candidates.append(
                [types.TextEdit(types.Range(end, end), f"{lead}{' ' * indent}{decl}\n")]
            )
    for i, raw in enumerate(lines):  # an empty `variables:` or `variables: {}`
        if re.fullmatch(r"variables:\s*(\{\s*\}|null|~)?\s*(#.*)?\r?", raw):
            candidates.append(
                [
                    types.TextEdit(
                        types.Range(
                            types.Position(i, 0),
                            types.Position(i, utf16_col(raw, len(raw.rstrip("\r")))),
                        ),
                        f"variables:\n  {decl}",
                    )
                ]
            )
    last = len(lines) - 1
    end = types.Position(last, utf16_col(lines[last], len(lines[last])))
    lead = "\n" if lines[last] == "" else "\n\n"
    candidates.append([types.TextEdit(types.Range(end, end), f"{lead}variables:\n  {decl}\n")])
    for edits in candidates:
        if _declares(apply_edits(manifest, edits), name, manifest):
            return edits
    return None


def _declares(new: str, name: str, old: str) -> bool:
    """`new` parses, declares `name` under `variables:`, and keeps every
    other top-level key of `old`."""
    import yaml

    try:
        after = yaml.safe_load(new)
        before = yaml.safe_load(old)
    except yaml.YAMLError:
        return False
    if not isinstance(after, dict):
        return False
    variables = after.get("variables")
    if not isinstance(variables, dict) or not isinstance(variables.get(name), dict):
        return False
    if isinstance(before, dict):
        if any(k not in after for k in before):
            return False
        if isinstance(before.get("variables"), dict) and any(
            k not in variables for k in before["variables"]
        ):
            return False
    return True


# -- tabs --------------------------------------------------------------------


def _content_col(line: str) -> int:
    """The column where a line's content starts, past `- ` item marks."""
    m = re.match(r"[ ]*(?:-[ ]+)*", line)
    return m.end() if m else 0


def tab_width(lines: list[str], line0: int) -> int:
    """How many spaces each tab of line `line0`'s indentation stands for:
    so that the line lines up under the line above it (one level in when
    that line opens a block with `key:`)."""
    raw = lines[line0]
    indent = raw[: len(raw) - len(raw.lstrip(" \t"))]
    tabs = indent.count("\t")
    if not tabs:
        return _TAB_WIDTH
    above = next(
        (
            lines[i]
            for i in range(line0 - 1, -1, -1)
            if lines[i].strip()
            and not lines[i].lstrip().startswith("#")
            and "\t" not in lines[i][: len(lines[i]) - len(lines[i].lstrip(" \t"))]
        ),
        None,
    )
    if above is None:
        return _TAB_WIDTH
    want = _content_col(above)
    body = re.sub(r"\s+#.*$", "", above.rstrip())
    if body.endswith(":") or re.search(r":\s*[|>][-+0-9]*$", body):
        want += 2
    spaces = indent.count(" ")
    if want < spaces:  # deeper than the line above says: a continuation, say
        return _TAB_WIDTH
    return (want - spaces) // tabs


def untab_line(line: str, width: int) -> str:
    """`line` with the tabs of its indentation as `width` spaces each, and
    any other tab as one space."""
    stripped = line.lstrip(" \t")
    indent = line[: len(line) - len(stripped)]
    return indent.replace("\t", " " * width) + stripped.replace("\t", " ")


def _indent_only(line: str, width: int) -> str:
    stripped = line.lstrip(" \t")
    indent = line[: len(line) - len(stripped)]
    return indent.replace("\t", " " * width) + stripped


def tab_edits(text: str, line0: int, whole_file: bool = False) -> list[types.TextEdit]:
    """Spaces for the tabs of line `line0` (every tab on it), or with
    `whole_file` for every tab of the file's indentation as well."""
    lines = text.split("\n")
    if not 0 <= line0 < len(lines):
        return []
    width = tab_width(lines, line0)
    elsewhere = width or _TAB_WIDTH  # (a tab this line did not need says nothing of others)
    edits = []
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r")
        if "\t" not in line:
            continue
        if i == line0:
            new = untab_line(line, width)
        elif whole_file:
            new = _indent_only(line, elsewhere)
        else:
            continue
        if new != line:
            edits.append(_edit(line, i, 0, len(line), new))
    return edits


# -- the actions -------------------------------------------------------------


def manifest_of(root: Path, is_pack: bool) -> str:
    return str(root / (PACK_MANIFEST if is_pack else STORY_MANIFEST))


def actions_for(
    uri: str,
    text: str,
    diagnostics: Iterable[types.Diagnostic],
    manifest: Callable[[], tuple[str, str, tuple[int, int] | None] | None] | None = None,
    data_of: Callable[[types.Diagnostic], Mapping[str, Any] | None] | None = None,
    in_file: Iterable[types.Diagnostic] = (),
) -> list[types.CodeAction]:
    """The quick fixes for `diagnostics` in the file at `uri` whose text is
    `text`. `manifest()` gives (uri, text, var_insert) of the manifest a
    variable is declared in (None: none); `data_of` the data of a
    diagnostic the client sent without it; `in_file` every diagnostic of
    the file (a misspelling made several times is fixed at once too)."""
    out: list[types.CodeAction] = []
    declared: set[str] = set()
    every_done: set[tuple[str, str]] = set()
    for diag in diagnostics:
        data = diag.data if isinstance(diag.data, Mapping) else None
        if data is None and data_of is not None:
            data = data_of(diag)
        if not data:
            continue
        name, suggestion = data.get("name"), data.get("suggestion")
        if name and suggestion:
            edit = replacement(text, diag.range, str(name), str(suggestion))
            if edit is not None:
                out.append(
                    types.CodeAction(
                        title=f"Change '{name}' to '{suggestion}'",
                        kind=QUICKFIX,
                        diagnostics=[diag],
                        is_preferred=True,
                        edit=types.WorkspaceEdit(changes={uri: [edit]}),
                    )
                )
            same = [
                d
                for d in in_file
                if isinstance(d.data, Mapping)
                and d.data.get("name") == name
                and d.data.get("suggestion") == suggestion
            ]
            edits = [e for d in same if (e := replacement(text, d.range, name, suggestion))]
            if len({(e.range.start.line, e.range.start.character) for e in edits}) > 1 and (
                (name, suggestion) not in every_done
            ):
                every_done.add((name, suggestion))
                out.append(
                    types.CodeAction(
                        title=f"Change every '{name}' to '{suggestion}' in this file "
                        f"({len(edits)})",
                        kind=QUICKFIX,
                        diagnostics=same,
                        edit=types.WorkspaceEdit(changes={uri: edits}),
                    )
                )
        if (
            name
            and data.get("what") in ("variable", "name")
            and _IDENT.fullmatch(str(name))
            and str(name).lower() not in _YESNO
            and name not in declared
            and manifest is not None
        ):
            where = manifest()
            if where is not None:
                m_uri, m_text, var_insert = where
                type_ = infer_type(_line(text, diag.range.start.line), str(name))
                decl = declare_edits(m_text, var_insert, str(name), type_)
                if decl is not None:
                    declared.add(str(name))
                    out.append(
                        types.CodeAction(
                            title=f"Declare the variable '{name}' ({type_}) in {os.path.basename(to_path(m_uri))}",
                            kind=QUICKFIX,
                            diagnostics=[diag],
                            edit=types.WorkspaceEdit(changes={m_uri: decl}),
                        )
                    )
        if data.get("tab"):
            line0 = diag.range.start.line
            one = tab_edits(text, line0)
            every = tab_edits(text, line0, whole_file=True)
            if one:
                out.append(
                    types.CodeAction(
                        title=f"Use spaces instead of tabs on line {line0 + 1}",
                        kind=QUICKFIX,
                        diagnostics=[diag],
                        is_preferred=len(every) == len(one),
                        edit=types.WorkspaceEdit(changes={uri: one}),
                    )
                )
            if len(every) > len(one):
                out.append(
                    types.CodeAction(
                        title="Use spaces instead of tabs in the whole file",
                        kind=QUICKFIX,
                        diagnostics=[diag],
                        is_preferred=True,
                        edit=types.WorkspaceEdit(changes={uri: every}),
                    )
                )
    return out


def to_path(uri: str) -> str:
    from pygls.uris import to_fs_path

    return to_fs_path(uri) or uri


def register(ls: RockyServer) -> None:
    """Add the textDocument/codeAction handler to `ls`."""
    from pygls.uris import from_fs_path

    @ls.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[QUICKFIX]),
    )
    def code_action(ls: RockyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        only = params.context.only
        if only and not any(k == QUICKFIX or QUICKFIX.value.startswith(f"{k}.") for k in only):
            return []
        uri = params.text_document.uri
        path = os.path.abspath(to_path(uri))
        text = ls.workspace.get_text_document(uri).source

        def manifest() -> tuple[str, str, tuple[int, int] | None] | None:
            project = ls.model.project_for(path)
            if project is None:
                return None
            m_path = manifest_of(project.root, project.is_pack)
            ix = project.files.get(m_path)
            m_uri = from_fs_path(m_path) or m_path
            if m_path in ls.model.texts:
                m_text = ls.model.texts[m_path]
            elif ix is not None:
                m_text = ix.text
            else:
                try:
                    m_text = Path(m_path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    return None
            var_insert = ix.var_insert if ix is not None and ix.text == m_text else None
            return m_uri, m_text, var_insert

        def data_of(diag: types.Diagnostic) -> Mapping[str, Any] | None:
            for d in ls.engine_diagnostics(path):
                if d.message == diag.message and max(d.line - 1, 0) == diag.range.start.line:
                    return action_data(d)
            return None

        def in_file() -> list[types.Diagnostic]:
            from .diagnostics import to_lsp

            return [to_lsp(d, text) for d in ls.engine_diagnostics(path)]

        return actions_for(uri, text, params.context.diagnostics, manifest, data_of, in_file())
