"""Plain mode: numbered choices on stdin and stdout, for screen readers,
pipes and scripts."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from rocky_adventure.engine import load_story
from rocky_adventure.game.text import paragraphs
from rocky_adventure.plain.game import run_plain

ROOT = Path(__file__).resolve().parent.parent
STARTER = ROOT / "examples" / "starter"


@pytest.fixture(scope="module")
def story():
    return load_story(STARTER, cache=False)


def play(story, lines: str, seed: int = 7) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_plain(story, seed, io.StringIO(lines), out, err)
    return code, out.getvalue(), err.getvalue()


def test_piping_choices_plays_to_the_ending(tmp_path):
    # go in, skip rope, ask Mickey, walk out, then jab and go on through three rounds
    keys = "1\n1\n1\n2\n1\n" + "1\n1\n" * 3
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rocky_adventure",
            "--data-dir",
            str(tmp_path),
            "play",
            "--plain",
            "--seed",
            "7",
            "--story",
            str(STARTER),
        ],
        input=keys,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("The Starter Gym\nby The rocky-adventure developers\nSeed 7\n")
    assert "== The Gym ==" in out and "== The Bout ==" in out
    assert "1. Go in\n2. Turn around and go home\n> 1\n" in out
    assert out.rstrip().endswith(
        "THE END: Champion of the Gym\n\n"
        "They pin a photograph of you behind the counter, between the calendar and the fire "
        "extinguisher. Mickey tells everybody it was all technique.\n\n"
        "Endings gallery: a new ending; 1 of 4 found.\n\n"  # recorded under --data-dir
        "1. Play again\n2. See the endings\n3. Quit\n>"  # the ending's menu; input ends there
    )
    assert "\x1b" not in out  # no colours, no escape codes


def test_bad_input_reprompts(story):
    code, out, _ = play(story, "zero\n7\n\n2\n")
    assert code == 0
    assert out.count("Type a number from 1 to 2.") == 3
    assert "THE END: An Early Night" in out


def test_enter_continues_a_scene_that_goes_on_by_itself(story):
    # spar: seed 7 wins it; the sparring scene goes on with a bare Enter
    code, out, err = play(story, "1\n1\n2\n\n")
    assert code == 2
    assert "1. Continue\n> \n" in out
    assert "stopped at 'The Locker Room' (scene locker) in The Gym, after 4 choices (seed 7)" in err


def test_input_ending_first_says_where_and_exits_2(story):
    code, out, err = play(story, "1\n")
    assert code == 2
    assert out.rstrip().endswith("3. Spar a round with the kid\n>")
    assert err == (
        "Input ended before an ending: the story stopped at 'The Locker Room' (scene locker) "
        "in The Gym, after 1 choice (seed 7).\n"
    )


def test_paragraphs_reflow_single_line_breaks():
    assert paragraphs("One\ntwo.\n\n  Three\n   four.\n\n\n") == ["One two.", "Three four."]
