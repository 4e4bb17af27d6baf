"""The settings, kept across runs and shared by every story: text speed,
theme and skipping text already read. (The settings dialog is in tui/.)"""

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


def settings_path(root: Path) -> Path:
    return Path(root) / "settings.json"


def load_settings(root: Path) -> Settings:
    """The settings, shared by every story; defaults if absent or damaged."""
    return Settings.from_json(read_or_none(settings_path(root), max_bytes=SETTINGS_MAX_BYTES))


def save_settings(root: Path, settings: Settings, writer: Writer | None = None) -> None:
    data = json_bytes(settings.to_json())
    if writer is not None:
        writer.submit(settings_path(root), data)
    else:
        atomic_write(settings_path(root), data)
