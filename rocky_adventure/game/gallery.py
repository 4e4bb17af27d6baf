"""The endings gallery: every ending found, kept across runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .files import StoryFiles, iso_time

GALLERY_MAX_BYTES = 4 * 1024 * 1024
MAX_ENDINGS = 10_000
MAX_TIMES = 10**9


def _entry(v: Any) -> dict[str, Any] | None:
    """A gallery entry with only well-typed fields, or None."""
    if not isinstance(v, dict):
        return None
    entry: dict[str, Any] = {}
    for key, limit in (("title", 500), ("epilogue", 20_000), ("found", 40), ("last", 40)):
        value = v.get(key)
        if isinstance(value, str) and len(value) <= limit:
            entry[key] = value
    times = v.get("times")
    ok = isinstance(times, int) and not isinstance(times, bool) and 0 <= times <= MAX_TIMES
    entry["times"] = times if ok else 0
    entry.setdefault("title", "")
    entry.setdefault("epilogue", "")
    return entry


class Gallery(StoryFiles):
    # -- the gallery
    @property
    def gallery_path(self) -> Path:
        return self.dir / "gallery.json"

    def load_gallery(self) -> dict[str, dict[str, Any]]:
        """ending id -> {"title", "epilogue", "found", "last", "times"}: only
        entries of the right shape, each field of the right type (a file is
        written by this game, but anyone may have edited it)."""
        data = self._read_or_none(self.gallery_path, GALLERY_MAX_BYTES)
        endings = data.get("endings") if isinstance(data, dict) else None
        if not isinstance(endings, dict):
            return {}
        out = {}
        for k, v in list(endings.items())[:MAX_ENDINGS]:
            entry = _entry(v)
            if len(k) <= 200 and entry is not None:
                out[k] = entry
        return out

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
        entry["times"] = min(int(entry.get("times", 0)) + 1, MAX_TIMES)
        entry["last"] = now
        self._write(self.gallery_path, {"story": self.story_id, "endings": gallery})
        return gallery, new
