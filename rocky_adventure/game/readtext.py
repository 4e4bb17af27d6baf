"""The text already read, across runs (for skipping it)."""

from __future__ import annotations

from pathlib import Path

from ..engine.digests import sha1  # (not hashlib: see there)
from .files import StoryFiles

READ_MAX_BYTES = 16 * 1024 * 1024


class ReadText(StoryFiles):
    # -- text already read
    @property
    def read_path(self) -> Path:
        return self.dir / "read.json"

    def load_read(self) -> set[str]:
        data = self._read_or_none(self.read_path, READ_MAX_BYTES)
        keys = data.get("read") if isinstance(data, dict) else None
        if not isinstance(keys, list):
            return set()
        return {k for k in keys if isinstance(k, str) and len(k) <= 300}

    def save_read(self, keys: set[str]) -> None:
        self._write(self.read_path, {"story": self.story_id, "read": sorted(keys)}, backup=False)


def read_key(scene_id: str, text: str) -> str:
    """Identifies one passage as read: the scene and the exact text shown
    (a scene whose text varies counts each variant)."""

    return f"{scene_id}:{sha1(text.encode()).hexdigest()[:12]}"
