"""Load a story folder: read, parse strictly, validate, link and compile.

Phase one walks each file's YAML nodes with the format's schema. Phase two
links the files: duplicate ids, references, variables, expressions and text
templates. Every problem is collected; a story with any error raises
StoryLoadError listing them all, sorted by file and line.
"""

from __future__ import annotations

import gc
import hashlib
import re
from array import array
from collections.abc import Callable, Collection, Iterable, Sequence
from itertools import accumulate, repeat
from operator import add
from typing import Any, TypeAlias

from . import format as fmt
from . import memo as _memo
from .diagnostics import (
    E_DUP,
    E_EXPR,
    E_REF,
    E_SCHEMA,
    E_TEXT,
    Diagnostic,
    StoryLoadError,
)
from .expr import ANY, BOOL, INT, IR, NUMERIC, STR, TYPE_WORDS, Expr, ExprError, Resolver
from .expr import parse as parse_expr

# the loader's public names, also importable from here (`X as X`: re-exported)
from .files import MANIFEST_NAME as MANIFEST_NAME
from .files import MAX_FILES as MAX_FILES
from .files import MAX_TOTAL_BYTES as MAX_TOTAL_BYTES
from .files import _join
from .files import bundled_story_dir as bundled_story_dir
from .files import fmt_limit as fmt_limit
from .files import read_files as read_files
from .files import story_hash as story_hash
from .model import (
    ALWAYS,
    BUILTIN_POLICIES,
    Chapter,
    Choice,
    Display,
    Effect,
    Ending,
    HudBar,
    Policy,
    Rule,
    Scene,
    Story,
    StoryFile,
    Target,
    Variable,
)
from .schema import (
    INVALID,
    MAX_INT,
    Ctx,
    Fields,
    FileSource,
    Source,
    bool_hint,
    is_long_int,
    no_control,
    number_hint,
    pos,
    refused,
    scalar_value,
)
from .text import Branches, Template, TemplateError, parse_template
from .yamlio import compose, decode

RESERVED_NAMES = frozenset(
    ("turns", "true", "false", "True", "False", "and", "or", "not", "if", "else")
)

# What parsing an expression's source gives: (ir, type, names read), or the error
Parsed: TypeAlias = "tuple[IR, str, frozenset[str]] | ExprError"
# (file, variable name, its fields, (line, col) of its key)
VarDef: TypeAlias = "tuple[str, str, Fields, tuple[int, int]]"
# Where a choice or branch goes: (to, chance, success, failure)
Goto: TypeAlias = "tuple[str | None, Expr | None, str | None, str | None]"


def build_story(
    files: list[tuple[str, bytes]], display_root: str, root: str, digest: str | None = None
) -> Story:
    """Parse and link files into a Story. GC is paused meanwhile: the loader
    allocates many small objects that never form cycles worth collecting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Builder(display_root, root).build(files, digest or story_hash(files))
    finally:
        if enabled:
            gc.enable()


class _Builder:
    def __init__(self, display_root: str, root: str):
        self.display_root = display_root
        self.root = root
        self.errors: list[Diagnostic] = []
        # each file's text as read (the bytes given to build: a reference, not a
        # copy), or decoded (a pack's); and where its lines start, once needed
        self.texts: dict[str, str | bytes] = {}
        self.lines: dict[str, array[int]] = {}
        # one object for each equal value (see one): ints (the line numbers too, see
        # schema.Ctx), strs, and tuples and frozensets by their items' identity
        self.line_numbers: dict[int, int] = {}
        self.strs: dict[str, str] = {}
        self.tuples: dict[object, Any] = {}
        self.memo: dict[str, Parsed] = {}
        self.var_index: dict[str, int] = {}
        self.variables: list[Variable] = []
        self.scene_ids: dict[str, tuple[str, int, int]] = {}
        # files refused as a whole (bytes, YAML, anchors and aliases, the top
        # mapping): what they define is unknown, so references to scenes and
        # endings that are not found are not reported while there is one
        self.unread: list[str] = []
        # variables whose declaration has an error: declared all the same (with
        # their type when it is known), so what reads them adds no errors
        self.broken: set[str] = set()
        # the scenes and hooks, for the place of a wrong `to:` (see target_pos); build
        # drops each scene's Fields (None) once the scene is built
        self.scene_defs: Sequence[tuple[str, str | None, Fields | None]] = []
        self.hook_defs: list[tuple[str, Fields]] = []
        self._exit_fields: dict[tuple[str, int, int], Fields] | None = None
        # engine/memo.py, when on (set by build): the digests of the files read,
        # the names expressions can read once all are declared, and the templates
        # kept for each file under those names
        self.share = False
        self.digests: dict[str, str] = {}
        self.env: tuple[object, ...] | None = None
        self.kept_templates: dict[str, dict[object, object]] = {}

    # -- helpers -------------------------------------------------------
    def err(self, file: str, line: int, col: int, msg: str, code: str = E_SCHEMA) -> None:
        self.errors.append(Diagnostic(file, line, col, code, msg))

    def fname(self, rel: str) -> str:
        return _join(self.display_root, rel)

    # -- phase one -----------------------------------------------------
    def parse_file(self, rel: str, data: bytes) -> Fields | None:
        if not self.share:
            return self._parse_file(rel, data)
        file = self.fname(rel)
        digest = self.digests[file] = hashlib.blake2b(data, digest_size=20).hexdigest()
        kept = _memo.FILES.get(file)
        if kept is not None and kept[0] == digest:
            text, f, errors, unread = kept[1]  # type: ignore[misc]
        else:
            before = len(self.errors)
            f = self._parse_file(rel, data)
            text = self.texts.get(file)
            errors = tuple(self.errors[before:])
            del self.errors[before:]
            unread = file in self.unread
            _memo.FILES.put(file, (digest, (text, f, errors, unread)))
        if text is not None:
            self.texts[file] = text
        self.errors.extend(errors)
        if unread and file not in self.unread:
            self.unread.append(file)
        return f

    def _parse_file(self, rel: str, data: bytes) -> Fields | None:
        file = self.fname(rel)
        text, errs = decode(data, file)
        if text is None:
            self.errors.extend(errs)
            self.unread.append(file)
            return None
        self.texts[file] = data  # (the text is decoded again only where an error needs it)
        node, errs = compose(text, file)
        del text
        self.errors.extend(errs)
        if node is None:
            if errs:
                self.unread.append(file)
            elif rel == MANIFEST_NAME:
                self.err(
                    file,
                    1,
                    1,
                    "the manifest is empty: expected format, id, title, start and chapters",
                )
            return None
        # the Fields keep no nodes (see schema.FileSource): the file's nodes go when
        # this returns, before the next file is parsed
        ctx = Ctx(file, self.errors, FileSource(file, data), self.line_numbers, no_control(data))
        schema = fmt.MANIFEST if rel == MANIFEST_NAME else fmt.SCENE_FILE
        before = len(self.errors)
        f = schema.load(node, ctx)
        if not isinstance(f, Fields):
            if len(self.errors) == before:  # (the schema reports why; never unsaid)
                self.err(file, 1, 1, f"expected {schema.expected()}")
            self.unread.append(file)
            return None
        return f

    # -- phase two -----------------------------------------------------
    def build(self, files: list[tuple[str, bytes]], digest: str) -> Story:
        self.share = _memo.enabled()
        parsed = self.parse_files(files)
        manifest_file = self.fname(MANIFEST_NAME)
        manifest = parsed[0][1] if parsed and parsed[0][0] == manifest_file else None
        if manifest is None:
            if not any(d.file == manifest_file for d in self.errors):
                self.err(manifest_file, 1, 1, "the manifest could not be read")
            raise StoryLoadError(self.errors)
        mv = manifest.values
        version = mv.get("format", fmt.FORMAT_VERSION)
        if version != fmt.FORMAT_VERSION:
            line, col = manifest.at("format")
            newer = "newer than" if version > fmt.FORMAT_VERSION else "not"
            self.err(
                manifest_file,
                line,
                col,
                f"story format {version} is {newer} supported by this engine: expected {fmt.FORMAT_VERSION}",
            )

        # variables, chapters, endings, scenes: collect and check for duplicates
        var_defs, ending_defs, scene_defs = self.collect(parsed, manifest_file)
        self.build_variables(var_defs)
        if self.errors:  # declarations the schema refused are still names
            for file, f in parsed:
                self.declare_refused(file, f)
        # Without the memo (which keeps them for the next load), each scene's Fields
        # go once the scene is built: the model takes their place in memory, not
        # their room as well. (target_pos parses a file again if it needs them.)
        drop = not self.share
        if drop:
            del parsed
        self.scene_defs = scene_defs
        chapters = self.build_chapters(manifest_file, mv.get("chapters", ()))
        chapter_ids = {c.id for c in chapters}
        for file, _, sf in scene_defs:
            assert sf is not None
            sid = sf.values["id"]
            prev = self.scene_ids.get(sid)
            if prev is not None:
                self.err(
                    file,
                    sf.line,
                    sf.col,
                    f"duplicate scene id {sid!r}: also at {prev[0]}:{prev[1]}:{prev[2]}",
                    E_DUP,
                )
            else:
                self.scene_ids[sid] = (file, sf.line, sf.col)
        if self.share:
            self.keep_parses()
        for name, idx in self.var_index.items():
            if name in self.scene_ids:
                var = self.variables[idx]
                sfile, sl, sc = self.scene_ids[name]
                self.err(
                    var.file,
                    var.line,
                    var.col,
                    f"variable {name!r} has the name of a scene ({sfile}:{sl}:{sc}); in expressions a scene's "
                    f"name is its visit count, so rename one of them",
                    E_DUP,
                )

        endings: dict[str, Ending] = {}
        for file, e in ending_defs:
            ev = e.values
            eid = ev["id"]
            if eid in endings:
                o = endings[eid]
                self.err(
                    file,
                    e.line,
                    e.col,
                    f"duplicate ending id {eid!r}: also at {o.file}:{o.line}:{o.col}",
                    E_DUP,
                )
                continue
            epi = self.template(file, ev["epilogue"])
            endings[eid] = Ending(
                eid,
                ev["title"],
                epi,
                file,
                e.line,
                e.col,
                tags_of(ev),
                ev.get("hint"),
                ev.get("world"),
            )

        scenes: dict[str, Scene] = {}
        for i, (file, default_chapter, sf) in enumerate(scene_defs):
            assert sf is not None  # (dropped below, after its scene is built)
            scene = self.build_scene(file, default_chapter, sf, chapter_ids, endings)
            if scene is not None and scene.id not in scenes:
                scenes[scene.id] = scene
            if drop:
                scene_defs[i] = (file, default_chapter, None)

        # references to scenes, now that all are known
        for scene in scenes.values():
            for ch in scene.exits:
                for tgt in ch.targets:
                    if tgt not in scenes and tgt not in self.scene_ids and not self.unread:
                        self.err(
                            ch.file,
                            *self.target_pos(ch, tgt),
                            self.unknown("scene", tgt, self.scene_ids),
                            E_REF,
                        )
        start = mv.get("start")
        if start is not None and start not in self.scene_ids and not self.unread:
            line, col = manifest.at("start")
            self.err(
                manifest_file, line, col, self.unknown("start scene", start, self.scene_ids), E_REF
            )

        display = self.build_display(manifest_file, mv.get("display"))
        policies = self.build_policies(manifest_file, mv.get("policies", {}), scenes, chapter_ids)
        lint_levels = {}
        for code, (level, (line, col)) in mv.get("lints", {}).items():
            if re.fullmatch(r"RA\d{3}", code):
                lint_levels[code] = level
            else:
                self.err(manifest_file, line, col, f"expected a lint code like RA105, got {code!r}")

        if self.errors:
            raise StoryLoadError(self.errors)
        assert start is not None  # (a required key: a manifest without it is not read)
        story_files = tuple(StoryFile(rel, hashlib.sha256(data).hexdigest()) for rel, data in files)
        story = Story(
            id=mv["id"],
            title=mv["title"],
            author=mv.get("author", ""),
            start=start,
            variables=tuple(self.variables),
            chapters=tuple(chapters),
            endings=endings,
            scenes=scenes,
            display=display,
            files=story_files,
            hash=digest,
            root=self.root,
            lint_levels=lint_levels,
            var_index=dict(self.var_index),
            policies=tuple(policies),
        )
        if "balance" in mv:  # (checked against the story: its policies, tags and scenes)
            story = story._replace(balance=self.build_targets(manifest_file, mv["balance"], story))
            if self.errors:
                raise StoryLoadError(self.errors)
        return story

    def parse_files(self, files: list[tuple[str, bytes]]) -> list[tuple[str, Fields]]:
        """Phase one: each file's Fields (a file refused as a whole has none).
        (A method: no local of the caller holds a file's Fields after build
        drops them.)"""
        parsed: list[tuple[str, Fields]] = []
        for rel, data in files:
            f = self.parse_file(rel, data)
            if f is not None:
                parsed.append((self.fname(rel), f))
        return parsed

    def collect(
        self, parsed: list[tuple[str, Fields]], manifest_file: str
    ) -> tuple[list[VarDef], list[tuple[str, Fields]], list[tuple[str, str | None, Fields | None]]]:
        """The variables, endings and scenes of the files, in order."""
        var_defs: list[VarDef] = []
        ending_defs: list[tuple[str, Fields]] = []
        scene_defs: list[tuple[str, str | None, Fields | None]] = []
        for file, f in parsed:
            v = f.values
            for name, (vf, kpos) in v.get("variables", {}).items():
                var_defs.append((file, name, vf, kpos))
            for e in v.get("endings", ()):
                ending_defs.append((file, e))
            if file != manifest_file:
                chapter = v.get("chapter")
                for s in v.get("scenes", ()):
                    scene_defs.append((file, chapter, s))
        return var_defs, ending_defs, scene_defs

    def scenes_again(self, file: str) -> list[Fields]:
        """The scenes of a file parsed again, as parse_file read them (for
        target_pos, once build has dropped them: an error path)."""
        data = self.texts.get(file)
        if data is None:
            return []
        text = data if isinstance(data, str) else decode(data, file)[0]
        node = compose(text, file)[0] if text is not None else None
        if node is None:
            return []
        f = fmt.SCENE_FILE.load(node, Ctx(file, [], FileSource(file, data)))
        return list(f.values.get("scenes", ())) if isinstance(f, Fields) else []

    def target_pos(self, ch: Choice, target: str) -> tuple[int, int]:
        """Where a choice or branch names `target`: its `to:`, `success:` or
        `failure:`. Looked up only on this error path, from the Fields of the
        scenes' choices and branches and of the hooks' choices."""
        index = self._exit_fields
        if index is None:
            index = self._exit_fields = {}
            owners: list[tuple[str, Fields]] = []
            again: set[str] = set()
            for file, _, sf in self.scene_defs:
                if sf is not None:
                    owners.append((file, sf))
                elif file not in again:  # (dropped: every scene of the file was)
                    again.add(file)
                    owners += [(file, f) for f in self.scenes_again(file)]
            owners += self.hook_defs
            for file, f in owners:
                nxt = f.values.get("next")
                for cf in [*f.values.get("choices", ()), *(nxt if isinstance(nxt, list) else ())]:
                    index[(file, cf.line, cf.col)] = cf
        cf = index.get((ch.file, ch.line, ch.col))
        if cf is not None:
            for key in ("to", "success", "failure"):
                if cf.values.get(key) == target:
                    return cf.at(key)
        return ch.line, ch.col

    def unknown(self, what: str, name: str, known: Iterable[str]) -> str:
        import difflib

        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown {what} {name!r}{hint}"

    # -- variables -----------------------------------------------------
    def build_variables(self, defs: Iterable[VarDef]) -> None:
        for file, name, f, (kline, kcol) in defs:
            v = f.values
            if name in self.var_index:
                o = self.variables[self.var_index[name]]
                self.err(
                    file,
                    kline,
                    kcol,
                    f"duplicate variable {name!r}: also at {o.file}:{o.line}:{o.col}",
                    E_DUP,
                )
                continue
            if name in RESERVED_NAMES:
                self.err(
                    file, kline, kcol, f"{name!r} is a reserved word and cannot name a variable"
                )
                continue
            typ = v["type"]
            lo, hi = v.get("min"), v.get("max")
            if typ != INT and (lo is not None or hi is not None):
                self.err(
                    file, f.line, f.col, f"min and max are for int variables; {name!r} is {typ}"
                )
                lo = hi = None
            if lo is not None and hi is not None and lo > hi:
                self.err(file, *f.at("min"), f"min ({lo}) is greater than max ({hi})")
            default = self.default_value(file, name, typ, v["default"], lo, hi)
            if default is INVALID:  # (reported) still a variable, of its type
                self.broken.add(name)
                default = None
            label = v.get("label", name)
            shown = v.get("shown") is True
            self.declare(Variable(name, typ, default, lo, hi, label, 0, file, kline, kcol, shown))

    def declare(self, var: Variable) -> None:
        idx = len(self.variables)
        self.var_index[var.name] = idx
        self.variables.append(var._replace(index=idx))

    def declare_refused(self, file: str, f: Fields) -> None:
        """Declare the variables of a file that the schema refused (an
        unknown type, a key missing or misspelt: each reported), with the
        type and range they give if those can be read, so that what reads
        one does not add "unknown name" or a type error of its own. Only on
        the error path: the story is not built."""
        for name, given, (line, col) in refused(f.kept("variables"), f.values.get("variables", {})):
            if name in self.var_index or name in RESERVED_NAMES:
                continue
            typ = given.get("type")
            if typ not in (INT, BOOL, STR):
                typ = ANY
            lo, hi = (
                (_bound(given.get("min")), _bound(given.get("max"))) if typ == INT else (None, None)
            )
            self.broken.add(name)
            self.declare(Variable(name, typ, None, lo, hi, name, 0, file, line, col))

    def default_value(
        self, file: str, name: str, typ: str, src: Source, lo: int | None, hi: int | None
    ) -> Any:  # the value (of the variable's type), or INVALID
        if typ == STR:
            return src.text
        if typ == INT and is_long_int(src):
            self.err(
                file,
                src.line,
                src.col,
                f"the default of {name!r} must be between {-MAX_INT} and {MAX_INT}, "
                f"got a number {len(src.text.lstrip('+-'))} digits long",
            )
            return INVALID
        value = scalar_value(src)
        if typ == BOOL:
            if not isinstance(value, bool) or not src.plain:
                self.err(
                    file,
                    src.line,
                    src.col,
                    f"the default of {name!r} must be true or false, got {src.text!r}"
                    f"{bool_hint(src.text, src.plain)}",
                )
                return INVALID
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not src.plain:
            self.err(
                file,
                src.line,
                src.col,
                f"the default of {name!r} must be a whole number, got {src.text!r}"
                f"{number_hint(src.text, src.plain)}",
            )
            return INVALID
        if abs(value) > MAX_INT:
            self.err(
                file,
                src.line,
                src.col,
                f"the default of {name!r} must be between {-MAX_INT} and {MAX_INT}, got {value}",
            )
            return INVALID
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.err(
                file,
                src.line,
                src.col,
                f"the default of {name!r} ({value}) is outside its range {lo}..{hi}",
            )
            return INVALID
        return value

    def build_chapters(self, file: str, defs: Iterable[Fields]) -> list[Chapter]:
        out: list[Chapter] = []
        seen: dict[str, Chapter] = {}
        for f in defs:
            cid = f.values["id"]
            if cid in seen:
                o = seen[cid]
                self.err(
                    file,
                    f.line,
                    f.col,
                    f"duplicate chapter id {cid!r}: also at line {o.line}",
                    E_DUP,
                )
                continue
            c = Chapter(cid, f.values["title"], len(out), file, f.line, f.col)
            seen[cid] = c
            out.append(c)
        return out

    # -- expressions and text ------------------------------------------
    def resolve(self, name: str) -> tuple[IR, str] | None:
        i = self.var_index.get(name)
        if i is not None:
            return ("var", i), self.variables[i].type
        if name in self.scene_ids:
            return ("visits", name), INT
        if name == "turns":
            return ("turns",), INT
        return None

    def names(self) -> list[str]:
        return list(self.var_index) + list(self.scene_ids) + ["turns"]

    def keep_parses(self) -> None:
        """With engine/memo.py on, now that every name is declared: share
        expressions' parses with earlier loads under the same names (those
        made while declaring are kept as they were: a load gives what it would
        without the memo)."""
        self.env = (
            tuple((v.name, v.type) for v in self.variables),
            frozenset(self.scene_ids),
        )
        shared = _memo.EXPRESSIONS.get(self.env)
        if shared is None:
            shared = _memo.EXPRESSIONS.put(self.env, {})
        shared.update(self.memo)
        self.memo = shared  # type: ignore[assignment]

    def parse_cached(self, source: str) -> Parsed:
        r = self.memo.get(source)
        if r is None:
            resolver = self.resolve
            try:
                ir, typ, reads = parse_expr(source, _Resolver(resolver, self.names))
                r = (self.one(ir), typ, self.one(reads))
            except ExprError as e:
                r = e
            self.memo[source] = r
        return r

    def one(self, o: Any) -> Any:
        """`o` (an expression's tree, what it reads, a word), with each str,
        int, tuple and frozenset in it one object for every equal value in
        the load (as cache.shared makes them: keyed by type, and a tuple by
        its items' identity, so that (1,) is not (True,))."""
        t = o.__class__
        if t is str:
            return self.strs.setdefault(o, o)
        if t is int:
            return self.line_numbers.setdefault(o, o)
        if t is not tuple and t is not frozenset:
            return o
        strs, ints, one = self.strs.setdefault, self.line_numbers.setdefault, self.one
        items = []
        for x in o:
            c = x.__class__
            items.append(
                strs(x, x)
                if c is str
                else ints(x, x)
                if c is int
                else one(x)
                if c is tuple or c is frozenset
                else x
            )
        if t is tuple:
            new = tuple(items)
            return self.tuples.setdefault(tuple(map(id, new)), new)
        news = frozenset(items)
        return self.tuples.setdefault(frozenset(map(id, news)), news)

    def expr(
        self, file: str, src: Source, want: str | tuple[str, ...] | None, what: str
    ) -> Expr | None:
        """Compile an expression; `want` is a type or a tuple of types."""
        r = self.parse_cached(src.text)
        shift = 0 if src.plain else 1
        if isinstance(r, ExprError):
            self.err(file, src.line, src.col + shift + r.offset, f"{what}: {r.msg}", E_EXPR)
            return None
        ir, typ, reads = r
        if want is not None and typ != want and not (want.__class__ is tuple and typ in want):
            if typ == ANY or want == ANY:  # a broken variable's: its error is said
                return None
            wanted = " or ".join(
                TYPE_WORDS[w] for w in (want if isinstance(want, tuple) else (want,))
            )
            self.err(
                file,
                src.line,
                src.col + shift,
                f"{what} must be {wanted}, but {src.text.strip()!r} is {TYPE_WORDS[typ]}",
                E_EXPR,
            )
            return None
        return Expr(self.word(src.text.strip()), ir, typ, reads, file, src.line, src.col + shift)

    def word(self, text: str) -> str:
        """One object for each expression source (a story repeats them)."""
        return self.strs.setdefault(text, text)

    def indent_of(self, file: str, line: int) -> int:
        """The indentation of a line of a file (for columns inside block text)."""
        starts = self.lines.get(file)
        text = self.texts.get(file, "")
        if starts is None:
            starts = self.lines[file] = _line_starts(text)
        if 0 < line < len(starts):
            i = starts[line - 1]
            m = _SPACES.match(text, i) if isinstance(text, str) else _SPACES_B.match(text, i)
            return m.end() - i if m else 0
        return 0

    def template(self, file: str, src: Source) -> Template:
        if self.env is None:
            return self._template(file, src)
        kept = self.kept_templates.get(file)
        if kept is None:
            digest = self.digests.get(file, "")
            old = _memo.TEMPLATES.get(file)
            if old is not None and old[0] == self.env and old[1] == digest:
                kept = old[2]
            else:
                kept = {}
                _memo.TEMPLATES.put(file, (self.env, digest, kept))
            self.kept_templates[file] = kept
        key = (src.line, src.col, src.style, src.plain, src.text)
        hit = kept.get(key)
        if hit is None:
            before = len(self.errors)
            hit = kept[key] = (self._template(file, src), tuple(self.errors[before:]))
        else:
            self.errors.extend(hit[1])  # type: ignore[index]
        return hit[0]  # type: ignore[index,no-any-return]

    def _template(self, file: str, src: Source) -> Template:
        text = src.text
        block = src.style in ("|", ">")

        def position(offset: int) -> tuple[int, int]:
            if not block:
                return src.line, src.col + (0 if src.plain else 1) + offset
            line = src.line + 1 + text.count("\n", 0, offset)
            col_in = offset - (text.rfind("\n", 0, offset) + 1)
            indent = self.indent_of(file, line)
            return self.line_numbers.setdefault(line, line), indent + col_in + 1

        def compile_expr(source: str, offset: int, want: str | None) -> Expr:
            r = self.parse_cached(source)
            if isinstance(r, ExprError):
                raise r
            ir, typ, reads = r
            if want is not None and typ != want and typ != ANY:
                raise ExprError(
                    f"a condition must be true/false, but {source.strip()!r} is {TYPE_WORDS[typ]}"
                )
            line, col = position(offset)
            return Expr(self.word(source.strip()), ir, typ, reads, file, line, col)

        try:
            t = parse_template(text, compile_expr)
        except TemplateError as e:
            line, col = position(e.offset)
            self.err(file, line, col, f"in text: {e.msg}", E_TEXT)
            return Template((text,), text, ())
        if t.plain is None:
            t.parts = self.parts_once(t.parts)
        return t

    def parts_once(self, parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """A varying text's parts with each piece of text one object for every
        equal piece (see one), and so each tuple of pieces only, and each
        {else} branch of one. (A plain text is left as it is: a story seldom
        repeats one, and the table of them would cost more than it saves.)"""
        out = []
        texts_only = True
        for p in parts:
            c = p.__class__
            if c is str:
                p = self.strs.setdefault(p, p)
            else:
                texts_only = False
                if c is Branches:
                    p = Branches(self.branch_once(cond, sub) for cond, sub in p)
            out.append(p)
        new = tuple(out)
        if texts_only:
            return self.tuples.setdefault(tuple(map(id, new)), new)  # type: ignore[no-any-return]
        return new

    def branch_once(self, cond: Expr | None, sub: tuple[Any, ...]) -> tuple[Any, ...]:
        sub = self.parts_once(sub)
        if cond is not None:
            return (cond, sub)
        # (keyed by the identity of a tuple the table holds: alive while the key is)
        return self.tuples.setdefault(("else", id(sub)), (None, sub))  # type: ignore[no-any-return]

    def effects(self, file: str, values: dict[str, Any]) -> tuple[Effect, ...]:
        if "set" not in values and "add" not in values and "subtract" not in values:
            return ()
        out: list[Effect] = []
        for op in ("set", "add", "subtract"):
            if op not in values:
                continue
            for name, (src, (kline, kcol)) in values[op].items():
                i = self.var_index.get(name)
                if i is None:
                    self.err(
                        file, kline, kcol, self.unknown("variable", name, self.var_index), E_REF
                    )
                    continue
                var = self.variables[i]
                if op != "set" and var.type != INT and var.type != ANY:
                    self.err(
                        file, kline, kcol, f"'{op}' works on int variables; {name!r} is {var.type}"
                    )
                    continue
                value: Expr | None
                if var.type == STR:
                    value = Expr(
                        repr(src.text),
                        ("const", src.text),
                        STR,
                        frozenset(),
                        file,
                        src.line,
                        src.col,
                    )
                else:
                    value = self.expr(file, src, var.type, f"the value for {name!r}")
                    if value is None:
                        continue
                lo: int | None = var.min if var.min is not None else -MAX_INT
                hi: int | None = var.max if var.max is not None else MAX_INT
                if var.type != INT:
                    lo = hi = None
                out.append(Effect(op, i, name, value, lo, hi, kline, kcol))
        return tuple(out)

    # -- scenes --------------------------------------------------------
    def goto(self, file: str, f: Fields, what: str) -> Goto | None:
        v = f.values
        has_to = "to" in v
        has_chance = "chance" in v or "success" in v or "failure" in v
        if has_to and has_chance:
            self.err(
                file,
                f.line,
                f.col,
                f"{what} has both 'to' and a chance check: expected one of them",
            )
            return None
        if has_to:
            return v["to"], None, None, None
        if not has_chance:
            self.err(
                file, f.line, f.col, f"{what} needs 'to' (or 'chance' with 'success' and 'failure')"
            )
            return None
        missing = [k for k in ("chance", "success", "failure") if k not in v]
        if missing:
            self.err(
                file,
                f.line,
                f.col,
                f"{what}'s chance check is missing {' and '.join(repr(m) for m in missing)}",
            )
            return None
        odds = self.expr(file, v["chance"], NUMERIC, "the odds of a chance check")
        if odds is None:
            return None
        return None, odds, v["success"], v["failure"]

    def choice(self, file: str, f: Fields, sid: str, branch: bool) -> Choice | None:
        v = f.values
        cid = "" if branch else v["id"]
        what = f"branch of {sid!r}" if branch else f"choice {cid!r}"
        cond = None
        if "if" in v:
            cond = self.expr(file, v["if"], BOOL, "a condition")
        text = None if branch else self.template(file, v["text"])
        effects = self.effects(file, v)
        g = self.goto(file, f, what)
        if g is None:
            return None
        once, flavour = bool(v.get("once", False)), bool(v.get("flavour", False))
        return Choice(cid, text, cond, once, effects, *g, file, f.line, f.col, flavour)

    def build_scene(
        self,
        file: str,
        default_chapter: str | None,
        f: Fields,
        chapter_ids: Collection[str],
        endings: dict[str, Ending],
    ) -> Scene | None:
        v = f.values
        sid = v["id"]
        chapter = v.get("chapter", default_chapter)
        if chapter is None:
            self.err(
                file,
                f.line,
                f.col,
                f"scene {sid!r} has no chapter: give the file a 'chapter:' or the scene one",
            )
        elif chapter not in chapter_ids:
            line, col = f.at("chapter")
            self.err(file, line, col, self.unknown("chapter", chapter, chapter_ids), E_REF)
        text = self.template(file, v["text"])
        effects = self.effects(file, v)
        choices: tuple[Choice, ...] | None
        nxt: tuple[Choice, ...] | None
        choices = nxt = None
        ending = None
        by_id: dict[str, Choice] = {}
        if "choices" in v:
            out = []
            for cf in v["choices"]:
                ch = self.choice(file, cf, sid, False)
                if ch is None:
                    continue
                if ch.id in by_id:
                    o = by_id[ch.id]
                    self.err(
                        file,
                        cf.line,
                        cf.col,
                        f"duplicate choice id {ch.id!r} in scene {sid!r}: also at line {o.line}",
                        E_DUP,
                    )
                    continue
                by_id[ch.id] = ch
                out.append(ch)
            choices = tuple(out)
        elif "next" in v:
            n = v["next"]
            if isinstance(n, str):
                line, col = f.at("next")
                nxt = (Choice("", None, None, False, (), n, None, None, None, file, line, col),)
            else:
                nxt = tuple(
                    b for b in (self.choice(file, bf, sid, True) for bf in n) if b is not None
                )
        else:
            ending = v["ending"]
            if ending not in endings and not self.unread:
                line, col = f.at("ending")
                self.err(file, line, col, self.unknown("ending", ending, endings), E_REF)
        return Scene(
            sid,
            chapter or "",
            v.get("title"),
            text,
            effects,
            choices,
            nxt,
            ending,
            file,
            f.line,
            f.col,
            by_id,
        )

    # -- display -------------------------------------------------------
    def build_display(self, file: str, f: Fields | None) -> Display:
        if f is None:
            return Display()
        v = f.values

        def bar_var(name: str, line: int, col: int, what: str) -> bool:
            i = self.var_index.get(name)
            if i is None:
                self.err(file, line, col, self.unknown("variable", name, self.var_index), E_REF)
                return False
            var = self.variables[i]
            if name in self.broken:  # (its declaration's error is said)
                return False
            if var.type != INT or var.min is None or var.max is None:
                self.err(
                    file, line, col, f"{what} {name!r} must be an int variable with min and max"
                )
                return False
            return True

        def bar(b: str | Fields, line: int, col: int, what: str) -> HudBar | None:
            """A bar written `name` or `{var: name, when: condition}`."""
            if isinstance(b, str):
                return HudBar(b, None) if bar_var(b, line, col, what) else None
            bv = b.values
            when = self.expr(file, bv["when"], BOOL, f"a {what}'s 'when'") if "when" in bv else None
            return HudBar(bv["var"], when) if bar_var(bv["var"], b.line, b.col, what) else None

        sidebar = []
        for b in v.get("sidebar", ()):
            line, col = f.at("sidebar")
            sb = bar(b, line, col, "sidebar bar")
            if sb is not None:
                sidebar.append(sb)
        hud_when = hud_round = None
        bars: list[HudBar] = []
        hud = v.get("hud")
        if hud is not None:
            hv = hud.values
            if "when" in hv:
                hud_when = self.expr(file, hv["when"], BOOL, "the HUD's 'when'")
            if "round" in hv:
                line, col = hud.at("round")
                i = self.var_index.get(hv["round"])
                if hv["round"] in self.broken:
                    pass  # (its declaration's error is said)
                elif i is None or self.variables[i].type != INT:
                    self.err(
                        file,
                        line,
                        col,
                        f"the HUD's round {hv['round']!r} must be an int variable",
                        E_REF,
                    )
                else:
                    hud_round = hv["round"]
            for b in hv.get("bars", ()):
                line, col = hud.at("bars")
                hb = bar(b, line, col, "HUD bar")
                if hb is not None:
                    bars.append(hb)
        return Display(tuple(sidebar), hud_when, hud_round, tuple(bars))

    # -- policies and balance targets (rocky-adventure balance) --------
    def policy_name(self, name: str) -> str:
        return name

    def scene_ref(self, name: str) -> str:
        return name

    def chapter_ref(self, name: str) -> str:
        return name

    def choice_ref(self, cid: str, offered: Collection[str]) -> str:
        return cid

    def build_policies(
        self,
        file: str,
        defs: dict[str, tuple[Fields, tuple[int, int]]],
        scenes: dict[str, Scene],
        chapter_ids: Collection[str],
    ) -> list[Policy]:
        out: list[Policy] = []
        for name, (f, (kline, kcol)) in defs.items():
            if name in BUILTIN_POLICIES:
                self.err(
                    file,
                    kline,
                    kcol,
                    f"{name!r} is a built-in policy ({', '.join(BUILTIN_POLICIES)}): "
                    f"give yours another name",
                    E_DUP,
                )
                continue
            v = f.values
            rules = []
            for rf in v.get("rules", ()):
                rule = self.policy_rule(file, rf, scenes, chapter_ids)
                if rule is not None:
                    rules.append(rule)
            out.append(
                Policy(
                    self.policy_name(name),
                    v.get("description", ""),
                    v.get("fallback", "random"),
                    tuple(rules),
                    file,
                    kline,
                    kcol,
                )
            )
        return out

    def policy_rule(
        self, file: str, f: Fields, scenes: dict[str, Scene], chapter_ids: Collection[str]
    ) -> Rule | None:
        v = f.values
        ok = True
        chapter = self.chapter_ref(v["chapter"]) if "chapter" in v else None
        scene_id = self.scene_ref(v["scene"]) if "scene" in v else None
        known = True  # the scene and the chapter named exist (else prefer cannot be checked)
        if chapter is not None and chapter not in chapter_ids:
            self.err(file, *f.at("chapter"), self.unknown("chapter", chapter, chapter_ids), E_REF)
            known = False
        scene = scenes.get(scene_id) if scene_id is not None else None
        if scene_id is not None and scene is None:
            if not self.unread:
                self.err(file, *f.at("scene"), self.unknown("scene", scene_id, scenes), E_REF)
            known = False
        elif scene is not None and chapter is not None and scene.chapter != chapter:
            self.err(
                file,
                *f.at("scene"),
                f"scene {scene_id!r} is in chapter {scene.chapter!r}, not {chapter!r}: "
                f"the rule could never apply",
                E_REF,
            )
            ok = False
        when = None
        if "when" in v:
            when = self.expr(file, v["when"], BOOL, "a policy rule's 'when'")
            ok = ok and when is not None
        # the choice ids the rule can take: the scene's, the chapter's or the story's
        if scene is not None:
            where, offered = f"scene {scene_id!r}", set(scene.by_id)
        elif chapter is not None:
            where = f"chapter {chapter!r}"
            offered = {
                c.id for s in scenes.values() if s.chapter == chapter for c in s.choices or ()
            }
        else:
            where, offered = "the story", {c.id for s in scenes.values() for c in s.choices or ()}
        written = v["prefer"]
        prefer: list[str] = []
        for i, cid in enumerate(written):
            cid = self.choice_ref(cid, offered)
            if cid not in offered:
                if known:
                    node = f.node("prefer")
                    items = node.value if node is not None else ()
                    line, col = pos(items[i]) if len(items) == len(written) else f.at("prefer")
                    self.err(file, line, col, unknown_choice(cid, where, offered), E_REF)
                ok = False
            elif cid not in prefer:
                prefer.append(cid)
        if not (ok and known):
            return None
        return Rule(when, chapter, scene_id, tuple(prefer), file, f.line, f.col)

    def build_targets(self, file: str, defs: list[Fields], story: Story) -> tuple[Target, ...]:
        from .start import Start, StartError, parse_value

        names = [p.name for p in story.policies]
        tags = sorted({t for e in story.endings.values() for t in e.tags})
        choice_ids = {c.id for s in story.scenes.values() for c in s.choices or ()}
        out: list[Target] = []
        for f in defs:
            v = f.values
            before = len(self.errors)
            policy = v["policy"]
            if policy.startswith(ALWAYS):
                cid = policy[len(ALWAYS) :]
                if cid not in choice_ids:
                    self.err(file, *f.at("policy"), unknown_choice(cid, "the story", choice_ids))
            elif policy not in names and policy not in BUILTIN_POLICIES:
                known = [*names, *BUILTIN_POLICIES]
                msg = self.unknown("policy", policy, known)
                self.err(
                    file,
                    *f.at("policy"),
                    f"{msg}: expected one of {', '.join(known)} or always:CHOICE_ID",
                    E_REF,
                )
            tag, ending = v.get("tag"), v.get("ending")
            if tag is not None and tag not in tags:
                msg = self.unknown("tag", tag, tags)
                has = f"the tags are {', '.join(tags)}" if tags else "no ending has tags"
                self.err(file, *f.at("tag"), f"{msg}: no ending has it ({has})", E_REF)
            if ending is not None and ending not in story.endings:
                self.err(
                    file, *f.at("ending"), self.unknown("ending", ending, story.endings), E_REF
                )
            lo = self.percent(file, v["at_least"]) if "at_least" in v else None
            hi = self.percent(file, v["at_most"]) if "at_most" in v else None
            if "at_least" not in v and "at_most" not in v:
                self.err(
                    file, f.line, f.col, "a balance target needs at_least or at_most (or both)"
                )
            elif lo is not None and hi is not None and lo > hi:
                self.err(file, *f.at("at_most"), f"at_most ({hi:g}) is below at_least ({lo:g})")
            runs = v.get("runs")
            if runs is not None and not 1 <= runs <= MAX_TARGET_RUNS:
                self.err(
                    file,
                    *f.at("runs"),
                    f"runs must be from 1 to {MAX_TARGET_RUNS:,}, got {runs}",
                )
            scene: str | None = None
            values: list[tuple[str, str]] = []
            start: Fields | None = v.get("start")
            if start is not None:
                sv = start.values
                scene = sv.get("scene")
                try:
                    Start.parse(story, scene)
                except StartError as e:
                    self.err(file, *start.at("scene"), f"the target's start: {e}", E_REF)
                for name, (src, (kline, kcol)) in sv.get("set", {}).items():
                    try:
                        parse_value(story, name, src.text)
                    except StartError as e:
                        self.err(file, kline, kcol, f"the target's start: {e}")
                    values.append((name, src.text))
            if len(self.errors) == before:
                out.append(
                    Target(
                        policy, tag, ending, lo, hi, runs, scene, tuple(values), file, f.line, f.col
                    )
                )
        return tuple(out)

    def percent(self, file: str, src: Source) -> float | None:
        value = scalar_value(src) if src.plain else None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            self.err(
                file, src.line, src.col, f"expected a percentage from 0 to 100, got {src.text!r}"
            )
            return None
        return value


MAX_TARGET_RUNS = 1_000_000
_SPACES, _SPACES_B = re.compile(" *"), re.compile(b" *")


def _line_starts(text: str | bytes) -> array[int]:
    """Where each line of a text starts, and (last) its length plus one."""
    lines = text.split("\n" if isinstance(text, str) else b"\n")  # type: ignore[arg-type]
    return array("i", accumulate(map(add, map(len, lines), repeat(1)), initial=0))


def tags_of(values: dict[str, Any]) -> tuple[str, ...]:
    """An ending's tags, each once, in the order written."""
    return tuple(dict.fromkeys(values.get("tags", ())))


def unknown_choice(cid: str, where: str, offered: Collection[str]) -> str:
    import difflib

    if not offered:
        return f"unknown choice {cid!r}: {where} has no choices"
    close = difflib.get_close_matches(cid, sorted(offered), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown choice {cid!r} in {where}{hint}"


def _bound(text: str | None) -> int | None:
    """A broken declaration's min or max, if it is a plain whole number."""
    if text is None or not re.fullmatch(r"[-+]?[0-9]{1,12}", text):
        return None
    return int(text)


class _Resolver:
    """The name resolver handed to the expression parser; `names` feeds the
    did-you-mean hint."""

    __slots__ = ("fn", "names")

    def __init__(self, fn: Resolver, names: Callable[[], list[str]]):
        self.fn = fn
        self.names = names

    def __call__(self, name: str) -> tuple[IR, str] | None:
        return self.fn(name)
