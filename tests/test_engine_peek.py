"""engine/peek.py: the title screen's title before the load. It never raises
on any manifest, and when it answers, it agrees with YAML itself."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocky_adventure.engine.peek import Heading, peek_heading


def _peek(tmp_path, data: bytes) -> Heading | None:
    (tmp_path / "story.yaml").write_bytes(data)
    return peek_heading(tmp_path)


def test_the_bundled_story_and_the_starter(tmp_path):
    assert peek_heading(None) == Heading(
        "Rocky IV: The Adventure", "The rocky-adventure developers"
    )
    assert _peek(tmp_path, b"format: 1\ntitle: 'Quoted'\nauthor: \"Me\"\n") == Heading(
        "Quoted", "Me"
    )
    assert _peek(tmp_path, b"title: No author here\n") == Heading("No author here", "")


def test_what_it_does_not_guess(tmp_path):
    for text in (
        b"title: |\n  Block\n",  # a block scalar
        b'title: "Esc\\u0041ped"\n',  # an escape
        b"title: a # comment\n",  # a comment
        b"title: one\ntitle: two\n",  # a duplicate key
        b"title: *alias\n",
        b"title: key: value\n",
        b"  title: indented\n",
        b"other: 1\n",
        b"title: \xff\xfe\n",
    ):
        assert _peek(tmp_path, text) is None, text
    assert peek_heading(tmp_path / "missing") is None
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "story.yaml").write_bytes(b"title: Big\n" + b"#" * 300_000)
    assert peek_heading(tmp_path / "big") is None


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=80), st.text(max_size=40))
def test_it_agrees_with_yaml(tmp_path, title, author):
    text = yaml.safe_dump(
        {"format": 1, "title": title, "author": author}, allow_unicode=True, width=10_000
    )
    got = _peek(tmp_path, text.encode())
    if got is not None:
        assert got.title == title.strip() or got.title == title
        assert got.title == yaml.safe_load(text)["title"]
        if author:
            assert got.author in ("", author)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_any_bytes(tmp_path, data):
    got = _peek(tmp_path, b"title: x\n" + data)
    assert got is None or isinstance(got.title, str)
