"""Saves, settings, the endings gallery and the text already read, under the
user data dir. Pure Python: the game and plain mode share it, and it never
imports textual.

Layout of the data dir::

    settings.json                       text speed, theme, skip-read
    stories/<story id>/saves/<slot>.json   named slots and autosave.json
    stories/<story id>/saves/set-aside/    saves that could not be read
    stories/<story id>/gallery.json     endings found, kept across runs
    stories/<story id>/read.json        text already read, across runs

Every write is atomic (a temp file in the same folder, fsync, os.replace)
and keeps one backup generation beside the file (`NAME.bak`). A file that
cannot be read falls back to its backup; a save that cannot be loaded is set
aside (renamed, never deleted) with a message saying why, and play goes on.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

SAVE_FORMAT = "rocky-adventure-save"
SAVE_VERSION = 1
AUTOSAVE = "autosave"
TEXT_SPEEDS = {"slow": 50.0, "normal": 110.0, "fast": 250.0, "instant": 0.0}  # characters a second
DEFAULT_THEME = "rocky"
_STALE_TEMP_SECONDS = 120.0


class SaveError(Exception):
    """A save that cannot be loaded; the message says why, plainly."""


# -- atomic files ------------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not on every platform (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def atomic_write(path: Path, data: bytes, backup: bool = True) -> None:
    """Replace `path` with `data` so that a crash at any moment leaves either
    the old file or the new one, never a mix; the old one becomes NAME.bak.
    The file itself is never missing: the backup is a hard link (or a copy)
    made before the new file replaces the old."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if backup and path.exists():
            bak = backup_path(path)
            bak_tmp = folder / f".{bak.name}.tmp-{os.getpid()}-{threading.get_ident()}"
            try:
                try:
                    os.link(path, bak_tmp)
                except OSError:  # no hard links here: copy instead
                    with open(path, "rb") as src, open(bak_tmp, "wb") as dst:
                        dst.write(src.read())
                        dst.flush()
                        os.fsync(dst.fileno())
                os.replace(bak_tmp, bak)
            except OSError:
                _unlink(bak_tmp)  # a backup we cannot make is not worth failing the save
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    _fsync_dir(folder)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_json(path: Path, obj: Any, backup: bool = True) -> None:
    atomic_write(path, json_bytes(obj), backup)


def json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


class Unreadable(Exception):
    """A file that exists but does not hold what it should."""


def read_json(path: Path) -> Any:
    """The JSON in `path`; FileNotFoundError if absent, Unreadable if damaged."""
    data = path.read_bytes()
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        what = "empty" if not data.strip() else "truncated or damaged"
        raise Unreadable(f"the file is {what} ({e.__class__.__name__})") from None


def set_aside(path: Path, folder: Path | None = None, now: datetime | None = None) -> Path | None:
    """Move a file we cannot use out of the way (renamed, never deleted);
    returns its new path."""
    folder = folder or path.parent / "set-aside"
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{path.stem}-{stamp}{path.suffix}"
        n = 1
        while target.exists():
            n += 1
            target = folder / f"{path.stem}-{stamp}-{n}{path.suffix}"
        os.replace(path, target)
        return target
    except OSError:
        return None


def clean_stale_temps(folder: Path) -> None:
    """Temp files left by a process killed mid-write."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for e in entries:
        if e.name.startswith(".") and ".tmp-" in e.name:
            try:
                if e.stat().st_mtime < cutoff:
                    os.unlink(e.path)
            except OSError:
                pass


class Writer:
    """Writes files on one background thread, in order, newest data per path
    wins: the game hands it the autosave after each scene and goes on
    drawing. `delay` lets the frame that shows the scene go first (and
    coalesces a burst of scenes into one write). `flush()` waits for
    everything handed in so far."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self._pending: dict[Path, tuple[bytes, bool]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._hurry = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def submit(self, path: Path, data: bytes, backup: bool = True) -> None:
        with self._lock:
            self._pending[path] = (data, backup)
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="rocky-writer", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self.delay:
                self._hurry.wait(self.delay)
            while True:
                with self._lock:
                    if not self._pending:
                        self._idle.set()
                        break
                    path = next(iter(self._pending))
                    data, backup = self._pending.pop(path)
                try:
                    atomic_write(path, data, backup)
                except OSError as e:
                    with self._lock:
                        self.errors.append(f"could not write {path}: {e.strerror or e}")

    def take_errors(self) -> list[str]:
        """The writes that failed since the last call (each said once)."""
        with self._lock:
            errors, self.errors = self.errors, []
        return errors

    def flush(self, timeout: float | None = 10.0) -> bool:
        self._hurry.set()
        try:
            return self._idle.wait(timeout)
        finally:
            self._hurry.clear()


# -- settings ------------------------------------------------------------------


class Settings:
    """Kept across runs, shared by every story. (Plain classes and
    NamedTuples in this module, not dataclasses: the game imports it before
    its first frame, and a dataclass costs a millisecond to define.)"""

    __slots__ = ("text_speed", "theme", "skip_read")

    def __init__(
        self, text_speed: str = "normal", theme: str = DEFAULT_THEME, skip_read: bool = False
    ):
        self.text_speed = text_speed  # a key of TEXT_SPEEDS
        self.theme = theme
        self.skip_read = skip_read

    def to_json(self) -> dict:
        return {"text_speed": self.text_speed, "theme": self.theme, "skip_read": self.skip_read}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self.to_json() == other.to_json()

    def __repr__(self) -> str:
        return f"Settings({self.text_speed!r}, {self.theme!r}, {self.skip_read!r})"

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        s = cls()
        if isinstance(data, dict):
            if data.get("text_speed") in TEXT_SPEEDS:
                s.text_speed = data["text_speed"]
            if isinstance(data.get("theme"), str) and data["theme"]:
                s.theme = data["theme"]
            if isinstance(data.get("skip_read"), bool):
                s.skip_read = data["skip_read"]
        return s


def read_with_backup(
    path: Path, clock: Callable[[], datetime] = datetime.now
) -> tuple[Any, str | None]:
    """JSON from path, else from its backup (which is then restored, with a
    note saying so); FileNotFoundError when neither exists, Unreadable when
    neither reads."""
    try:
        return read_json(path), None
    except FileNotFoundError:
        raise
    except (Unreadable, OSError) as e:
        bak = backup_path(path)
        try:
            data = read_json(bak)
        except (FileNotFoundError, Unreadable, OSError):
            raise Unreadable(str(e)) from None
        moved = set_aside(path, now=clock())
        if moved is not None:
            try:
                os.replace(bak, path)
            except OSError:
                pass
        return data, f"{path.name} was damaged ({e}); its previous version was restored"


def read_or_none(path: Path, clock: Callable[[], datetime] = datetime.now) -> Any:
    """The JSON in a file the game keeps for itself (settings, gallery, read
    text): None when it is absent, or damaged beyond its backup (it is then
    set aside, and the game starts that file afresh)."""
    try:
        data, _ = read_with_backup(path, clock)
    except FileNotFoundError:
        return None
    except (Unreadable, OSError):
        set_aside(path, now=clock())
        return None
    return data


def settings_path(root: Path) -> Path:
    return Path(root) / "settings.json"


def load_settings(root: Path) -> Settings:
    """The settings, shared by every story; defaults if absent or damaged."""
    return Settings.from_json(read_or_none(settings_path(root)))


def save_settings(root: Path, settings: Settings, writer: Writer | None = None) -> None:
    data = json_bytes(settings.to_json())
    if writer is not None:
        writer.submit(settings_path(root), data)
    else:
        atomic_write(settings_path(root), data)


# -- saves -----------------------------------------------------------------------


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
    from .engine.digests import sha1

    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
    digest = sha1(name.encode()).hexdigest()[:6]
    return f"slot-{slug}-{digest}" if slug else f"slot-{digest}"


def _scene_details(story, state) -> tuple[str, str]:
    scene = story.scenes[state.scene]
    try:
        chapter = story.chapter(scene.chapter).title
    except KeyError:
        chapter = scene.chapter
    return chapter, scene.title or ""


def save_document(story, state, slot: str, name: str, play_time: float, now: datetime) -> dict:
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


def _info_from(doc: Any, path: Path) -> SaveInfo:
    """Check a save document's envelope; raise SaveError saying what is wrong."""
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
    try:
        return SaveInfo(
            slot=str(doc["slot"]),
            name=str(doc["name"]),
            story_id=story["id"],
            story_hash=str(story.get("hash", "")),
            story_title=str(story.get("title", story["id"])),
            chapter=str(doc.get("chapter", "")),
            scene=str(doc["scene"]),
            scene_title=str(doc.get("scene_title", "")),
            play_time=float(doc.get("play_time", 0.0)),
            saved_at=str(doc.get("saved_at", "")),
            turns=int(doc.get("turns", 0)),
            ending=doc.get("ending") if isinstance(doc.get("ending"), str) else None,
            path=path,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise SaveError(f"its details are damaged ({e.__class__.__name__}: {e})") from None


class Problem(NamedTuple):
    """A file that was set aside, and why."""

    name: str
    reason: str
    moved_to: Path | None

    def message(self) -> str:
        where = f"; it was moved to {self.moved_to}" if self.moved_to else ""
        return f"The save '{self.name}' could not be used: {self.reason}{where}."


class Storage:
    """Everything the game keeps for one story under one data dir."""

    def __init__(
        self,
        root: Path,
        story_id: str,
        writer: Writer | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ):
        self.root = Path(root)
        self.story_id = story_id
        self.dir = self.root / "stories" / story_id
        self.saves_dir = self.dir / "saves"
        self.writer = writer
        self.clock = clock
        clean_stale_temps(self.saves_dir)

    # -- plumbing
    def _write(self, path: Path, obj: Any, backup: bool = True) -> None:
        data = json_bytes(obj)
        if self.writer is not None:
            self.writer.submit(path, data, backup)
        else:
            atomic_write(path, data, backup)

    def flush(self) -> None:
        if self.writer is not None:
            self.writer.flush()

    def _read_with_backup(self, path: Path) -> tuple[Any, str | None]:
        return read_with_backup(path, self.clock)  # (its callers have flushed the writer)

    def _read_or_none(self, path: Path) -> Any:
        self.flush()  # a write still queued (an ending a moment ago) is what the reader must see
        return read_or_none(path, self.clock)

    # -- the gallery
    @property
    def gallery_path(self) -> Path:
        return self.dir / "gallery.json"

    def load_gallery(self) -> dict[str, dict]:
        """ending id -> {"title", "epilogue", "found", "times"}."""
        data = self._read_or_none(self.gallery_path)
        endings = data.get("endings") if isinstance(data, dict) else None
        if not isinstance(endings, dict):
            return {}
        return {k: v for k, v in endings.items() if isinstance(v, dict)}

    def record_ending(
        self, ending_id: str, title: str, epilogue: str
    ) -> tuple[dict[str, dict], bool]:
        """Add an ending to the gallery; returns (gallery, whether it is new)."""
        gallery = self.load_gallery()
        entry = gallery.get(ending_id)
        new = entry is None
        now = iso_time(self.clock())
        if new:
            entry = gallery[ending_id] = {
                "title": title,
                "epilogue": epilogue,
                "found": now,
                "times": 0,
            }
        entry["times"] = int(entry.get("times", 0)) + 1
        entry["last"] = now
        self._write(self.gallery_path, {"story": self.story_id, "endings": gallery})
        return gallery, new

    # -- text already read
    @property
    def read_path(self) -> Path:
        return self.dir / "read.json"

    def load_read(self) -> set[str]:
        data = self._read_or_none(self.read_path)
        keys = data.get("read") if isinstance(data, dict) else None
        return {k for k in keys if isinstance(k, str)} if isinstance(keys, list) else set()

    def save_read(self, keys: set[str]) -> None:
        self._write(self.read_path, {"story": self.story_id, "read": sorted(keys)}, backup=False)

    # -- saves
    def slot_path(self, slot: str) -> Path:
        return self.saves_dir / f"{slot}.json"

    def write_save(self, story, state, slot: str, name: str, play_time: float) -> SaveInfo:
        doc = save_document(story, state, slot, name, play_time, self.clock())
        path = self.slot_path(slot)
        self._write(path, doc)
        return _info_from(doc, path)

    def autosave(self, story, state, play_time: float) -> SaveInfo:
        return self.write_save(story, state, AUTOSAVE, "Autosave", play_time)

    def delete_save(self, slot: str) -> None:
        self.flush()
        for p in (self.slot_path(slot), backup_path(self.slot_path(slot))):
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
                doc, _ = self._read_with_backup(path)
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

    def load_save(self, story, slot: str) -> Loaded:
        """Read a slot and rebuild its State. On any problem the file is set
        aside and SaveError says what happened, plainly."""
        from .engine import StateError, state_from_json

        self.flush()
        path = self.slot_path(slot)
        notes: list[str] = []
        try:
            doc, note = self._read_with_backup(path)
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


def iso_time(now: datetime) -> str:
    """A timestamp for a file: local time with its offset (a clock that
    gives an aware datetime, as tests do, is kept as it is)."""
    if now.tzinfo is None:
        now = now.astimezone()
    return now.isoformat(timespec="seconds")


def _neg_time(iso: str) -> float:
    try:
        return -datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


def read_key(scene_id: str, text: str) -> str:
    """Identifies one passage as read: the scene and the exact text shown
    (a scene whose text varies counts each variant)."""
    from .engine.digests import sha1  # (not hashlib: see there)

    return f"{scene_id}:{sha1(text.encode()).hexdigest()[:12]}"
