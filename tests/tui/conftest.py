"""Fixtures for the terminal game's tests: the starter story, an app with
frozen time and instant text, and snapshots kept in tests/__snapshots__/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rocky_adventure.engine import load_story
from rocky_adventure.game.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
SNAPSHOTS = ROOT / "tests" / "__snapshots__"
FROZEN = datetime(2025, 3, 14, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def starter():
    return load_story(STARTER, cache=False)


@pytest.fixture
def frozen() -> datetime:
    return FROZEN


@pytest.fixture
def make_app(starter, tmp_path):
    """make_app(**overrides) -> a RockyApp on the starter story with seed 7,
    instant text, a frozen clock and changes that stay until the next turn."""
    from rocky_adventure.tui.app import RockyApp

    def make(**kw) -> RockyApp:
        args = dict(
            story=starter,
            seed=7,
            data_dir=tmp_path / "data",
            settings=Settings(text_speed="instant"),
            clock=lambda: FROZEN,
            monotonic=lambda: 0.0,
            motion=False,
        )
        args.update(kw)
        return RockyApp(**args)

    return make


@pytest.fixture(autouse=True)
def _snapshots_in_tests_dir(monkeypatch):
    """pytest-textual-snapshot keeps snapshots beside the test file; ours
    live in tests/__snapshots__/<test file>/ (snap_compare looks the
    extension class up when it is called, so patching it is enough)."""
    try:
        import pytest_textual_snapshot as pts
    except ImportError:  # pragma: no cover - the test extras are not installed
        return

    class TestsDirSVG(pts.SVGImageExtension):
        @classmethod
        def dirname(cls, *, test_location) -> str:
            return str(SNAPSHOTS / test_location.basename)

    monkeypatch.setattr(pts, "SVGImageExtension", TestsDirSVG)
