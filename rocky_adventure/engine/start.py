"""Where a playthrough starts: the story's start scene, or any scene with
chosen variables and visit counts (`play --from SCENE --set NAME=VALUE`,
the tools' --from/--set, dev mode's reload)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .diagnostics import StoryRuntimeError
from .model import Story
from .play import Cursor
from .state import State

# whole strings (fullmatch: `$` would also match before a final newline), in
# ASCII digits (str.isdigit also takes "²", which int() refuses), and short
# enough for int(): longer is out of every range anyway
_INT = re.compile(r"[-+]?[0-9]{1,30}")
_COUNT = re.compile(r"[0-9]{1,30}")
_LONG = re.compile(r"[-+]?[0-9]{31,}")


class StartError(ValueError):
    """A --from scene or a --set NAME=VALUE that does not fit the story;
    the message names the scene or the variable."""


@dataclass(frozen=True, slots=True)
class Start:
    """Where a playthrough starts: the story's start scene, or `scene`,
    with the variables (and visit counts) in `values` set after entering
    it. Kept as written, so a reload checks it against the new story."""

    scene: str | None = None
    values: tuple[tuple[str, str], ...] = ()
    seed: int = 0

    @classmethod
    def parse(
        cls,
        story: Story | None,
        scene: str | None = None,
        sets: list[str] | tuple[str, ...] = (),
        seed: int = 0,
    ) -> Start:
        """From `--from SCENE` and `--set NAME=VALUE ...`; with a story,
        checked at once (StartError)."""
        pairs = []
        for text in sets:
            name, sep, value = text.partition("=")
            if not sep or not name.strip():
                raise StartError(f"--set {text!r}: expected NAME=VALUE")
            pairs.append((name.strip(), value.strip()))
        start = cls(scene, tuple(pairs), seed)
        if story is not None:
            start_state(story, start)
        return start


def parse_value(story: Story, name: str, text: str) -> bool | int | str:
    """The typed value of `text` for a variable (or a scene's visit
    count). Raises StartError naming the variable."""
    if name in story.var_index:
        var = story.var(name)
        if var.type == "bool":
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
            raise StartError(f"variable {name!r} is true/false; got {text!r}")
        if var.type == "int":
            if _LONG.fullmatch(text):
                raise StartError(
                    f"variable {name!r} must be between {var.min} and {var.max}; "
                    f"got a number {len(text.lstrip('+-'))} digits long"
                )
            if not _INT.fullmatch(text):
                raise StartError(f"variable {name!r} is a whole number; got {text!r}")
            value = int(text)
            lo = var.min if var.min is not None else value
            hi = var.max if var.max is not None else value
            if not lo <= value <= hi:
                raise StartError(
                    f"variable {name!r} must be between {var.min} and {var.max}; got {value}"
                )
            return value
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1]
        return text
    if name in story.scenes:
        if not _COUNT.fullmatch(text):
            raise StartError(
                f"{name!r} is a scene: its value is a visit count (0 or more); got {text!r}"
            )
        return int(text)
    close = difflib.get_close_matches(name, list(story.var_index) + list(story.scenes), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise StartError(f"unknown variable {name!r}{hint}")


def start_state(story: Story, start: Start | None = None) -> State:
    """The State a playthrough starts from (see Start)."""
    start = start or Start()
    if start.scene is None:
        c = Cursor.start(story, start.seed)
    else:
        if start.scene not in story.scenes:
            close = difflib.get_close_matches(start.scene, list(story.scenes), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise StartError(f"unknown scene {start.scene!r}{hint}")
        c = Cursor(story, start.seed)
        try:
            c.enter(start.scene)
        except StoryRuntimeError as e:
            raise StartError(str(e)) from None
    for name, text in start.values:
        value = parse_value(story, name, text)
        if name in story.var_index:
            c.v[story.var_index[name]] = value
        else:
            assert isinstance(value, int)  # (a scene's visit count: parse_value's int)
            c.visits[name] = value
    return c.snapshot()
