"""The settings, kept across runs and shared by every story: text speed,
theme and skipping text already read. (The settings dialog is in tui/.)

Where things live (platformdirs): saves, the gallery and runs in the user
data dir, the settings in the user config dir. A data dir given with
--data-dir (or $ROCKY_ADVENTURE_DATA_DIR) holds both, for tests and
portable use. Settings that an older version kept in the default data dir
move to the config dir once; the old file stays, renamed
settings.json.moved, as a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .files import Writer, atomic_write, json_bytes, read_or_none

TEXT_SPEEDS = {"slow": 50.0, "normal": 110.0, "fast": 250.0, "instant": 0.0}  # characters a second
DEFAULT_THEME = "rocky"
SETTINGS_MAX_BYTES = 64 * 1024


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

    def to_json(self) -> dict[str, Any]:
        return {"text_speed": self.text_speed, "theme": self.theme, "skip_read": self.skip_read}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self.to_json() == other.to_json()

    def __repr__(self) -> str:
        return f"Settings({self.text_speed!r}, {self.theme!r}, {self.skip_read!r})"

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        s = cls()
        if isinstance(data, dict):
            speed = data.get("text_speed")
            if isinstance(speed, str) and speed in TEXT_SPEEDS:
                s.text_speed = speed
            theme = data.get("theme")
            if isinstance(theme, str) and 0 < len(theme) <= 64:
                s.theme = theme
            if isinstance(data.get("skip_read"), bool):
                s.skip_read = data["skip_read"]
        return s


APP_NAME = "rocky-adventure"
SETTINGS_NAME = "settings.json"
MOVED_SUFFIX = ".moved"  # the old settings file, kept as a backup after the move


def default_data_dir() -> Path:
    """The platform's user data dir: saves, the gallery, runs, packs."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    """The platform's user config dir: the settings."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a.absolute() == b.absolute()


def settings_path(root: Path) -> Path:
    """settings.json: in the user config dir when `root` is the default data
    dir, else in `root` itself (--data-dir keeps everything in one place)."""
    root = Path(root)
    if _same_dir(root, default_data_dir()):
        return default_config_dir() / SETTINGS_NAME
    return root / SETTINGS_NAME


def migrate_settings(root: Path) -> Path | None:
    """Move settings.json from the data dir `root` to where settings_path
    says, once: only when the new file does not exist yet. The old file is
    renamed settings.json.moved, never deleted; on any error nothing moves
    and the old file is read where it is. Returns the new path if it moved."""
    old = Path(root) / SETTINGS_NAME
    new = settings_path(root)
    if new == old or new.exists() or not old.is_file():
        return None
    try:
        data = read_or_none(old, max_bytes=SETTINGS_MAX_BYTES)  # falls back to its backup
        if data is None:
            return None
        atomic_write(new, json_bytes(data), backup=False)
        old.replace(old.with_name(SETTINGS_NAME + MOVED_SUFFIX))
    except OSError:
        return None
    return new


def load_settings(root: Path) -> Settings:
    """The settings, shared by every story; defaults if absent or damaged."""
    migrate_settings(root)
    path = settings_path(root)
    if not path.exists() and (Path(root) / SETTINGS_NAME).is_file():
        path = Path(root) / SETTINGS_NAME  # the move failed: read the old file where it is
    return Settings.from_json(read_or_none(path, max_bytes=SETTINGS_MAX_BYTES))


def save_settings(root: Path, settings: Settings, writer: Writer | None = None) -> None:
    data = json_bytes(settings.to_json())
    if writer is not None:
        writer.submit(settings_path(root), data)
    else:
        atomic_write(settings_path(root), data)
