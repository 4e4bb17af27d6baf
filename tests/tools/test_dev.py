"""Live authoring without the UI: watching, reloading in place, --from/--set."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rocky_adventure.engine import choose, load_story, new_game
from rocky_adventure.engine.start import Start, StartError, parse_value, start_state
from rocky_adventure.tools.dev import DevSession, Watcher, replay_path

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
TINY = ROOT / "examples" / "tiny-bout"


def copy_story(tmp_path, src=TINY) -> Path:
    dst = tmp_path / "story"
    shutil.copytree(src, dst)
    return dst


def touch_later(p: Path) -> None:
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def edit(p: Path, old: str, new: str) -> None:
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new))
    touch_later(p)


def play(story, state, *ids):
    for cid in ids:
        state = choose(story, state, cid)
    return state


def test_watcher_sees_saves_additions_and_removals(tmp_path):
    root = copy_story(tmp_path)
    w = Watcher([root])
    assert w.changed() == []
    touch_later(root / "fight.yaml")
    assert w.changed() == [str(root / "fight.yaml")]
    assert w.changed() == []
    (root / "more.yaml").write_text("chapter: fight\n")
    (root / ".hidden.yaml").write_text("x")
    (root / "notes.txt").write_text("x")
    assert w.changed() == [str(root / "more.yaml")]
    (root / "more.yaml").unlink()
    assert w.changed() == [str(root / "more.yaml")]


def test_reload_keeps_the_position(tmp_path):
    root = copy_story(tmp_path)
    s = DevSession(root)
    state = play(s.story, s.new_state(), "warm_up")
    assert state.scene == "the_bell"
    assert s.poll(state) is None
    edit(root / "fight.yaml", "The bell.", "The bell rings.")
    r = s.poll(state)
    assert r.ok and r.stopped is None and r.replayed == 1
    assert r.state.scene == "the_bell" and r.state.path == state.path and r.state.v == state.v
    assert "The bell rings." in s.story.scenes["the_bell"].text.render(r.state)
    assert r.changed == [str(root / "fight.yaml")]


def test_reload_stops_at_the_first_choice_that_is_gone(tmp_path):
    root = copy_story(tmp_path)
    s = DevSession(root)
    state = play(s.story, s.new_state(), "rest")
    edit(root / "fight.yaml", "id: rest", "id: sit_down")
    r = s.poll(state)
    assert (
        r.ok
        and r.replayed == 0
        and "('rest') no longer exists" in r.stopped
        and "sit_down" in r.stopped
    )
    assert r.state.scene == "locker_room"


def test_reload_with_errors_keeps_the_old_story(tmp_path):
    root = copy_story(tmp_path)
    s = DevSession(root)
    old = s.story
    state = play(old, s.new_state(), "warm_up")
    edit(root / "fight.yaml", "to: the_bell", "to: the_bel")
    r = s.poll(state)
    assert not r.ok and r.state is None and s.story is old
    [d, *_] = r.diagnostics
    assert d.file.endswith("fight.yaml") and d.line > 0 and "the_bel" in d.message
    edit(root / "fight.yaml", "to: the_bel\n", "to: the_bell\n")
    r = s.poll(state)
    assert r.ok and r.state.scene == "the_bell"


def test_reload_watches_packs(tmp_path):
    from tools.test_packs import make_pack

    root = copy_story(tmp_path)
    pack = make_pack(tmp_path / "pack")
    s = DevSession(root, packs=[pack])
    state = play(s.story, s.new_state(), "montage.montage", "steps")
    edit(pack / "branch.yaml", "Running up the steps.", "Up the steps.")
    r = s.poll(state)
    assert r.ok and r.state.scene == "montage.montage_start" and r.replayed == 2


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(0, 5), max_size=40))
def test_replay_path_puts_any_playthrough_back(seed, picks):
    from rocky_adventure.engine import available_choices

    story = load_story(STARTER)
    state = new_game(story, seed)
    for p in picks:
        opts = available_choices(story, state)
        if not opts:
            break
        state = choose(story, state, opts[p % len(opts)].id)
    r = replay_path(story, list(state.path), Start(seed=seed))
    assert r.stopped is None and r.state == state


# -- --from and --set ---------------------------------------------------------------


def test_start_anywhere_with_typed_values():
    story = load_story(TINY)
    st_ = start_state(
        story,
        Start.parse(
            story, "the_bell", ["stamina=9", "brave=true", "trainer='Apollo'", "locker_room=2"]
        ),
    )
    assert (
        st_.scene == "the_bell"
        and st_.var(story, "stamina") == 9
        and st_.var(story, "brave") is True
    )
    assert st_.var(story, "trainer") == "Apollo" and st_.visits == {"the_bell": 1, "locker_room": 2}
    assert st_.path == ()
    assert [
        c.id
        for c in __import__("rocky_adventure.engine", fromlist=["x"]).available_choices(story, st_)
    ] == ["swing", "box"]


@pytest.mark.parametrize(
    "scene,sets,message",
    [
        ("the_bel", [], "unknown scene 'the_bel' (did you mean 'the_bell'?)"),
        (None, ["stamna=3"], "unknown variable 'stamna' (did you mean 'stamina'?)"),
        (None, ["stamina=11"], "variable 'stamina' must be between 0 and 10; got 11"),
        (None, ["stamina=lots"], "variable 'stamina' is a whole number; got 'lots'"),
        (None, ["brave=yes"], "variable 'brave' is true/false; got 'yes'"),
        (None, ["brave"], "expected NAME=VALUE"),
        (None, ["the_bell=-1"], "visit count"),
    ],
)
def test_start_errors_name_the_variable(scene, sets, message):
    story = load_story(TINY)
    with pytest.raises(StartError) as e:
        Start.parse(story, scene, sets)
    assert message in str(e.value)


def test_parse_value_types():
    story = load_story(TINY)
    assert (
        parse_value(story, "stamina", "-0") == 0 and parse_value(story, "brave", "FALSE") is False
    )
    assert parse_value(story, "trainer", '"Duke"') == "Duke"


def test_reload_from_a_chosen_start(tmp_path):
    root = copy_story(tmp_path)
    story = load_story(root, cache=False)
    s = DevSession(root, start=Start.parse(story, "the_bell", ["stamina=10", "brave=true"], seed=3))
    state = play(s.story, s.new_state(), "swing")
    edit(root / "fight.yaml", "He drops", "He falls")
    r = s.poll(state)
    assert r.ok and r.state == state
