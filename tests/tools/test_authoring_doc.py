"""The tutorial in docs/authoring.md works as written against the bundled
story: its files pass check --strict, and the error it shows is the error
check prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rocky_adventure.cli import main
from rocky_adventure.engine import StoryLoadError, load_story

DOC = Path(__file__).resolve().parents[2] / "docs" / "authoring.md"


def tutorial_files() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- file: (\S+) -->\n```yaml\n(.*?)```", text, re.S))


@pytest.fixture
def bundled():
    try:
        return load_story(None)
    except StoryLoadError:
        pytest.skip("the bundled story does not load right now")


def test_tutorial_pack_passes_check(tmp_path, bundled, capsys, monkeypatch):
    files = tutorial_files()
    assert set(files) == {"pack.yaml", "branch.yaml"}
    monkeypatch.chdir(tmp_path)
    assert main(["new-pack", "old_gym"]) == 0
    for name, text in files.items():
        (tmp_path / "old_gym" / name).write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["check", "--strict", "--pack", "old_gym"]) == 0, capsys.readouterr().out
    assert (
        main(["route", "--pack", "old_gym", "--ending", "old_gym.too_old", "-o", "too_old.json"])
        == 0
    )
    assert main(["transcript", "too_old.json", "--pack", "old_gym"]) == 0
    assert "Too Old for This" in capsys.readouterr().out
    # the deliberate mistake of section 5, and the error the doc shows for it
    shown = re.search(
        r"^(old_gym/pack\.yaml:\d+:\d+: error: unknown scene 'gym_dor'.*)$",
        DOC.read_text(encoding="utf-8"),
        re.M,
    ).group(1)
    pack = tmp_path / "old_gym" / "pack.yaml"
    pack.write_text(pack.read_text().replace("to: gym_door", "to: gym_dor"))
    assert main(["check", "--pack", "old_gym"]) == 1
    assert shown in capsys.readouterr().out
