"""Each browser visitor's own data dir, and the key that keeps it theirs.

A visitor is a random id the server gives the browser in a cookie. The
browser sends it back with every request, so it is input like any other: it
is checked strictly (VISITOR_ID, exactly what `new_visitor_id` makes) and
never becomes part of a path. The folder name is an HMAC of the id under a
secret that only the server knows (`secret` in the serve root, made once),
so knowing or guessing a folder name gives no cookie that reaches it, and a
forged cookie, however well-formed, only ever maps to a fresh empty folder.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

COOKIE = "rocky_visitor"
ID_BYTES = 32
# What secrets.token_urlsafe(32) makes: 43 characters of base64url, no padding.
VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{43}")
SECRET_FILE = "secret"
SECRET_TEXT = re.compile(r"[0-9a-f]{64}")
VISITORS = "visitors"


class ServeRootError(Exception):
    """The serve root cannot be used: a located message, for the CLI."""


def new_visitor_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def valid_visitor_id(value: str | None) -> str | None:
    """`value` if it is a visitor id as this server makes them, else None."""
    if value is not None and VISITOR_ID.fullmatch(value):
        return value
    return None


class VisitorDirs:
    """The serve root: `secret` (the HMAC key) and `visitors/<hmac>/`, one
    data dir per visitor (saves, gallery, settings, crash logs)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.secret = load_secret(root)

    def name(self, visitor: str) -> str:
        """The folder name of a (valid) visitor id: 32 hex digits of
        HMAC-SHA256(secret, id)."""
        assert valid_visitor_id(visitor) is not None, "checked by the caller"
        return hmac.new(self.secret, visitor.encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def data_dir(self, visitor: str) -> Path:
        """The visitor's data dir, made if it is new."""
        path = self.root / VISITORS / self.name(visitor)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path


def load_secret(root: Path) -> bytes:
    """The per-server key in `root/secret`: 32 random bytes as hex, made
    (readable by the owner only) the first time. A file that is not what
    this code writes is an error, never silently replaced: replacing it
    would orphan every visitor's saves."""
    path = root / SECRET_FILE
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            text = path.read_text(encoding="ascii", errors="replace").strip()
        else:
            text = secrets.token_hex(32)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(text + "\n")
    except OSError as e:
        raise ServeRootError(f"{e.filename or path}: {e.strerror or e}") from None
    if not SECRET_TEXT.fullmatch(text):
        raise ServeRootError(
            f"{path}:1: expected the server's key, 64 lowercase hex digits "
            "(delete the file to make a new one: every visitor then starts afresh)"
        )
    return bytes.fromhex(text)
