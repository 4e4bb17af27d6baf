"""graph: labels, --around, --pack-only, pack colours, conditions on chance
checks, and Mermaid split under its limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocky_adventure.cli import main
from rocky_adventure.engine import load_story
from rocky_adventure.tools.graph import mermaid_parts, neighbourhood, select, to_dot, to_mermaid

from .test_packs import TINY, make_pack

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"


def test_a_title_is_on_its_own_line_not_a_literal_backslash_n():
    s = load_story(STARTER, cache=False)
    dot = to_dot(s)
    scene = next(sc for sc in s.scenes.values() if sc.title)
    assert f'"{scene.id}\\n{scene.title}"' in dot  # dot's own line break, escaped once
    assert "\\\\n" not in dot
    mer = to_mermaid(s)
    assert f"{scene.id}<br/>{scene.title}" in mer and "\\n" not in mer


def test_a_condition_on_a_chance_check_is_kept():
    s = load_story(TINY, cache=False)  # 'swing' has `if: brave` and a chance check
    dot = to_dot(s)
    assert '"swing if brave ✓"' in dot and '"swing if brave ✗"' in dot
    assert "swing if brave ✓" in to_mermaid(s)


def test_around_a_scene_keeps_its_neighbours(tmp_path, capsys):
    s = load_story(STARTER, cache=False)
    near = neighbourhood(s, "locker", 1)
    assert "locker" in near and {t for ch in s.scenes["locker"].exits for t in ch.targets} <= near
    assert {sc.id for sc in select(s, around="locker", depth=1)} == near
    assert {sc.id for sc in select(s, around="locker", depth=0)} == {"locker"}
    assert main(["graph", "--story", str(STARTER), "--around", "locker", "--depth", "1"]) == 0
    out = capsys.readouterr().out
    assert all(f'"{sid}"' in out for sid in near)
    assert main(["graph", "--story", str(STARTER), "--around", "lockr"]) == 2
    assert "did you mean 'locker'?" in capsys.readouterr().err


def test_pack_only_and_pack_colours(tmp_path, capsys):
    pack = make_pack(tmp_path / "montage")
    s = load_story(TINY, [pack], cache=False)
    mine = select(s, pack_only=True)
    assert {sc.id for sc in mine} == {"montage.montage_start", "montage.legend_end"}
    dot = to_dot(s)
    assert 'fillcolor="#cfe2ff"' in dot  # the pack's scenes
    hook = next(
        line for line in dot.splitlines() if '"locker_room" -> "montage.montage_start"' in line
    )
    assert 'color="#1f5fbf"' in hook  # the choice the pack hooks in
    assert "linkStyle" in to_mermaid(s) and "classDef pack" in to_mermaid(s)
    assert main(["graph", "--story", str(TINY), "--pack", str(pack), "--pack-only"]) == 0
    assert "montage.legend_end" in capsys.readouterr().out
    assert main(["graph", "--story", str(TINY), "--pack-only"]) == 2
    assert "no branch pack is loaded" in capsys.readouterr().err


def test_mermaid_splits_under_its_limits(tmp_path, capsys):
    s = load_story(cache=False)  # the bundled story: 243 scenes
    scenes = select(s)
    parts = mermaid_parts(s, scenes, max_chars=20_000, max_edges=150)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith("flowchart TD") and len(part) <= 20_000
        assert (
            sum(1 for line in part.splitlines() if "-->" in line or "-.->" in line or "==>" in line)
            <= 150
        )
    drawn = [
        sc.id for sc in scenes if any(f"s_{sc.id}[" in p or f"s_{sc.id}([" in p for p in parts)
    ]
    assert len(drawn) == len(scenes)  # every scene in some part
    whole = mermaid_parts(s, scenes)
    assert all(len(p) <= 50_000 for p in whole)
    out = tmp_path / "story.mmd"
    assert main(["graph", "-o", str(out)]) == 0
    written = sorted(tmp_path.glob("story*.mmd"))
    assert len(written) == len(whole) and all(len(p.read_text()) <= 50_000 for p in written)


@pytest.mark.parametrize("bad", [["--depth", "-1", "--around", "gym"]])
def test_bad_graph_options(bad, capsys):
    assert main(["graph", "--story", str(STARTER), *bad]) == 2
