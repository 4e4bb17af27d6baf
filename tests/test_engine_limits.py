"""Big stories: the size limits and their messages, compiling a story's
expressions up front, and how the program ends.

- a file past the per-file limit is reported with that limit; a story whose
  files pass the total together is reported with the total, at the file
  that crosses it, even when that file alone is small (the limits are
  lowered with monkeypatch: no big files are written);
- the total still bounds what is read, and the defaults let a story of
  500,000 scenes of benchmarks/gen_story.py through;
- randomtest compiles every expression first (load_story leaves them to
  their first use); expressions that share a tree share a closure, except
  those that can fault, which keep their own place;
- randomtest's quick paragraph split is the game's;
- `rocky-adventure` ends the process once its command is done, after the
  atexit handlers and the flushing of its output, and only when no other
  thread is alive; cli.main(argv) returns.
No test here asserts a time.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import MANIFEST, write_story
from hypothesis import given
from hypothesis import strategies as st

from rocky_adventure.cli import main
from rocky_adventure.engine import StoryLoadError, load_story, new_game, yamlio
from rocky_adventure.engine import files as files_mod
from rocky_adventure.engine.diagnostics import StoryRuntimeError
from rocky_adventure.engine.expr import Expr, compile_all
from rocky_adventure.engine.play import Cursor
from rocky_adventure.engine.text import Branches
from rocky_adventure.game.text import paragraphs
from rocky_adventure.tools.randomtest import _paragraphs, randomtest, story_exprs

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny-bout"

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
PADDING = "# " + "x" * 3000 + "\n"  # a valid YAML file of 3,003 bytes (a comment)


def messages(root: Path, **kw) -> list[str]:
    with pytest.raises(StoryLoadError) as e:
        load_story(root, **kw)
    return [d.format() for d in e.value.diagnostics]


def file_limit(monkeypatch, n: int) -> None:
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", n)
    monkeypatch.setattr(files_mod, "MAX_FILE_BYTES", n)


# -- the messages name the limit that was hit ----------------------------------


@pytest.mark.parametrize("cache", [False, True])
def test_a_small_file_crossing_the_total_names_the_total(tmp_path, monkeypatch, cache):
    """The issue's case: the file that crosses the total is far below the
    per-file limit, and the message must not speak of the per-file one."""
    monkeypatch.setattr(files_mod, "MAX_TOTAL_BYTES", 8192)
    files = {"story.yaml": MANIFEST, "scenes.yaml": SCENES}
    files.update({f"more{i}.yaml": PADDING for i in range(4)})
    root = write_story(tmp_path / "s", files)
    msgs = messages(root, cache=cache, cache_dir=tmp_path / "cache")
    assert msgs == [
        f"{root}/more2.yaml: error: the story's files are too large together: with this file "
        "they pass 8 KiB, the most a whole story may hold [RA001]"
    ]


@pytest.mark.parametrize("cache", [False, True])
def test_a_file_past_the_file_limit_names_the_file_limit(tmp_path, monkeypatch, cache):
    file_limit(monkeypatch, 2048)
    root = write_story(
        tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": SCENES, "big.yaml": PADDING}
    )
    msgs = messages(root, cache=cache, cache_dir=tmp_path / "cache")
    assert msgs == [
        f"{root}/big.yaml: error: file is too large (3003 bytes); "
        "a story file may be at most 2 KiB [RA001]"
    ]


def test_a_file_past_both_limits_names_the_file_limit(tmp_path, monkeypatch):
    """A file too large on its own is reported as such even where the total
    is nearly spent: it is that file, not the story, that must shrink."""
    file_limit(monkeypatch, 2048)
    monkeypatch.setattr(files_mod, "MAX_TOTAL_BYTES", 2500)
    root = write_story(
        tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": SCENES, "big.yaml": PADDING}
    )
    assert messages(root, cache=False) == [
        f"{root}/big.yaml: error: file is too large (3003 bytes); "
        "a story file may be at most 2 KiB [RA001]"
    ]


def test_a_pack_crossing_the_total_names_the_pack_total(tmp_path, monkeypatch):
    monkeypatch.setattr(files_mod, "MAX_TOTAL_BYTES", 4096)
    pack = write_story(
        tmp_path / "p",
        {
            "pack.yaml": "format: 1\nname: p\ntitle: P\nversion: '1'\nextends: tiny-bout\n",
            "a.yaml": PADDING,
            "b.yaml": PADDING,
        },
    )
    msgs = messages(TINY, packs=[pack], cache=False)
    assert any(
        "the pack's files are too large together" in m and "4 KiB, the most a whole pack" in m
        for m in msgs
    ), msgs
    assert not any("may be at most" in m for m in msgs), msgs


@pytest.mark.parametrize(
    ("n", "shown"),
    [(1024**3, "1 GiB"), (256 * 1024**2, "256 MiB"), (4096, "4 KiB"), (3003, "3003 bytes")],
)
def test_amounts_in_messages(n, shown):
    assert files_mod._amount(n) == shown


# -- the total still bounds what is read ------------------------------------------


def test_reading_stops_at_the_total(tmp_path, monkeypatch):
    monkeypatch.setattr(files_mod, "MAX_TOTAL_BYTES", 8192)
    files = {"story.yaml": MANIFEST, "scenes.yaml": SCENES}
    files.update({f"more{i}.yaml": PADDING for i in range(20)})
    root = write_story(tmp_path / "s", files)
    real = files_mod._read_regular
    read: list[int] = []

    def counting(path, limit):
        data, size = real(path, limit)
        read.append(len(data) if data is not None else 0)
        return data, size

    monkeypatch.setattr(files_mod, "_read_regular", counting)
    messages(root, cache=False)
    assert sum(read) <= 8192
    assert len(read) < 22  # the files after the one that crosses the total are not opened


def test_the_default_total_fits_500k_scenes_and_is_a_bound():
    """benchmarks/gen_story.py writes about 740 bytes a scene: 500,000 scenes
    are some 370 MiB. The total stays a bound (the standards: every parser
    bounds size), within what one process can hold."""
    assert files_mod.MAX_TOTAL_BYTES >= 500_000 * 800
    assert files_mod.MAX_TOTAL_BYTES <= 4 * 1024**3
    assert files_mod.MAX_FILE_BYTES <= files_mod.MAX_TOTAL_BYTES


# -- expressions compiled up front ---------------------------------------------------

DIVIDING = """\
chapter: one
scenes:
  - id: a
    text: "{10 // n} and {n + 1}"
    choices:
      - {id: x, text: "{10 % n}", to: b, if: "n + 1 > 0"}
      - {id: y, text: Y, to: b, if: "n + 1 > 0"}
  - id: b
    text: "{10 // n}"
    ending: end
"""


def _slot(e: Expr):
    """The compiled closure, or None while it is not built (no lazy build)."""
    try:
        return Expr.__dict__["fn"].__get__(e, Expr)
    except AttributeError:
        return None


def test_randomtest_compiles_every_expression_load_story_none(tmp_path):
    """load_story leaves expressions to compile on first use (compiling them
    all would cost every load a quarter of a cached one); randomtest, which
    plays a story through, compiles them all first, from a cached story too
    (closures are not pickled)."""
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": DIVIDING})
    for cache in (False, True):
        story = load_story(root, cache=cache, cache_dir=tmp_path / "cache")
        exprs = list(story_exprs(story))
        assert len(exprs) >= 6
        assert all(_slot(e) is None for e in exprs)
        randomtest(story, runs=3)
        assert all(_slot(e) is not None for e in exprs)


def test_shared_trees_share_a_closure_but_faults_keep_their_place(tmp_path):
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": DIVIDING})
    story = load_story(root, cache=False)
    compile_all(story_exprs(story))
    a = story.scenes["a"]
    x, y = a.choices
    assert x.cond.ir is y.cond.ir  # (the loader parsed the text once)
    assert x.cond.fn is y.cond.fn
    div_a = next(p for p in a.text.parts if isinstance(p, Expr) and p.source == "10 // n")
    div_b = next(p for p in story.scenes["b"].text.parts if isinstance(p, Expr))
    assert div_a.fn is not div_b.fn
    c = Cursor.start(story, 1)
    c.v[story.var_index["n"]] = 0
    for e in (div_a, div_b):
        with pytest.raises(StoryRuntimeError) as err:
            e.fn(c)
        assert f"{e.file}:{e.line}:" in str(err.value), str(err.value)


def test_compiled_up_front_evaluates_as_compiled_lazily(tmp_path):
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": DIVIDING})
    story = load_story(root, cache=False)
    state = new_game(story, 3)
    exprs = list(story_exprs(story))
    lazily = [e.fn(state) for e in exprs]  # (load_story compiles nothing: each on first use)
    for e in exprs:
        del e.fn  # (empty the slot again)
    assert compile_all(exprs) <= len(exprs)
    assert [e.fn(state) for e in exprs] == lazily


def test_story_exprs_walks_text_conditions_and_effects(tmp_path):
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": DIVIDING})
    story = load_story(root, cache=False)
    sources = {e.source for e in story_exprs(story)}
    assert {"10 // n", "n + 1", "10 % n", "n + 1 > 0", "name"} <= sources
    assert all(
        isinstance(p, (str, Expr, Branches)) for s in story.scenes.values() for p in s.text.parts
    )


# -- how the program ends ---------------------------------------------------------


def _program(code: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_the_program_runs_atexit_handlers_and_flushes_before_it_ends(tmp_path):
    r = _program(
        """
        import atexit, sys
        atexit.register(lambda: print("atexit ran", file=sys.stderr))
        from rocky_adventure.cli import main
        sys.argv = ["rocky-adventure", *sys.argv[1:]]
        main()
        print("never printed: main() ended the process", file=sys.stderr)
        """,
        "--data-dir",
        str(tmp_path / "d"),
        "randomtest",
        "--story",
        str(TINY),
        "--runs",
        "30",
        "--json",
    )
    assert r.returncode in (0, 1), r.stderr
    assert "atexit ran" in r.stderr
    assert "never printed" not in r.stderr
    assert r.stdout.rstrip().endswith("}")  # the whole report, flushed


def test_the_program_exits_normally_while_another_thread_runs(tmp_path):
    """A thread still alive (a save writer, say) may be mid-write: the
    program then leaves the ending to the interpreter, which waits for it."""
    r = _program(
        """
        import sys, threading, time
        from rocky_adventure.cli import main
        data_dir, story = sys.argv[1:]
        go = threading.Event()
        def late():
            go.wait()
            time.sleep(0.2)
            print("the thread finished", flush=True)
        threading.Thread(target=late).start()
        sys.argv = ["rocky-adventure", "--data-dir", data_dir, "check", story]
        code = main()
        print("main returned", code, flush=True)
        go.set()
        """,
        str(tmp_path / "d"),
        str(TINY),
    )
    assert r.returncode == 0, r.stderr
    assert "main returned 0" in r.stdout, (r.stdout, r.stderr)
    assert r.stdout.rstrip().endswith("the thread finished")


def test_main_with_arguments_returns(tmp_path, capsys):
    """Tests and tools call main(argv): it returns, whatever the command."""
    assert main(["--data-dir", str(tmp_path / "d"), "check", str(TINY)]) == 0
    capsys.readouterr()


# -- randomtest's paragraphs ------------------------------------------------------


@given(
    st.text(
        alphabet=st.sampled_from(list("ab .\t\n\r\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029\u00e9")),
        max_size=40,
    )
)
def test_randomtest_splits_paragraphs_as_the_game_does(text):
    """randomtest counts repeated paragraphs with its own quick split: the
    same paragraphs as game.text.paragraphs, for any text."""
    assert list(_paragraphs(text)) == paragraphs(text)
