"""The story engine: pure Python, deterministic, never imports textual.

    story = load_story(path)            # immutable Story, or StoryLoadError
    state = new_game(story, seed=7)     # immutable State
    for c in available_choices(story, state): ...
    state = choose(story, state, "jab") # a new State
    state = replay(story, 7, ["jab"])   # the same, from the start (IllegalChoice if one does not fit)

    from rocky_adventure.engine.replay import replay   # the one replay: where and why it stopped

Importing the engine loads only what playing needs: a story read back from
the load cache needs no more. The loader (with PyYAML, the schema and the
format) is imported when a story must be parsed, or when `build_story` is
first used.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import replay as _replay_module  # noqa: F401 - first, so `replay` below stays the function
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

if TYPE_CHECKING:  # (at run time, __getattr__ imports it on first use)
    from .loader import build_story as build_story

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


def __getattr__(name: str) -> Callable[..., Story]:
    # The loader's names, on first use: importing it brings in PyYAML.
    if name == "build_story":
        from .loader import build_story

        globals()["build_story"] = build_story
        return build_story
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
