"""`rocky-adventure lsp`: the language server, over stdio (pygls).

The server keeps the open files of every story and pack folder an editor
touches (lsp/workspace.py indexes each file's ids), and answers:
diagnostics here; completion, definition, references, rename, hover and the
outline in lsp/navigation.py; code actions in lsp/actions.py.

Diagnostics come from the project's own loader and lints, the way `check`
reports them (tools/check.diagnose), in two phases after each change:
- quick, in this process, at once: the loader's errors, or the lints that do
  not read expressions' value domains (a few tens of milliseconds after the
  load, which is memoised file by file: engine/memo.py);
- full, once edits pause for FULL_DELAY, in a child process that a newer
  edit kills: exactly what `check` reports, condition-aware lints included
  (lsp/lintjob.py), published only if no edit came in the meantime.
Only the latest state of the files is ever worked on: edits that arrive
while a phase runs are taken together by the next one."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__
from ..engine import memo
from ..engine.diagnostics import Diagnostic
from ..engine.files import MAX_FILE_BYTES, OVERLAY, bundled_story_dir
from ..engine.load import forget_last
from ..tools.lint import CHECK_BUDGET, QUICK_SKIPS
from .workspace import Project, Workspace

log = logging.getLogger("rocky_adventure.lsp")

# Codes the quick phase leaves out (in part): until the full phase answers, the
# last full phase's findings of these codes stay (so warnings do not flicker).
FULL_ONLY = QUICK_SKIPS
# The most seconds a full phase may take before it is given up (a story so
# big its exploration runs long): the quick phase's findings stand.
FULL_TIMEOUT = 60.0
# Seconds without an edit before the full phase starts (the debounce)
FULL_DELAY = 0.4
# The notification sent once a change's diagnostics are all published
DONE = "rocky/diagnosticsDone"


@dataclass
class Config:
    """What `rocky-adventure lsp` passes: where installed packs are (as
    `check` would find them for the same --data-dir) and the lints' budget."""

    installed: Path | None = None
    bundled: Path = field(default_factory=bundled_story_dir)
    budget: int = CHECK_BUDGET
    full: bool = True  # run the condition-aware phase (a child process)


class _Protocol(LanguageServerProtocol):
    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        # Positions in UTF-16 (the protocol's default), whatever the client
        # offers: one convention for every feature (lsp/index.py's helpers).
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = None
        return (yield from super().lsp_initialize(params))


class RockyServer(LanguageServer):
    def __init__(self, config: Config | None = None):
        super().__init__("rocky-adventure", __version__, protocol_cls=_Protocol)
        self.config = config or Config()
        memo.enable()  # keep each file's parse between loads: an edit re-parses one file
        self.model = Workspace([], self.config.bundled)
        # engine diagnostics last published, by absolute path
        self._published: dict[str, list[Diagnostic]] = {}
        self._jobs: dict[Path, _Job] = {}
        # one thread for in-process loads: engine.files.OVERLAY is one dict
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rocky-lsp-load")

    # -- what helpers read ---------------------------------------------------
    def engine_diagnostics(self, path: str) -> list[Diagnostic]:
        """The diagnostics last published for the file at `path`."""
        return list(self._published.get(os.path.abspath(path), ()))

    # -- scheduling ------------------------------------------------------------
    def changed(self, project: Project | None) -> None:
        """A file of `project` changed: diagnose it again (latest wins), and
        the packs over it that the editor has touched."""
        if project is None:
            return
        for p in self.model.related(project):
            if p is not project and (project.is_pack or p.root not in self._jobs):
                continue
            job = self._jobs.get(p.root)
            if job is None:
                job = self._jobs[p.root] = _Job(self, p)
            job.poke()

    def request(self, project: Project) -> dict[str, Any]:
        """What to load for `project`, as `check` would (lsp/lintjob.py's request)."""
        if project.is_pack:
            base = project.base.root if project.base is not None else self.config.bundled
            root, packs = base, [str(project.root)]
        else:
            root, packs = project.root, []
        return {
            "root": str(root),
            "packs": packs,
            "installed": str(self.config.installed) if self.config.installed else None,
            "budget": self.config.budget,
            "overlay": {p: t for p, t in self.model.texts.items()},
        }

    def quick(self, request: dict[str, Any]) -> tuple[bool, list[Diagnostic]]:
        """The quick phase, in the loader thread: whether the story loaded,
        and its diagnostics."""
        from ..tools.check import diagnose
        from .lintjob import overlay_bytes

        OVERLAY.clear()
        OVERLAY.update(overlay_bytes(request["overlay"], [request["root"], *request["packs"]]))
        try:
            return diagnose(
                Path(request["root"]),
                [Path(p) for p in request["packs"]],
                Path(request["installed"]) if request["installed"] else None,
                budget=0,
                quick=True,
            )
        finally:
            OVERLAY.clear()
            forget_last()  # (the server keeps no Story between edits)

    def publish(self, project: Project, diags: Iterable[Diagnostic], keep: bool = False) -> None:
        """Publish `diags` for every file of `project` (and of its base story
        when a finding is there); `keep`: keep the FULL_ONLY findings of the
        last full phase."""
        from .diagnostics import to_lsp

        by_path: dict[str, list[Diagnostic]] = {p: [] for p in project.files}
        for d in diags:
            by_path.setdefault(self.path_of(project, d), []).append(d)
        if keep:
            for p, old in self._published.items():
                if p in by_path:
                    new = set(by_path[p])
                    by_path[p] += [d for d in old if d.code in FULL_ONLY and d not in new]
        for path, found in by_path.items():
            if not found and not self._published.get(path) and path not in self.model.texts:
                continue
            self._published[path] = found
            text = self.text(path)
            doc_version = self._version(path)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=from_fs_path(path) or path,
                    diagnostics=[to_lsp(d, text) for d in found],
                    version=doc_version,
                )
            )

    def text(self, path: str) -> str:
        """A file's text: the editor's buffer, else what is on disk."""
        if path in self.model.texts:
            return self.model.texts[path]
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read(MAX_FILE_BYTES)
        except OSError:
            return ""

    def path_of(self, project: Project, d: Diagnostic) -> str:
        """The absolute path a diagnostic names: the loader is given absolute
        roots, so its files are absolute; a diagnostic of the folder itself
        goes to its manifest."""
        path = os.path.abspath(d.file) if d.file else str(project.root)
        if os.path.isdir(path):
            name = "pack.yaml" if (Path(path) / "pack.yaml").is_file() else "story.yaml"
            path = os.path.join(path, name)
        return path

    def _version(self, path: str) -> int | None:
        uri = from_fs_path(path)
        if uri is None:
            return None
        doc = self.workspace.text_documents.get(uri)
        return doc.version if doc is not None else None


class _Job:
    """The diagnostics of one project: at most one phase runs at a time,
    and a change while one runs makes another run after it, on the latest
    text."""

    def __init__(self, ls: RockyServer, project: Project):
        self.ls = ls
        self.project = project
        self.generation = 0
        self.wake = asyncio.Event()
        self.child: asyncio.subprocess.Process | None = None
        self.task = asyncio.get_running_loop().create_task(self.loop())

    def poke(self) -> None:
        self.generation += 1
        self.wake.set()
        if self.child is not None and self.child.returncode is None:
            try:
                self.child.kill()
            except ProcessLookupError:
                pass

    async def loop(self) -> None:
        ls = self.ls
        loop = asyncio.get_running_loop()
        while True:
            await self.wake.wait()
            self.wake.clear()
            gen = self.generation
            manifest = "pack.yaml" if self.project.is_pack else "story.yaml"
            project = ls.model.project_for(str(self.project.root / manifest)) or self.project
            self.project = project
            request = ls.request(project)
            try:
                loaded, diags = await loop.run_in_executor(ls._loader, ls.quick, request)
            except Exception:  # a bug must not stop the server: say it, go on
                log.exception("the quick diagnostics failed")
                continue
            if gen != self.generation:
                continue
            ls.publish(project, diags, keep=loaded and ls.config.full)
            full = None
            if loaded and ls.config.full:
                # the full phase once the typing pauses: a child per keystroke
                # would be started only to be killed by the next one
                try:
                    await asyncio.wait_for(self.wake.wait(), FULL_DELAY)
                    continue  # a newer edit: its quick phase first
                except TimeoutError:
                    pass
                full = await self.full(request)
                if gen != self.generation:
                    continue
                if full is not None:
                    ls.publish(project, full)
            # what tests, benchmarks and scripts can wait for: this state's last word
            ls.protocol.notify(
                DONE,
                {"root": str(project.root), "generation": gen, "full": full is not None},
            )

    async def full(self, request: dict[str, Any]) -> list[Diagnostic] | None:
        """The full phase in a child process; None when it was killed by a
        newer edit, failed or ran too long."""
        self.child = child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "rocky_adventure.lsp.lintjob",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(
                child.communicate(json.dumps(request).encode("utf-8")), FULL_TIMEOUT
            )
        except TimeoutError:
            child.kill()
            await child.wait()
            log.warning("the full diagnostics ran over %s s and were given up", FULL_TIMEOUT)
            return None
        finally:
            self.child = None
        if child.returncode != 0:
            if child.returncode not in (-9, 137):
                log.warning(
                    "the full diagnostics failed: %s", err.decode("utf-8", "replace")[-2000:]
                )
            return None
        from .lintjob import decode

        return decode(out)


def build(config: Config | None = None) -> RockyServer:
    """The server with every feature registered."""
    from . import actions, navigation

    ls = RockyServer(config)

    @ls.feature(types.INITIALIZE)
    def initialize(ls: RockyServer, params: types.InitializeParams) -> None:
        # where a pack's base story is looked for: the editor's folders
        folders = [to_fs_path(f.uri) for f in params.workspace_folders or ()]
        if not folders and params.root_uri:
            folders = [to_fs_path(params.root_uri)]
        ls.model = Workspace([Path(f) for f in folders if f], ls.config.bundled)

    @ls.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RockyServer, params: types.DidOpenTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is not None:
            ls.changed(ls.model.open(path, params.text_document.text))

    @ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RockyServer, params: types.DidChangeTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is None:
            return
        doc = ls.workspace.get_text_document(params.text_document.uri)
        ls.changed(ls.model.change(path, doc.source))

    @ls.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: RockyServer, params: types.DidSaveTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is not None:
            ls.changed(ls.model.project_for(path))

    @ls.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RockyServer, params: types.DidCloseTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is not None:
            ls.changed(ls.model.close(path))

    @ls.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: RockyServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = _path(change.uri)
            if path is None:
                continue
            if change.type != types.FileChangeType.Changed:  # a file made or deleted
                ls.changed(ls.model.rescan(path))
            elif path not in ls.model.texts:  # (an open file's buffer stands)
                ls.changed(ls.model.close(path))

    navigation.register(ls)
    actions.register(ls)
    return ls


def _path(uri: str) -> str | None:
    path = to_fs_path(uri)
    if path is None or not path.endswith((".yaml", ".yml")):
        return None
    return os.path.abspath(path)


def main(installed: Path | None = None, budget: int | None = None, full: bool = True) -> int:
    """Serve over stdio until the client exits."""
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="rocky-adventure lsp: %(message)s"
    )
    config = Config(installed=installed, full=full)
    if budget is not None:
        config.budget = max(0, budget)
    build(config).start_io()
    return 0
