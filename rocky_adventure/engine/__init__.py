"""The story engine: pure Python, deterministic, never imports textual.

    story = load_story(path)            # immutable Story, or StoryLoadError
    state = new_game(story, seed=7)     # immutable State
    for c in available_choices(story, state): ...
    state = choose(story, state, "jab") # a new State
    state = replay(story, 7, ["jab"])   # the same, from the start (IllegalChoice if one does not fit)

    from rocky_adventure.engine.replay import replay   # the one replay: where and why it stopped

Importing the engine loads nothing yet: each name here is imported from
its module on first use (`__getattr__` below), so `engine.safe` or
`engine.peek` costs the game's first frame only what they need. Playing
brings in the model, play and state; the loader (with PyYAML, the schema
and the format) only when a story must be parsed, or `build_story` is used.
"""

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (at run time, __getattr__ imports each on first use)
    from .diagnostics import (
        Diagnostic,
        Severity,
        StateError,
        StoryError,
        StoryLoadError,
        StoryRuntimeError,
    )
    from .files import bundled_story_dir, read_files
    from .load import load_story
    from .loader import build_story
    from .model import CONTINUE_ID, Chapter, Choice, Ending, Scene, Story, Variable
    from .play import (
        CONTINUE,
        Cursor,
        IllegalChoice,
        available_choices,
        choice_text,
        choose,
        epilogue_text,
        evaluate,
        new_game,
        replay,
        scene_text,
    )
    from .state import State, state_from_json

# Each public name and the module it lives in.
_HOME = {
    **dict.fromkeys(
        (
            "Diagnostic",
            "Severity",
            "StateError",
            "StoryError",
            "StoryLoadError",
            "StoryRuntimeError",
        ),
        "diagnostics",
    ),
    **dict.fromkeys(("bundled_story_dir", "read_files"), "files"),
    "load_story": "load",
    "build_story": "loader",
    **dict.fromkeys(
        ("CONTINUE_ID", "Chapter", "Choice", "Ending", "Scene", "Story", "Variable"), "model"
    ),
    **dict.fromkeys(
        (
            "CONTINUE",
            "Cursor",
            "IllegalChoice",
            "available_choices",
            "choice_text",
            "choose",
            "epilogue_text",
            "evaluate",
            "new_game",
            "scene_text",
        ),
        "play",
    ),
    **dict.fromkeys(("State", "state_from_json"), "state"),
}

__all__ = [
    "CONTINUE",
    "CONTINUE_ID",
    "Chapter",
    "Choice",
    "Cursor",
    "Diagnostic",
    "Ending",
    "IllegalChoice",
    "Scene",
    "Severity",
    "State",
    "StateError",
    "Story",
    "StoryError",
    "StoryLoadError",
    "StoryRuntimeError",
    "Variable",
    "available_choices",
    "build_story",
    "bundled_story_dir",
    "choice_text",
    "choose",
    "epilogue_text",
    "evaluate",
    "load_story",
    "new_game",
    "read_files",
    "replay",
    "scene_text",
    "state_from_json",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (then kept)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


class _Engine(types.ModuleType):
    """`engine.replay` is the facade's function, play.replay, even once the
    module engine/replay.py is imported (which would otherwise bind the
    package's `replay` to that module)."""

    @property
    def replay(self) -> Any:
        from .play import replay

        return replay

    @replay.setter
    def replay(self, module: Any) -> None:
        pass  # the import system binding the submodule: `replay` stays the function


sys.modules[__name__].__class__ = _Engine
