"""Located diagnostics: every problem the loader, the checker or the engine
reports names a file, a line, a column, a code and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


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

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.col, self.code, self.message)


class StoryError(Exception):
    """Base class of every error the engine raises on purpose."""


class StoryLoadError(StoryError):
    """A story could not be loaded; `diagnostics` lists every reason."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class StoryRuntimeError(StoryError):
    """A story fault found while playing (a division by zero, a `next` with no
    matching branch). The message names the file and line of the culprit."""


class StateError(StoryError):
    """A saved state that does not fit the story (corrupt, foreign, stale)."""


# Codes of the loader's errors. Lints (warnings) live in rocky_adventure.tools.lint.
E_READ = "RA001"  # file cannot be read: missing, too large, not UTF-8
E_YAML = "RA002"  # YAML syntax
E_YAML_FEATURE = "RA003"  # anchors, aliases, tags, merge keys, duplicate keys
E_SCHEMA = "RA004"  # wrong type, missing or unknown key
E_REF = "RA005"  # reference to something that does not exist
E_DUP = "RA006"  # duplicate id
E_EXPR = "RA007"  # expression syntax or type
E_TEXT = "RA008"  # text template
E_RUNTIME = "RA009"  # runtime fault (reported by randomtest and explore)
