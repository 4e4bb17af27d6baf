"""Practice: start any chapter with the state a saved run had there, or with
a preset, and keep per-chapter practice bests. Practice never counts as a
personal best and is always marked as practice."""

from __future__ import annotations

from ..engine import Cursor, Story
from ..engine.replay import replay
from ..engine.rng import Random
from ..engine.state import State
from .run import RESTART

PRESET_TRIES = 400


def chapter_starts_from_run(story: Story, record: dict) -> dict[str, State]:
    """The state at the first entry into each chapter along a run file's
    choices (the first playthrough of an All Endings run)."""
    seed = record.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError("the run file has no seed")
    path: list[str] = []
    for entry in record.get("choices", []):
        if not isinstance(entry, list) or len(entry) < 2 or entry[1] == RESTART:
            break
        if not isinstance(entry[1], str):
            raise ValueError("the run file's choices are damaged")
        path.append(entry[1])
    r = replay(story, seed, path, keep=True)
    if r.stop is not None:  # a run file from another story version
        raise ValueError(f"the run file does not replay on this story: {r.stop.message}")
    starts: dict[str, State] = {}
    for state in r.states:
        starts.setdefault(story.scenes[state.scene].chapter, state)
    return starts


def preset_starts(story: Story, seed: int, ending: str | None = None) -> dict[str, State]:
    """A preset state for each chapter: the first entry into it along a
    seeded random playthrough (preferring one that reaches `ending`), so the
    preset is the same every time for the same story and seed."""
    fallback: dict[str, State] = {}
    for attempt in range(PRESET_TRIES):
        rng = Random(seed * 7919 + attempt)
        c = Cursor.start(story, seed)
        starts = {c.scene.chapter: c.snapshot()}
        while c.ending is None and len(c.path) < 3000:
            opts = c.options()
            if not opts:
                break
            c.take(opts[rng.below(len(opts))])
            if c.scene.chapter not in starts:
                starts[c.scene.chapter] = c.snapshot()
        for k, v in starts.items():
            fallback.setdefault(k, v)
        wanted = c.ending == ending if ending is not None else len(starts) == len(story.chapters)
        if wanted:
            return starts
    return fallback
