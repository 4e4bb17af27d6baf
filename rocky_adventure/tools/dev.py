"""Live authoring, the engine side: watch the story and pack files, reload
on a save and put the player back where they were; start anywhere with a
chosen state. The game's --dev mode and debug panel are built on this; it
never imports textual.

    session = DevSession("story/", packs=["my-pack/"], start=Start.parse(story, "gym", ["stamina=3"]))
    state = session.new_state()
    ...                                  # the player plays; keep the latest State
    r = session.poll(state)              # call every half second or so
    if r is not None:
        if r.ok:                         # reloaded: show r.state (r.stopped says why it stopped short)
            state = r.state
        else:                            # the files have errors: keep playing the old story
            show(r.diagnostics)          # each has file, line, col, code, message

Reloading re-validates everything (a story with any error is never
swapped in), then replays the current path's choices from the same start
on the new story: the same seed, so chance checks come out the same as far
as the story is unchanged. It stops cleanly at the first choice that no
longer exists or no longer leads where it did.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.diagnostics import Diagnostic, StoryLoadError
from ..engine.files import bundled_story_dir
from ..engine.load import installed_packs, load_story
from ..engine.model import Story
from ..engine.replay import Stop, StopKind, replay
from ..engine.start import Start, StartError, start_state
from ..engine.state import State

# -- replaying a path on a new story --------------------------------------------------


@dataclass(slots=True)
class Replayed:
    state: State
    replayed: int  # choices of the path played again
    stopped: str | None  # why it stopped before the end of the path, or None


def replay_path(
    story: Story, path: Iterable[tuple[str, str]], start: Start | None = None
) -> Replayed:
    """Play the (scene id, choice id) pairs of a path from `start` on this
    story (engine/replay.py); stop at the first choice that is not open in
    the scene the path was in, or where the path no longer goes the same way."""
    r = replay(story, start_state(story, start), path)
    return Replayed(r.state, r.played, None if r.stop is None else reload_stop_message(r.stop))


def reload_stop_message(stop: Stop) -> str:
    """Why a reload could not put the player all the way back, in the words
    of the story that changed under them."""
    n, cid = stop.number, stop.choice
    if stop.kind is StopKind.ENDED:
        return f"the story now ends ({stop.ending}) before choice {n} ({cid!r})"
    if stop.kind is StopKind.SCENE:
        return (
            f"choice {n} was made in scene {stop.expected_scene!r}, "
            f"but the story now goes to {stop.scene!r}"
        )
    if stop.kind is StopKind.ILLEGAL:
        return (
            f"choice {n} ({cid!r}) no longer exists in scene {stop.scene!r} "
            f"(open: {', '.join(stop.open) or 'none'})"
        )
    return f"choice {n} ({cid!r}) fails now: {stop.detail}"


# -- watching files ---------------------------------------------------------------------


class Watcher:
    """Notices when a YAML file below the watched folders is saved, added
    or removed, by polling modification times and sizes (no threads, no
    dependencies: call changed() from the UI's timer)."""

    def __init__(self, roots: Iterable[str | os.PathLike]):
        self.roots = [Path(r) for r in roots]
        self.seen = self.snapshot()

    def snapshot(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for root in self.roots:
            if root.is_file():
                files = [str(root)]
            else:
                files = []
                for dirpath, dirnames, filenames in os.walk(root):
                    dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                    files += [
                        os.path.join(dirpath, f)
                        for f in filenames
                        if f.endswith((".yaml", ".yml")) and not f.startswith(".")
                    ]
            for f in files:
                try:
                    st = os.stat(f)
                except OSError:
                    continue
                out[f] = (st.st_mtime_ns, st.st_size)
        return out

    def changed(self) -> list[str]:
        """The files changed, added or removed since the last call."""
        now = self.snapshot()
        diff = sorted(f for f in now.keys() | self.seen.keys() if now.get(f) != self.seen.get(f))
        self.seen = now
        return diff


# -- the session --------------------------------------------------------------------------


@dataclass(slots=True)
class Reloaded:
    story: Story | None  # the new story; None when it has errors (keep the old one)
    state: State | None  # where the player is put back
    diagnostics: list[Diagnostic] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # the files that changed
    replayed: int = 0
    stopped: str | None = None

    @property
    def ok(self) -> bool:
        return self.story is not None


class DevSession:
    """A story (with packs) under live authoring."""

    def __init__(
        self,
        story_dir: str | os.PathLike | None = None,
        packs: list | tuple = (),
        installed: str | os.PathLike | None = None,
        start: Start | None = None,
    ):
        self.story_dir = story_dir
        self.packs = list(packs)
        self.installed = installed
        self.start = start or Start()
        self.story = self.load()  # raises StoryLoadError: a story that does not load cannot start
        start_state(self.story, self.start)  # raises StartError
        roots = [
            Path(story_dir) if story_dir is not None else bundled_story_dir(),
            *map(Path, self.packs),
        ]
        if installed is not None:
            roots += installed_packs(installed)
            roots.append(Path(installed))
        self.watcher = Watcher(roots)

    def load(self) -> Story:
        return load_story(self.story_dir, self.packs, self.installed, cache=False)

    def new_state(self) -> State:
        return start_state(self.story, self.start)

    def reload(self, state: State, changed: list[str] | None = None) -> Reloaded:
        """Re-validate and reload now; on success replay `state`'s path."""
        try:
            story = self.load()
        except StoryLoadError as e:
            return Reloaded(None, None, list(e.diagnostics), changed or [])
        try:
            r = replay_path(story, list(state.path), self.start)
        except StartError as e:
            where = self.story_dir or "story"
            return Reloaded(
                None,
                None,
                [Diagnostic(str(where), 0, 0, "RA005", f"the start no longer fits: {e}")],
                changed or [],
            )
        self.story = story
        return Reloaded(story, r.state, [], changed or [], r.replayed, r.stopped)

    def poll(self, state: State) -> Reloaded | None:
        """Reload if a watched file changed since the last poll."""
        changed = self.watcher.changed()
        if not changed:
            return None
        return self.reload(state, changed)
