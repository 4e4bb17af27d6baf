"""The load cache: a validated Story kept in the user cache dir, keyed by
the story files' content hash and the engine version.

Entries are pickles read back with an unpickler that only knows the story
model's own classes, so a corrupt or tampered cache file cannot run code.
Then an entry is checked against what it claims to be (`sound`): the
story's hash must be the key it was looked up by, its files (each path and
sha256) exactly the files just read from the folder, and its structure must
be one the engine can play: every reference resolves, every expression and
text template is well formed, of the types the engine relies on, and
bounded in depth and size. An object graph built from the allowed classes
that is not a story the loader built therefore cannot crash or hang the
engine. An entry that fails any check is ignored: a cache miss, and the
story is loaded from its YAML again (which writes a good entry over it)."""

from __future__ import annotations

import gc
import os
import pickle
import stat
import tempfile
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, compress, repeat
from operator import attrgetter, is_, is_not, le, not_
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .. import __version__
from .files import _OPEN_FLAGS

if TYPE_CHECKING:
    from .model import Story

_PathLike = str | os.PathLike[str]

CACHE_FORMAT = 4  # 2: equal values stored once (see shared); 3: Variable.shown;
# 4: Display.sidebar_bars (with `when`), Ending.hint and Ending.world
_MAGIC = b"RAC1"
_TEMP_PREFIX, _TEMP_SUFFIX = ".tmp-", ".pickle"  # an entry being written
STALE_TEMP_SECONDS = 300.0  # a temp file older than this was left by a writer that was killed
_ALLOWED = {
    ("rocky_adventure.engine.model", name)
    for name in (
        "Variable",
        "Chapter",
        "Ending",
        "Effect",
        "Choice",
        "Scene",
        "HudBar",
        "Display",
        "StoryFile",
        "PackInfo",
        "Story",
        "Rule",
        "Policy",
        "Target",
    )
} | {
    ("rocky_adventure.engine.expr", "Expr"),
    ("rocky_adventure.engine.text", "Template"),
    ("rocky_adventure.engine.text", "Branches"),
    ("builtins", "frozenset"),
    ("builtins", "set"),
}


def default_cache_dir() -> Path:
    env = os.environ.get("ROCKY_ADVENTURE_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("rocky-adventure", appauthor=False)) / "stories"


def _path(digest: str, cache_dir: _PathLike | None) -> Path:
    d = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return d / f"{digest[:40]}-{__version__}-{CACHE_FORMAT}.pickle"


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the story cache")


def load_cached(
    digest: str,
    cache_dir: _PathLike | None = None,
    files: Sequence[tuple[str, str]] | None = None,
    size: int | None = None,
) -> Story | None:
    """The story kept under `digest`, or None. `files` are the (relative
    path, sha256) of the files just read and `size` their bytes in all
    (files.scan_story gives both): an entry is used only when it matches
    them and is sound (see the module's docstring); without them nothing can
    be checked, and nothing is used. The entry is unpickled as the file is
    read (never the whole file in memory as well as the story), and only
    from a regular file: opened without blocking, so a FIFO in its place
    cannot hang the game."""
    if files is None or size is None:
        return None
    from .model import Story

    try:
        fd = os.open(_path(digest, cache_dir), _OPEN_FLAGS)
    except OSError:
        return None
    enabled = gc.isenabled()
    gc.disable()
    try:
        with open(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode) or f.read(len(_MAGIC)) != _MAGIC:
                return None
            story = _SafeUnpickler(f).load()
        if not isinstance(story, Story) or not sound(story, digest, files, size):
            return None
    except Exception:  # a corrupt (or unreadable) cache entry is only a cache miss
        return None
    finally:
        if enabled:
            gc.enable()
    return story


def shared(story: Story) -> Story:
    """A copy of `story` in which equal strings, integers and tuples are one
    object: a story repeats its ids, names, expression sources and
    expression trees many times over (some 20% of its memory), and a pickle
    keeps each object it is given, so the cache stores them once and every
    load from it shares them. Only immutable values are merged; an object
    the story reaches twice stays one object. (The loader now builds its
    story so, and store_cached writes it as it is: this copy is for
    checking that, and for a story built otherwise.)"""
    return cast("Story", _Sharing().copy(story))  # (a copy has the type of its original)


class _Sharing:
    """One `shared` copy. (A class, not a closure: a nested function that
    calls itself is a reference cycle, and would keep every object of the
    walk until the next full collection.)"""

    def __init__(self) -> None:
        from .expr import Expr
        from .text import Template

        self.stateful = (Expr, Template)
        self.values: dict[
            tuple[type, Any], Any
        ] = {}  # (type, value), or for a tuple (type, its items' ids) -> the one object
        self.copies: dict[
            int, tuple[Any, Any]
        ] = {}  # id(original) -> (original, copy): holding it keeps its id its own

    def copy(self, o: Any) -> Any:  # (any value a story holds)
        t: Any = type(o)
        if t is str or t is int:
            return self.values.setdefault((t, o), o)
        if o is None or t is bool or t is float:
            return o
        seen = self.copies.get(id(o))
        if seen is not None:
            return seen[1]
        copy = self.copy
        new: Any
        if t is tuple or t is frozenset:
            new = t(map(copy, o))
            # keyed by what it holds, by identity: its items are the one objects already, and
            # equality would merge (1,) with (True,) and (1.0,)
            key = (t, tuple(map(id, new)) if t is tuple else frozenset(map(id, new)))
            new = self.values.setdefault(key, new)
        elif t is dict:
            new = {copy(k): copy(v) for k, v in o.items()}
        elif t is list:
            new = [copy(x) for x in o]
        elif t in self.stateful:
            new = t.__new__(t)
            new.__setstate__(tuple(map(copy, o.__getstate__())))
        elif isinstance(o, tuple):  # the model's NamedTuples, text.Branches
            items = map(copy, o)
            new = t._make(items) if hasattr(t, "_make") else t(items)
        else:
            new = o
        self.copies[id(o)] = (o, new)
        return new


def store_cached(digest: str, story: Story, cache_dir: _PathLike | None = None) -> None:
    """Write atomically; a cache that cannot be written is not an error.
    The entry holds the story as the loader built it: with its equal values
    already one object (loader._Builder.one and the schema's interned ids
    and line numbers), so no `shared` copy is made first. The collector is
    off meanwhile (pickling a story allocates nothing it could free). Temp
    files that a writer killed mid-write left behind are removed first."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        _store(digest, story, cache_dir)
    finally:
        if enabled:
            gc.enable()


def _store(digest: str, story: Story, cache_dir: _PathLike | None) -> None:
    path = _path(digest, cache_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC)
                pickle.dump(story, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, pickle.PicklingError, RecursionError, TypeError):
        pass


def clean_stale_temps(folder: Path, older_than: float = STALE_TEMP_SECONDS) -> None:
    """Remove the temp files (.tmp-*.pickle) in the cache folder that were
    last written more than `older_than` seconds ago: a writer killed
    mid-write leaves one. A temp file being written now is younger; a link
    is removed, never what it points to; nothing else is touched. (The
    same rule as game/files.py's, which engine/ does not import.)"""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    cutoff = time.time() - older_than
    for e in entries:
        if not (e.name.startswith(_TEMP_PREFIX) and e.name.endswith(_TEMP_SUFFIX)):
            continue
        try:
            st = e.stat(follow_symlinks=False)
            if st.st_mtime < cutoff and not stat.S_ISDIR(st.st_mode):
                os.unlink(e.path)
        except OSError:
            pass


# -- checking an entry ----------------------------------------------------------
#
# The check looks at each object of the story once or twice, field by field over all the
# objects of a kind at once (all the scenes, then all the choices, ...), so that the work
# is done in C: zip() turns the NamedTuples into columns, "".join() checks that a column
# holds only str, array("q") only ints, set(map(type, ...)) anything else. Nothing is
# hashed, compared or shown before its type is known: a value of another type could be
# made costly to hash or to show (a tuple that holds one tuple twice, forty times over).
# _FIELDS says how each field of each model class is checked; a field it does not name
# (one added to the model since) may hold only plain values (_Check.plain).

# Expression nodes, or {if} blocks, inside one another: compiling and evaluating an
# expression, and rendering a text, recurse once a level (the loader allows 32 of each).
MAX_NESTING = 64
# An expression's nodes, counting a node its tree shares as often as it is reached
# (compiling it builds one closure for each); the loader's expressions are at most 500
# characters long, and have fewer nodes than characters.
MAX_EXPR_NODES = 4096
_NONE = type(None)
_LEVELS = frozenset({"error", "warning", "info", "ignore"})
_EFFECT_OPS = frozenset({"set", "add", "subtract"})
_BIN_OPS = frozenset({"+", "-", "*", "//", "%"})
_CMP_OPS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_NUMERIC = frozenset({"int", "float"})
_VAR_TYPES: dict[str, Any] = {"int": int, "bool": bool, "str": str}
_CONST_TYPES: dict[type, str] = {bool: "bool", int: "int", float: "float", str: "str"}
# (Only an Expr has these attributes, and only a Template those: reading them checks the
# class too. An Expr's empty slot raises AttributeError.)
_IR, _TYPE = attrgetter("ir"), attrgetter("type")
_SHOWN = attrgetter("source", "file", "line", "col", "reads")
_PARTS, _PLAIN, _EXPRS = attrgetter("parts"), attrgetter("plain"), attrgetter("exprs")

# How a field is checked. STR: a str; STR_OR_NONE: a str or None (or another false value,
# which no id can be, and which shows as nothing); INT: an int of 64 bits; INT_OR_NONE;
# NUMBER_OR_NONE; BOOL; TUPLE and DICT: of that type (what they hold is checked apart);
# STRS: a tuple of str; TEXT: a Template; TEXT_OR_NONE; COND: None or an Expr that is
# true/false; ODDS: None or a number Expr; EXPR: an Expr (its type checked apart).
(
    STR,
    STR_OR_NONE,
    INT,
    INT_OR_NONE,
    NUMBER_OR_NONE,
    BOOL,
    TUPLE,
    DICT,
    STRS,
    TEXT,
    TEXT_OR_NONE,
    COND,
    ODDS,
    EXPR,
    ANY,
) = range(15)
_AT = {"file": STR, "line": INT, "col": INT}
_FIELDS: dict[str, dict[str, int]] = {
    "Variable": {
        "name": STR,
        "type": STR,
        "default": ANY,  # (of the variable's type: checked apart)
        "min": INT_OR_NONE,
        "max": INT_OR_NONE,
        "label": STR,
        "index": INT,
        **_AT,
        "shown": BOOL,
    },
    "Chapter": {"id": STR, "title": STR, "index": INT, **_AT},
    "Ending": {
        "id": STR,
        "title": STR,
        "epilogue": TEXT,
        **_AT,
        "tags": STRS,
        "hint": STR_OR_NONE,
        "world": STR_OR_NONE,
    },
    "Effect": {
        "op": STR,
        "var": INT,
        "name": STR,
        "value": EXPR,
        "lo": ANY,  # (ints for an int variable, else None: checked apart)
        "hi": ANY,
        "line": INT,
        "col": INT,
    },
    "Choice": {
        "id": STR,
        "text": TEXT_OR_NONE,
        "cond": COND,
        "once": BOOL,
        "effects": TUPLE,
        "to": STR_OR_NONE,
        "chance": ODDS,
        "success": STR_OR_NONE,
        "failure": STR_OR_NONE,
        **_AT,
        "flavour": BOOL,
    },
    "Scene": {
        "id": STR,
        "chapter": STR,
        "title": STR_OR_NONE,
        "text": TEXT,
        "effects": TUPLE,
        "choices": ANY,  # (None or a tuple: checked apart)
        "next": ANY,
        "ending": STR_OR_NONE,
        **_AT,
        "by_id": DICT,
    },
    "HudBar": {"var": STR, "when": COND},
    "Display": {
        "sidebar_bars": TUPLE,
        "hud_when": COND,
        "hud_round": STR_OR_NONE,
        "hud_bars": TUPLE,
    },
    "Rule": {
        "when": COND,
        "chapter": STR_OR_NONE,
        "scene": STR_OR_NONE,
        "prefer": STRS,
        **_AT,
    },
    "Policy": {
        "name": STR,
        "description": STR,
        "fallback": STR,
        "rules": TUPLE,
        **_AT,
    },
    "Target": {
        "policy": STR,
        "tag": STR_OR_NONE,
        "ending": STR_OR_NONE,
        "at_least": NUMBER_OR_NONE,
        "at_most": NUMBER_OR_NONE,
        "runs": INT_OR_NONE,
        "scene": STR_OR_NONE,
        "values": TUPLE,
        **_AT,
    },
    "StoryFile": {"path": STR, "sha256": STR},
}
MAX_PLAIN = 10_000  # the values in a field that _FIELDS does not name, as often as reached


class _Unsound(Exception):
    """The entry is not a story the loader built."""


def sound(story: Story, digest: str, files: Sequence[tuple[str, str]], size: int) -> bool:
    """Whether an unpickled entry is the story of these files (`digest`,
    their (path, sha256), and their size in all) and a structure the engine
    can play, render, report and lint without crashing or hanging."""
    try:
        _Check(story, digest, files, size)
    except Exception:  # _Unsound, or what a value of a wrong shape raised
        return False
    return True


def _only(values: Iterable[Any], allowed: set[type] | frozenset[type]) -> None:
    """Every value is of one of the allowed types, exactly (a subclass is not)."""
    if not set(map(type, values)) <= allowed:
        raise _Unsound


def _strs(values: Iterable[Any]) -> None:
    """Every value is a str: join refuses anything else (and no subclass of
    str can be unpickled)."""
    "".join(values)


def _ints(values: Iterable[Any]) -> None:
    """Every value is an int (or a bool) of at most 64 bits: array refuses
    anything else."""
    array("q", values)


def _given(values: Sequence[Any]) -> Iterator[Any]:
    """The values that are not None."""
    return compress(values, map(is_not, values, repeat(None)))


def _comparable(a: str, b: str, op: str) -> bool:  # (the rule of expr._comparable)
    if a in _NUMERIC and b in _NUMERIC:
        return True
    if op in ("==", "!="):
        return a == b
    return a == b == "str"


class _Check:
    """One entry's check; raises _Unsound (or whatever a value of the wrong
    shape raises) at the first problem."""

    def __init__(self, story: Any, digest: str, files: Sequence[tuple[str, str]], size: int):
        from . import model
        from .expr import MAX_LITERAL, Expr
        from .text import Branches, Template

        self.model = model
        self.Expr, self.Template, self.Branches = Expr, Template, Branches
        self.max_literal = MAX_LITERAL
        # what each part of the check collects for the parts that follow
        self.exprs: list[Iterable[Any]] = []  # every Expr, place by place
        self.bools: list[Iterable[Any]] = []  # those that must be true/false
        self.numbers: list[Iterable[Any]] = []  # those that must be numbers
        self.templates: list[Iterable[Any]] = []
        self.irs: dict[int, tuple[str, int, int]] = {}  # id(node) -> (type, height, nodes)
        self.branches_seen: dict[int, tuple[int, int]] = {}  # id(Branches) -> (height, nodes)

        s = story
        if type(s) is not model.Story:
            raise _Unsound
        _strs((s.id, s.title, s.author, s.start, s.hash, s.root))
        if s.hash != digest:
            raise _Unsound
        # the files it was built from are the files read now
        if type(s.files) is not tuple:
            raise _Unsound
        self.table("StoryFile", s.files)
        if s.files != tuple(files):
            raise _Unsound
        if type(s.packs) is not tuple or s.packs:  # (packs are applied after the cache)
            raise _Unsound
        if type(s.warnings) is not tuple or type(s.lint_levels) is not dict:
            raise _Unsound
        _strs(chain(s.warnings, s.lint_levels, s.lint_levels.values()))
        if not set(s.lint_levels.values()) <= _LEVELS:
            raise _Unsound
        known = {"id", "title", "author", "start", "hash", "root", "files", "packs", "warnings"}
        known |= {"lint_levels", "variables", "var_index", "chapters", "endings", "scenes"}
        known |= {"display", "policies", "balance"}
        for name in model.Story._fields:
            if name not in known:
                self.plain((getattr(s, name),))

        self.variables(s.variables, s.var_index)
        self.chapter_ids = self.chapters(s.chapters)
        self.endings(s.endings)
        effects = self.scenes(s)
        self.display(s.display)
        self.policies(getattr(s, "policies", ()), getattr(s, "balance", ()))
        self.effect_list(effects)
        self.template_list(size)
        self.expr_list()

    def table(self, name: str, rows: Any) -> dict[str, tuple[Any, ...]]:
        """The fields of NamedTuples of the model's class `name`, column by
        column, each column checked as _FIELDS says."""
        if type(rows) is not list and type(rows) is not tuple:
            raise _Unsound
        if not rows:  # (nothing to check: no need of the class, which may have gone)
            return defaultdict(tuple)
        cls = getattr(self.model, name)
        _only(rows, {cls})
        columns = dict(zip(cls._fields, zip(*rows)))
        kinds = _FIELDS[name]
        for field, col in columns.items():
            kind = kinds.get(field)
            if kind is None:
                self.plain(col)
            elif kind == STR:
                _strs(col)
            elif kind == INT:
                _ints(col)
            elif kind == STR_OR_NONE:  # (a false value passes: an id is then not found)
                _strs(filter(None, col))
            elif kind == INT_OR_NONE:
                _ints(_given(col))
            elif kind == NUMBER_OR_NONE:
                _only(col, {int, float, _NONE})
            elif kind == BOOL:
                _only(col, {bool})
            elif kind == TUPLE:
                _only(col, {tuple})
            elif kind == DICT:
                _only(col, {dict})
            elif kind == STRS:
                _only(col, {tuple})
                _strs(chain.from_iterable(col))
            elif kind == TEXT:
                self.templates.append(col)  # (None, or another class, fails there)
            elif kind == TEXT_OR_NONE:
                _only(col, {self.Template, _NONE})
                self.templates.append(_given(col))
            elif kind in (COND, ODDS, EXPR):
                if kind == EXPR:
                    _only(col, {self.Expr})
                    exprs = col
                else:
                    _only(col, {self.Expr, _NONE})
                    exprs = tuple(_given(col))
                self.exprs.append(exprs)
                if kind == COND:
                    self.bools.append(exprs)
                elif kind == ODDS:
                    self.numbers.append(exprs)
        return columns

    def plain(self, values: Iterable[Any]) -> None:
        """A field _FIELDS does not name: only None, bools, numbers, text and
        tuples of them (at most MAX_PLAIN values in all, as often as they are
        reached)."""
        todo = list(values)
        seen: set[int] = set()
        count = 0
        while todo:
            v = todo.pop()
            t = v.__class__
            count += 1
            if count > MAX_PLAIN:
                raise _Unsound
            if t is tuple:
                if id(v) not in seen:
                    seen.add(id(v))
                    todo += v
                else:
                    count += len(v)
            elif t is int:
                _ints((v,))
            elif t not in (str, bool, float, _NONE):
                raise _Unsound

    # -- variables, chapters, endings ---------------------------------------------
    def variables(self, variables: Any, var_index: Any) -> None:
        if type(variables) is not tuple or type(var_index) is not dict:
            raise _Unsound
        v = self.table("Variable", variables)
        self.vtypes: list[str] = list(v["type"])
        self.vnames: list[str] = list(v["name"])
        if list(v["index"]) != list(range(len(variables))):
            raise _Unsound
        self.bar_vars: set[str] = set()  # int variables with a min and a max
        self.int_vars: set[str] = set()
        for name, typ, default, lo, hi in zip(
            v["name"], v["type"], v["default"], v["min"], v["max"]
        ):
            want = _VAR_TYPES.get(typ)
            if want is None or type(default) is not want:
                raise _Unsound
            if typ == "int":
                if abs(default) > self.max_literal:
                    raise _Unsound
                if (lo is not None and default < lo) or (hi is not None and default > hi):
                    raise _Unsound
                if lo is not None and hi is not None and lo > hi:
                    raise _Unsound
                self.int_vars.add(name)
                if lo is not None and hi is not None:
                    self.bar_vars.add(name)
            elif lo is not None or hi is not None:
                raise _Unsound
        # var_index is exactly name -> index
        _strs(var_index)
        if len(var_index) != len(variables):
            raise _Unsound
        if list(map(var_index.get, self.vnames)) != list(range(len(variables))):
            raise _Unsound

    def chapters(self, chapters: Any) -> set[str]:
        if type(chapters) is not tuple:
            raise _Unsound
        c = self.table("Chapter", chapters)
        if list(c["index"]) != list(range(len(chapters))):
            raise _Unsound
        return set(c["id"])

    def endings(self, endings: Any) -> None:
        if type(endings) is not dict:
            raise _Unsound
        _strs(endings)
        e = self.table("Ending", list(endings.values()))
        if tuple(endings) != e["id"]:
            raise _Unsound
        self.ending_ids = endings.keys()

    # -- scenes and choices -------------------------------------------------------
    def scenes(self, s: Any) -> list[Any]:
        """The scenes and their choices; returns every Effect they hold."""
        scenes = s.scenes
        if type(scenes) is not dict or not scenes:
            raise _Unsound
        c = self.table("Scene", list(scenes.values()))
        if c["id"] != tuple(scenes) or not set(c["chapter"]) <= self.chapter_ids:
            raise _Unsound
        choices, nexts, by_ids = c["choices"], c["next"], c["by_id"]
        _only(chain(choices, nexts), {tuple, _NONE})
        ended = set(c["ending"])
        ended.discard(None)
        if not ended <= s.endings.keys() or s.start not in scenes:
            raise _Unsound
        has = list(map(is_not, choices, repeat(None)))
        regular = list(chain.from_iterable(compress(choices, has)))
        every = regular + list(chain.from_iterable(filter(None, nexts)))
        ch = self.table("Choice", every)
        to, success, failure = ch["to"], ch["success"], ch["failure"]
        targets = set(chain(to, success, failure))
        targets.discard(None)
        if not targets <= scenes.keys():
            raise _Unsound
        # a choice goes `to` a scene, or has a chance check: odds, success and failure
        for choice in compress(every, map(is_, to, repeat(None))):
            if choice.chance is None or choice.success is None or choice.failure is None:
                raise _Unsound
        # by_id is each scene's choices by id, in order (and empty where it has none)
        if any(map(len, compress(by_ids, map(not_, has)))):
            raise _Unsound
        if list(map(len, compress(by_ids, has))) != list(map(len, compress(choices, has))):
            raise _Unsound
        by_id = list(chain.from_iterable(map(dict.values, by_ids)))
        if len(by_id) != len(regular) or not all(map(is_, by_id, regular)):
            raise _Unsound
        if list(chain.from_iterable(by_ids)) != list(ch["id"][: len(regular)]):
            raise _Unsound
        self.scene_ids = scenes
        return list(chain.from_iterable(chain(c["effects"], ch["effects"])))

    def effect_list(self, effects: list[Any]) -> None:
        e = self.table("Effect", effects)
        ops, vars_, los, his = e["op"], e["var"], e["lo"], e["hi"]
        if not set(ops) <= _EFFECT_OPS:
            raise _Unsound
        if vars_ and (min(vars_) < 0 or max(vars_) >= len(self.vtypes)):
            raise _Unsound
        if list(map(self.vnames.__getitem__, vars_)) != list(e["name"]):
            raise _Unsound
        self.effect_values = e["value"]
        self.effect_types = types = list(map(self.vtypes.__getitem__, vars_))
        # an int variable's changes are clamped, between two bounds; any other is only set
        ints = list(map("int".__eq__, types))
        lo, hi = list(compress(los, ints)), list(compress(his, ints))
        _ints(chain(lo, hi))
        if not all(map(le, lo, hi)):
            raise _Unsound
        others = list(map(not_, ints))
        if any(map(is_not, compress(chain(los, his), chain(others, others)), repeat(None))):
            raise _Unsound
        if not set(compress(ops, others)) <= {"set"}:
            raise _Unsound

    def display(self, d: Any) -> None:
        if type(d) is not self.model.Display:
            raise _Unsound
        c = self.table("Display", (d,))
        hud_round = c["hud_round"][0]
        if hud_round is not None and hud_round not in self.int_vars:
            raise _Unsound
        for bars in (c["sidebar_bars"][0], c["hud_bars"][0]):
            b = self.table("HudBar", bars)
            if not set(b["var"]) <= self.bar_vars:
                raise _Unsound

    def policies(self, policies: Any, targets: Any) -> None:
        """The ways to play (`policies:`) and the balance targets: what they
        name exists."""
        if type(policies) is not tuple or type(targets) is not tuple:
            raise _Unsound
        p = self.table("Policy", policies)
        r = self.table("Rule", list(chain.from_iterable(p["rules"])))
        if not set(_given(r["chapter"])) <= self.chapter_ids:
            raise _Unsound
        if not set(_given(r["scene"])) <= self.scene_ids.keys():
            raise _Unsound
        t = self.table("Target", targets)
        if not set(_given(t["ending"])) <= self.ending_ids:
            raise _Unsound
        if not set(_given(t["scene"])) <= self.scene_ids.keys():
            raise _Unsound
        pairs = list(chain.from_iterable(t["values"]))
        _only(pairs, {tuple})
        if not set(map(len, pairs)) <= {2}:
            raise _Unsound
        _strs(chain.from_iterable(pairs))

    # -- text ---------------------------------------------------------------------
    def template_list(self, size: int) -> None:
        """Every Template. One whose text does not vary is (plain,) with no
        expressions, as parse_template makes it. The parts of any other are
        text, expressions and {if} blocks, nested at most MAX_NESTING deep,
        each expression one of its `exprs`; and there are no more parts in all
        (as often as they are reached) than the story's files have bytes, as
        each stands for some of its text: rendering them costs what reading
        the files did."""
        templates = list(chain.from_iterable(self.templates))
        plains = list(map(_PLAIN, templates))
        fixed = list(map(is_not, plains, repeat(None)))
        texts = list(compress(plains, fixed))
        _strs(texts)
        if list(map(_PARTS, compress(templates, fixed))) != list(zip(texts)):
            raise _Unsound
        if not all(map(is_, map(_EXPRS, compress(templates, fixed)), repeat(()))):
            raise _Unsound
        varying = list(compress(templates, map(not_, fixed)))
        if not varying:
            return
        parts = list(map(_PARTS, varying))
        exprs = list(map(_EXPRS, varying))
        _only(chain(parts, exprs), {tuple})
        inside = list(chain.from_iterable(exprs))
        self.exprs.append(inside)
        flat = list(chain.from_iterable(parts))
        types = list(map(type, flat))
        Expr, Branches = self.Expr, self.Branches
        if not set(types) <= {str, Expr, Branches}:
            raise _Unsound
        known = set(map(id, inside))
        if not set(map(id, compress(flat, map(is_, types, repeat(Expr))))) <= known:
            raise _Unsound
        nodes = len(flat) + len(texts)
        for b in compress(flat, map(is_, types, repeat(Branches))):
            height, n = self.branches(b, 1, known)
            if height > MAX_NESTING:
                raise _Unsound
            nodes += n - 1
        if nodes > size + len(templates):  # (an empty text is one part, and no bytes)
            raise _Unsound

    def branches(self, b: Any, depth: int, known: set[int]) -> tuple[int, int]:
        """An {if} block: (how deep it nests, its parts as often as they are
        reached). Each block is walked once, however often it is reached."""
        seen = self.branches_seen.get(id(b))
        if seen is not None:
            return seen
        if depth > MAX_NESTING:
            raise _Unsound
        height, nodes = 1, 1
        Expr, Branches = self.Expr, self.Branches
        for branch in b:
            if branch.__class__ is not tuple or len(branch) != 2:
                raise _Unsound
            cond, sub = branch
            if cond is not None:
                if cond.__class__ is not Expr or id(cond) not in known:
                    raise _Unsound
                self.bools.append((cond,))
            if sub.__class__ is not tuple:
                raise _Unsound
            nodes += 1
            for p in sub:
                c = p.__class__
                if c is str:
                    nodes += 1
                elif c is Expr:
                    if id(p) not in known:
                        raise _Unsound
                    nodes += 1
                elif c is Branches:
                    h, n = self.branches(p, depth + 1, known)
                    height = h + 1 if h + 1 > height else height
                    nodes += n
                else:
                    raise _Unsound
        self.branches_seen[id(b)] = (height, nodes)
        return height, nodes

    # -- expressions --------------------------------------------------------------
    def expr_list(self) -> None:
        """Every Expr: its fields of the right types, its tree one the engine
        compiles (known nodes, variables in range, the types the loader
        checks) and bounded; then the type each place wants."""
        exprs = list(chain.from_iterable(self.exprs))
        irs = list(map(_IR, exprs))
        types = list(map(_TYPE, exprs))
        _strs(types)
        tree, get = self.tree, self.irs.get
        for ir in dict(zip(map(id, irs), irs)).values():
            get(id(ir)) or tree(ir, 1)
        types_of = {key: r[0] for key, r in self.irs.items()}
        if list(map(types_of.__getitem__, map(id, irs))) != types:
            raise _Unsound
        shown = list(zip(*map(_SHOWN, exprs))) if exprs else [()] * 5
        sources, files, lines, cols, reads = shown
        _strs(chain(sources, files))
        _ints(chain(lines, cols))
        _only(reads, {frozenset})
        _strs(chain.from_iterable(reads))
        if not set(map(_TYPE, chain.from_iterable(self.bools))) <= {"bool"}:
            raise _Unsound
        if not set(map(_TYPE, chain.from_iterable(self.numbers))) <= _NUMERIC:
            raise _Unsound
        if list(map(_TYPE, self.effect_values)) != self.effect_types:
            raise _Unsound

    def tree(self, node: Any, depth: int) -> tuple[str, int, int]:
        """(type, height, nodes) of an expression tree, as expr._build reads
        it. Each node is looked at once, however often the tree reaches it
        (a caller looks in self.irs first)."""
        if node.__class__ is not tuple or not node or depth > MAX_NESTING:
            raise _Unsound
        k = node[0]
        n = len(node)
        get, tree, d = self.irs.get, self.tree, depth + 1
        r: tuple[str, int, int]
        if k == "var" and n == 2:
            i = node[1]
            if i.__class__ is not int or not 0 <= i < len(self.vtypes):
                raise _Unsound
            r = (self.vtypes[i], 1, 1)
        elif k == "const" and n == 2:
            v = node[1]
            typ = _CONST_TYPES.get(v.__class__)
            if typ is None or (typ in _NUMERIC and not abs(v) <= self.max_literal):
                raise _Unsound
            r = (typ, 1, 1)
        elif k == "cmp" and n == 3:
            ops, xs = node[1], node[2]
            if ops.__class__ is not tuple or xs.__class__ is not tuple or not ops:
                raise _Unsound
            if len(xs) != len(ops) + 1:
                raise _Unsound
            a = get(id(xs[0])) or tree(xs[0], d)
            if len(ops) == 1:  # (the commonest)
                op = ops[0]
                b = get(id(xs[1])) or tree(xs[1], d)
                if op.__class__ is not str or op not in _CMP_OPS or not _comparable(a[0], b[0], op):
                    raise _Unsound
                r = ("bool", (a[1] if a[1] > b[1] else b[1]) + 1, a[2] + b[2] + 1)
                if r[1] > MAX_NESTING:
                    raise _Unsound
                self.irs[id(node)] = r
                return r
            height, nodes = a[1], a[2] + 1
            for op, x in zip(ops, xs[1:]):
                b = get(id(x)) or tree(x, d)
                if op.__class__ is not str or op not in _CMP_OPS or not _comparable(a[0], b[0], op):
                    raise _Unsound
                height = b[1] if b[1] > height else height
                nodes += b[2]
                a = b
            r = ("bool", height + 1, nodes)
        elif (k == "and" or k == "or") and n == 2:
            items = node[1]
            if items.__class__ is not tuple or not items:
                raise _Unsound
            height, nodes = 0, 1
            for x in items:
                b = get(id(x)) or tree(x, d)
                if b[0] != "bool":
                    raise _Unsound
                height = b[1] if b[1] > height else height
                nodes += b[2]
            r = ("bool", height + 1, nodes)
        elif (k == "not" or k == "neg") and n == 2:
            a = get(id(node[1])) or tree(node[1], d)
            if (a[0] != "bool") if k == "not" else (a[0] not in _NUMERIC):
                raise _Unsound
            r = (a[0], a[1] + 1, a[2] + 1)
        elif k == "bin" and n == 4:
            op = node[1]
            if op.__class__ is not str or op not in _BIN_OPS:
                raise _Unsound
            a = get(id(node[2])) or tree(node[2], d)
            b = get(id(node[3])) or tree(node[3], d)
            if op == "+" and a[0] == b[0] == "str":
                typ = "str"
            elif a[0] in _NUMERIC and b[0] in _NUMERIC:
                typ = "int" if a[0] == b[0] == "int" else "float"
            else:
                raise _Unsound
            r = (typ, (a[1] if a[1] > b[1] else b[1]) + 1, a[2] + b[2] + 1)
        elif k == "if" and n == 4:
            c = get(id(node[1])) or tree(node[1], d)
            a = get(id(node[2])) or tree(node[2], d)
            b = get(id(node[3])) or tree(node[3], d)
            if c[0] != "bool":
                raise _Unsound
            if a[0] == b[0]:
                typ = a[0]
            elif a[0] in _NUMERIC and b[0] in _NUMERIC:
                typ = "float"
            else:
                raise _Unsound
            r = (typ, max(c[1], a[1], b[1]) + 1, c[2] + a[2] + b[2] + 1)
        elif k == "visits" and n == 2:
            if node[1].__class__ is not str or node[1] not in self.scene_ids:
                raise _Unsound
            r = ("int", 1, 1)
        elif k == "turns" and n == 1:
            r = ("int", 1, 1)
        else:
            raise _Unsound
        if r[1] > MAX_NESTING or r[2] > MAX_EXPR_NODES:
            raise _Unsound
        self.irs[id(node)] = r
        return r
