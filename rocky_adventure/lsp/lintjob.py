"""One `check` run, as the language server needs it: the editor's unsaved
buffers read instead of the files on disk, the story (or the pack over its
base story) loaded exactly as `rocky-adventure check` loads it, and exactly
the diagnostics `check` prints (tools/check.diagnose: the loader's errors,
or story_diagnostics).

    python -m rocky_adventure.lsp.lintjob < request.json

reads one JSON request on standard input

    {"root": "my-story" | null,      # the story folder (null: the bundled story)
     "pack": "my-pack" | null,       # a pack folder: checked over `root`
     "packs": ["my-pack", ...],      # (or several, as check's repeated --pack)
     "installed": "DATA/packs" | null,   # the installed packs, as check sees them
     "overlay": {"/abs/path.yaml": "text", ...},   # the editor's buffers
     "budget": 50000}                # states the lints may explore (0: none)

and prints {"diagnostics": [Diagnostic.to_json(), ...]}.
The server runs it in a subprocess it can kill when a newer edit makes the
answer stale (the condition-aware lints can take a while), or calls `run`
in-process. `installed` is `<data dir>/packs` as check's --data-dir gives it,
or null for --no-installed-packs."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..engine import files as F
from ..engine.diagnostics import Diagnostic, Severity


def overlay_bytes(overlay: Mapping[str, str], roots: list[str]) -> dict[str, bytes]:
    """The buffers as engine.files.OVERLAY wants them: by absolute path,
    each also under the folders in `roots` as given (a folder named through
    a link reads its files by that name)."""
    out: dict[str, bytes] = {}
    real_roots = [(os.path.abspath(r), os.path.realpath(r)) for r in roots]
    for path, text in overlay.items():
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        out[os.path.abspath(path)] = data
        real = os.path.realpath(path)
        for given, resolved in real_roots:
            if given != resolved and (real == resolved or real.startswith(resolved + os.sep)):
                out[os.path.join(given, os.path.relpath(real, resolved))] = data
    return out


def run(request: Mapping[str, Any]) -> list[Diagnostic]:
    """The diagnostics `check` gives for `request` (see the module's
    docstring): tools/check.diagnose over the request's folders, with the
    buffers of `overlay` read instead of the files on disk."""
    from ..tools import lint as L
    from ..tools.check import diagnose

    root = request.get("root")
    packs = [str(p) for p in request.get("packs") or ()]
    if request.get("pack") is not None:
        packs.append(str(request["pack"]))
    if packs and request.get("base") is not None:
        root = request["base"]
    installed = request.get("installed")
    budget = request.get("budget")
    budget = L.CHECK_BUDGET if budget is None else max(0, int(budget))
    roots = [str(r) for r in (root, *packs) if r is not None]
    saved = dict(F.OVERLAY)
    F.OVERLAY.clear()
    F.OVERLAY.update(overlay_bytes(request.get("overlay") or {}, roots))
    try:
        _loaded, diags = diagnose(
            Path(root) if root is not None else None,
            [Path(p) for p in packs],
            Path(installed) if installed is not None else None,
            budget,
        )
        return diags
    finally:
        F.OVERLAY.clear()
        F.OVERLAY.update(saved)


def from_json(d: Mapping[str, Any]) -> Diagnostic:
    """A Diagnostic back from its to_json()."""
    return Diagnostic(
        str(d["file"]),
        int(d["line"]),
        int(d["col"]),
        str(d["code"]),
        str(d["message"]),
        Severity(d.get("severity", "error")),
    )


def decode(out: bytes | str) -> list[Diagnostic]:
    """The diagnostics in what `main` printed."""
    answer = json.loads(out)
    return [from_json(d) for d in answer["diagnostics"]]


def main() -> int:
    try:
        request = json.loads(sys.stdin.read() or "{}")
        if not isinstance(request, dict):
            raise ValueError("the request is not a JSON object")
    except ValueError as e:
        print(json.dumps({"error": f"bad request: {e}"}))
        return 2
    diags = run(request)
    sys.stdout.write(json.dumps({"diagnostics": [d.to_json() for d in diags]}) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
