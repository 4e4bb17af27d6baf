"""The endings gallery: every ending found, kept across runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .files import StoryFiles, iso_time


class Gallery(StoryFiles):
    # -- the gallery
    @property
    def gallery_path(self) -> Path:
        return self.dir / "gallery.json"

    def load_gallery(self) -> dict[str, dict[str, Any]]:
        """ending id -> {"title", "epilogue", "found", "times"}."""
        data = self._read_or_none(self.gallery_path)
        endings = data.get("endings") if isinstance(data, dict) else None
        if not isinstance(endings, dict):
            return {}
        return {k: v for k, v in endings.items() if isinstance(v, dict)}

    def record_ending(
        self, ending_id: str, title: str, epilogue: str
    ) -> tuple[dict[str, dict[str, Any]], bool]:
        """Add an ending to the gallery; returns (gallery, whether it is new)."""
        gallery = self.load_gallery()
        entry = gallery.get(ending_id)
        new = entry is None
        now = iso_time(self.clock())
        if entry is None:
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
