"""SHA-256 and SHA-1 without importing hashlib.

Importing hashlib sets OpenSSL up for every algorithm it offers: about half
a MiB of the game's memory, for the two digests its play path needs (the
story's hash at every start, a passage's key when it has been read).
CPython's own implementations give the same digests. A big input still goes
to OpenSSL, which is several times faster: see `sha256_for`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # typeshed has no stubs for CPython's private _sha256/_sha2/_sha1 modules. Their
    # constructors take the same arguments as hashlib's and make objects with the same
    # methods, so the type checker sees hashlib's.
    from _hashlib import HASH
    from hashlib import sha1, sha256
else:
    try:
        from _sha256 import sha256  # CPython up to 3.11
    except ImportError:  # pragma: no cover - 3.12 and later, or another Python
        try:
            from _sha2 import sha256
        except ImportError:
            from hashlib import sha256
    try:
        from _sha1 import sha1
    except ImportError:  # pragma: no cover
        from hashlib import sha1

BIG = 4 * 1024 * 1024  # bytes: above this, OpenSSL's speed is worth its memory


def sha256_for(size: int) -> HASH:
    """A new SHA-256 hash object for `size` bytes of input: OpenSSL's when
    the input is big, or when hashlib is loaded already (the loader uses it)."""
    if size > BIG or "hashlib" in sys.modules:
        import hashlib

        return hashlib.sha256()
    return sha256()


__all__ = ["BIG", "sha1", "sha256", "sha256_for"]
