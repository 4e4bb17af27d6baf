"""RA113 and RA114: how a story plays. Choices that change nothing, and
text that repeats in a scene the player enters again."""

from __future__ import annotations

from rocky_adventure.tools.lint import lint
from tools.storybuild import build, ch, end, scene, write_story

INT10 = {"type": "int", "default": 0, "min": 0, "max": 10}
BOOL = {"type": "bool", "default": False}


def found(story, code, budget=10_000):
    return [d for d in lint(story, budget) if d.code == code]


def both(story, code):
    """The findings with the exploration and with the scene graph alone."""
    return found(story, code), found(story, code, budget=0)


# RA113 choices-that-change-nothing ---------------------------------------------


def test_ra113_hit_same_target_no_effects(tmp_path):
    s = build(
        tmp_path,
        [
            scene(
                "a",
                ch("go", "b", text="Tell him you'll come"),
                ch("sleep", "b", text="Tell him to sleep on it, then come anyway"),
            ),
            scene("b", ch("on", "w")),
            end("w", "win"),
        ],
        endings=["win"],
    )
    for hits in both(s, "RA113"):
        [d] = hits
        assert "'sleep'" in d.message and "'go'" in d.message and "'a'" in d.message
        assert "both go to 'b' with no effects" in d.message
        assert d.line == s.scenes["a"].by_id["sleep"].line  # at the later choice
        assert d.severity.value == "warning"


def test_ra113_hit_equal_effects_and_chance_checks(tmp_path):
    chance = {"chance": "50 + x", "success": "b", "failure": "c"}
    s = build(
        tmp_path,
        [
            scene(
                "a",
                # the same effects, written in another order and spacing
                ch("left", "b", set={"x": 2, "brave": True}),
                ch("right", "b", set={"brave": True, "x": "1 + 1"}),
                ch("roll", **chance, add={"x": 1}),
                ch("reroll", **chance, add={"x": "1"}),
            ),
            scene("b", ch("on", "w")),
            scene("c", ch("on", "w")),
            end("w", "win"),
        ],
        variables={"x": INT10, "brave": BOOL},
        endings=["win"],
    )
    hits = {d.message.split()[1]: d for d in found(s, "RA113")}
    assert set(hits) == {"'reroll'"}  # 2 and 1 + 1 are different expressions
    assert "both roll '50 + x' for 'b' or 'c' with the same effects" in hits["'reroll'"].message


def test_ra113_hit_once_in_a_scene_never_entered_again(tmp_path):
    # `once` only matters when the player comes back: here no one can
    s = build(
        tmp_path,
        [
            scene("a", ch("look", "b", once=True), ch("stare", "b")),
            scene("b", ch("on", "w")),
            end("w", "win"),
        ],
        endings=["win"],
    )
    assert [d.message.split()[1] for d in found(s, "RA113")] == ["'stare'"]


def test_ra113_miss_when_something_can_tell_them_apart(tmp_path):
    s = build(
        tmp_path,
        [
            scene(
                "a",
                ch("jab", "b", text="Jab"),
                ch("hook", "b", text="Hook", add={"x": 1}),  # another effect
                ch("run", "c", text="Run"),  # another target
                ch("hide", "b", text="Hide", add={"x": 2}),  # another value
                ch("sing", "b", text="Sing", flavour=True),  # marked: on purpose
                ch("brave", "b", text="Stand tall", **{"if": "brave"}),
                ch("scared", "b", text="Cower", **{"if": "not brave"}),  # never with brave
            ),
            scene("b", ch("on", "w", set={"brave": True})),
            scene("c", ch("on", "w")),
            end("w", "win"),
        ],
        variables={"x": INT10, "brave": BOOL},
        endings=["win"],
    )
    # only jab, brave and scared do the same; brave and scared are never open together,
    # so each pairs with jab alone
    hits = found(s, "RA113", budget=0)
    assert sorted(d.message.split()[1] for d in hits) == ["'brave'", "'scared'"]
    assert all("'jab'" in d.message for d in hits)
    # and playing it shows brave is never open in a (it is set later): it does nothing
    assert [d.message.split()[1] for d in found(s, "RA113")] == ["'scared'"]


def test_ra113_miss_once_in_a_hub(tmp_path):
    # back in the hub, a `once` choice is gone while the other stays: that tells them apart
    s = build(
        tmp_path,
        [
            scene(
                "hub",
                ch("ask", "talk", once=True),
                ch("chat", "talk"),
                ch("leave", "w"),
            ),
            scene("talk", ch("back", "hub")),
            end("w", "win"),
        ],
        endings=["win"],
    )
    assert found(s, "RA113") == [] and found(s, "RA113", budget=0) == []


def test_ra113_flavour_loads_and_defaults_to_false(tmp_path):
    s = build(
        tmp_path,
        [scene("a", ch("x", "w", flavour=True), ch("y", "w")), end("w", "win")],
        endings=["win"],
    )
    assert s.scenes["a"].by_id["x"].flavour is True
    assert s.scenes["a"].by_id["y"].flavour is False
    assert found(s, "RA113") == []


def test_ra113_flavour_survives_the_load_cache(tmp_path, monkeypatch):
    from rocky_adventure.engine import load_story, loader

    root = write_story(
        tmp_path / "s",
        [scene("a", ch("x", "w", flavour=True), ch("y", "w")), end("w", "win")],
        endings=["win"],
    )
    load_story(root, cache=True, cache_dir=tmp_path / "cache")

    def no_parsing(*a, **k):
        raise AssertionError("a cache miss")

    monkeypatch.setattr(loader, "build_story", no_parsing)
    cached = load_story(root, cache=True, cache_dir=tmp_path / "cache")
    assert cached.scenes["a"].by_id["x"].flavour is True
    assert found(cached, "RA113") == []


# RA114 text-that-repeats --------------------------------------------------------


def hub(text: str, **kw) -> list[dict]:
    return [
        scene("gym", ch("train", "gym", add={"reps": 1}), ch("leave", "w"), text=text, **kw),
        end("w", "win"),
    ]


def test_ra114_hit_constant_text_in_a_hub(tmp_path):
    s = build(tmp_path, hub("The gym smells of sweat."), variables={"reps": INT10}, endings=["win"])
    for hits in both(s, "RA114"):
        [d] = hits
        assert d.message == (
            "scene 'gym' can be entered again and shows the same text every time: "
            "vary it with its visit count ({if gym > 1}...{end}) or what changed"
        )
        assert d.severity.value == "info"
        assert (d.line, d.col) == (s.scenes["gym"].line, s.scenes["gym"].col)


def test_ra114_hit_text_reads_only_what_the_cycle_leaves_alone(tmp_path):
    # `name` is set before the hub and never again on the way round
    s = build(
        tmp_path,
        [
            scene("intro", ch("in", "gym", set={"name": '"Rocky"'})),
            *hub("{name} trains. {if brave}Bravely.{end}"),
        ],
        variables={
            "reps": INT10,
            "brave": BOOL,
            "name": {"type": "str", "default": "you"},
        },
        endings=["win"],
    )
    assert [d.message.split()[1] for d in found(s, "RA114", budget=0)] == ["'gym'"]


def test_ra114_miss_text_that_varies_or_scenes_entered_once(tmp_path):
    for text in (
        "{if gym > 1}Again.{else}First time.{end}",  # its visit count
        "Reps: {reps}.",  # a variable the way round changes
        "{if turns > 3}Late.{end}",  # turns
    ):
        s = build(tmp_path / str(hash(text)), hub(text), variables={"reps": INT10}, endings=["win"])
        assert found(s, "RA114") == [] and found(s, "RA114", budget=0) == [], text
    # a cycle in the scene graph, but every way back in can be taken only once
    s = build(
        tmp_path / "once",
        [
            scene(
                "party",
                ch("kitchen", "adrian", once=True),
                ch("cake", "w"),
                text="{if adrian > 0}Back in the room.{else}The party.{end}",
            ),
            # entered once: its only way in is a `once` choice
            scene("adrian", ch("back", "party"), text="Adrian lights candles."),
            end("w", "win"),
        ],
        endings=["win"],
    )
    assert found(s, "RA114", budget=0) == []


def test_ra114_miss_latches_and_counters(tmp_path):
    s = build(
        tmp_path,
        [
            scene(
                "day",
                ch("cut", "the_cut", **{"if": "not cut"}),
                ch("unveil", "robot", **{"if": "robot == 0"}),
                ch("towel", "towel", **{"if": "not towel_ready"}, set={"towel_ready": True}),
                ch("event", "event", **{"if": "d == 4"}),
                ch("next", "day", **{"if": "d < 8"}),
                ch("stop", "w"),
                add={"d": 1},
                text="Day {d}.",
            ),
            # its entry sets the latch its way in needs unset
            scene("the_cut", ch("back", "day"), set={"cut": True}, text="He bleeds."),
            # its way in needs it unvisited
            scene("robot", ch("back", "day"), text="The robot beeps."),
            # the choice in shuts itself
            scene("towel", ch("back", "day"), text="A towel."),
            # the day only rises on the way round, so `d == 4` holds once
            scene("event", ch("back", "day"), text="The black car."),
            end("w", "win"),
        ],
        variables={"d": INT10, "cut": BOOL, "towel_ready": dict(BOOL)},
        endings=["win"],
    )
    assert found(s, "RA114", budget=0) == [] and found(s, "RA114") == []
