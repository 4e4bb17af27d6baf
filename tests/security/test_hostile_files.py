"""Hostile files around a story: what its folder holds, and its load cache.

- only regular files are opened in a story (or pack) folder: a FIFO named
  *.yaml is refused with a located RA001, never opened for a blocking read;
- a symlinked story.yaml or pack.yaml is refused by name, not reported as
  missing;
- the size-limit message names the limit that was hit: one file's, or the
  whole story's;
- a forged load-cache entry (pickled from the model's own classes, so the
  allow-list lets it through) is a cache miss: the story loads from its
  YAML and plays. Whatever could hang runs in a subprocess with a timeout,
  never under a timing assertion;
- the cache writer cleans the temp files a killed writer left.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import MANIFEST, write_story

from rocky_adventure.engine import (
    StoryLoadError,
    load_story,
    new_game,
    replay,
    scene_text,
    yamlio,
)
from rocky_adventure.engine import cache as cache_mod
from rocky_adventure.engine import files as files_mod
from rocky_adventure.engine.expr import Expr
from rocky_adventure.engine.model import HudBar, StoryFile
from rocky_adventure.engine.text import Branches, Template

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "examples" / "tiny-bout"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges")

SCENES = """\
chapter: one
scenes:
  - id: a
    text: Hello, {name}.
    choices:
      - {id: go, text: Go on, to: b}
  - id: b
    text: The end.
    ending: end
"""

PACK = """\
format: 1
name: extra
title: Extra
version: 1.0.0
extends: tiny-bout
hooks:
  - scene: locker_room
    choices:
      - id: extra
        text: Something else
        to: extra_end
"""
PACK_BRANCH = """\
chapter: fight
scenes:
  - id: extra_end
    text: Something else happened.
    ending: champion
"""


def run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """A subprocess of this Python (a hang fails the test by its timeout)."""
    r = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )
    assert "Traceback" not in r.stdout + r.stderr, r.stderr[-3000:]
    return r


def check(*args: str) -> tuple[int, list[str]]:
    """`rocky-adventure check ...`: (exit code, the error lines)."""
    r = run(["-m", "rocky_adventure", "check", *args])
    return r.returncode, [line for line in r.stdout.splitlines() if ": error: " in line]


def messages(root: Path, packs: list[Path] | None = None) -> list[str]:
    with pytest.raises(StoryLoadError) as e:
        load_story(root, packs or [], cache=False)
    return [d.format() for d in e.value.diagnostics]


def tiny(tmp_path: Path, name: str = "story") -> Path:
    """A copy of examples/tiny-bout (a story with choices, chances, effects,
    conditions and {if} text)."""
    return Path(shutil.copytree(TINY, tmp_path / name))


def pack(tmp_path: Path) -> Path:
    return write_story(tmp_path / "pack", {"pack.yaml": PACK, "branch.yaml": PACK_BRANCH})


# -- 1. only regular files are opened ------------------------------------------


@needs_fifo
def test_a_fifo_in_a_story_folder_is_refused_without_hanging(tmp_path):
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": SCENES})
    os.mkfifo(root / "pipe.yaml")
    assert check(str(root)) == (
        1,
        [
            f"{root}/pipe.yaml: error: not a regular file: a FIFO (named pipe); "
            "only regular files are read in story folders [RA001]"
        ],
    )


@needs_fifo
def test_a_fifo_named_story_yaml_is_refused_without_hanging(tmp_path):
    root = write_story(tmp_path / "s", {"scenes.yaml": SCENES})
    os.mkfifo(root / "story.yaml")
    assert check(str(root)) == (
        1,
        [
            f"{root}/story.yaml: error: not a regular file: story.yaml is a FIFO (named pipe); "
            "expected a story manifest [RA001]"
        ],
    )


@needs_fifo
def test_a_fifo_in_a_pack_folder_is_refused_without_hanging(tmp_path):
    p = pack(tmp_path)
    os.mkfifo(p / "pipe.yaml")
    assert check(str(tiny(tmp_path)), "--pack", str(p)) == (
        1,
        [
            f"{p}/pipe.yaml: error: not a regular file: a FIFO (named pipe); "
            "only regular files are read in pack folders [RA001]"
        ],
    )


@needs_fifo
def test_the_reader_checks_the_open_file_itself(tmp_path):
    """A file swapped for a FIFO after the folder was listed: the reader
    opens without blocking, and fstat refuses what it opened."""
    fifo = tmp_path / "late.yaml"
    os.mkfifo(fifo)
    code = (
        "import sys; from rocky_adventure.engine import files\n"
        "try:\n"
        "    files._read_regular(sys.argv[1], 100)\n"
        "except files.NotRegular as e:\n"
        "    print('refused:', e.what)\n"
    )
    r = run(["-c", code, str(fifo)])
    assert r.returncode == 0 and r.stdout == "refused: a FIFO (named pipe)\n", r.stderr


def test_the_reader_reads_at_most_one_byte_past_the_limit(tmp_path):
    """A file longer than fstat said (one that grows, or a /proc file whose
    size is 0) is still read only up to the limit and one byte more."""
    proc = Path("/proc/self/status")
    if not proc.is_file():
        pytest.skip("no /proc")
    assert files_mod._read_regular(str(proc), 10) == (None, 11)
    small = tmp_path / "small.yaml"
    small.write_bytes(b"x" * 10)
    assert files_mod._read_regular(str(small), 10) == (b"x" * 10, 10)


# -- 2. symlinked manifests --------------------------------------------------


@needs_symlinks
def test_a_symlinked_story_yaml_is_named_not_missing(tmp_path):
    (tmp_path / "real.yaml").write_text(MANIFEST)
    root = write_story(tmp_path / "s", {"scenes.yaml": SCENES})
    (root / "story.yaml").symlink_to(tmp_path / "real.yaml")
    assert messages(root) == [
        f"{root}/story.yaml: error: story.yaml is a symbolic link: links are not followed in "
        "story folders; copy the file instead [RA001]"
    ]


@needs_symlinks
def test_a_symlinked_pack_yaml_is_named_not_missing(tmp_path):
    p = pack(tmp_path)
    (p / "pack.yaml").rename(tmp_path / "real-pack.yaml")
    (p / "pack.yaml").symlink_to(tmp_path / "real-pack.yaml")
    assert messages(TINY, [p]) == [
        f"{p}/pack.yaml: error: pack.yaml is a symbolic link: links are not followed in "
        "pack folders; copy the file instead [RA001]"
    ]


def test_a_missing_story_yaml_is_still_missing(tmp_path):
    root = write_story(tmp_path / "s", {"scenes.yaml": SCENES})
    assert messages(root) == [
        f"{root}: error: no story.yaml in this folder: expected a story manifest [RA001]"
    ]


# -- 3. the size limits -------------------------------------------------------


def test_one_file_too_large_names_the_file_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 4096)
    monkeypatch.setattr(files_mod, "MAX_FILE_BYTES", 4096)
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": SCENES})
    (root / "big.yaml").write_text("# " + "x" * 5000 + "\n")
    assert messages(root) == [
        f"{root}/big.yaml: error: file is too large (5003 bytes); "
        "a story file may be at most 4 KiB [RA001]"
    ]


def test_a_story_too_large_in_all_names_the_total_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(files_mod, "MAX_TOTAL_BYTES", 8192)
    files = {"story.yaml": MANIFEST, "scenes.yaml": SCENES}
    files.update({f"more{i}.yaml": "# " + "x" * 3000 + "\n" for i in range(4)})
    root = write_story(tmp_path / "s", files)
    msgs = messages(root)
    assert msgs == [
        f"{root}/more2.yaml: error: the story's files are too large together: with this file "
        "they pass 8 KiB, the most a whole story may hold [RA001]"
    ], msgs
    assert not any("a story file may be at most" in m for m in msgs)


def test_a_file_that_grows_past_the_limit_is_more_than_the_limit(tmp_path, monkeypatch):
    """fstat said it fits, the read found more: only limit + 1 bytes were
    read, so the message cannot give its size."""
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 4096)
    monkeypatch.setattr(files_mod, "MAX_FILE_BYTES", 4096)
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": SCENES})
    real = files_mod._read_regular

    def growing(path, limit):
        data, size = real(path, limit)
        return (None, limit + 1) if path.endswith("scenes.yaml") else (data, size)

    monkeypatch.setattr(files_mod, "_read_regular", growing)
    assert messages(root) == [
        f"{root}/scenes.yaml: error: file is too large (more than 4 KiB); "
        "a story file may be at most 4 KiB [RA001]"
    ]


def test_a_pack_too_large_names_the_pack_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 4096)
    monkeypatch.setattr(files_mod, "MAX_FILE_BYTES", 4096)
    p = pack(tmp_path)
    (p / "big.yaml").write_text("# " + "x" * 5000 + "\n")
    assert messages(TINY, [p]) == [
        f"{p}/big.yaml: error: file is too large (5003 bytes); a pack file may be at most 4 KiB "
        "[RA001]"
    ]


# -- 4. forged load-cache entries ---------------------------------------------


def fill_cache(root: Path, cdir: Path):
    """Load `root` into an empty cache: (the story as loaded fresh, its entry)."""
    fresh = load_story(root, cache=False)
    assert load_story(root, cache_dir=cdir) == fresh
    (entry,) = cdir.glob("*.pickle")
    return fresh, entry


# Pickled as an Expr with no state at all (no object can hold that: its slots are empty)
EMPTY_EXPR = Expr.__new__(Expr)


class _Forger(pickle.Pickler):
    def reducer_override(self, obj):
        if obj is EMPTY_EXPR:
            return copyreg.__newobj__, (Expr,)
        return NotImplemented


def forge(entry: Path, story) -> None:
    """Write `story` (built from the model's own classes) as the entry."""
    buf = io.BytesIO()
    buf.write(cache_mod._MAGIC)
    _Forger(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(story)
    entry.write_bytes(buf.getvalue())


def entry_story(entry: Path):
    with open(entry, "rb") as f:
        assert f.read(len(cache_mod._MAGIC)) == cache_mod._MAGIC
        return cache_mod._SafeUnpickler(f).load()


def scene(story, sid: str, **changes):
    scenes = dict(story.scenes)
    scenes[sid] = scenes[sid]._replace(**changes)
    return story._replace(scenes=scenes)


def first_choice(story, sid: str, **changes):
    s = story.scenes[sid]
    choices = (s.choices[0]._replace(**changes), *s.choices[1:])
    by_id = {c.id: c for c in choices}
    return scene(story, sid, choices=choices, by_id=by_id)


def other_expr(e: Expr, **changes) -> Expr:
    state = dict(zip(("source", "ir", "type", "reads", "file", "line", "col"), e.__getstate__()))
    state.update(changes)
    new = Expr.__new__(Expr)
    new.__setstate__(tuple(state.values()))
    return new


def self_containing_template() -> Template:
    t = Template.__new__(Template)
    t.__setstate__(((t,), None, ()))
    return t


def nested_ifs(depth: int) -> Template:
    """{if true}...{end} inside one another, `depth` deep (no part shared)."""
    b = Branches(((None, ("x",)),))
    for _ in range(depth - 1):
        b = Branches(((None, (b,)),))
    return Template((b,), None, ())


def _other_story(tmp_path: Path, fresh):
    """Another story's content, under this story's hash."""
    other = write_story(
        tmp_path / "other",
        {
            "story.yaml": (TINY / "story.yaml").read_text(),
            "fight.yaml": (TINY / "fight.yaml").read_text().replace("The tape", "OTHER CONTENT"),
        },
    )
    return load_story(other, cache=False)._replace(hash=fresh.hash)


FORGERIES = {
    # the entry's content against its key
    "another story's files under this hash": _other_story,
    "a file more than the folder holds": lambda tmp, s: s._replace(
        files=(*s.files, StoryFile("extra.yaml", "0" * 64))
    ),
    "a file with another sha256": lambda tmp, s: s._replace(
        files=(s.files[0]._replace(sha256="0" * 64), *s.files[1:])
    ),
    "files as plain tuples": lambda tmp, s: s._replace(files=tuple(tuple(f) for f in s.files)),
    "another hash": lambda tmp, s: s._replace(hash="0" * 64),
    # the structure
    "a choice to a missing scene": lambda tmp, s: first_choice(s, "locker_room", to="nowhere"),
    "a chance check to a missing scene": lambda tmp, s: first_choice(
        s, "the_bell", success="nowhere"
    ),
    "a chance check without its odds": lambda tmp, s: first_choice(s, "the_bell", chance=None),
    "var_index out of range": lambda tmp, s: s._replace(var_index={**s.var_index, "stamina": 99}),
    "var_index naming the wrong variable": lambda tmp, s: s._replace(
        var_index={**s.var_index, "stamina": s.var_index["brave"]}
    ),
    "var_index without a variable": lambda tmp, s: s._replace(
        var_index={k: v for k, v in s.var_index.items() if k != "stamina"}
    ),
    "a missing start scene": lambda tmp, s: s._replace(start="nowhere"),
    "an ending that does not exist": lambda tmp, s: scene(s, "win", ending="nowhere"),
    "a scene filed under another id": lambda tmp, s: s._replace(
        scenes={**s.scenes, "win": s.scenes["lose"]}
    ),
    "an effect on a variable out of range": lambda tmp, s: first_choice(
        s,
        "locker_room",
        effects=tuple(e._replace(var=99) for e in s.scenes["locker_room"].choices[0].effects),
    ),
    "an effect with one clamp bound": lambda tmp, s: first_choice(
        s,
        "locker_room",
        effects=tuple(e._replace(hi=None) for e in s.scenes["locker_room"].choices[0].effects),
    ),
    "by_id not the scene's choices": lambda tmp, s: scene(s, "locker_room", by_id={}),
    "a scene's text that is not a Template": lambda tmp, s: scene(s, "locker_room", text="Hi"),
    "a Template whose parts contain itself": lambda tmp, s: scene(
        s, "locker_room", text=self_containing_template()
    ),
    "a Template part that is a list": lambda tmp, s: scene(
        s, "locker_room", text=Template((["x"],), None, ())
    ),
    "an expression of a kind the engine does not know": lambda tmp, s: first_choice(
        s, "the_bell", cond=other_expr(s.scenes["the_bell"].choices[0].cond, ir=("call", "x"))
    ),
    "a condition that is a number": lambda tmp, s: first_choice(
        s, "the_bell", cond=other_expr(s.scenes["the_bell"].choices[0].cond, ir=("const", 5))
    ),
    "an expression reading a variable out of range": lambda tmp, s: first_choice(
        s,
        "the_bell",
        cond=other_expr(s.scenes["the_bell"].choices[0].cond, ir=("var", 99)),
    ),
    "an expression with empty slots": lambda tmp, s: first_choice(s, "the_bell", cond=EMPTY_EXPR),
    "a scene title that is not text": lambda tmp, s: scene(s, "win", title=5),
    "an expression's file that is not text": lambda tmp, s: first_choice(
        s, "the_bell", cond=other_expr(s.scenes["the_bell"].choices[0].cond, file=("x",))
    ),
    "an effect that adds to a text variable": lambda tmp, s: first_choice(
        s,
        "locker_room",
        effects=(s.scenes["locker_room"].choices[0].effects[0]._replace(op="add", var=2),),
    ),
    "a fixed text whose parts say another": lambda tmp, s: scene(
        s, "win", text=Template(("Other.",), "He drops.", ())
    ),
    "more parts than the files have bytes": lambda tmp, s: scene(
        s, "win", text=Template(("x",) * 100_000, None, ())
    ),
    "{if} blocks nested too deep": lambda tmp, s: scene(s, "win", text=nested_ifs(100)),
    "a sidebar variable that does not exist": lambda tmp, s: s._replace(
        display=s.display._replace(sidebar_bars=(HudBar("nope", None),))
    ),
    "a sidebar variable without bounds": lambda tmp, s: s._replace(
        display=s.display._replace(sidebar_bars=(HudBar("trainer", None),))
    ),
    "a sidebar bar whose `when` is not a bar": lambda tmp, s: s._replace(
        display=s.display._replace(sidebar_bars=(("n", "flag"),))
    ),
    "an ending's world that is not text": lambda tmp, s: s._replace(
        endings={k: e._replace(world=7) for k, e in s.endings.items()}
    ),
    "not a Story at all": lambda tmp, s: tuple(s),
}


@pytest.mark.parametrize("name", list(FORGERIES))
def test_a_forged_cache_entry_is_a_miss(tmp_path, name):
    root = tiny(tmp_path)
    cdir = tmp_path / "cache"
    fresh, entry = fill_cache(root, cdir)
    forge(entry, FORGERIES[name](tmp_path, fresh))

    story = load_story(root, cache_dir=cdir)  # never an IndexError, a KeyError, a TypeError
    assert story == fresh
    assert all(type(f) is StoryFile for f in story.files)
    assert scene_text(story, new_game(story, 1)).startswith("The tape is tight")
    for seed in range(10):
        assert replay(story, seed, ["warm_up", "swing"]) == replay(
            fresh, seed, ["warm_up", "swing"]
        )
    # the miss wrote a good entry over the forged one
    assert entry_story(entry) == fresh


HANG = """\
import pickle, sys
from rocky_adventure.engine import load_story, new_game, scene_text, available_choices
from rocky_adventure.engine import cache
from rocky_adventure.engine.expr import Expr
from rocky_adventure.engine.text import Branches, Template
root, cdir, entry, kind = sys.argv[1:]
fresh = load_story(root, cache=False)
if kind != "check":
    s = fresh
    if kind == "text":  # a Template whose {if} blocks share their parts: 2**60 parts to render
        b = Branches(((None, ("x",)),))
        for _ in range(60):
            b = Branches(((None, (b, b)),))
        s = s._replace(scenes={**s.scenes, s.start: s.scenes[s.start]._replace(
            text=Template((b,), None, ()))})
    elif kind == "expr":  # an expression tree that shares its nodes: 2**60 nodes to compile
        ir = ("var", 1)
        for _ in range(60):
            ir = ("and", (ir, ir))
        bell = s.scenes["the_bell"]
        cond = bell.choices[0].cond
        forged = Expr(cond.source, ir, "bool", cond.reads, cond.file, cond.line, cond.col)
        choices = (bell.choices[0]._replace(cond=forged), *bell.choices[1:])
        s = s._replace(scenes={**s.scenes, "the_bell": bell._replace(
            choices=choices, by_id={c.id: c for c in choices})})
    with open(entry, "wb") as f:
        f.write(cache._MAGIC + pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL))
else:
    from rocky_adventure.engine import choose
    story = load_story(root, cache_dir=cdir)
    state = new_game(story, 1)
    print(scene_text(story, state))
    state = choose(story, state, "warm_up")
    print(scene_text(story, state))
    print(sorted(c.id for c in available_choices(story, state)))
    print(story == fresh)
"""


@pytest.mark.parametrize("kind", ["text", "expr", "fifo"])
def test_a_forged_cache_entry_that_would_hang_is_a_miss(tmp_path, kind):
    root = tiny(tmp_path)
    cdir = tmp_path / "cache"
    _fresh, entry = fill_cache(root, cdir)
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        entry.unlink()
        os.mkfifo(entry)
    else:
        assert run(["-c", HANG, str(root), str(cdir), str(entry), kind]).returncode == 0
    r = run(["-c", HANG, str(root), str(cdir), str(entry), "check"])
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout == (
        "The tape is tight on your hands. Duke watches you from the door.\n"
        "The bell. You meet him in the centre.\n['box', 'swing']\nTrue\n"
    )


def test_genuine_entries_are_still_hits(tmp_path):
    """The checks accept what the loader builds: the bundled story, the
    examples and a story with a display, HUD bars and {if} text."""
    display = MANIFEST.replace("max: 10}", "max: 10}\n  round: {type: int, default: 1}") + (
        "display:\n"
        "  sidebar: [n]\n"
        "  hud: {when: 'n > 0 and not flag', round: round, bars: [n, {var: n, when: flag}]}\n"
    )
    text = SCENES.replace(
        "Hello, {name}.",
        "Hello, {name}. {if n > 1 and b == 0}Big {n * 2 + 1}{elif flag}F{else}{if a > 0}A{end}{end}",
    )
    rich = write_story(tmp_path / "rich", {"story.yaml": display, "scenes.yaml": text})
    for root in (ROOT / "story", TINY, ROOT / "examples" / "starter", rich):
        cdir = tmp_path / "cache" / root.name
        fresh = load_story(root, cache=False)
        load_story(root, cache_dir=cdir)
        scan = files_mod.scan_story(root, str(root))
        assert scan.digest == fresh.hash
        assert scan.files == tuple(tuple(f) for f in fresh.files)
        cached = cache_mod.load_cached(scan.digest, cdir, scan.files, scan.size)
        assert cached is not None, root
        assert cached == fresh


def test_the_scan_hashes_like_the_loader(tmp_path):
    """The cache's key is the story's own hash, computed one file at a time."""
    for root in (ROOT / "story", TINY):
        files, errors = files_mod.read_files(root)
        assert not errors
        scan = files_mod.scan_story(root, str(root))
        assert scan.digest == files_mod.story_hash(files)
        assert scan.size == sum(len(data) for _rel, data in files)


# -- 5. stale temp files -----------------------------------------------------


def test_the_cache_writer_cleans_stale_temp_files(tmp_path):
    root = tiny(tmp_path)
    cdir = tmp_path / "cache"
    cdir.mkdir()
    hour_ago = time.time() - 3600
    stale = cdir / ".tmp-killed.pickle"
    stale.write_bytes(b"half an entry")
    os.utime(stale, (hour_ago, hour_ago))
    fresh_tmp = cdir / ".tmp-writing.pickle"  # another process, writing now
    fresh_tmp.write_bytes(b"being written")
    other = cdir / "notes.txt"  # not the writer's
    other.write_text("keep")
    os.utime(other, (hour_ago, hour_ago))
    old_entry = cdir / ("0" * 40 + "-0.0.0-2.pickle")  # an old entry: not a temp file
    old_entry.write_bytes(b"RAC1")
    os.utime(old_entry, (hour_ago, hour_ago))

    load_story(root, cache_dir=cdir)  # a miss: writes an entry
    assert not stale.exists()
    assert fresh_tmp.exists() and other.exists() and old_entry.exists()
    entries = [p.name for p in cdir.iterdir() if not p.name.startswith(".")]
    assert len(entries) == 3 and old_entry.name in entries, entries  # and the new entry


@needs_symlinks
def test_the_temp_cleaner_removes_a_link_not_its_target(tmp_path):
    root = tiny(tmp_path)
    cdir = tmp_path / "cache"
    cdir.mkdir()
    target = tmp_path / "precious.txt"
    target.write_text("keep")
    link = cdir / ".tmp-link.pickle"
    link.symlink_to(target)
    hour_ago = time.time() - 3600
    os.utime(link, (hour_ago, hour_ago), follow_symlinks=False)
    load_story(root, cache_dir=cdir)
    assert not os.path.lexists(link)
    assert target.read_text() == "keep"
