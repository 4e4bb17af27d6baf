"""Fixtures for the speedrun tests; the helpers they use are in support.py."""

from __future__ import annotations

import pytest
from support import STARTER, LiveSplitRig

from rocky_adventure.engine import load_story


@pytest.fixture(scope="module")
def starter():
    return load_story(STARTER, cache=False)


@pytest.fixture
def livesplit():
    """Start fake LiveSplit Servers (`serve`) and make clients (`client`, or
    `connect` for a client and its bridge): all are closed after the test."""
    rig = LiveSplitRig()
    yield rig
    rig.close()
