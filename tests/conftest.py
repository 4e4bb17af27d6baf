"""Shared fixtures: build small story folders from text."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import MANIFEST, write_story


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Keep every test's cache and data out of the user's home."""
    base = tmp_path_factory.mktemp("dirs")
    monkeypatch.setenv("ROCKY_ADVENTURE_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("ROCKY_ADVENTURE_DATA_DIR", str(base / "data"))


@pytest.fixture
def make_story(tmp_path):
    """make_story(scenes_yaml, manifest=MANIFEST, **more_files) -> folder."""
    counter = [0]

    def make(scenes: str, manifest: str | None = None, **more: str) -> Path:
        counter[0] += 1
        files = {"story.yaml": manifest or MANIFEST, "scenes.yaml": scenes}
        files.update({k.replace("__", "/") + ".yaml": v for k, v in more.items()})
        return write_story(tmp_path / f"s{counter[0]}", files)

    return make
