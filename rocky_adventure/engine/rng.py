"""SplitMix64: a small PRNG whose sequence this module defines, so runs
replay identically on every Python version and platform."""

from __future__ import annotations

import os

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_SCALE = 1.0 / (1 << 53)
MAX_SEED = (1 << 63) - 1


def seed_state(seed: int) -> int:
    """The generator state for a seed (any int; reduced to 64 bits)."""
    return (seed * _GOLDEN + 0x2545F4914F6CDD1D) & _MASK


def next_float(state: int) -> tuple[int, float]:
    """Advance; returns (new state, a float in [0, 1))."""
    state = (state + _GOLDEN) & _MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    z ^= z >> 31
    return state, (z >> 11) * _SCALE


def random_seed() -> int:
    """A fresh seed for a random-seed run: 9 decimal digits, easy to type."""
    return int.from_bytes(os.urandom(8), "little") % 1_000_000_000


class Random:
    """A stream of floats and ints from SplitMix64, for tools that pick
    choices (randomtest) with a reproducible sequence."""

    __slots__ = ("state",)

    def __init__(self, seed: int):
        self.state = seed_state(seed)

    def random(self) -> float:
        self.state, r = next_float(self.state)
        return r

    def below(self, n: int) -> int:
        self.state, r = next_float(self.state)
        return int(r * n)
