"""The loader: strict YAML, located errors, all of them in one pass."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from helpers import MANIFEST, ROOT, write_story

from rocky_adventure.engine import StoryLoadError, load_story, new_game, scene_text, yamlio

GOOD = """\
chapter: one
scenes:
  - id: a
    text: Hello.
    choices:
      - {id: go, text: Go, to: b}
  - id: b
    text: Bye.
    ending: end
"""


def errors_of(path) -> list[str]:
    with pytest.raises(StoryLoadError) as e:
        load_story(path, cache=False)
    return [d.format() for d in e.value.diagnostics]


def test_worked_example_in_docs_is_the_example_folder_and_passes_check():
    doc = (ROOT / "docs" / "story-format.md").read_text()
    blocks = dict(re.findall(r"`(story\.yaml|fight\.yaml)`:\n\n```yaml\n(.*?)```", doc, re.S))
    assert set(blocks) == {"story.yaml", "fight.yaml"}
    for name, body in blocks.items():
        assert (ROOT / "examples" / "tiny-bout" / name).read_text() == body
    story = load_story(ROOT / "examples" / "tiny-bout", cache=False)
    assert set(story.endings) == {"champion", "canvas"}


def test_good_story_loads(make_story):
    story = load_story(make_story(GOOD), cache=False)
    assert list(story.scenes) == ["a", "b"]
    assert story.scenes["a"].choices[0].to == "b"


def test_crlf_and_bom_load(tmp_path):
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST})
    (root / "scenes.yaml").write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    (root / "story.yaml").write_bytes(MANIFEST.replace("\n", "\r\n").encode())
    story = load_story(root, cache=False)
    assert scene_text(story, new_game(story, 1)) == "Hello."


def test_every_error_reported_in_one_pass_with_locations(make_story):
    bad = """\
    chapter: one
    scenes:
      - id: a
        text: Hi {nope}.
        choices:
          - {id: go, text: Go, to: nowhere}
          - {id: go, text: Again, to: b}
          - {id: c, text: C, to: b, if: "n +"}
      - id: b
        chapter: three
        text: Bye.
        ending: no_such_ending
      - id: b
        text: Twice.
        ending: end
    """
    errs = errors_of(make_story(bad))
    joined = "\n".join(errs)
    assert "scenes.yaml:4:" in joined and "unknown name 'nope'" in joined
    assert re.search(r"scenes\.yaml:6:\d+: error: unknown scene 'nowhere'", joined)
    assert "duplicate choice id 'go'" in joined
    assert re.search(r"scenes\.yaml:8:\d+: error: a condition: invalid expression", joined)
    assert "unknown chapter 'three'" in joined
    assert "unknown ending 'no_such_ending'" in joined
    assert re.search(r"duplicate scene id 'b': also at .*scenes\.yaml:9:", joined)
    assert len(errs) >= 7


def test_duplicate_ids_across_files_name_both(make_story):
    other = """\
    chapter: one
    scenes:
      - {id: a, text: Again, ending: end}
    """
    errs = errors_of(make_story(GOOD, extra=other))
    assert any(
        "extra.yaml:3:" in e and "duplicate scene id 'a'" in e and "scenes.yaml:3:" in e
        for e in errs
    )


@pytest.mark.parametrize(
    "snippet, message",
    [
        (
            "      - {id: go, text: Go, to: b, once: no}",
            "expected true or false, got 'no': write false",
        ),
        ("      - {id: go, text: Go, to: b, once: yes}", "write true"),
        ("      - {id: go, text: Go, to: b, add: {n: 12:30}}", "invalid expression"),
        ("      - {id: go, text: Go, to: b, once: !!bool true}", "YAML tags"),
        ("      - {id: go, text: Go, to: b, to: a}", "duplicate key 'to'"),
        ("      - &x {id: go, text: Go, to: b}", "anchors (&x) are not allowed"),
        ("      - {id: go, text: Go, to: b, colour: red}", "unknown key 'colour' in choice"),
        ("      - {id: go, txt: Go, to: b}", "did you mean 'text'"),
        ("      - {id: 9go, text: Go, to: b}", "expected an id"),
        ("      - {id: go, text: Go}", "needs 'to'"),
        (
            "      - {id: go, text: Go, to: b, chance: '50', success: b}",
            "has both 'to' and a chance check",
        ),
        ("      - {id: go, text: Go, chance: '50', success: b}", "missing 'failure'"),
        ("      - {id: go, text: Go, to: b, if: 'n'}", "a condition must be true/false"),
        (
            "      - {id: go, text: Go, to: b, set: {flag: 3}}",
            "the value for 'flag' must be true/false",
        ),
        ("      - {id: go, text: Go, to: b, add: {flag: 1}}", "'add' works on int variables"),
        ("      - {id: go, text: Go, to: b, set: {zzz: 1}}", "unknown variable 'zzz'"),
        ("      - {id: go, text: '{if flag}open', to: b}", "{if} is never closed"),
        ("      - {id: go, text: 'a } b', to: b}", "unmatched '}'"),
    ],
)
def test_single_errors(make_story, snippet, message):
    scenes = GOOD.replace("      - {id: go, text: Go, to: b}", snippet)
    errs = errors_of(make_story(scenes))
    assert any(message in e for e in errs), errs
    assert all(re.match(r".*scenes\.yaml:\d+:\d+: error: ", e) for e in errs), errs


def test_merge_keys_and_aliases_refused(make_story):
    scenes = (
        GOOD
        + """\
  - id: c
    text: x
    choices:
      - &base {id: one, text: One, to: b}
      - <<: *base
        id: two
"""
    )
    errs = "\n".join(errors_of(make_story(scenes)))
    assert "anchors (&base)" in errs and "aliases (*base)" in errs


def test_scene_needs_exactly_one_exit(make_story):
    scenes = GOOD.replace("    ending: end", "    ending: end\n    next: a")
    assert any(
        "expected exactly one of choices, next or ending" in e
        for e in errors_of(make_story(scenes))
    )
    scenes = GOOD.replace("    ending: end", "")
    assert any("needs one of choices, next or ending" in e for e in errors_of(make_story(scenes)))


def test_manifest_errors(make_story):
    errs = errors_of(make_story(GOOD, manifest=MANIFEST.replace("format: 1", "format: 2")))
    assert any("story format 2 is newer than supported" in e for e in errs)
    errs = errors_of(make_story(GOOD, manifest=MANIFEST.replace("start: a", "start: zz")))
    assert any("unknown start scene 'zz'" in e for e in errs)
    m = MANIFEST.replace("default: 1, min: 0", "default: 11, min: 0")
    assert any("outside its range" in e for e in errors_of(make_story(GOOD, manifest=m)))
    m = MANIFEST.replace("flag: {type: bool, default: false}", "flag: {type: bool, default: off}")
    assert any("must be true or false" in e for e in errors_of(make_story(GOOD, manifest=m)))
    m = MANIFEST + "variables2: 1\n"
    assert any("unknown key 'variables2'" in e for e in errors_of(make_story(GOOD, manifest=m)))


def test_variable_named_like_a_scene(make_story):
    m = MANIFEST.replace("  n: {", "  b: {type: int, default: 0}\n  n: {")
    assert any("has the name of a scene" in e for e in errors_of(make_story(GOOD, manifest=m)))


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x01\x02binary\xff", "NUL byte"),
        (b"title: \xff\xfe bad", "not UTF-8"),
        (b"scenes: [unclosed", "invalid YAML"),
        (b"[" * 5000 + b"]" * 5000, "invalid YAML"),
        (b"- a\n- b\n", "expected a mapping"),
        (b"scenes: 3\n", "expected a list"),
    ],
)
def test_bad_files_give_messages(tmp_path, content, message):
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST, "ok.yaml": GOOD})
    (root / "bad.yaml").write_bytes(content)
    errs = errors_of(root)
    assert any("bad.yaml" in e and message in e for e in errs), errs


def test_missing_manifest_and_folder(tmp_path):
    assert any(
        "no story.yaml" in e for e in errors_of(write_story(tmp_path / "s", {"a.yaml": GOOD}))
    )
    assert any("does not exist" in e for e in errors_of(tmp_path / "nope"))


def test_huge_file_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 1000)
    root = write_story(tmp_path / "s", {"story.yaml": MANIFEST, "scenes.yaml": GOOD})
    (root / "big.yaml").write_text("# " + "x" * 5000)
    assert any("big.yaml" in e and "too large" in e for e in errors_of(root))


def test_control_characters_stripped(make_story):
    scenes = GOOD.replace("text: Hello.", 'text: "Hel\\e[31mlo\\u202e.\\x07"')
    story = load_story(make_story(scenes), cache=False)
    assert scene_text(story, new_game(story, 1)) == "Hel[31mlo."


def test_plain_scalars_keep_their_text(make_story):
    scenes = GOOD.replace("text: Hello.", "text: no").replace(
        "{id: go, text: Go,", "{id: go, text: 12:30,"
    )
    story = load_story(make_story(scenes), cache=False)
    state = new_game(story, 1)
    assert scene_text(story, state) == "no"
    assert story.scenes["a"].choices[0].text.plain == "12:30"


def test_cli_check_exit_codes_and_no_traceback(make_story, tmp_path):
    good = make_story(GOOD)
    bad = make_story(GOOD.replace("to: b", "to: x"))
    run = [sys.executable, "-m", "rocky_adventure", "check"]
    ok = subprocess.run(run + [str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "ok (2 scenes" in ok.stdout
    ko = subprocess.run(run + [str(bad)], capture_output=True, text=True)
    assert ko.returncode == 1
    assert "unknown scene 'x'" in ko.stdout and "Traceback" not in ko.stdout + ko.stderr
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "story.yaml").write_bytes(bytes(range(256)) * 10)
    j = subprocess.run(run + [str(junk)], capture_output=True, text=True)
    assert j.returncode == 1 and "Traceback" not in j.stdout + j.stderr and "story.yaml" in j.stdout


def test_lint_levels_need_lint_codes(make_story):
    errs = errors_of(
        make_story(GOOD, manifest=MANIFEST + "lints: {RA105: ignore, dead_ends: ignore}\n")
    )
    assert any("expected a lint code like RA105, got 'dead_ends'" in e for e in errs)
    story = load_story(
        make_story(GOOD, manifest=MANIFEST + "lints: {RA105: ignore}\n"), cache=False
    )
    assert story.lint_levels == {"RA105": "ignore"}


# -- display: sidebar bars with `when:` (issue 15); endings' hint and world -----------

SIDEBAR = (
    MANIFEST
    + """\
  - {id: other, title: Other, hint: "Take the long way.", world: The long way, epilogue: Bye.}
display:
  sidebar:
    - n
    - {var: n, when: "b > 0 and not flag"}
"""
)


def test_sidebar_bars_with_when_and_endings_with_hint_and_world(make_story, tmp_path):
    root = make_story(GOOD, manifest=SIDEBAR)
    story = load_story(root, cache=False)
    bars = story.display.sidebar_bars
    assert story.display.sidebar == ("n", "n")
    assert bars[0].when is None and bars[1].when is not None
    start = new_game(story, 1)
    assert bars[1].when.fn(start) is False  # scene b not entered yet
    from rocky_adventure.engine import choose

    assert bars[1].when.fn(choose(story, start, "go")) is True
    other = story.endings["other"]
    assert (other.hint, other.world) == ("Take the long way.", "The long way")
    assert (story.endings["end"].hint, story.endings["end"].world) == (None, None)
    # the load cache keeps them (and a stale cache format is never read)
    cached = load_story(root, cache_dir=tmp_path / "cache")
    again = load_story(root, cache_dir=tmp_path / "cache")
    for s in (cached, again):
        assert [(b.var, b.when is None) for b in s.display.sidebar_bars] == [
            ("n", True),
            ("n", False),
        ]
        assert s.endings["other"].world == "The long way"


@pytest.mark.parametrize(
    "bar, col, message",
    [
        ('{var: n, when: "n +"}', 23, "a sidebar bar's 'when': invalid expression"),
        ("{var: n, when: n}", 22, "a sidebar bar's 'when' must be true/false"),
        ("{var: nope, when: flag}", 7, "unknown variable 'nope'"),
        ("{var: name}", 7, "sidebar bar 'name' must be an int variable with min and max"),
        ("{var: n, if: flag}", 16, "unknown key 'if' in bar"),
        ("{when: flag}", 7, "bar is missing the required key 'var'"),
    ],
)
def test_a_bad_sidebar_bar_is_a_located_error(make_story, bar, col, message):
    manifest = MANIFEST + f"display:\n  sidebar:\n    - {bar}\n"
    errors = errors_of(make_story(GOOD, manifest=manifest))
    assert len(errors) == 1, errors
    assert f"story.yaml:15:{col}: error: {message}" in errors[0], errors[0]
