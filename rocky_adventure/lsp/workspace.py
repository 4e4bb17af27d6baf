"""The stories and packs an editor has open: each folder holding a
story.yaml or a pack.yaml is a Project, its files listed as the loader
lists them (engine/files._list_files) and each indexed (index.index_file).
A file is read from the editor's buffer when the editor holds it, else from
disk (bounded as the loader reads). An edit re-indexes only the file edited.

A pack's base is the story whose id is the pack's `extends:`: a story folder
in the workspace, else the bundled story when its id matches."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..engine.files import (
    MANIFEST_NAME,
    MAX_FILE_BYTES,
    NotRegular,
    _list_files,
    _read_regular,
    bundled_story_dir,
)
from ..engine.packs import PACK_MANIFEST
from ..engine.yamlio import decode
from .index import (
    CHAPTER,
    CHOICE,
    ENDING,
    MANIFEST,
    PACK,
    PACK_SCENES,
    SCENE,
    SCENES,
    VARIABLE,
    FileIndex,
    Occ,
    index_file,
)

# How deep below a workspace folder story folders are looked for (a pack's base)
MAX_DEPTH = 4
# The most folders looked into for them (a bound for a huge workspace)
MAX_DIRS = 5000
_SKIP_DIRS = frozenset(("node_modules", "__pycache__", "venv", "site-packages"))


def _abs(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(os.fspath(path))


class Project:
    """A story or a pack folder and the index of each of its files."""

    def __init__(self, root: Path, is_pack: bool):
        self.root = root
        self.is_pack = is_pack
        self.name = ""
        self.base: Project | None = None
        self.files: dict[str, FileIndex] = {}
        # the last index of a file that parsed, while its text does not (for completion)
        self.stale: dict[str, FileIndex] = {}
        self._defs: dict[tuple[str, str], list[tuple[str, Occ]]] | None = None

    @property
    def manifest(self) -> str:
        return os.path.join(str(self.root), PACK_MANIFEST if self.is_pack else MANIFEST_NAME)

    @property
    def extends(self) -> str:
        ix = self.files.get(self.manifest)
        return ix.extends if ix is not None else ""

    def kind_of(self, path: str) -> str:
        if path == self.manifest:
            return PACK if self.is_pack else MANIFEST
        return PACK_SCENES if self.is_pack else SCENES

    def set_index(self, ix: FileIndex) -> None:
        old = self.files.get(ix.path)
        if not ix.parsed and old is not None:
            if old.parsed:
                self.stale[ix.path] = old
        else:
            self.stale.pop(ix.path, None)
        self.files[ix.path] = ix
        self._defs = None
        if ix.path == self.manifest:
            self.name = (ix.pack_name if self.is_pack else ix.story_id) or self.name

    def remove(self, path: str) -> None:
        self.files.pop(path, None)
        self.stale.pop(path, None)
        self._defs = None

    def indexes(self) -> Iterable[FileIndex]:
        """Each file's index, or its last one that parsed."""
        for path, ix in self.files.items():
            yield ix if ix.parsed else self.stale.get(path, ix)

    # -- what the project defines -------------------------------------------
    def defs(self) -> dict[tuple[str, str], list[tuple[str, Occ]]]:
        """(kind, id) -> where it is defined [(path, occ)]: scenes,
        variables, endings and chapters by their own ids (unqualified in a
        pack). Choices are not here: see choice_defs."""
        if self._defs is None:
            out: dict[tuple[str, str], list[tuple[str, Occ]]] = {}
            for ix in self.indexes():
                for o in ix.occs:
                    if o.is_def and o.kind != CHOICE:
                        out.setdefault((o.kind, o.name), []).append((ix.path, o))
            self._defs = out
        return self._defs

    def defines(self, kind: str, name: str) -> bool:
        return (kind, name) in self.defs()

    def ids(self, kind: str) -> list[str]:
        return [n for k, n in self.defs() if k == kind]

    def info(self, kind: str, name: str) -> dict[str, str]:
        for path, _o in self.defs().get((kind, name), ()):
            ix = self.files.get(path)
            if ix is not None:
                got = ix.info.get((kind, name))
                if got is not None:
                    return got.fields
            st = self.stale.get(path)
            if st is not None and (kind, name) in st.info:
                return st.info[(kind, name)].fields
        return {}

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r}, pack={self.is_pack}, name={self.name!r})"


class Workspace:
    """Every project the editor touches, the open buffers, and the workspace
    folders (where a pack's base story is looked for)."""

    def __init__(self, folders: Iterable[Path] = (), bundled: Path | None = None):
        self.folders = [Path(_abs(f)) for f in folders]
        self.bundled = Path(_abs(bundled if bundled is not None else bundled_story_dir()))
        self.texts: dict[str, str] = {}
        self._projects: dict[str, Project] = {}
        self._root_of: dict[str, str | None] = {}  # folder -> the project root above it
        # the manifests in the workspace folders (see _manifests)
        self._stories: dict[str, str] | None = None
        self._packs: list[tuple[str, str]] | None = None

    # -- finding projects -----------------------------------------------------
    def _root_for(self, path: str) -> tuple[str, bool] | None:
        d = os.path.dirname(path)
        seen = []
        found: str | None = None
        while True:
            if d in self._root_of:
                found = self._root_of[d]
                break
            seen.append(d)
            if os.path.isfile(os.path.join(d, PACK_MANIFEST)) or os.path.isfile(
                os.path.join(d, MANIFEST_NAME)
            ):
                found = d
                break
            up = os.path.dirname(d)
            if up == d:
                break
            d = up
        for s in seen:
            self._root_of[s] = found
        if found is None:
            return None
        return found, os.path.isfile(os.path.join(found, PACK_MANIFEST)) and not os.path.isfile(
            os.path.join(found, MANIFEST_NAME)
        )

    def project_for(self, path: str) -> Project | None:
        """The project of the nearest folder above `path` holding a story.yaml
        or a pack.yaml, loaded on first use; None outside any."""
        path = _abs(path)
        if path in self._projects:  # a project's root itself
            return self._projects[path]
        found = self._root_for(path)
        if found is None:
            return None
        root, is_pack = found
        return self._load(root, is_pack)

    def _load(self, root: str, is_pack: bool) -> Project:
        p = self._projects.get(root)
        if p is not None:
            return p
        p = Project(Path(root), is_pack)
        self._projects[root] = p
        self._scan(p)
        return p

    def _scan(self, p: Project) -> None:
        """(Re)list a project's files, as the loader lists them, and index
        each one not yet indexed."""
        listing = _list_files(
            p.root, PACK_MANIFEST if p.is_pack else MANIFEST_NAME, "pack" if p.is_pack else "story"
        )
        listed = [os.path.join(str(p.root), rel) for rel, _size in listing.found]
        for path in set(p.files) - set(listed):
            if path not in self.texts:
                p.remove(path)
        for path in listed:
            if path not in p.files:
                self._index(p, path)
        for path in self.texts:  # open buffers of files not saved yet
            if path not in p.files and self._belongs(p, path):
                self._index(p, path)
        p.files = dict(sorted(p.files.items(), key=lambda kv: (kv[0] != p.manifest, kv[0])))
        self._link(p)

    def _belongs(self, p: Project, path: str) -> bool:
        """Whether the loader would list `path` in p (a buffer not saved yet)."""
        found = self._root_for(path)
        rel = os.path.relpath(path, str(p.root))
        return (
            found is not None
            and found[0] == str(p.root)
            and path.endswith((".yaml", ".yml"))
            and not any(part.startswith(".") for part in rel.split(os.sep))
        )

    def _link(self, p: Project) -> None:
        """A pack's base story; and the packs in the workspace whose base is
        a story just loaded."""
        if p.is_pack:
            p.base = self._find_story(p.extends) if p.extends else None
        else:
            for q in self._projects.values():
                if q.is_pack and q.base is None and q.extends and q.extends == p.name:
                    q.base = p

    def _find_story(self, story_id: str) -> Project | None:
        for q in self._projects.values():
            if not q.is_pack and q.name == story_id and str(q.root) != str(self.bundled):
                return q
        root = self._story_roots().get(story_id)
        if root is not None:
            return self._load(root, False)
        manifest = os.path.join(str(self.bundled), MANIFEST_NAME)
        if os.path.isfile(manifest):
            ix = index_file(manifest, self._text(manifest), MANIFEST)
            if ix.story_id == story_id:
                return self._load(str(self.bundled), False)
        return None

    def _story_roots(self) -> dict[str, str]:
        """Story id -> its folder, for the story folders in the workspace
        folders (a few levels deep, hidden folders skipped)."""
        return self._manifests()[0]

    def _manifests(self) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """The story folders (id -> folder) and the pack folders ((folder,
        the story it extends)) in the workspace folders: a few levels deep,
        hidden folders skipped, the number of folders bounded."""
        if self._stories is None or self._packs is None:
            stories: dict[str, str] = {}
            packs: list[tuple[str, str]] = []
            visited = 0
            for folder in self.folders:
                base_depth = str(folder).rstrip(os.sep).count(os.sep)
                for dirpath, dirnames, filenames in os.walk(folder):
                    visited += 1
                    depth = dirpath.rstrip(os.sep).count(os.sep) - base_depth
                    dirnames[:] = sorted(
                        d
                        for d in dirnames
                        if not d.startswith(".")
                        and d not in _SKIP_DIRS
                        and not os.path.islink(os.path.join(dirpath, d))
                    )
                    if depth >= MAX_DEPTH or visited > MAX_DIRS:
                        dirnames[:] = []
                    if MANIFEST_NAME in filenames:
                        m = os.path.join(dirpath, MANIFEST_NAME)
                        ix = index_file(m, self._text(m), MANIFEST)
                        if ix.story_id:
                            stories.setdefault(ix.story_id, _abs(dirpath))
                    elif PACK_MANIFEST in filenames:
                        m = os.path.join(dirpath, PACK_MANIFEST)
                        ix = index_file(m, self._text(m), PACK)
                        if ix.extends:
                            packs.append((_abs(dirpath), ix.extends))
            self._stories, self._packs = stories, packs
        return self._stories, self._packs

    # -- reading ---------------------------------------------------------------
    def _text(self, path: str) -> str:
        """The editor's text of a file, else what is on disk ("" when it
        cannot be read, is not a regular file, is too large or not UTF-8)."""
        text = self.texts.get(path)
        if text is None:
            return self._disk(path)
        # (a buffer past the loader's limit is refused by it too: engine.files._read)
        return (
            text if len(text) <= MAX_FILE_BYTES // 4 or len(text.encode()) <= MAX_FILE_BYTES else ""
        )

    def _disk(self, path: str) -> str:
        try:
            data, _size = _read_regular(path, MAX_FILE_BYTES)
        except (OSError, NotRegular):
            return ""
        if data is None:
            return ""
        decoded, _errs = decode(data, path)
        return decoded or ""

    def _index(self, p: Project, path: str) -> None:
        """Index one file of p from its text. While a buffer does not parse,
        its last index that did (or the file on disk's) stays for completion."""
        ix = index_file(path, self._text(path), p.kind_of(path))
        p.set_index(ix)
        if not ix.parsed and path not in p.stale and path in self.texts:
            disk = index_file(path, self._disk(path), p.kind_of(path))
            if disk.parsed:
                p.stale[path] = disk

    def _reindex(self, path: str) -> Project | None:
        p = self.project_for(path)
        if p is None:
            return None
        if path in p.files or path in self.texts or os.path.isfile(path):
            if path not in p.files and not self._belongs(p, path):
                return p
            old = p.files.get(path)
            self._index(p, path)
            if path == p.manifest and old is not None:
                if (p.is_pack and old.extends != p.extends) or (
                    not p.is_pack and old.story_id != p.name
                ):
                    self._stories = None
                    self._link(p)
        else:
            p.remove(path)
        return p

    # -- the editor's buffers -------------------------------------------------
    def open(self, path: str, text: str) -> Project | None:
        path = _abs(path)
        self.texts[path] = text
        return self._reindex(path)

    def change(self, path: str, text: str) -> Project | None:
        """The editor's new text of a file: only that file is re-indexed."""
        path = _abs(path)
        self.texts[path] = text
        return self._reindex(path)

    def close(self, path: str) -> Project | None:
        """The editor let go of a file: back to the text on disk."""
        path = _abs(path)
        self.texts.pop(path, None)
        return self._reindex(path)

    def rescan(self, path: str) -> Project | None:
        """Files were created or deleted under a project (a file watcher's
        news): list its files again."""
        self._root_of.clear()  # (a story.yaml or pack.yaml may be new)
        self._stories = None
        p = self.project_for(_abs(path))
        if p is not None:
            self._scan(p)
            if p.is_pack and p.base is None:
                self._link(p)
        return p

    def overlay(self) -> dict[str, bytes]:
        """The open buffers, as engine.files.OVERLAY wants them."""
        return {path: text.encode("utf-8") for path, text in self.texts.items()}

    def projects(self) -> list[Project]:
        return list(self._projects.values())

    def project_at(self, root: str) -> Project | None:
        """The project loaded for the folder `root`, if any."""
        return self._projects.get(root)

    def index(self, path: str) -> FileIndex | None:
        """A file's index, if it is in a project."""
        path = _abs(path)
        p = self.project_for(path)
        return p.files.get(path) if p is not None else None

    # -- how projects see one another -------------------------------------------
    def pack_named(self, name: str, near: Project | None = None) -> Project | None:
        """A pack loaded in the workspace with this `name:` (one extending
        the same story as `near`, if there are several)."""
        found = [q for q in self._projects.values() if q.is_pack and q.name == name]
        if near is not None and len(found) > 1:
            story = near.base if near.is_pack else near
            same = [q for q in found if q.base is story]
            found = same or found
        return found[0] if found else None

    def related(self, p: Project) -> list[Project]:
        """The projects that may refer to what `p` defines: p itself, the
        packs whose base it is, and the packs beside it (on its base)."""
        story = p.base if p.is_pack else p
        if story is not None:  # the packs of the workspace folders on that story: loaded
            for root, extends in self._manifests()[1]:
                if extends == story.name and root not in self._projects:
                    self._load(root, True)
        out = [p]
        for q in self._projects.values():
            if q is p:
                continue
            if q.is_pack and story is not None and q.base is story:
                out.append(q)
        return out


__all__ = ["Project", "Workspace", "SCENE", "VARIABLE", "ENDING", "CHAPTER", "CHOICE"]
