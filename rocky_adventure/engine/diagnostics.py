"""Located diagnostics: every problem the loader, the checker or the engine
reports names a file, a line, a column, a code and what was expected.

The loader's codes (RA001-RA009) are data in CODES; the lints' codes
(RA101...) are in rocky_adventure.tools.lint.LINTS. docs/lints.md has one
section per code. A Diagnostic prints three ways: `format()` (text, the
compiler-style file:line:col), `to_json()` and `github()` (a GitHub Actions
workflow command)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    summary: str


# Codes of the loader's errors (and of faults found while playing).
E_READ = "RA001"  # file cannot be read: missing, too large, not UTF-8
E_YAML = "RA002"  # YAML syntax
E_YAML_FEATURE = "RA003"  # anchors, aliases, tags, merge keys, duplicate keys
E_SCHEMA = "RA004"  # wrong type, missing or unknown key
E_REF = "RA005"  # reference to something that does not exist
E_DUP = "RA006"  # duplicate id
E_EXPR = "RA007"  # expression syntax or type
E_TEXT = "RA008"  # text template
E_RUNTIME = "RA009"  # runtime fault (reported by randomtest, explore and check)

CODES: dict[str, Code] = {
    c.code: c
    for c in (
        Code(E_READ, "read", "a file that cannot be read: missing, too large, not UTF-8"),
        Code(E_YAML, "yaml-syntax", "YAML that does not parse"),
        Code(E_YAML_FEATURE, "yaml-feature", "anchors, aliases, tags, merge keys, duplicate keys"),
        Code(E_SCHEMA, "schema", "a wrong type, a missing or an unknown key"),
        Code(E_REF, "unknown-reference", "a reference to something that does not exist"),
        Code(E_DUP, "duplicate-id", "an id used twice"),
        Code(E_EXPR, "expression", "an expression's syntax or type"),
        Code(E_TEXT, "text-template", "a text template that does not parse"),
        Code(
            E_RUNTIME, "runtime-fault", "a fault while playing: division by zero, no branch matches"
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str
    line: int  # 1-based; 0 when the problem has no line (a missing file)
    col: int  # 1-based
    code: str
    message: str
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.col}"
        return f"{where}: {self.severity.value}: {self.message} [{self.code}]"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.col, self.code, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
        }

    def github(self, names: Mapping[str, str] | None = None) -> str:
        """A GitHub Actions workflow command: the problem shows on the line.
        `names` maps codes to their names (default: the loader's codes)."""
        kind = {"error": "error", "warning": "warning", "info": "notice"}[self.severity.value]
        props = [f"file={_gh_escape(self.file, True)}"]
        if self.line:
            props += [f"line={self.line}", f"col={self.col}"]
        name = (names or {}).get(self.code) or (
            CODES[self.code].name if self.code in CODES else "story"
        )
        props.append(f"title={_gh_escape(f'{self.code} {name}', True)}")
        return f"::{kind} {','.join(props)}::{_gh_escape(self.message)}"


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def counts(diags: Iterable[Diagnostic]) -> dict[str, int]:
    c = {"error": 0, "warning": 0, "info": 0}
    for d in diags:
        c[d.severity.value] += 1
    return c


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class StoryError(Exception):
    """Base class of every error the engine raises on purpose."""


class StoryLoadError(StoryError):
    """A story could not be loaded; `diagnostics` lists every reason."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class StoryRuntimeError(StoryError):
    """A story fault found while playing (a division by zero, a `next` with no
    matching branch). `diagnostic` names the file, line and column of the
    culprit, with code RA009; str() is "file:line:col: error: message"."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        where = diagnostic.file + (
            f":{diagnostic.line}:{diagnostic.col}" if diagnostic.line else ""
        )
        super().__init__(f"{where}: error: {diagnostic.message}")

    @classmethod
    def at(cls, file: str, line: int, col: int, message: str) -> StoryRuntimeError:
        return cls(Diagnostic(file, line, col, E_RUNTIME, message))


class StateError(StoryError):
    """A saved state that does not fit the story (corrupt, foreign, stale)."""
