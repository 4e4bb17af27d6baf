"""Visitor ids and their data dirs (rocky_adventure/web/visitors.py): an id
is checked strictly, its folder is a keyed hash of it (never the id, never
a path from the browser), and the key is made once and kept."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocky_adventure.web.visitors import (
    SECRET_FILE,
    VISITORS,
    ServeRootError,
    VisitorDirs,
    load_secret,
    new_visitor_id,
    valid_visitor_id,
)


def test_new_ids_are_valid_and_distinct():
    ids = {new_visitor_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(valid_visitor_id(i) == i for i in ids)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "../../etc/passwd",
        "a" * 42,
        "a" * 44,
        "a" * 42 + "/",
        "a" * 42 + ".",
        "a" * 42 + "\n",
        "a" * 42 + "é",
        "a" * 43 + "\n",
    ],
)
def test_anything_but_an_id_as_the_server_makes_them_is_refused(value):
    assert valid_visitor_id(value) is None


@given(st.text(max_size=60))
def test_a_valid_id_is_exactly_43_base64url_characters(value):
    ok = len(value) == 43 and all(c.isascii() and (c.isalnum() or c in "-_") for c in value)
    assert (valid_visitor_id(value) is not None) == ok


@given(st.from_regex(r"[A-Za-z0-9_-]{43}", fullmatch=True))
def test_the_folder_name_is_a_keyed_hash_never_the_id(tmp_path_factory, visitor):
    dirs = VisitorDirs(tmp_path_factory.mktemp("root"))
    name = dirs.name(visitor)
    assert len(name) == 32 and all(c in "0123456789abcdef" for c in name)
    assert visitor not in name and name == dirs.name(visitor)


def test_each_visitor_gets_their_own_dir_and_another_key_gives_other_names(tmp_path):
    a, b = new_visitor_id(), new_visitor_id()
    dirs = VisitorDirs(tmp_path / "root")
    da, db = dirs.data_dir(a), dirs.data_dir(b)
    assert da != db and da.is_dir() and db.is_dir()
    assert da.parent == db.parent == tmp_path / "root" / VISITORS
    # the same root (the same secret) maps the same visitor to the same dir
    assert VisitorDirs(tmp_path / "root").data_dir(a) == da
    # another server's key: a cookie that reaches a dir here reaches nothing there
    assert VisitorDirs(tmp_path / "other").name(a) != dirs.name(a)


def test_the_secret_is_made_once_private_and_kept(tmp_path):
    root = tmp_path / "root"
    first = load_secret(root)
    assert len(first) == 32
    path = root / SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(root) == first


@pytest.mark.parametrize("text", ["", "not hex", "ab" * 31, "AB" * 32])
def test_a_damaged_secret_is_a_located_error_not_replaced(tmp_path, text):
    root = tmp_path / "root"
    root.mkdir()
    (root / SECRET_FILE).write_text(text)
    with pytest.raises(ServeRootError) as e:
        VisitorDirs(root)
    assert f"{root / SECRET_FILE}:1: expected" in str(e.value)
    assert (root / SECRET_FILE).read_text() == text


def test_a_root_that_cannot_be_made_is_a_message(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ServeRootError) as e:
        VisitorDirs(tmp_path / "file" / "root")
    assert "file" in str(e.value)
