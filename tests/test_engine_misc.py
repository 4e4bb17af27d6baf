"""Engine purity, the load cache, the JSON Schema and the loader under fuzz."""

from __future__ import annotations

import ast
import json
import pickle
import subprocess
import sys

import pytest
import yaml
from helpers import MANIFEST, ROOT, write_story
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocky_adventure.engine import StoryLoadError, build_story, load_story
from rocky_adventure.engine import cache as cache_mod
from rocky_adventure.engine.format import json_schema

ENGINE = ROOT / "rocky_adventure" / "engine"


def test_engine_never_imports_textual():
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                assert n.split(".")[0] not in ("textual", "rich"), f"{path.name} imports {n}"
    code = (
        "import sys, rocky_adventure.engine as e; e.load_story('examples/tiny-bout', cache=False); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]; print(bad); "
        "sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_eval_or_exec_in_engine():
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        calls = {
            n.func.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        assert not calls & {"eval", "exec", "compile", "__import__"}, path.name


def test_cache_hit_miss_and_corruption(tmp_path):
    root = ROOT / "examples" / "tiny-bout"
    cdir = tmp_path / "cache"
    first = load_story(root, cache=True, cache_dir=cdir)
    entries = list(cdir.iterdir())
    assert len(entries) == 1
    again = load_story(root, cache=True, cache_dir=cdir)
    assert again == first and again is not first
    # a corrupt entry is a miss, and is replaced
    entries[0].write_bytes(b"RAC1" + b"\x80\x05garbage")
    assert load_story(root, cache=True, cache_dir=cdir) == first

    # a tampered entry that would run code is refused, not run
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    entries[0].write_bytes(b"RAC1" + pickle.dumps(Evil()))
    assert cache_mod.load_cached(first.hash, cdir) is None
    # a changed story has another key
    changed = write_story(
        tmp_path / "changed",
        {
            "story.yaml": (root / "story.yaml").read_text(),
            "fight.yaml": (root / "fight.yaml").read_text().replace("The tape", "Tape"),
        },
    )
    other = load_story(changed, cache=True, cache_dir=cdir)
    assert other.hash != first.hash and len(list(cdir.iterdir())) == 2


def test_cached_story_plays_like_a_fresh_one(tmp_path):
    from rocky_adventure.engine import replay

    root = ROOT / "examples" / "tiny-bout"
    fresh = load_story(root, cache=False)
    load_story(root, cache=True, cache_dir=tmp_path)
    cached = load_story(root, cache=True, cache_dir=tmp_path)
    for seed in range(20):
        assert replay(fresh, seed, ["warm_up", "swing"]) == replay(
            cached, seed, ["warm_up", "swing"]
        )


def _schema_validator(kind):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_accepts_the_example_and_rejects_mistakes():
    manifest = _schema_validator("manifest")
    scenes = _schema_validator("scenes")
    root = ROOT / "examples" / "tiny-bout"
    assert not list(manifest.iter_errors(yaml.safe_load((root / "story.yaml").read_text())))
    data = yaml.safe_load((root / "fight.yaml").read_text())
    assert not list(scenes.iter_errors(data))
    data["scenes"][0]["colour"] = "red"
    assert list(scenes.iter_errors(data))
    del data["scenes"][0]["colour"]
    data["scenes"][0]["next"] = "the_bell"  # choices and next together
    assert list(scenes.iter_errors(data))


def test_schema_command_prints_json():
    r = subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "schema", "--kind", "scenes"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0 and json.loads(r.stdout)["title"] == "rocky-adventure scene file"


def test_stats_json():
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "rocky_adventure",
            "stats",
            "--json",
            "--story",
            "examples/tiny-bout",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["total"]["scenes"] == 4 and s["total"]["endings"] == 2 and s["total"]["variables"] == 3
    assert s["chapters"]["fight"]["choices"] == 4 and s["total"]["words"] > 50


def test_every_command_has_help_with_example():
    from rocky_adventure.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        assert "example" in (p.epilog or ""), name


SCENE_WORDS = st.sampled_from(
    [
        "id",
        "text",
        "to",
        "choices",
        "next",
        "ending",
        "if",
        "a",
        "b",
        "end",
        "-",
        ":",
        "{",
        "}",
        "[",
        "]",
        "&x",
        "*x",
        "<<",
        "!!str",
        "'",
        '"',
        "\n",
        "  ",
        "yes",
        "12:30",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(SCENE_WORDS, max_size=60).map(" ".join)
    | st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
)
def test_loader_never_crashes(tmp_path_factory, junk):
    """Whatever a scene file holds, the loader answers with diagnostics."""
    files = [
        ("story.yaml", MANIFEST.encode()),
        ("scenes.yaml", junk.encode("utf-8", "surrogatepass")),
    ]
    try:
        build_story(files, "s", "s")
    except StoryLoadError as e:
        assert all(d.line >= 0 and d.message for d in e.diagnostics)


def test_a_cached_story_loads_without_the_loader(tmp_path):
    """The game starts from the cache: no PyYAML, no schema, no format, and
    no hashlib (which sets OpenSSL up for every digest it has)."""
    load_story(ROOT / "examples" / "tiny-bout", cache=True, cache_dir=tmp_path)
    code = (
        "import sys; from rocky_adventure.engine import load_story, read_files, bundled_story_dir; "
        "s = load_story('examples/tiny-bout', cache_dir=sys.argv[1]); "
        "heavy = [m for m in ('yaml', 'rocky_adventure.engine.loader', 'rocky_adventure.engine.schema', "
        "'rocky_adventure.engine.format', 'hashlib', '_hashlib') if m in sys.modules]; "
        "from rocky_adventure.engine import build_story; "
        "sys.exit(1 if heavy or 'yaml' not in sys.modules or s.id != 'tiny-bout' else 0)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_cache_keeps_equal_values_once(tmp_path):
    story = load_story(ROOT / "story", cache=False)
    shared = cache_mod.shared(story)

    def exact(o):  # the story as nested plain values, each scalar with its type (1 is not True)
        if isinstance(o, dict):
            return {k: exact(v) for k, v in o.items()}
        if isinstance(o, (tuple, list, frozenset)):
            return (
                type(o).__name__,
                [exact(x) for x in (sorted(o, key=repr) if isinstance(o, frozenset) else o)],
            )
        if hasattr(o, "__getstate__") and not isinstance(o, (str, int, float, type(None))):
            return (type(o).__name__, exact(o.__getstate__()))
        return (type(o).__name__, o)

    assert exact(shared) == exact(story)

    # (that the loader already builds equal values as one object, so the cache
    # writes its story as it is: tests/test_engine_loadmem.py)
    load_story(ROOT / "story", cache=True, cache_dir=tmp_path)
    assert load_story(ROOT / "story", cache=True, cache_dir=tmp_path) == story


def test_states_share_what_a_choice_did_not_change():
    from rocky_adventure.engine import available_choices, choose, new_game

    story = load_story(ROOT / "story", cache=False)
    state = new_game(story, 7)
    shared_v = shared_once = 0
    for _ in range(40):
        if state.ending is not None:
            break
        new = choose(story, state, available_choices(story, state)[0].id)
        assert new.visits is not state.visits  # each State's own
        shared_v += new.v is state.v
        shared_once += new.once is state.once
        state = new
    assert shared_v and shared_once
