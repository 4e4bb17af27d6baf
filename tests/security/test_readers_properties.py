"""Every reader of JSON and YAML returns a value or a clear error, for any
input: property tests over bytes, over JSON documents and over YAML."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import json_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocky_adventure.engine import StateError, StoryLoadError, build_story, load_story, new_game
from rocky_adventure.engine.jsonio import JSONError, loads
from rocky_adventure.engine.state import state_from_json
from rocky_adventure.engine.yamlio import compose

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
STORY = load_story(STARTER, cache=False)
TINY_MANIFEST = (ROOT / "examples" / "tiny-bout" / "story.yaml").read_bytes()

# bytes that look like JSON often: brackets, quotes, digits, the words JSON knows
json_ish = st.lists(
    st.sampled_from(
        [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            '"',
            '"a"',
            "1",
            "-",
            "e9",
            "1e999",
            "NaN",
            "Infinity",
            "true",
            "null",
            " ",
            "\\",
            "\\u0000",
            "9" * 30,
            "\x1b",
            "\xff",
        ]
    ),
    max_size=60,
).map(lambda parts: "".join(parts).encode("utf-8", "surrogateescape"))
any_bytes = st.binary(max_size=200) | json_ish
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(data=any_bytes)
def test_bounded_json_gives_a_value_or_a_json_error(data):
    try:
        value = loads(data, max_bytes=150)
    except JSONError as e:
        assert str(e)
    else:
        json.dumps(value, allow_nan=False)  # only real JSON comes back


@FAST
@given(data=any_bytes)
def test_every_file_the_game_keeps_reads_as_a_value(tmp_path_factory, data):
    from rocky_adventure.game.settings import Settings, load_settings
    from rocky_adventure.game.storage import Storage

    root = tmp_path_factory.mktemp("d")
    s = Storage(root, STORY.id)
    s.dir.mkdir(parents=True)
    (root / "settings.json").write_bytes(data)
    s.gallery_path.write_bytes(data)
    s.read_path.write_bytes(data)
    assert isinstance(load_settings(root), Settings)
    assert isinstance(s.load_gallery(), dict)
    assert isinstance(s.load_read(), set)
    s.record_ending("went_home", "Home", "Home again.")  # and writing on top works


@FAST
@given(data=any_bytes)
def test_any_bytes_in_a_save_slot_load_or_are_refused_with_a_message(tmp_path_factory, data):
    from rocky_adventure.game.saves import SaveError
    from rocky_adventure.game.storage import Storage

    s = Storage(tmp_path_factory.mktemp("d"), STORY.id)
    s.saves_dir.mkdir(parents=True)
    s.slot_path("slot-a").write_bytes(data)
    infos, problems = s.list_saves()
    assert len(infos) + len(problems) == 1
    for p in problems:
        assert p.message().startswith("The save 'slot-a' could not be used: ")
    try:
        s.load_save(STORY, "slot-a")
    except SaveError as e:
        assert str(e)


@FAST
@given(doc=json_values(20))
def test_any_json_as_a_saved_state_gives_a_state_or_a_state_error(doc):
    base = new_game(STORY, 3).to_json(STORY)
    for candidate in (doc, {**base, "vars": doc}, {**base, "visits": doc}, {**base, "path": doc}):
        try:
            state_from_json(STORY, candidate)
        except StateError as e:
            assert str(e)


@FAST
@given(data=any_bytes)
def test_any_run_file_gives_a_verdict(tmp_path_factory, data):
    from rocky_adventure.speedrun.records import load_run_file
    from rocky_adventure.speedrun.verify import verify_run

    path = tmp_path_factory.mktemp("r") / "run.json"
    path.write_bytes(data)
    try:
        record = load_run_file(path)
    except ValueError as e:
        assert str(path) in str(e)
        return
    assert not verify_run(STORY, record).ok


@FAST
@given(data=any_bytes)
def test_any_records_file_is_read_or_set_aside(tmp_path_factory, data):
    from rocky_adventure.speedrun.records import Records

    root = tmp_path_factory.mktemp("d")
    path = root / "speedrun" / STORY.id / "records.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    r = Records(root, STORY.id)
    assert isinstance(r.table(), list)
    assert r.problem is None or "records" in r.problem


@FAST
@given(doc=json_values(20))
def test_any_route_document_gives_routes_or_a_route_error(doc):
    from rocky_adventure.tools.transcript import RouteError, parse_routes

    try:
        routes = parse_routes(doc)
    except RouteError as e:
        assert str(e)
    else:
        assert all(isinstance(c, str) for r in routes for c in r.choices)


# -- YAML ---------------------------------------------------------------------------

yaml_ish = st.lists(
    st.sampled_from(
        [
            "a",
            ": ",
            "\n",
            "  ",
            "- ",
            "[",
            "]",
            "{",
            "}",
            "&x ",
            "*x",
            "!!python/object ",
            "<<: ",
            "'",
            '"',
            "|",
            ">",
            "#",
            "? ",
            "---",
            "...",
            "%YAML 1.1",
            "\t",
            "\x00",
            "\ufeff",
            "id",
            "scenes",
            "text",
            "{if x}",
            "{end}",
            "(",
            ")",
            "1",
            "\x1b",
        ]
    ),
    max_size=80,
).map("".join)


@FAST
@given(text=yaml_ish | st.text(max_size=120))
def test_the_yaml_reader_gives_nodes_or_located_errors(text):
    node, errors = compose(text, "x.yaml")
    for d in errors:
        assert d.file == "x.yaml" and d.line >= 1 and d.code.startswith("RA")


@FAST
@given(text=yaml_ish | st.text(max_size=120))
def test_any_scene_file_gives_a_story_or_a_load_error(text):
    files = [("story.yaml", TINY_MANIFEST), ("fight.yaml", text.encode("utf-8", "surrogatepass"))]
    try:
        build_story(files, "s", "s")
    except StoryLoadError as e:
        assert e.diagnostics and all(d.code.startswith("RA") for d in e.diagnostics)
