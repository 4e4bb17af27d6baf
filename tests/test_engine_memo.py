"""engine/memo.py: a load that reuses an earlier load's parses (the language
server's, after an edit) gives exactly what a load without them gives: the
same Story, or the same errors at the same places."""

from __future__ import annotations

import shutil

import pytest
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocky_adventure.engine import StoryLoadError, load_story, memo
from rocky_adventure.engine.files import OVERLAY

FILES = ("story.yaml", "gym.yaml", "bout.yaml")


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    root = tmp_path_factory.mktemp("memo") / "starter"
    shutil.copytree(ROOT / "examples" / "starter", root)
    return root


@pytest.fixture(autouse=True)
def _clean():
    yield
    OVERLAY.clear()
    memo.enable(False)


def _load(root):
    try:
        return load_story(root, cache=False)
    except StoryLoadError as e:
        return [d.format() for d in e.diagnostics]


def _edit(text: str, where: int, op: str, char: str) -> str:
    lines = text.split("\n")
    i = where % len(lines)
    if op == "delete":
        del lines[i]
    elif op == "repeat":
        lines.insert(i, lines[i])
    elif op == "indent":
        lines[i] = " " + lines[i]
    else:  # a character changed: an id, a name, a brace, a colon
        line = lines[i]
        at = where % (len(line) or 1)
        lines[i] = line[:at] + char + line[at + 1 :]
    return "\n".join(lines)


EDITS = st.lists(
    st.tuples(
        st.sampled_from(FILES),
        st.integers(0, 10_000),
        st.sampled_from(("delete", "repeat", "indent", "change")),
        st.sampled_from(("x", "{", "}", ":", " ", "_")),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(EDITS)
def test_a_load_after_edits_is_the_load_without_the_memo(starter, edits):
    memo.enable()
    _load(starter)  # what an earlier load kept
    texts = {name: (starter / name).read_text(encoding="utf-8") for name in FILES}
    for name, where, op, char in edits:
        texts[name] = _edit(texts[name], where, op, char)
        for n, t in texts.items():
            OVERLAY[str(starter / n)] = t.encode("utf-8")
        kept = _load(starter)
        memo.enable(False)
        fresh = _load(starter)
        memo.enable()
        _load(starter)
        assert kept == fresh


def test_an_unchanged_file_is_not_parsed_again(starter, monkeypatch):
    memo.enable()
    first = _load(starter)
    parsed: list[str] = []
    from rocky_adventure.engine import loader

    real = loader._Builder._parse_file

    def spy(self, rel, data):
        parsed.append(rel)
        return real(self, rel, data)

    monkeypatch.setattr(loader._Builder, "_parse_file", spy)
    text = (starter / "gym.yaml").read_text(encoding="utf-8")
    OVERLAY[str(starter / "gym.yaml")] = (text + "\n# a comment\n").encode("utf-8")
    assert _load(starter).scenes == first.scenes
    assert parsed == ["gym.yaml"]
