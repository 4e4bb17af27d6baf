"""Bounded JSON: the one reader for every JSON file the project reads (saves,
settings, the gallery, the text already read, speedrun records and run
files, route files).

A file from a stranger can be huge, nested a hundred thousand levels deep,
hold a 5,000-digit integer, or `NaN` and `Infinity` (which Python's json
accepts and JSON does not). `loads()` refuses all of these with a
JSONError that says what was expected, before anything is built from them:

    data = loads(raw, max_bytes=1 << 20, max_depth=16)

The types and ranges of each field are checked by the reader of that
kind of file; `number()`, `count()` and `text()` help."""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 16  # arrays and objects inside one another (our files nest 5 deep at most)
MAX_INT_DIGITS = 20  # enough for any 64-bit value
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


class JSONError(ValueError):
    """A JSON document that is refused; the message says why, plainly."""


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JSONError(f"a number has {len(text)} digits; at most {MAX_INT_DIGITS} are read")
    return int(text)


def _float(text: str) -> float:
    if len(text) > 64:
        raise JSONError("a number is written with more than 64 characters")
    value = float(text)
    if not math.isfinite(value):
        raise JSONError(f"the number {text[:20]} is too large")
    return value


def _constant(name: str) -> Any:
    raise JSONError(f"{name} is not a JSON number")


def depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (strings skipped)."""
    deepest = level = 0
    for m in _STRUCTURE.finditer(text):
        c = m.group()
        if c in "[{":
            level += 1
            if level > deepest:
                deepest = level
        elif c in "]}":
            level -= 1
    return deepest


def loads(data: bytes | str, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """The value of a JSON document, or JSONError: larger than `max_bytes`,
    not UTF-8, nested deeper than `max_depth`, an integer of more than 20
    digits, a number too large to hold, NaN or Infinity, or not JSON."""
    size = len(data)
    if size > max_bytes:
        raise JSONError(f"the file is {_size(size)}; at most {_size(max_bytes)} are read")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise JSONError(f"the file is not UTF-8 text (byte {e.start})") from None
    else:
        text = data
    if not text.strip():
        raise JSONError("the file is empty")
    nested = depth(text)
    if nested > max_depth:
        raise JSONError(f"the document nests {nested} levels deep; at most {max_depth} are read")
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except JSONError:
        raise
    except json.JSONDecodeError as e:
        raise JSONError(
            f"it is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
        ) from None
    except (ValueError, RecursionError) as e:  # (depth() bounds nesting: a last guard)
        raise JSONError(f"it is not valid JSON ({e.__class__.__name__})") from None


def _size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):.1f} KiB"
    return f"{n} bytes"


# -- field checks: each raises JSONError naming the field -------------------


def number(value: Any, what: str, lo: float, hi: float) -> float:
    """A finite int or float in [lo, hi] (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise JSONError(f"{what} is not a number")
    if not lo <= value <= hi:
        raise JSONError(f"{what} is out of range ({lo:g} to {hi:g})")
    return value


def count(value: Any, what: str, hi: int = 10**9) -> int:
    """A whole number from 0 to `hi` (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise JSONError(f"{what} is not a whole number")
    if not 0 <= value <= hi:
        raise JSONError(f"{what} is out of range (0 to {hi})")
    return value


def text(value: Any, what: str, max_length: int = 1000) -> str:
    """A string of at most `max_length` characters."""
    if not isinstance(value, str):
        raise JSONError(f"{what} is not text")
    if len(value) > max_length:
        raise JSONError(f"{what} is longer than {max_length} characters")
    return value
