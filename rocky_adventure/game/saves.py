"""Save slots: the autosave and named saves of one story, each a JSON
document with a format version and the story's identity. A save that cannot
be loaded is set aside with a message saying why, and play goes on."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .files import (
    StoryFiles,
    Unreadable,
    _unlink,
    backup_path,
    clean_stale_temps,
    iso_time,
    set_aside,
)

if TYPE_CHECKING:
    from ..engine import State, Story

SAVE_FORMAT = "rocky-adventure-save"
SAVE_VERSION = 1
AUTOSAVE = "autosave"


class SaveError(Exception):
    """A save that cannot be loaded; the message says why, plainly."""


class SaveInfo(NamedTuple):
    """What a save slot shows before it is loaded."""

    slot: str
    name: str
    story_id: str
    story_hash: str
    story_title: str
    chapter: str  # the chapter's title
    scene: str  # the scene's id
    scene_title: str
    play_time: float  # seconds
    saved_at: str  # ISO 8601, local time with offset
    turns: int
    ending: str | None
    path: Path = Path()

    @property
    def is_autosave(self) -> bool:
        return self.slot == AUTOSAVE

    def when(self) -> str:
        try:
            return datetime.fromisoformat(self.saved_at).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return self.saved_at[:16]


class Loaded(NamedTuple):
    """A save read back: the state and the save's details."""

    state: Any
    info: SaveInfo
    notes: list[str]  # e.g. "the story changed since this save"


def format_play_time(seconds: float) -> str:
    s = int(seconds)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def slot_for_name(name: str) -> str:
    """A file-safe slot id for a save name typed by the player."""
    from ..engine.digests import sha1

    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
    digest = sha1(name.encode()).hexdigest()[:6]
    return f"slot-{slug}-{digest}" if slug else f"slot-{digest}"


def _scene_details(story: Story, state: State) -> tuple[str, str]:
    scene = story.scenes[state.scene]
    try:
        chapter = story.chapter(scene.chapter).title
    except KeyError:
        chapter = scene.chapter
    return chapter, scene.title or ""


def save_document(
    story: Story, state: State, slot: str, name: str, play_time: float, now: datetime
) -> dict[str, Any]:
    chapter, scene_title = _scene_details(story, state)
    return {
        "format": SAVE_FORMAT,
        "version": SAVE_VERSION,
        "slot": slot,
        "name": name,
        "story": {"id": story.id, "hash": story.hash, "title": story.title},
        "chapter": chapter,
        "scene": state.scene,
        "scene_title": scene_title,
        "play_time": round(play_time, 3),
        "saved_at": iso_time(now),
        "turns": state.turns,
        "ending": state.ending,
        "state": state.to_json(story),
    }


SAVE_MAX_BYTES = 32 * 1024 * 1024
# A slot is named by its file, never by what the file says: autosave,
# quicksave, or what slot_for_name makes of a name the player typed.
SLOT_PATTERN = re.compile(r"autosave|quicksave|slot-[a-z0-9][a-z0-9-]{0,59}")
MAX_PLAY_TIME = 10.0**9  # seconds: thirty years
MAX_TURNS = 10**9


def is_slot(slot: str) -> bool:
    return SLOT_PATTERN.fullmatch(slot) is not None


def _info_from(doc: Any, path: Path) -> SaveInfo:
    """Check a save document's envelope; raise SaveError saying what is wrong.
    The slot is the file's own name (`path`): a `slot` field in the file is
    never used to build a path."""
    from ..engine.jsonio import JSONError, count, number, text

    if not isinstance(doc, dict):
        raise SaveError("it does not hold a save")
    if doc.get("format") != SAVE_FORMAT:
        raise SaveError("it is not a rocky-adventure save")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SaveError("it has no format version")
    if version > SAVE_VERSION:
        raise SaveError(
            f"it was written by a newer version of the game (save format {version}; "
            f"this game reads {SAVE_VERSION})"
        )
    story = doc.get("story")
    if not isinstance(story, dict) or not isinstance(story.get("id"), str):
        raise SaveError("it does not say which story it belongs to")
    if not is_slot(path.stem):
        raise SaveError(f"{path.name!r} is not the name of a save slot")
    ending = doc.get("ending")
    try:
        return SaveInfo(
            slot=path.stem,
            name=text(doc.get("name"), "its name", 200),
            story_id=text(story["id"], "its story id", 200),
            story_hash=text(story.get("hash", ""), "its story hash", 200),
            story_title=text(story.get("title", story["id"]), "its story title", 500),
            chapter=text(doc.get("chapter", ""), "its chapter", 500),
            scene=text(doc.get("scene"), "its scene", 500),
            scene_title=text(doc.get("scene_title", ""), "its scene title", 500),
            play_time=float(number(doc.get("play_time", 0.0), "its play time", 0, MAX_PLAY_TIME)),
            saved_at=text(doc.get("saved_at", ""), "its date", 40),
            turns=count(doc.get("turns", 0), "its number of turns", MAX_TURNS),
            ending=text(ending, "its ending", 500) if ending is not None else None,
            path=path,
        )
    except JSONError as e:
        raise SaveError(f"its details are damaged: {e}") from None


class Problem(NamedTuple):
    """A file that was set aside, and why."""

    name: str
    reason: str
    moved_to: Path | None

    def message(self) -> str:
        where = f"; it was moved to {self.moved_to}" if self.moved_to else ""
        return f"The save '{self.name}' could not be used: {self.reason}{where}."


class Saves(StoryFiles):
    @property
    def saves_dir(self) -> Path:
        return self.dir / "saves"

    def _opened(self) -> None:
        super()._opened()
        clean_stale_temps(self.saves_dir)

    # -- saves
    def slot_path(self, slot: str) -> Path:
        """The file of a slot: only a slot name (SLOT_PATTERN) makes one, and
        the path is checked to stay inside the saves folder."""
        if not is_slot(slot):
            raise SaveError(f"{slot!r} is not the name of a save slot")
        path = self.saves_dir / f"{slot}.json"
        if path.parent != self.saves_dir or os.path.basename(path) != f"{slot}.json":
            raise SaveError(f"{slot!r} is not the name of a save slot")  # (the pattern forbids it)
        return path

    def write_save(
        self, story: Story, state: State, slot: str, name: str, play_time: float
    ) -> SaveInfo:
        doc = save_document(story, state, slot, name, play_time, self.clock())
        path = self.slot_path(slot)
        self._write(path, doc)
        return _info_from(doc, path)

    def autosave(self, story: Story, state: State, play_time: float) -> SaveInfo:
        return self.write_save(story, state, AUTOSAVE, "Autosave", play_time)

    def delete_save(self, slot: str) -> None:
        self.flush()
        path = self.slot_path(slot)
        for p in (path, backup_path(path)):
            _unlink(p)

    def list_saves(self) -> tuple[list[SaveInfo], list[Problem]]:
        """Every readable save (autosave first, then newest first); the files
        that cannot be read are set aside and reported."""
        self.flush()
        infos: list[SaveInfo] = []
        problems: list[Problem] = []
        try:
            paths = sorted(p for p in self.saves_dir.glob("*.json") if not p.name.startswith("."))
        except OSError:
            paths = []
        for path in paths:
            try:
                doc, _ = self._read_with_backup(path, SAVE_MAX_BYTES)
                info = _info_from(doc, path)
                if info.story_id != self.story_id:
                    raise SaveError(f"it belongs to another story ({info.story_title!r})")
            except FileNotFoundError:
                continue
            except (Unreadable, SaveError, OSError) as e:
                problems.append(Problem(path.stem, str(e), set_aside(path, now=self.clock())))
                continue
            infos.append(info)
        infos.sort(key=lambda i: (not i.is_autosave, _neg_time(i.saved_at)))
        return infos, problems

    def has_autosave(self) -> bool:
        return self.slot_path(AUTOSAVE).exists()

    def load_save(self, story: Story, slot: str) -> Loaded:
        """Read a slot and rebuild its State. On any problem the file is set
        aside and SaveError says what happened, plainly."""
        from ..engine import StateError, state_from_json

        self.flush()
        path = self.slot_path(slot)
        notes: list[str] = []
        try:
            doc, note = self._read_with_backup(path, SAVE_MAX_BYTES)
            if note:
                notes.append(note)
            info = _info_from(doc, path)
            if info.story_id != story.id:
                raise SaveError(
                    f"it belongs to another story ({info.story_title!r}, not {story.title!r})"
                )
            try:
                state = state_from_json(story, doc.get("state"))
            except StateError as e:
                raise SaveError(str(e)) from None
        except FileNotFoundError:
            raise SaveError(f"there is no save in slot {slot!r}") from None
        except (Unreadable, SaveError, OSError) as e:
            moved = set_aside(path, now=self.clock())
            raise SaveError(
                Problem(slot if slot != AUTOSAVE else "Autosave", str(e), moved).message()
            ) from None
        if info.story_hash and info.story_hash != story.hash:
            notes.append(
                "The story has changed since this save was made; it goes on from the same scene."
            )
        return Loaded(state, info, notes)


def _neg_time(iso: str) -> float:
    try:
        return -datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0
