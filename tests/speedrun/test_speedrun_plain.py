"""Plain-mode speedruns: scripted, with splits printed and a run file that
verifies."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import ROOT

TINY = str(ROOT / "examples" / "tiny-bout")


def rocky(*args, input_text="", data=None):
    cmd = [sys.executable, "-m", "rocky_adventure"]
    if data is not None:
        cmd += ["--data-dir", str(data)]
    return subprocess.run(
        cmd + list(args), input=input_text, capture_output=True, text=True, cwd=ROOT
    )


def test_plain_speedrun_writes_a_run_that_verifies(tmp_path):
    r = rocky(
        "play",
        "--plain",
        "--speedrun",
        "--story",
        TINY,
        "--seed",
        "3",
        input_text="1\n1\n",
        data=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "Speedrun: Any%, set seed 3, attempt 1" in r.stdout
    assert "[split] The Fight: IGT" in r.stdout and "Run file: " in r.stdout
    runs = list((tmp_path / "speedrun" / "tiny-bout" / "runs").glob("*.json"))
    assert len(runs) == 1
    data = json.loads(runs[0].read_text())
    assert data["category"] == "any" and data["seed"] == 3 and data["final"]["ending"] == "champion"
    v = rocky("verify", "--story", TINY, str(runs[0]))
    assert v.returncode == 0 and v.stdout.startswith("VERIFIED"), v.stdout
    data["choices"][1][1] = "box"  # an edited choice
    runs[0].write_text(json.dumps(data))
    v = rocky("verify", "--story", TINY, str(runs[0]))
    assert v.returncode == 1 and "REJECTED" in v.stdout
    table = rocky("runs", "--story", TINY, data=tmp_path)
    assert "any" in table.stdout and "set" in table.stdout
    lss = rocky("runs", "--story", TINY, "--export-lss", "any", "--seed-type", "set", data=tmp_path)
    assert lss.returncode == 0 and "<CategoryName>Any% (set seed)</CategoryName>" in lss.stdout


def test_plain_speedrun_wrong_ending_and_bad_category(tmp_path):
    # 'box' with low stamina loses: the champion category is not finished
    r = rocky(
        "play",
        "--plain",
        "--speedrun",
        "--category",
        "ending:champion",
        "--story",
        TINY,
        "--seed",
        "1",
        input_text="1\n2\n",
        data=tmp_path,
    )
    if "THE END: Flat on the Canvas" in r.stdout:
        assert r.returncode == 1 and "does not finish" in r.stdout
    bad = rocky(
        "play",
        "--plain",
        "--speedrun",
        "--category",
        "nope",
        "--story",
        TINY,
        input_text="",
        data=tmp_path,
    )
    assert (
        bad.returncode == 2
        and "unknown category 'nope'" in bad.stderr
        and "Traceback" not in bad.stderr
    )
