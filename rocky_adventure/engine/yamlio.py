"""Strict, safe YAML: compose to nodes (never construct arbitrary objects),
with positions, and refuse the YAML features a story never needs."""

from __future__ import annotations

import operator
import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import E_READ, E_YAML, E_YAML_FEATURE, Diagnostic
from .files import MAX_FILE_BYTES  # here too: read_files and decode share the limit

try:  # the C parser when libyaml is there: several times faster
    from yaml._yaml import CParser as _Parser  # (what yaml.cyaml has: its stub does not export it)
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str | bytes) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


IMPLICIT = "?"  # the tag every untagged node gets; anything else was explicit
# A plain scalar's style: None from the Python parser, "" from libyaml's.
_PLAIN = (None, "")


class _StrictLoader(_Parser):
    """A composer whose resolver tags nothing: the schema decides what a
    scalar means, so YAML 1.1 guesses (`no` -> false, `12:30` -> 750) never
    happen.

    The composer calls these three hooks for every node (a story of 10,000
    scenes has some 330,000): they are functions written in C, so no call
    makes a Python frame. `resolve(kind, value, implicit)` is "?".format,
    which gives "?" whatever it is passed; `descend_resolver(parent, index)`
    and `ascend_resolver()` do nothing but return a value nobody reads."""

    def __init__(self, stream: str | bytes) -> None:
        super().__init__(stream)

    resolve = staticmethod(IMPLICIT.format)
    descend_resolver = staticmethod(operator.is_)  # (two arguments, no effect)
    ascend_resolver = staticmethod(tuple)  # (no argument, no effect)


def decode(data: bytes, file: str) -> tuple[str | None, list[Diagnostic]]:
    """Bytes to text: UTF-8, an optional BOM, no NUL bytes."""
    if len(data) > MAX_FILE_BYTES:
        return None, [
            Diagnostic(
                file,
                0,
                0,
                E_READ,
                f"file is {len(data) // (1024 * 1024)} MiB; "
                f"a story file may be at most {MAX_FILE_BYTES // (1024 * 1024)} MiB",
            )
        ]
    if b"\x00" in data:
        return None, [
            _at_offset(
                file,
                data,
                data.index(b"\x00"),
                "expected UTF-8 text, found a NUL byte (is this a binary file?)",
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return None, [
            _at_offset(file, data, e.start, "expected UTF-8 text, found bytes that are not UTF-8")
        ]
    return text, []


def _at_offset(file: str, data: bytes, offset: int, msg: str) -> Diagnostic:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return Diagnostic(file, line, col, E_READ, msg)


_FEATURE_HINT = re.compile(r"[&*]")
# Anchors and aliases listed per file: a hostile file can hold millions of them,
# and one more diagnostic says that more follow.
MAX_FEATURE_ERRORS = 20


def compose(text: str, file: str) -> tuple[Node | None, list[Diagnostic]]:
    """Parse one YAML document into nodes. Returns (None, errors) on failure.

    Anchors and aliases are refused before anything is composed: an alias
    makes a node shared, and every walk over the nodes would expand it (a
    "billion laughs" file of a few kilobytes stands for billions of values).
    So a text with `&` or `*` anywhere is scanned event by event first, and
    one with any anchor or alias gives no node, only its RA003 errors. A text
    without either character (nearly every story file) is parsed once."""
    if _FEATURE_HINT.search(text):
        errors = _find_anchors(text, file)
        if errors:
            return None, errors
    loader = _StrictLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as e:
            return None, [_yaml_error(e, file, text)]
        except (RecursionError, MemoryError):
            return None, [Diagnostic(file, 1, 1, E_YAML, "invalid YAML: nested too deeply")]
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose:
            dispose()
    return node, []


def _yaml_error(e: yaml.YAMLError, file: str, text: str) -> Diagnostic:
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        problem = e.problem or "invalid YAML"
        if e.context:
            problem = f"{problem} ({e.context})"
        if mark is None:
            return Diagnostic(file, 1, 1, E_YAML, f"invalid YAML: {problem}")
        line, col, msg = _explain(text, mark.line, mark.column, problem, e)
        return Diagnostic(file, line, col, E_YAML, f"invalid YAML: {msg}")
    return Diagnostic(file, 1, 1, E_YAML, f"invalid YAML: {e}")


# What the parsers (libyaml's, then PyYAML's own) say when a line is indented
# differently from the lines at its level
_INDENT_PROBLEMS = (
    "did not find expected key",
    "did not find expected '-' indicator",
    "expected <block end>",
)
_SAME_INDENT = "items at one level need the same indentation, in spaces (no tabs)"
_KEY_VALUE = re.compile(r"\s*(?:-\s+)*([^\s:#][^:#]*?):\s+(\S.*?)\s*$")


def _explain(
    text: str, line0: int, col0: int, problem: str, e: yaml.MarkedYAMLError
) -> tuple[int, int, str]:
    """(line, col, message) of a YAML syntax error, with what to write
    when the parser's words alone do not say it: a tab in the indentation,
    a line indented unlike its neighbours, a ': ' inside a value, a bracket
    or a quote never closed. Only ever called on the error path."""
    lines = text.split("\n")
    raw = lines[line0].rstrip("\r") if 0 <= line0 < len(lines) else ""
    n = line0 + 1
    indent = raw[: len(raw) - len(raw.lstrip(" \t"))]
    if "\t" in indent:
        return (
            n,
            indent.index("\t") + 1,
            f"line {n} is indented with a tab: use spaces "
            f"(YAML does not allow tabs in indentation)",
        )
    if raw[col0 : col0 + 1] == "\t" or "tab" in problem or "'\\t'" in problem:
        return n, col0 + 1, f"a tab where YAML expects spaces: use spaces ({problem})"
    if problem.startswith(_INDENT_PROBLEMS):
        return n, col0 + 1, f"{problem}; check the indentation of line {n}: {_SAME_INDENT}"
    if problem.startswith("mapping values are not allowed"):
        before = raw[:col0]
        if ": " not in before and not before.rstrip().endswith(":"):
            # `key:` at the start of its line, read as the rest of the value above
            above = next(
                (i for i in range(line0 - 1, -1, -1) if lines[i].strip()[:1] not in ("", "#")),
                None,
            )
            more = ""
            if above is not None:
                a = lines[above]
                if len(raw) - len(raw.lstrip(" ")) > len(a) - len(a.lstrip(" ")):
                    more = (
                        f" (it is indented more than line {above + 1}, so it reads as "
                        f"part of the value there)"
                    )
            return (
                n,
                len(indent) + 1,
                f"{problem}; check the indentation of line {n}{more}: {_SAME_INDENT}",
            )
        m = _KEY_VALUE.match(raw)
        example = ""
        if m and '"' not in m.group(2):
            example = f' ({m.group(1)}: "{m.group(2)}")'
        return (
            n,
            col0 + 1,
            f"{problem}; a value with ': ' in it needs quotes{example}, or a block (|)",
        )
    cm = e.context_mark
    if cm is not None and e.context:
        if "flow sequence" in e.context or "flow mapping" in e.context:
            o, c = ("[", "]") if "sequence" in e.context else ("{", "}")
            return (
                n,
                col0 + 1,
                f"{problem}; is the '{o}' on line {cm.line + 1} closed with '{c}'?",
            )
        if "quoted scalar" in e.context:
            return (
                n,
                col0 + 1,
                f"{problem}; the quote opened on line {cm.line + 1}, column "
                f"{cm.column + 1} is never closed",
            )
    return n, col0 + 1, problem


def _find_anchors(text: str, file: str) -> list[Diagnostic]:
    """The anchors and aliases of `text` as RA003 errors (the first
    MAX_FEATURE_ERRORS, then one saying more follow), and the syntax error
    that ended the scan if there was one, but only if there is any anchor or
    alias: else [] (compose then parses the text and reports its errors).
    Events are read one at a time and never composed, so the scan costs time
    and memory linear in the text, whatever the aliases would expand to."""
    errors: list[Diagnostic] = []
    try:
        # (PyYAML takes any loader class; its stub lists only PyYAML's own)
        for event in yaml.parse(text, Loader=_StrictLoader):  # type: ignore[arg-type]
            if isinstance(event, yaml.AliasEvent):
                msg = (
                    f"aliases (*{event.anchor}) are not allowed in story files: write the value out"
                )
            elif anchor := getattr(event, "anchor", None):
                msg = f"anchors (&{anchor}) are not allowed in story files"
            else:
                continue
            m = event.start_mark
            assert m is not None  # (the parser marks every event)
            if len(errors) == MAX_FEATURE_ERRORS:
                msg = (
                    f"more anchors and aliases follow; only the first {MAX_FEATURE_ERRORS} "
                    "are listed"
                )
            errors.append(Diagnostic(file, m.line + 1, m.column + 1, E_YAML_FEATURE, msg))
            if len(errors) > MAX_FEATURE_ERRORS:
                break
    except yaml.YAMLError as e:
        if errors:
            errors.append(_yaml_error(e, file, text))
    except (RecursionError, MemoryError):  # (the pure-Python parser)
        if errors:
            errors.append(Diagnostic(file, 1, 1, E_YAML, "invalid YAML: nested too deeply"))
    return errors


def where(node: Node) -> tuple[int, int]:
    m = node.start_mark
    return m.line + 1, m.column + 1


def kind_name(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        if node.style in _PLAIN and node.value in ("", "~", "null", "Null", "NULL"):
            return "nothing"
        v = node.value
        return repr(v if len(v) <= 30 else v[:27] + "...")
    return "something else"
