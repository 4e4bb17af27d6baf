"""The loader's and the lints' diagnostics as an editor wants them.

`check` names a file, a 1-based line and column (in code points) and a code;
the editor wants a 0-based range (in UTF-16 units unless the client chose
otherwise), a severity, the code and a link to the code's section of
docs/lints.md. `to_lsp` turns one into the other, widening the point `check`
gives over the token it points at (an id, a key, a quoted expression, a
`{...}` tag, an operator; the line's text when there is no column), and puts
in `data` what the code actions (actions.py) need: the name a message calls
unknown, the loader's "did you mean" suggestion, a tab. `by_file` groups
`check`'s diagnostics by the absolute path of their file.

Nothing here changes what `check` reports: the codes, messages and places
are `check`'s own (tools/check.story_diagnostics)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lsprotocol import types

from ..engine.diagnostics import CODES, Diagnostic, Severity
from ..engine.files import bundled_story_dir

SOURCE = "rocky-adventure"
STORY_MANIFEST, PACK_MANIFEST = "story.yaml", "pack.yaml"

SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}

# What a message says, for the code actions
_UNKNOWN = re.compile(r"unknown (scene|variable|name|key|ending|chapter|choice) (['\"])(.+?)\2")
_MEAN = re.compile(r"did you mean (['\"])(.+?)\1\?")
_WRITE = re.compile(r"unknown name (['\"]).+?\1: write (true|false)\b")
_QUOTED = re.compile(r"'([^'\s]+)'")
_SAID = re.compile(r"'([^']+)'")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_WORD = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_OPERATOR = re.compile(r"[<>=!+\-*/%]+")


# -- the range ------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r") for line in text.split("\n")]


def token_span(line: str, col0: int, message: str = "") -> tuple[int, int]:
    """(start, end) in code points of what column `col0` (0-based) of `line`
    points at: a quoted value, a `{...}` tag, a YAML anchor, alias or tag
    (`&a`), an id or a key (with the value after it when the message names
    that value: `id: landed`), an operator, a run of tabs; the line's text
    when col0 is past its end or negative."""
    content = (len(line) - len(line.lstrip()), len(line.rstrip()))
    if col0 < 0 or col0 >= len(line):
        return content if content[0] < content[1] else (len(line), len(line))
    c = line[col0]
    if c in "\"'":
        end = line.find(c, col0 + 1)
        return col0, (end + 1 if end >= 0 else len(line.rstrip()))
    if c in "&*!" and re.match(r"[\w!<]", line[col0 + 1 : col0 + 2]):
        m = re.compile(r"[^\s,\[\]{}]+").match(line, col0)  # a YAML anchor, alias or tag
        return col0, m.end() if m else col0 + 1
    if c == "{":
        end = line.find("}", col0 + 1)
        return col0, (end + 1 if end >= 0 else len(line.rstrip()))
    if c in " \t":
        m = re.compile(r"[ \t]*").match(line, col0)
        end = m.end() if m else col0 + 1
        return (col0, end) if "\t" in line[col0:end] else (col0, col0 + 1)
    said = [q for q in _SAID.findall(message) if line.startswith(q, col0)]
    if said:  # what the message quotes, written here: `'stamina > 20'`
        return col0, col0 + max(map(len, said))
    m = _WORD.match(line, col0)
    if m:
        start, end = col0, m.end()
        word = m.group()
        named = _QUOTED.findall(message)
        if word not in named:
            # a key (`id:`) whose value the message names: cover both
            after = re.compile(r"\s*:\s+").match(line, end)
            if after:
                v = _WORD.match(line, after.end())
                if v and v.group() in named:
                    end = v.end()
        return start, end
    m = _OPERATOR.match(line, col0)
    if m:
        return col0, m.end()
    return col0, col0 + 1


def utf16_col(line: str, col: int) -> int:
    """A column in code points as UTF-16 code units."""
    return col + sum(1 for ch in line[:col] if ord(ch) > 0xFFFF)


def _units(line: str, col: int, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf32:
        return col
    if encoding == types.PositionEncodingKind.Utf8:
        return len(line[:col].encode("utf-8"))
    return utf16_col(line, col)


def lsp_range(d: Diagnostic, text: str, encoding: str = "utf-16") -> types.Range:
    """The 0-based range of `d` in `text` (the file's current text)."""
    lines = _lines(text)
    if d.line <= 0:  # no line: a file or a folder as a whole
        line0, col0 = 0, -1
    else:
        line0, col0 = d.line - 1, d.col - 1
    if line0 >= len(lines):  # the end of the file (a YAML error at its end)
        line0 = len(lines) - 1
        col0 = len(lines[line0])
    line = lines[line0]
    start, end = token_span(line, col0, d.message)
    return types.Range(
        types.Position(line0, _units(line, start, encoding)),
        types.Position(line0, _units(line, end, encoding)),
    )


# -- the link to docs/lints.md --------------------------------------------


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation
    but `-` and `_` dropped, spaces as `-`."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def _checkout_lints_md() -> Path | None:
    """docs/lints.md beside the package (a source checkout), or None."""
    here = Path(__file__).resolve().parent.parent  # rocky_adventure/
    for p in (here / "docs" / "lints.md", here.parent / "docs" / "lints.md"):
        if p.is_file():
            return p
    return None


@cache
def anchors() -> dict[str, str]:
    """Each code's anchor in docs/lints.md, from its heading (`## RA005
    unknown-reference`); from the codes' names when the file is not here."""
    from ..tools.lint import LINTS

    names = {c: k.name for c, k in CODES.items()} | {c: k.name for c, k in LINTS.items()}
    out = {c: github_anchor(f"{c} {n}") for c, n in names.items()}
    p = _checkout_lints_md()
    if p is None:
        return out
    seen: dict[str, int] = {}
    fenced = False
    for raw in p.read_text(encoding="utf-8").splitlines():
        if raw.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        m = None if fenced else re.match(r"(#{1,6})\s+(.*?)\s*#*\s*$", raw)
        if not m:
            continue
        slug = github_anchor(m.group(2))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        if n:
            slug = f"{slug}-{n}"
        code = m.group(2).split()[0] if m.group(2).split() else ""
        if re.fullmatch(r"RA\d{3}", code):
            out[code] = slug
    return out


@cache
def docs_base(package: Path | None = None) -> str | None:
    """Where the links point: docs/lints.md in the project's repository when
    pyproject.toml names one ([project.urls]: Repository, Source or
    Homepage; read from the checkout's pyproject.toml, else from the
    installed package's metadata), else the checkout's docs/lints.md as a
    file:// URI, else None (an installed wheel ships no docs). `package`:
    the rocky_adventure folder (default: this one)."""
    here = package or Path(__file__).resolve().parent.parent
    urls: dict[str, str] = {}
    pyproject = here.parent / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            with pyproject.open("rb") as f:
                urls = dict(tomllib.load(f).get("project", {}).get("urls", {}))
        except (OSError, tomllib.TOMLDecodeError):
            urls = {}
    else:
        from importlib.metadata import PackageNotFoundError, metadata

        try:
            given = metadata("rocky-adventure").get_all("Project-URL") or []
        except PackageNotFoundError:
            given = []
        urls = dict(tuple(x.strip() for x in u.split(",", 1)) for u in given if "," in u)
    named = {k.lower(): str(v) for k, v in urls.items()}
    for key in ("repository", "source", "homepage"):
        if named.get(key, "").startswith("https://"):
            return f"{named[key].rstrip('/').removesuffix('.git')}/blob/main/docs/lints.md"
    for p in (here / "docs" / "lints.md", here.parent / "docs" / "lints.md"):
        if p.is_file():
            return p.as_uri()
    return None


def code_href(code: str) -> str | None:
    base = docs_base()
    anchor = anchors().get(code)
    if base is None or anchor is None:
        return None
    return f"{base}#{quote(anchor)}"


# -- data for the code actions --------------------------------------------


def action_data(d: Diagnostic) -> dict[str, Any]:
    """What actions.py reads: the unknown `name` and what it is (`what`),
    the loader's `suggestion`, `tab` for a tab in the indentation."""
    data: dict[str, Any] = {"code": d.code}
    m = _UNKNOWN.search(d.message)
    if m:
        data["what"], data["name"] = m.group(1), m.group(3)
    m = _MEAN.search(d.message)
    if m:
        data["suggestion"] = m.group(2)
    else:
        m = _WRITE.search(d.message)
        if m:
            data["suggestion"] = m.group(2)
    if d.code == "RA002" and "tab" in d.message and "use spaces" in d.message:
        data["tab"] = True
    return data


def to_lsp(d: Diagnostic, text: str, encoding: str = "utf-16") -> types.Diagnostic:
    """`d` as the editor shows it, in `text` (the file's current text)."""
    href = code_href(d.code)
    return types.Diagnostic(
        range=lsp_range(d, text, encoding),
        message=d.message,
        severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Error),
        code=d.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        data=action_data(d),
    )


# -- by file --------------------------------------------------------------


def _norm(p: str) -> str:
    return os.path.normpath(p).replace(os.sep, "/")


def by_file(
    diags: Iterable[Diagnostic],
    root: str | os.PathLike[str] | None,
    pack: str | os.PathLike[str] | None = None,
    extra: Mapping[str, str | os.PathLike[str]] | None = None,
) -> dict[str, list[Diagnostic]]:
    """`check`'s diagnostics by the absolute path of their file. `root` is
    the story folder as check was given it (None: the bundled story, whose
    files check names `story/...`), `pack` the pack folder as given, `extra`
    more {name as given: folder}. A diagnostic of a folder as a whole goes
    to its manifest (story.yaml, pack.yaml)."""
    folders: list[tuple[str, Path, str]] = []  # (as named, absolute folder, manifest)
    if root is None:
        folders.append(("story", bundled_story_dir().resolve(), STORY_MANIFEST))
    else:
        folders.append((_norm(str(root)), Path(root).resolve(), STORY_MANIFEST))
    if pack is not None:
        folders.append((_norm(str(pack)), Path(pack).resolve(), PACK_MANIFEST))
    for named, where in (extra or {}).items():
        folder = Path(where).resolve()
        manifest = PACK_MANIFEST if (folder / PACK_MANIFEST).is_file() else STORY_MANIFEST
        folders.append((_norm(named), folder, manifest))
    folders.sort(key=lambda f: -len(f[0]))  # the longest name first (a pack inside the story)
    out: dict[str, list[Diagnostic]] = {}
    for d in diags:
        out.setdefault(_path_of(d.file, folders), []).append(d)
    return out


def _path_of(file: str, folders: list[tuple[str, Path, str]]) -> str:
    f = _norm(file)
    for named, folder, manifest in folders:
        if f == named:
            return str(folder / manifest)
        if named == ".":
            if not os.path.isabs(f):
                return str(folder / f)
            continue
        if f.startswith(named + "/"):
            return str(folder / f[len(named) + 1 :])
    return str(Path(file).resolve())
