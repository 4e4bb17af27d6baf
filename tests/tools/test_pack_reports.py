"""What the tools say about packs: check names them (text, JSON, github),
stats counts each, and transcript lists the choices open where it stops."""

from __future__ import annotations

import json

from rocky_adventure.cli import main

from .test_packs import BRANCH, TINY, make_pack

ORPHAN = BRANCH + "  - id: orphan\n    text: Nobody comes here.\n    ending: legend\n"


def test_check_names_the_packs_it_loaded(tmp_path, capsys):
    pack = make_pack(tmp_path / "montage", branch=ORPHAN)
    args = ["check", "--no-installed-packs", str(TINY), "--pack", str(pack)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"{TINY} with the pack montage 1.0.0: ok" in out
    assert main([*args, "--format", "json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["packs"] == [{"name": "montage", "version": "1.0.0", "title": "The Montage"}]
    (d,) = [d for d in report["diagnostics"] if d["code"] == "RA101"]
    assert d["pack"] == "montage" and d["file"].endswith("branch.yaml")
    assert main([*args, "--format", "github"]) == 0
    assert "title=RA101 unreachable-scene (pack montage)::" in capsys.readouterr().out


def test_a_pack_error_in_json_names_the_pack(tmp_path, capsys):
    pack = make_pack(tmp_path / "montage", branch=BRANCH.replace("to: the_bell", "to: nowhere"))
    assert (
        main(["check", "--no-installed-packs", "--format", "json", str(TINY), "--pack", str(pack)])
        == 1
    )
    (report,) = json.loads(capsys.readouterr().out)
    assert report["diagnostics"] and all(d["pack"] == "montage" for d in report["diagnostics"])


def test_stats_counts_each_pack(tmp_path, capsys):
    pack = make_pack(tmp_path / "montage")
    assert (
        main(["stats", "--json", "--no-installed-packs", "--story", str(TINY), "--pack", str(pack)])
        == 0
    )
    p = json.loads(capsys.readouterr().out)["packs"]["montage"]
    assert (p["scenes"], p["choices"], p["hooks"], p["endings"], p["variables"]) == (2, 3, 1, 1, 1)
    assert p["words"] > 0 and p["version"] == "1.0.0"
    assert main(["stats", "--no-installed-packs", "--story", str(TINY), "--pack", str(pack)]) == 0
    assert (
        "pack montage 1.0.0: 2 scenes, 3 choices and 1 hooked into the story"
        in capsys.readouterr().out
    )


def test_transcript_lists_the_choices_open_where_it_stops(capsys):
    assert main(["transcript", "--story", str(TINY), "--choices", "warm_up"]) == 0
    out = capsys.readouterr().out
    stop = out.index("(stopped in scene 'the_bell' after 1 choices")
    assert (
        out.index("[swing] Throw the big right hand") > stop and "[box] Box carefully" in out[stop:]
    )


def test_the_dev_panel_lists_pack_variables_first_and_apart_from_their_values(tmp_path):
    from rocky_adventure.engine import load_story, new_game
    from rocky_adventure.tui.dev import NAME_WIDTH, debug_content

    long = BRANCH.replace("grit", "a_very_long_grit_counter_name")
    manifest_pack = make_pack(tmp_path / "montage", branch=long)
    text = (
        (manifest_pack / "pack.yaml").read_text().replace("grit", "a_very_long_grit_counter_name")
    )
    (manifest_pack / "pack.yaml").write_text(text)
    story = load_story(TINY, [manifest_pack], cache=False)
    plain = debug_content(story, new_game(story, 1)).plain
    assert plain.index("pack montage") < plain.index("variables") < plain.index("visits")
    line = next(x for x in plain.splitlines() if x.startswith("a_very_long"))
    assert line[NAME_WIDTH - 1] == "\u2026" and line[NAME_WIDTH] == " " and line.endswith(" 0")
