"""The loader's memory work (issue 17) changes nothing a load gives: the
Fields keep no YAML nodes (positions are found again in the file when an
error needs one), each scene's Fields go once it is built, equal values
are one object, and the cache writes the story as the loader built it.
(No timing or memory figure is asserted here: benchmarks/bench_engine.py
prints them.)"""

from __future__ import annotations

import importlib.util
import pickle

import pytest
from helpers import MANIFEST, ROOT, distinct_objects, write_story

from rocky_adventure.engine import StoryLoadError, cache, load_story
from rocky_adventure.engine import format as fmt
from rocky_adventure.engine.files import read_files
from rocky_adventure.engine.schema import Ctx, Fields, FileSource
from rocky_adventure.engine.yamlio import compose, decode


def _synthetic(tmp_path, n: int):
    spec = importlib.util.spec_from_file_location("gen_story", ROOT / "benchmarks" / "gen_story.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    out = tmp_path / f"story{n}"
    gen.generate(n, out)
    return out


@pytest.mark.parametrize("which", ["bundled", "synthetic"])
def test_a_load_from_the_cache_is_the_load_without_it(tmp_path, which):
    root = ROOT / "story" if which == "bundled" else _synthetic(tmp_path, 300)
    cold = load_story(root, cache=False)
    first = load_story(root, cache=True, cache_dir=tmp_path / "cache")  # writes the entry
    again = load_story(root, cache=True, cache_dir=tmp_path / "cache")  # reads it
    assert first == cold
    assert again == cold
    assert pickle.loads(pickle.dumps(cold)) == cold


def test_the_loader_keeps_equal_values_once(tmp_path):
    """The cache no longer makes a `shared` copy before writing: the story
    the loader builds keeps its ids, words, line numbers, expression trees
    and pieces of text once already, about as cache.shared would, and so
    does the entry read back (a pickle keeps each str, tuple and frozenset
    once, never an int: those are alike either way)."""
    story = load_story(ROOT / "story", cache=False)
    assert distinct_objects(story) <= 1.1 * distinct_objects(cache.shared(story))
    load_story(ROOT / "story", cache=True, cache_dir=tmp_path)
    entry = load_story(ROOT / "story", cache=True, cache_dir=tmp_path)
    assert entry == story
    written_shared = pickle.loads(pickle.dumps(cache.shared(story), pickle.HIGHEST_PROTOCOL))
    assert distinct_objects(entry) <= 1.05 * distinct_objects(written_shared)


def _fields(f: Fields):
    """Every Fields inside `f`, with its path of keys."""
    todo = [((), f)]
    while todo:
        path, g = todo.pop()
        yield path, g
        for k, v in g.values.items():
            items = v.values() if isinstance(v, dict) else v if isinstance(v, list) else (v,)
            for i, x in enumerate(items):
                x = x[0] if isinstance(x, tuple) else x
                if isinstance(x, Fields):
                    todo.append(((*path, k, i), x))


@pytest.mark.parametrize("root", [ROOT / "story", ROOT / "examples" / "starter"])
def test_fields_read_with_a_file_source_give_the_same_positions(root):
    """A Fields read with a FileSource keeps no nodes but finds each value's
    position (and node) again in the file: the same as one read without."""
    files, errors = read_files(root)
    assert not errors
    for rel, data in files:
        text, _ = decode(data, rel)
        schema = fmt.MANIFEST if rel == "story.yaml" else fmt.SCENE_FILE
        eager = schema.load(compose(text, rel)[0], Ctx(rel, []))
        lazy = schema.load(compose(text, rel)[0], Ctx(rel, [], FileSource(rel, data)))
        assert isinstance(eager, Fields) and isinstance(lazy, Fields)
        pairs = list(zip(_fields(eager), _fields(lazy)))
        assert len(pairs) > 1
        for (p1, a), (p2, b) in pairs:
            assert p1 == p2 and (a.line, a.col) == (b.line, b.col)
            for key in [*a.values, "no_such_key"]:
                assert a.at(key) == b.at(key), (rel, p1, key)
                na, nb = a.node(key), b.node(key)
                assert (na is None) == (nb is None)
                if na is not None:
                    assert (na.start_mark.line, na.start_mark.column) == (
                        nb.start_mark.line,
                        nb.start_mark.column,
                    )


# Stories whose errors are found where the loader looks positions up again (a
# scene's Fields dropped once built, a value's node found in the file, the
# indentation of a line of block text): each message as the loader gave it
# before the Fields kept no nodes.
CASES = {
    "targets": (
        {
            "story.yaml": MANIFEST,
            "a.yaml": """\
                chapter: one
                scenes:
                  - id: a
                    text: Start.
                    choices:
                      - {id: go, text: Go, to: b}
            """,
            "b.yaml": """\
                chapter: one
                scenes:
                  - id: b
                    text: B.
                    choices:
                      - id: x
                        text: X
                        to: nowhere
                      - id: y
                        text: Y
                        chance: "50"
                        success: a
                        failure: nowhere_else
                  - id: c
                    text: C.
                    next:
                      - {if: flag, to: missing}
                      - {to: a}
                  - id: d
                    text: D.
                    next: gone
            """,
        },
        [
            "b.yaml:8:13: error: unknown scene 'nowhere' [RA005]",
            "b.yaml:13:18: error: unknown scene 'nowhere_else' [RA005]",
            "b.yaml:17:24: error: unknown scene 'missing' [RA005]",
            "b.yaml:21:11: error: unknown scene 'gone' [RA005]",
        ],
    ),
    "refused_variable": (
        {
            "story.yaml": MANIFEST.replace(
                "variables:\n",
                "variables:\n  x: {type: float, default: 1}\n"
                "  y: {type: int, default: 1, min: 0, max: 5, colour: red}\n",
            ),
            "a.yaml": """\
                chapter: one
                scenes:
                  - id: a
                    text: "{x} and {y}"
                    choices:
                      - {id: go, text: Go, to: a, if: "x > 1 and y > 2"}
            """,
        },
        [
            "story.yaml:6:13: error: expected int, bool or str, got 'float' [RA004]",
            "story.yaml:7:46: error: unknown key 'colour' in variable (expected one of: "
            "type, default, min, max, label, shown) [RA004]",
        ],
    ),
    "chapter_and_block": (
        {
            "story.yaml": MANIFEST,
            "a.yaml": """\
                chapter: one
                scenes:
                  - id: a
                    chapter: twoo
                    text: |
                      Line one.
                        indented {n +}
                      {if flag}open
                    ending: end
            """,
        },
        [
            "a.yaml:4:14: error: unknown chapter 'twoo' [RA005]",
            "a.yaml:7:21: error: in text: invalid expression: invalid syntax [RA008]",
        ],
    ),
    "policy": (
        {
            "story.yaml": MANIFEST
            + "policies:\n  careful:\n    rules:\n      - scene: a\n        prefer: [go, stay, leave]\n",
            "a.yaml": """\
                chapter: one
                scenes:
                  - id: a
                    text: A.
                    choices:
                      - {id: go, text: Go, to: a}
                      - {id: stay, text: Stay, to: a}
            """,
        },
        ["story.yaml:17:28: error: unknown choice 'leave' in scene 'a' [RA005]"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_errors_found_again_in_the_file_are_where_they_were(tmp_path, name):
    files, expected = CASES[name]
    root = write_story(tmp_path / name, files)
    with pytest.raises(StoryLoadError) as e:
        load_story(root, cache=False)
    got = [d.format().replace(f"{root}/", "") for d in e.value.diagnostics]
    assert got == expected
