"""`load_story`: the only way anything loads a story.

    story = load_story()                                    # the bundled story
    story = load_story("my-story/", packs=["my-pack/"])     # with a branch pack
    story = load_story(None, installed=data_dir / "packs")  # with the installed packs

The story folder is read and validated (from the load cache when its files
have not changed), then the branch packs are applied: the folders in
`packs`, in order, each of which must extend this story, then the packs
installed in the `installed` folder that extend it (an installed pack for
another story is skipped). Every command, the game, plain mode, dev mode,
verify and practice come through here, so they all see the same story.
Raises StoryLoadError listing every problem of the story or of any pack.

Without packs nothing but the cache path is imported: the YAML parser and
the pack builder are brought in only when they are needed."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .files import load_base_story
from .model import Story

PACK_MANIFEST = "pack.yaml"  # (format.PACK_MANIFEST_NAME, without importing the format)
MAX_PACKS = 64

PathLike = str | os.PathLike[str]


def installed_packs(packs_dir: PathLike | None) -> list[Path]:
    """The pack folders installed in a packs/ folder (those holding a
    pack.yaml, not hidden, not symlinks), in name order. A missing folder
    has none."""
    if packs_dir is None:
        return []
    root = Path(packs_dir)
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return []
    return [
        p
        for p in entries
        if p.is_dir()
        and not p.is_symlink()
        and not p.name.startswith(".")
        and (p / PACK_MANIFEST).is_file()
    ][:MAX_PACKS]


def load_story(
    root: PathLike | None = None,
    packs: Iterable[PathLike] = (),
    installed: PathLike | None = None,
    *,
    cache: bool = True,
    cache_dir: PathLike | None = None,
) -> Story:
    """The story folder `root` (default: the bundled story) with its branch
    packs: see the module's docstring."""
    story = load_base_story(root, cache=cache, cache_dir=cache_dir)
    given = [Path(p) for p in packs]
    seen = {_real(p) for p in given}
    more = [p for p in installed_packs(installed) if _real(p) not in seen]
    if not given and not more:
        return _loaded(story)
    from .diagnostics import StoryLoadError
    from .packs import apply_packs  # only now the YAML parser and the pack builder

    if given:  # a pack the command names must load: its errors are the command's
        story = apply_packs(story, [(p, True) for p in given])
    warnings = list(story.warnings)
    for p in more:  # an installed pack that is broken is skipped, with a word
        try:
            story = apply_packs(story, [(p, False)])
        except StoryLoadError as e:
            first = e.diagnostics[0].format() if e.diagnostics else ""
            n = len(e.diagnostics)
            warnings.append(
                f"the installed pack {p.name!r} ({p}) was skipped: it has "
                f"{n} error{'s' if n != 1 else ''} ({first}); fix it, remove it, "
                f"or start with --no-installed-packs"
            )
    return _loaded(story._replace(warnings=tuple(warnings)) if warnings else story)


# The story load_story returned last, held until the next load. A command that loaded it
# would otherwise free it object by object as it returns, and the program (cli.main) ends
# without tearing down the interpreter precisely so as not to pay that: 0.4 to 2 s at
# 100,000 scenes. It costs one story at most, and only while nothing else is loaded.
_last: Story | None = None


def forget_last() -> None:
    """Let go of the story `_last` holds: for a process that loads again and
    again and keeps running (the language server)."""
    global _last
    _last = None


def _loaded(story: Story) -> Story:
    """What load_story does last: hold the story in `_last`. (Its
    expressions are compiled on first use, or all at once by a tool that
    plays a big story through: expr.compile_all, as randomtest does.
    Compiling them here would cost every load 25-35% of a cached one.)"""
    global _last
    _last = story
    return story


def _real(p: Path) -> str:
    try:
        return str(p.resolve())
    except OSError:
        return str(p)
