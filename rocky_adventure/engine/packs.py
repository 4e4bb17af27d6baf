"""Branch packs: new branches for a story, without editing the story.

A pack is a folder with a manifest, `pack.yaml`, and scene files in the
story format:

    format: 1
    name: montage             # the pack's id, and the namespace of its ids
    title: The Montage
    version: 1.0.0
    extends: rocky-iv         # the story's id
    variables:
      grit: {type: int, default: 0, min: 0, max: 5}
    endings:
      - {id: legend, title: A Legend, epilogue: ...}
    hooks:                    # choices added to the story's scenes
      - scene: day_hub
        after: wood           # optional: where among the scene's choices
        choices:
          - {id: montage, text: Train to music, to: montage_start}

A pack's `lints: {RA106: ignore}` sets the level of a lint for the findings
in the pack's own files, over the story's `lints:` (the story keeps its own
levels for its files; the command line wins over both): `Story.lint_levels`
holds them as `name.RA106`, and `lint_levels_for(story, file)` gives the
levels for a file.

Inside the pack a name means the pack's own id if it has one, else the
story's; everywhere else the pack's ids are `name.id` (`montage.grit`,
`montage.legend`), and the choices it hooks in are `montage.montage`. Packs
are read with the story's safe loader, limits and expression language:
nothing in a pack names a file, and a bad pack is a list of located errors.

    story = load_story("story/", packs=["my-pack/"])   # engine/load.py
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from . import format as fmt
from .diagnostics import E_DUP, E_READ, E_REF, E_SCHEMA, Diagnostic, StoryLoadError
from .expr import IR
from .load import MAX_PACKS
from .loader import RESERVED_NAMES, Parsed, VarDef, _Builder, read_files, story_hash, tags_of
from .model import Chapter, Choice, Ending, PackInfo, Scene, Story, StoryFile, Variable
from .schema import Ctx, Fields
from .yamlio import compose, decode

PACK_MANIFEST = fmt.PACK_MANIFEST_NAME


def apply_packs(story: Story, packs: list[tuple[Path, bool]]) -> Story:
    """Add each pack to the story. A pack given explicitly (True) must
    extend this story; an installed one (False) that extends another story
    is skipped."""
    if len(packs) > MAX_PACKS:
        raise StoryLoadError(
            [
                Diagnostic(
                    str(packs[MAX_PACKS][0]),
                    0,
                    0,
                    E_READ,
                    f"more than {MAX_PACKS} packs: load fewer",
                )
            ]
        )
    errors: list[Diagnostic] = []
    names: dict[str, str] = {}  # pack name -> its manifest
    h = hashlib.sha256(story.hash.encode())
    before = story.packs
    names.update({p.name: f"the pack {p.name!r} loaded before" for p in story.packs})
    enabled = gc.isenabled()
    gc.disable()
    try:
        for path, explicit in packs:
            files, errs = read_files(path, PACK_MANIFEST, "pack")
            if errs or not files:
                errors.extend(
                    errs or [Diagnostic(str(path), 0, 0, E_READ, "the pack has no files")]
                )
                continue
            b = _PackBuilder(story, str(path))
            parsed = b.parse(files)
            if parsed is None:
                errors.extend(b.errors)
                continue
            manifest_file, manifest = parsed[0]
            mv = manifest.values
            if mv["extends"] != story.id:
                if explicit:
                    line, col = manifest.at("extends")
                    errors.append(
                        Diagnostic(
                            manifest_file,
                            line,
                            col,
                            E_REF,
                            f"this pack extends the story {mv['extends']!r}, not {story.id!r}",
                        )
                    )
                continue
            name = mv["name"]
            if name in names:
                line, col = manifest.at("name")
                errors.append(
                    Diagnostic(
                        manifest_file,
                        line,
                        col,
                        E_DUP,
                        f"two packs are named {name!r}: this one and {names[name]}; "
                        f"a pack's name must be unique",
                    )
                )
                continue
            names[name] = manifest_file
            new = b.build_pack(name, parsed)
            levels = b.lint_levels(manifest_file, manifest)
            if b.errors:
                errors.extend(b.errors)
                continue
            digest = story_hash(files)
            h.update(b"\0pack\0" + name.encode() + b"\0" + digest.encode())
            files_meta = story.files + tuple(
                StoryFile(f"@{name}/{rel}", hashlib.sha256(data).hexdigest()) for rel, data in files
            )
            info = PackInfo(
                name, str(mv.get("title", name)), str(mv.get("version", "")), digest, str(path)
            )
            story = new._replace(
                files=files_meta,
                packs=(*story.packs, info),
                lint_levels={**story.lint_levels, **levels},
            )
    finally:
        if enabled:
            gc.enable()
    if errors:
        raise StoryLoadError(errors)
    if story.packs == before:  # nothing applied (packs for other stories): the same story
        return story
    return story._replace(hash=h.hexdigest())


def lint_levels_for(story: Story, file: str) -> dict[str, str]:
    """The `lints:` levels for a finding in `file`: the story manifest's,
    and over them, when the file is in a pack's folder, the pack's own."""
    levels = {c: lv for c, lv in story.lint_levels.items() if "." not in c}
    for p in story.packs:
        root = p.root.rstrip("/")
        if root and (file == p.root or file.startswith(root + "/")):
            pre = p.name + "."
            levels.update(
                {c[len(pre) :]: lv for c, lv in story.lint_levels.items() if c.startswith(pre)}
            )
            break
    return levels


class _PackBuilder(_Builder):
    """The story loader's builder, seeded with the story so far, resolving
    names inside one pack: the pack's own ids first, then the story's."""

    def __init__(self, story: Story, display_root: str):
        super().__init__(display_root, story.root)
        self.story = story
        self.ns = ""
        self.variables = list(story.variables)
        self.var_index = dict(story.var_index)
        self.scene_ids = {sid: (s.file, s.line, s.col) for sid, s in story.scenes.items()}
        self.local_scenes: set[str] = set()
        self.local_endings: set[str] = set()
        self.local_chapters: set[str] = set()

    # -- reading ---------------------------------------------------------
    def parse(self, files: list[tuple[str, bytes]]) -> list[tuple[str, Fields]] | None:
        out = []
        for rel, data in files:
            file = self.fname(rel)
            text, errs = decode(data, file)
            if text is None:
                self.errors.extend(errs)
                continue
            self.texts[file] = text
            node, errs = compose(text, file)
            self.errors.extend(errs)
            if node is None:
                if not errs and rel == PACK_MANIFEST:
                    self.err(
                        file,
                        1,
                        1,
                        "the pack manifest is empty: expected format, name, version and extends",
                    )
                continue
            schema = fmt.PACK_MANIFEST if rel == PACK_MANIFEST else fmt.PACK_SCENE_FILE
            f = schema.load(node, Ctx(file, self.errors))
            if isinstance(f, Fields):
                out.append((file, f))
        if not out or out[0][0] != self.fname(PACK_MANIFEST) or self.errors:
            if not self.errors:
                self.err(self.fname(PACK_MANIFEST), 1, 1, "the pack manifest could not be read")
            return None
        version = out[0][1].values.get("format")
        if version != fmt.FORMAT_VERSION:
            line, col = out[0][1].at("format")
            self.err(
                out[0][0],
                line,
                col,
                f"pack format {version} is not supported: expected {fmt.FORMAT_VERSION}",
            )
            return None
        return out

    # -- names -------------------------------------------------------------
    def q(self, name: str) -> str:
        return f"{self.ns}.{name}"

    def resolve(self, name: str) -> tuple[IR, str] | None:
        if "." not in name:
            q = self.q(name)
            if q in self.var_index or q in self.local_scenes:
                return super().resolve(q)
        return super().resolve(name)

    def names(self) -> list[str]:
        own = [
            n.split(".", 1)[1]
            for n in list(self.var_index) + list(self.local_scenes)
            if n.startswith(self.ns + ".")
        ]
        return own + [n for n in super().names() if "." not in n]

    def parse_cached(self, source: str) -> Parsed:
        r = super().parse_cached(source)
        if isinstance(r, tuple):
            ir, typ, reads = r
            qualified = frozenset(
                self.q(n) if self.q(n) in self.var_index or self.q(n) in self.local_scenes else n
                for n in reads
            )
            if qualified != reads:
                r = (ir, typ, qualified)
                self.memo[source] = r
        return r

    def ref(self, name: Any, local: set[str]) -> Any:
        """A reference written in the pack: its own id if it has one."""
        if isinstance(name, str) and "." not in name and self.q(name) in local:
            return self.q(name)
        return name

    def rewrite(self, f: Fields) -> None:
        """Qualify the ids a choice, branch or scene refers to."""
        v = f.values
        for key in ("to", "success", "failure"):
            if key in v:
                v[key] = self.ref(v[key], self.local_scenes)
        if isinstance(v.get("next"), str):
            v["next"] = self.ref(v["next"], self.local_scenes)
        elif isinstance(v.get("next"), list):
            for b in v["next"]:
                self.rewrite(b)
        if "ending" in v:
            v["ending"] = self.ref(v["ending"], self.local_endings)
        if "chapter" in v:
            v["chapter"] = self.ref(v["chapter"], self.local_chapters)
        for op in ("set", "add", "subtract"):
            if op in v:
                v[op] = {
                    self.q(k) if self.q(k) in self.var_index else k: val for k, val in v[op].items()
                }
        for c in v.get("choices", ()):
            self.rewrite(c)

    def shadow(
        self,
        file: str,
        line: int,
        col: int,
        what: str,
        name: str,
        other: Variable | Chapter | Ending | Scene,
    ) -> None:
        self.err(
            file,
            line,
            col,
            f"the pack's {what} {name!r} has the name of the story's {what} "
            f"({other.file}:{other.line}:{other.col}): rename it",
            E_DUP,
        )

    # -- building ------------------------------------------------------------
    def build_pack(self, name: str, parsed: list[tuple[str, Fields]]) -> Story:
        self.ns = name
        story = self.story
        manifest_file, manifest = parsed[0]
        scene_defs: list[tuple[str, Any, Fields]] = []
        var_defs: list[VarDef] = []
        ending_defs: list[tuple[str, Fields]] = []
        chapter_defs = list(manifest.values.get("chapters", ()))
        hook_defs: list[tuple[str, Fields]] = []
        vf: Fields
        kpos: tuple[int, int]  # (line, col) of a variable's key
        for file, f in parsed:
            v = f.values
            for vname, (vf, kpos) in v.get("variables", {}).items():
                if vname in RESERVED_NAMES:
                    self.err(
                        file, *kpos, f"{vname!r} is a reserved word and cannot name a variable"
                    )
                    continue
                if vname in story.var_index:
                    self.shadow(file, *kpos, "variable", vname, story.var(vname))
                    continue
                vf.values.setdefault("label", vname)
                var_defs.append((file, self.q(vname), vf, kpos))
            ending_defs += [(file, e) for e in v.get("endings", ())]
            hook_defs += [(file, h) for h in v.get("hooks", ())]
            if file != manifest_file:
                scene_defs += [(file, v.get("chapter"), s) for s in v.get("scenes", ())]
        # the pack's own ids, qualified
        for cf in chapter_defs:
            cid = cf.values["id"]
            if any(c.id == cid for c in story.chapters):
                self.shadow(manifest_file, cf.line, cf.col, "chapter", cid, story.chapter(cid))
            self.local_chapters.add(self.q(cid))
            cf.values["id"] = self.q(cid)
        for file, e in ending_defs:
            eid = e.values["id"]
            if eid in story.endings:
                self.shadow(file, e.line, e.col, "ending", eid, story.endings[eid])
            self.local_endings.add(self.q(eid))
        unique = []
        for file, chapter, s in scene_defs:
            sid = s.values["id"]
            if sid in story.scenes:
                self.shadow(file, s.line, s.col, "scene", sid, story.scenes[sid])
            qid = self.q(sid)
            if qid in self.local_scenes:
                o = self.scene_ids[qid]
                self.err(
                    file,
                    s.line,
                    s.col,
                    f"duplicate scene id {sid!r}: also at {o[0]}:{o[1]}:{o[2]}",
                    E_DUP,
                )
                continue
            self.local_scenes.add(qid)
            self.scene_ids[qid] = (file, s.line, s.col)
            s.values["id"] = qid
            unique.append((file, chapter, s))
        scene_defs = unique

        self.build_variables(var_defs)
        for qname, idx in self.var_index.items():
            if qname in self.local_scenes:
                var = self.variables[idx]
                self.err(
                    var.file,
                    var.line,
                    var.col,
                    f"variable {qname.split('.', 1)[1]!r} has the name of a "
                    f"scene of the pack; rename one of them",
                    E_DUP,
                )
        chapters = list(story.chapters)
        for c in self.build_chapters(manifest_file, chapter_defs):
            chapters.append(Chapter(c.id, c.title, len(chapters), c.file, c.line, c.col))
        endings = dict(story.endings)
        for file, e in ending_defs:
            qid = self.q(e.values["id"])
            if qid in endings:
                other = endings[qid]
                self.err(
                    file,
                    e.line,
                    e.col,
                    f"duplicate ending id {e.values['id']!r}: also at {other.file}:{other.line}:{other.col}",
                    E_DUP,
                )
                continue
            endings[qid] = Ending(
                qid,
                e.values["title"],
                self.template(file, e.values["epilogue"]),
                file,
                e.line,
                e.col,
                tags_of(e.values),  # (tags are shared words, never qualified: win is win)
                e.values.get("hint"),
                e.values.get("world"),
            )
        chapter_ids = {c.id for c in chapters}
        scenes = dict(story.scenes)
        mine: list[Scene] = []
        for file, default_chapter, s in scene_defs:
            self.rewrite(s)
            scene = self.build_scene(
                file, self.ref(default_chapter, self.local_chapters), s, chapter_ids, endings
            )
            if scene is not None:
                scenes[scene.id] = scene
                mine.append(scene)
        added: list[Choice] = []
        for file, h in hook_defs:
            added += self.hook(file, h, scenes)
        self.scene_defs, self.hook_defs = scene_defs, hook_defs  # (for target_pos)
        for ch in [c for s in mine for c in s.exits] + added:
            for tgt in ch.targets:
                if tgt not in scenes:
                    self.err(
                        ch.file,
                        *self.target_pos(ch, tgt),
                        self.unknown("scene", tgt, self.names_for_hint(scenes)),
                        E_REF,
                    )
        policies = self.build_policies(
            manifest_file, manifest.values.get("policies", {}), scenes, chapter_ids
        )
        return story._replace(
            variables=tuple(self.variables),
            var_index=dict(self.var_index),
            chapters=tuple(chapters),
            endings=endings,
            scenes=scenes,
            policies=story.policies + tuple(policies),
        )

    # a policy of the pack is name.policy; its rules name the pack's scenes, chapters and
    # hooked choices (name.id) by their own ids, like everything else in the pack
    def policy_name(self, name: str) -> str:
        return self.q(name)

    def scene_ref(self, name: str) -> str:
        return str(self.ref(name, self.local_scenes))

    def chapter_ref(self, name: str) -> str:
        return str(self.ref(name, self.local_chapters))

    def choice_ref(self, cid: str, offered: Collection[str]) -> str:
        return self.q(cid) if "." not in cid and self.q(cid) in offered else cid

    def lint_levels(self, file: str, manifest: Fields) -> dict[str, str]:
        """The pack's `lints:`, each code named `name.CODE` as everything of
        the pack is outside it: `check` applies them to the findings in the
        pack's own files, over the story's levels (see lint_levels_for)."""
        out = {}
        for code, (level, (line, col)) in manifest.values.get("lints", {}).items():
            if re.fullmatch(r"RA\d{3}", code):
                out[self.q(code)] = level
            else:
                self.err(file, line, col, f"expected a lint code like RA105, got {code!r}")
        return out

    def names_for_hint(self, scenes: dict[str, Scene]) -> list[str]:
        pre = self.ns + "."
        return [s[len(pre) :] if s.startswith(pre) else s for s in scenes]

    def hook(self, file: str, h: Fields, scenes: dict[str, Scene]) -> list[Choice]:
        """Add a hook's choices to its scene; returns the choices added."""
        v = h.values
        target = self.ref(v["scene"], self.local_scenes)
        line, col = h.at("scene")
        scene = scenes.get(target)
        if scene is None:
            self.err(file, line, col, self.unknown("scene", target, scenes), E_REF)
            return []
        if scene.choices is None:
            how = "goes on by itself (next:)" if scene.next is not None else "is an ending"
            self.err(
                file,
                line,
                col,
                f"cannot hook choices into scene {target!r}: it {how}; "
                f"hook into a scene with choices",
                E_SCHEMA,
            )
            return []
        made: list[Choice] = []
        by_id = dict(scene.by_id)
        for cf in v["choices"]:
            self.rewrite(cf)
            cid = self.q(cf.values["id"])
            cf.values["id"] = cid
            ch = self.choice(file, cf, target, False)
            if ch is None:
                continue
            if cid in by_id:
                o = by_id[cid]
                self.err(
                    file,
                    cf.line,
                    cf.col,
                    f"duplicate choice id {cid!r} in scene {target!r}: also at {o.file}:{o.line}",
                    E_DUP,
                )
                continue
            by_id[cid] = ch
            made.append(ch)
        choices = list(scene.choices)
        at = len(choices)
        for key, shift in (("before", 0), ("after", 1)):
            if key in v:
                ids = [c.id for c in choices]
                if v[key] not in ids:
                    kl, kc = h.at(key)
                    self.err(
                        file,
                        kl,
                        kc,
                        f"scene {target!r} has no choice {v[key]!r} to put the new ones "
                        f"{key} (it has: {', '.join(ids)})",
                        E_REF,
                    )
                else:
                    at = ids.index(v[key]) + shift
        choices[at:at] = made
        scenes[target] = scene._replace(choices=tuple(choices), by_id=by_id)
        return made
