"""Branch packs: loading, namespacing, hooks, conflicts, hostile packs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rocky_adventure.cli import main
from rocky_adventure.engine import StoryLoadError, load_story, replay
from rocky_adventure.tools.lint import lint

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "examples" / "tiny-bout"

MANIFEST = """\
format: 1
name: {name}
title: The Montage
version: 1.0.0
extends: tiny-bout
variables:
  grit: {{type: int, default: 0, min: 0, max: 5}}
endings:
  - id: legend
    title: A Legend
    epilogue: "Grit {{grit}}. {{trainer}} cries."
hooks:
  - scene: locker_room
{where}    choices:
      - id: montage
        text: Train to music
        to: montage_start
"""

BRANCH = """\
chapter: fight
scenes:
  - id: montage_start
    text: Running up the steps. Grit {grit}; here {montage_start} times.
    choices:
      - id: steps
        text: Run the steps
        if: "grit < 4"
        add: {grit: 2, stamina: 1}
        to: montage_start
      - id: done
        text: Enough
        to: the_bell
      - id: legend
        text: Become a legend
        if: "grit >= 4"
        to: legend_end
  - id: legend_end
    text: Legend.
    ending: legend
"""


def make_pack(
    root: Path, name: str = "montage", where: str = "", branch: str = BRANCH, **files: str
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(MANIFEST.format(name=name, where=where), encoding="utf-8")
    (root / "branch.yaml").write_text(branch, encoding="utf-8")
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    return root


def errors_of(*packs, installed=None) -> list[str]:
    with pytest.raises(StoryLoadError) as e:
        load_story(TINY, list(packs), installed=installed, cache=False)
    return [d.format() for d in e.value.diagnostics]


def test_pack_adds_namespaced_scenes_variables_endings(tmp_path):
    base = load_story(TINY, cache=False)
    s = load_story(TINY, [make_pack(tmp_path / "p")], cache=False)
    assert "montage.montage_start" in s.scenes and "montage.legend" in s.endings
    assert s.var("montage.grit").label == "grit"
    assert [c.id for c in s.scenes["locker_room"].choices] == ["warm_up", "rest", "montage.montage"]
    assert s.scenes["montage.montage_start"].choices[1].to == "the_bell"  # the story's scene
    assert s.hash != base.hash and len(s.files) == len(base.files) + 2
    assert any(f.path == "@montage/pack.yaml" for f in s.files)
    # the pack plays: its own visit counts and variables, in text too
    st = replay(s, 1, ["montage.montage", "steps", "steps", "legend"])
    assert st.ending == "montage.legend" and st.var(s, "montage.grit") == 4
    assert st.visits["montage.montage_start"] == 3
    # and the base story is untouched by loading a pack
    assert load_story(TINY, cache=False).hash == base.hash


def test_pack_hash_changes_with_the_pack(tmp_path):
    p = make_pack(tmp_path / "p")
    h1 = load_story(TINY, [p], cache=False).hash
    (p / "branch.yaml").write_text(BRANCH.replace("Legend.", "A legend."), encoding="utf-8")
    assert load_story(TINY, [p], cache=False).hash != h1


@pytest.mark.parametrize(
    "where,order",
    [
        ("    before: warm_up\n", ["montage.montage", "warm_up", "rest"]),
        ("    after: warm_up\n", ["warm_up", "montage.montage", "rest"]),
    ],
)
def test_hook_position(tmp_path, where, order):
    s = load_story(TINY, [make_pack(tmp_path / "p", where=where)], cache=False)
    assert [c.id for c in s.scenes["locker_room"].choices] == order


def test_lints_and_tools_see_the_pack(tmp_path, capsys):
    p = make_pack(tmp_path / "p")
    s = load_story(TINY, [p], cache=False)
    assert not [d for d in lint(s) if d.severity.value == "error"]
    assert main(["check", str(TINY), "--pack", str(p)]) == 0
    assert (
        main(["route", "--story", str(TINY), "--pack", str(p), "--ending", "montage.legend"]) == 0
    )
    assert '"montage.montage"' in capsys.readouterr().out
    assert main(["stats", "--story", str(TINY), "--pack", str(p)]) == 0


def test_installed_packs(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    make_pack(data / "packs" / "montage")
    other = make_pack(data / "packs" / "other", name="other")
    (other / "pack.yaml").write_text(
        (other / "pack.yaml").read_text().replace("extends: tiny-bout", "extends: rocky-iv")
    )
    s = load_story(TINY, installed=data / "packs", cache=False)
    assert "montage.legend" in s.endings and not any(e.startswith("other.") for e in s.endings)
    assert main(["--data-dir", str(data), "check", str(TINY)]) == 0
    assert "7 scenes" not in capsys.readouterr().out
    assert main(["check", "--data-dir", str(data), str(TINY), "--format", "json"]) == 0
    assert '"ok": true' in capsys.readouterr().out
    # the same folder given with --pack too is loaded once
    s2 = load_story(TINY, [data / "packs" / "montage"], installed=data / "packs", cache=False)
    assert s2.scenes.keys() == s.scenes.keys()
    # and --no-installed-packs leaves them out
    assert (
        main(
            [
                "--data-dir",
                str(data),
                "route",
                "--story",
                str(TINY),
                "--no-installed-packs",
                "--ending",
                "montage.legend",
            ]
        )
        == 2
    )


# -- conflicts -------------------------------------------------------------------------


def test_two_packs_with_one_name_name_both_files(tmp_path):
    a, b = make_pack(tmp_path / "a"), make_pack(tmp_path / "b")
    [msg] = errors_of(a, b)
    assert (
        str(b / "pack.yaml") in msg
        and str(a / "pack.yaml") in msg
        and "two packs are named 'montage'" in msg
    )


def test_pack_id_shadowing_the_story_names_both_files(tmp_path):
    branch = BRANCH.replace("id: legend_end", "id: the_bell")
    msgs = errors_of(make_pack(tmp_path / "p", branch=branch))
    assert any("scene 'the_bell'" in m and "fight.yaml" in m and "branch.yaml" in m for m in msgs)
    p = make_pack(tmp_path / "q")
    (p / "pack.yaml").write_text(
        (p / "pack.yaml")
        .read_text()
        .replace("  grit:", "  stamina: {type: int, default: 0}\n  grit:")
    )
    assert any("variable 'stamina'" in m and "story.yaml" in m for m in errors_of(p))


def test_two_packs_hooking_one_scene_both_work(tmp_path):
    a = make_pack(tmp_path / "a")
    b = make_pack(tmp_path / "b", name="second")
    s = load_story(TINY, [a, b], cache=False)
    assert [c.id for c in s.scenes["locker_room"].choices][-2:] == [
        "montage.montage",
        "second.montage",
    ]


def test_pack_errors_are_located(tmp_path):
    p = make_pack(
        tmp_path / "p",
        branch=BRANCH.replace("to: the_bell", "to: the_bel").replace(
            'if: "grit < 4"', 'if: "grits < 4"'
        ),
    )
    msgs = errors_of(p)
    assert any(
        "branch.yaml:" in m and "unknown scene 'the_bel'" in m and "the_bell" in m for m in msgs
    )
    assert any("branch.yaml:" in m and "unknown name 'grits'" in m and "'grit'" in m for m in msgs)


@pytest.mark.parametrize(
    "edit,message",
    [
        (("extends: tiny-bout", "extends: rocky-iv"), "extends the story 'rocky-iv'"),
        (("scene: locker_room", "scene: the_bel"), "unknown scene 'the_bel'"),
        (("scene: locker_room", "scene: win"), "is an ending"),
        (("{where}", "    before: nope\n"), "no choice 'nope'"),
        (("format: 1", "format: 2"), "pack format 2"),
        (("version: 1.0.0\n", ""), "missing the required key 'version'"),
        (("name: {name}", "name: bad-name"), "expected an id"),
    ],
)
def test_bad_manifests(tmp_path, edit, message):
    p = make_pack(tmp_path / "p")
    text = MANIFEST.replace(*edit).format(name="montage", where="")
    (p / "pack.yaml").write_text(text)
    assert any(message in m for m in errors_of(p)), errors_of(p)


# -- hostile packs -------------------------------------------------------------------------


def _hostile(tmp_path, name: str, data: bytes | str) -> list[str]:
    p = make_pack(tmp_path / "p")
    (p / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    return errors_of(p)


def test_hostile_huge_file(tmp_path):
    p = make_pack(tmp_path / "p")
    with open(p / "huge.yaml", "wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: costs no disk
    assert any("too large" in m for m in errors_of(p))


def test_hostile_deep_nesting(tmp_path):
    assert _hostile(tmp_path, "deep.yaml", "scenes: " + "[" * 100_000 + "]" * 100_000)


def test_hostile_alias_bomb(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    msgs = _hostile(tmp_path, "bomb.yaml", "\n".join(lines) + "\nscenes: *a11\n")
    assert any("RA003" in m for m in msgs)


def test_hostile_binary_junk(tmp_path):
    assert any(
        "NUL" in m or "UTF-8" in m
        for m in _hostile(tmp_path, "junk.yaml", os.urandom(4096) + b"\0")
    )
    assert any("UTF-8" in m for m in _hostile(tmp_path / "b", "junk.yaml", b"\xff\xfe\xfa" * 100))


def test_hostile_expressions(tmp_path):
    deep = "not " * 200 + "true"
    branch = BRANCH.replace('if: "grit < 4"', f'if: "{deep}"').replace(
        "add: {grit: 2, stamina: 1}", "add: {grit: \"__import__('os').system('true')\"}"
    )
    msgs = errors_of(make_pack(tmp_path / "p", branch=branch))
    assert any("RA007" in m for m in msgs) and len(msgs) >= 2


def test_hostile_files_outside_the_pack(tmp_path):
    p = make_pack(tmp_path / "p")
    outside = tmp_path / "secret.yaml"
    outside.write_text("scenes: []\n")
    (p / "link.yaml").symlink_to(outside)
    (p / "linked_dir").symlink_to(tmp_path, target_is_directory=True)
    assert any("symbolic links are not followed in pack folders" in m for m in errors_of(p))
    # ids cannot be paths
    branch = BRANCH.replace("to: the_bell", "to: ../../etc/passwd")
    assert any("expected an id" in m for m in errors_of(make_pack(tmp_path / "q", branch=branch)))


def test_hostile_pack_writes_nothing(tmp_path):
    p = make_pack(tmp_path / "p", branch=BRANCH.replace("to: the_bell", "to: nowhere"))
    before = sorted(str(x) for x in tmp_path.rglob("*"))
    errors_of(p)
    assert sorted(str(x) for x in tmp_path.rglob("*")) == before


def test_hostile_pack_with_colliding_ids(tmp_path):
    branch = BRANCH + BRANCH.split("scenes:\n", 1)[1]  # every scene twice
    hook_twice = MANIFEST.replace(
        "hooks:\n",
        "hooks:\n  - scene: locker_room\n    choices:\n"
        "      - {{id: montage, text: Again, to: montage_start}}\n",
    )
    p = make_pack(tmp_path / "p", branch=branch)
    (p / "pack.yaml").write_text(hook_twice.format(name="montage", where=""))
    msgs = errors_of(p)
    assert any("duplicate scene id 'montage_start'" in m for m in msgs)
    assert any("duplicate choice id 'montage.montage'" in m for m in msgs)


def test_runtime_faults_in_a_pack_are_reported_not_raised(tmp_path, capsys):
    branch = BRANCH.replace("add: {grit: 2, stamina: 1}", 'add: {grit: "2 // (grit - grit)"}')
    p = make_pack(tmp_path / "p", branch=branch)
    assert main(["randomtest", "--story", str(TINY), "--pack", str(p), "--runs", "50"]) == 1
    assert "division by zero" in capsys.readouterr().out
    assert main(["check", str(TINY), "--pack", str(p)]) == 1
    assert "RA009" in capsys.readouterr().out


def test_too_many_packs(tmp_path):
    from rocky_adventure.engine.load import MAX_PACKS

    msgs = errors_of(*[tmp_path / str(i) for i in range(MAX_PACKS + 1)])
    assert any(f"more than {MAX_PACKS} packs" in m for m in msgs)


# -- new-pack --------------------------------------------------------------------------------


@pytest.mark.parametrize("story", [None, TINY])
def test_new_pack_passes_check(tmp_path, story, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    extra = ["--story", str(story)] if story else []
    assert main(["new-pack", "my-branch", *extra]) == 0
    p = tmp_path / "my-branch"
    assert (
        (p / "pack.yaml")
        .read_text()
        .startswith("# yaml-language-server: $schema=.schema/pack.schema.json")
    )
    assert (p / ".schema" / "pack-scenes.schema.json").is_file()
    capsys.readouterr()
    assert main(["check", "--strict", *([str(story)] if story else []), "--pack", str(p)]) == 0, (
        capsys.readouterr().out
    )
    assert main(["route", *extra, "--pack", str(p), "--ending", "my_branch.quiet_exit"]) == 0
    assert main(["new-pack", "my-branch", *extra]) == 1  # never overwrites


def test_pack_schemas_validate_the_scaffold(tmp_path, monkeypatch):
    jsonschema = pytest.importorskip("jsonschema")
    import json

    import yaml

    monkeypatch.chdir(tmp_path)
    assert main(["new-pack", "p", "--story", str(TINY)]) == 0
    for name, schema in (
        ("pack.yaml", "pack.schema.json"),
        ("branch.yaml", "pack-scenes.schema.json"),
    ):
        doc = yaml.safe_load((tmp_path / "p" / name).read_text())
        jsonschema.validate(doc, json.loads((tmp_path / "p" / ".schema" / schema).read_text()))
