"""A speedrun played with a branch pack, in plain mode and in the game,
verifies with that pack and is refused without it, naming the pack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import ROOT
from tools.test_packs import make_pack

TINY = str(ROOT / "examples" / "tiny-bout")
CATEGORY = "ending:montage.legend"
KEYS = ["3", "1", "1", "2"]  # the pack's choice in the locker room, the steps twice, the legend


def rocky(*args: str, input_text: str = "", data: Path | None = None):
    cmd = [sys.executable, "-m", "rocky_adventure"]
    if data is not None:
        cmd += ["--data-dir", str(data)]
    return subprocess.run(
        cmd + list(args), input=input_text, capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def run_files(data: Path) -> list[Path]:
    return sorted((data / "speedrun" / "tiny-bout" / "runs").glob("*.json"))


def check_verifies_only_with_the_pack(run: Path, pack: Path, empty: Path) -> None:
    record = json.loads(run.read_text())
    assert [p["name"] for p in record["packs"]] == ["montage"]
    ok = rocky("verify", "--story", TINY, "--pack", str(pack), str(run), data=empty)
    assert ok.returncode == 0 and ok.stdout.startswith("VERIFIED"), ok.stdout + ok.stderr
    bare = rocky("verify", "--story", TINY, str(run), data=empty)
    assert bare.returncode == 1
    assert (
        "REJECTED: the run was played with the branch pack 'montage' 1.0.0, which is missing"
        in (bare.stdout)
    )
    assert "--pack" in bare.stdout


def test_a_plain_speedrun_with_a_pack_verifies_with_the_pack(tmp_path):
    pack = make_pack(tmp_path / "montage")
    data, empty = tmp_path / "data", tmp_path / "empty"
    r = rocky(
        *("play", "--plain", "--speedrun", "--story", TINY, "--pack", str(pack)),
        *("--seed", "3", "--category", CATEGORY),
        input_text="\n".join(KEYS) + "\n",
        data=data,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "THE END: A Legend" in r.stdout
    (run,) = run_files(data)
    check_verifies_only_with_the_pack(run, pack, empty)


def test_an_installed_pack_counts_as_loaded(tmp_path):
    """A pack in the data dir's packs/ is loaded by play and by verify alike."""
    data = tmp_path / "data"
    pack = make_pack(data / "packs" / "montage")
    r = rocky(
        *("play", "--plain", "--speedrun", "--story", TINY, "--seed", "3", "--category", CATEGORY),
        input_text="\n".join(KEYS) + "\n",
        data=data,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    (run,) = run_files(data)
    assert rocky("verify", "--story", TINY, str(run), data=data).returncode == 0
    bare = rocky("verify", "--story", TINY, "--no-installed-packs", str(run), data=data)
    assert bare.returncode == 1 and "'montage' 1.0.0, which is missing" in bare.stdout
    assert pack.is_dir()


async def test_a_tui_speedrun_with_a_pack_verifies_with_the_pack(tmp_path):
    from rocky_adventure.cli import build_parser
    from rocky_adventure.cli.common import data_dir
    from rocky_adventure.cli.play import PlayOptions, make_app
    from rocky_adventure.tui.speedrun import ResultsScreen

    pack = make_pack(tmp_path / "montage")
    data, empty = tmp_path / "data", tmp_path / "empty"
    args = build_parser().parse_args(
        ["--data-dir", str(data), "play", "--speedrun", "--story", TINY, "--pack", str(pack)]
        + ["--seed", "3", "--category", CATEGORY, "--no-cache"]
    )
    app = make_app(args, PlayOptions.from_args(args), data_dir(args))
    async with app.run_test(size=(100, 32)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if getattr(app, "speedrun", None) is not None and app.session is not None:
                break
        assert "montage.legend" in app.story.endings
        for key in KEYS:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)
    (run,) = run_files(data)
    check_verifies_only_with_the_pack(run, pack, empty)
