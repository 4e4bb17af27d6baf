"""A loaded story's final diagnostics: its lints at the levels the story,
its packs and the command line give them. `rocky-adventure check` and the
language server (rocky_adventure/lsp) both come through here, so an editor
and `check` can never disagree.

    diags = story_diagnostics(story)                          # as `check` prints them
    diags = story_diagnostics(story, overrides={"RA105": "ignore"}, strict=True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..engine.diagnostics import Diagnostic
from ..engine.model import Story
from ..engine.start import Start
from . import lint as L
from .explore import Exploration


def story_diagnostics(
    story: Story,
    budget: int = L.CHECK_BUDGET,
    overrides: Mapping[str, str] | None = None,
    strict: bool = False,
    start: Start | None = None,
    exploration: Exploration | None = None,
    quick: bool = False,
) -> list[Diagnostic]:
    """Every lint finding of `story` (exploring up to `budget` states), with
    the severity its file's `lints:` levels give it (a pack's own for the
    pack's files: engine/packs.py), then `overrides` (the command line's);
    an ignored lint is dropped and `strict` makes warnings errors. Sorted
    by place. `quick`: see tools/lint.lint."""
    findings = L.lint(story, budget, exploration, start=start, quick=quick)
    return levelled(story, findings, overrides, strict)


def levelled(
    story: Story,
    findings: list[Diagnostic],
    overrides: Mapping[str, str] | None = None,
    strict: bool = False,
) -> list[Diagnostic]:
    """`findings` at their final levels (see story_diagnostics)."""
    given = dict(overrides or {})
    if not story.packs:
        return L.apply_levels(findings, story.lint_levels, given, strict)
    from ..engine.packs import lint_levels_for

    return [
        x
        for d in findings
        for x in L.apply_levels([d], lint_levels_for(story, d.file), given, strict)
    ]


def diagnose(
    root: Path | None,
    packs: Sequence[Path] = (),
    installed: Path | None = None,
    budget: int = L.CHECK_BUDGET,
    quick: bool = False,
) -> tuple[bool, list[Diagnostic]]:
    """What `check ROOT [--pack P ...]` reports: whether the story loaded,
    and the loader's errors or the lints of the story that loads (as
    story_diagnostics gives them). Loads without the cache (the language
    server's edits change files each time)."""
    from ..engine import load_story
    from ..engine.diagnostics import StoryLoadError

    try:
        story = load_story(root, packs, installed, cache=False)
    except StoryLoadError as e:
        return False, list(e.diagnostics)
    return True, story_diagnostics(story, budget, quick=quick)
