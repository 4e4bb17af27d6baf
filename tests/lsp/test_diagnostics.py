"""lsp/diagnostics.py and lsp/lintjob.py: check's diagnostics as the editor
gets them (ranges over the token, UTF-16 columns, severities, codes, links to
docs/lints.md, data for the code actions) and the lint job that produces
them from the editor's buffers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from rocky_adventure.engine.diagnostics import CODES, Diagnostic, Severity
from rocky_adventure.engine.files import bundled_story_dir
from rocky_adventure.lsp import diagnostics as D
from rocky_adventure.lsp import lintjob
from rocky_adventure.tools.lint import LINTS

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "examples" / "starter"
LINTS_MD = ROOT / "docs" / "lints.md"


def broken(tmp_path: Path, file: str, old: str, new: str, count: int = 1) -> Path:
    """A copy of examples/starter with `old` replaced by `new` in `file`."""
    root = tmp_path / "story"
    shutil.copytree(STARTER, root)
    p = root / file
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, count), encoding="utf-8")
    return root


def covered(d: Diagnostic, text: str) -> str:
    """The text the LSP range of `d` covers (one line)."""
    r = D.to_lsp(d, text).range
    assert r.start.line == r.end.line
    line = text.split("\n")[r.start.line]
    units = line.encode("utf-16-le")
    return units[2 * r.start.character : 2 * r.end.character].decode("utf-16-le")


def only(diags: list[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diags if d.code == code]
    assert found, diags
    return found[0]


# -- ranges ------------------------------------------------------------------


def test_unknown_scene_covers_the_id(tmp_path):
    root = broken(tmp_path, "gym.yaml", "to: locker\n", "to: lockr\n")
    d = only(lintjob.run({"root": str(root), "budget": 0}), "RA005")
    text = (root / "gym.yaml").read_text()
    assert covered(d, text) == "lockr"
    lsp = D.to_lsp(d, text)
    assert lsp.range.start == types.Position(d.line - 1, d.col - 1)
    assert lsp.severity == types.DiagnosticSeverity.Error
    assert lsp.code == "RA005"
    assert lsp.source == "rocky-adventure"
    assert lsp.message == d.message
    assert lsp.data == {"code": "RA005", "what": "scene", "name": "lockr", "suggestion": "locker"}


def test_duplicate_id_covers_key_and_value(tmp_path):
    root = broken(tmp_path, "gym.yaml", "      - id: go_home", "      - id: go_in")
    d = only(lintjob.run({"root": str(root), "budget": 0}), "RA006")
    assert covered(d, (root / "gym.yaml").read_text()) == "id: go_in"


def test_unknown_key_and_text_name(tmp_path):
    root = broken(tmp_path, "gym.yaml", "    title: Home\n", "    titel: Home\n")
    d = only(lintjob.run({"root": str(root), "budget": 0}), "RA004")
    assert covered(d, (root / "gym.yaml").read_text()) == "titel"
    assert D.to_lsp(d, "").data["suggestion"] == "title"
    root2 = broken(tmp_path / "2", "gym.yaml", "{if locker > 1}", "{if lockerz > 1}")
    d = only(lintjob.run({"root": str(root2), "budget": 0}), "RA008")
    assert covered(d, (root2 / "gym.yaml").read_text()) == "lockerz"
    assert D.to_lsp(d, "").data == {
        "code": "RA008",
        "what": "name",
        "name": "lockerz",
        "suggestion": "locker",
    }


def test_unclosed_if_covers_the_tag(tmp_path):
    root = broken(tmp_path, "gym.yaml", "{elif brave}", "{elif brave}{if brave}")
    d = only(lintjob.run({"root": str(root), "budget": 0}), "RA008")
    assert covered(d, (root / "gym.yaml").read_text()) == "{if warmed_up}"


def test_tab_covers_the_tab_and_says_so(tmp_path):
    root = broken(tmp_path, "gym.yaml", "    title: The Gym Door", "\ttitle: The Gym Door")
    d = only(lintjob.run({"root": str(root), "budget": 0}), "RA002")
    assert covered(d, (root / "gym.yaml").read_text()) == "\t"
    assert D.to_lsp(d, "").data == {"code": "RA002", "tab": True}


def test_lints_cover_what_they_name(tmp_path):
    root = broken(
        tmp_path,
        "gym.yaml",
        "        text: Go in\n",
        '        text: Go in\n        if: "stamina > 20"\n',
    )
    diags = lintjob.run({"root": str(root)})
    text = (root / "gym.yaml").read_text()
    d = only(diags, "RA103")
    assert covered(d, text) == "stamina > 20"
    assert D.to_lsp(d, text).severity == types.DiagnosticSeverity.Warning
    d = only(diags, "RA101")  # `- id: landed`: from the key over the id the message names
    scene = d.message.split("'")[1]
    assert covered(d, Path(d.file).read_text()) == f"id: {scene}"
    d = only(lintjob.run({"root": str(STARTER)}), "RA114")
    assert covered(d, Path(d.file).read_text()) == f"id: {d.message.split(chr(39))[1]}"
    assert D.to_lsp(d, text).severity == types.DiagnosticSeverity.Information


def test_non_ascii_line_is_in_utf16_units(tmp_path):
    root = broken(
        tmp_path,
        "gym.yaml",
        "    text: The radiator clanks. The bed is warm. The gym can wait.",
        '    text: "Ünï 😀 radiator {stamin} clanks"',
    )
    d = only(lintjob.run({"root": str(root), "budget": 0}), "RA008")
    text = (root / "gym.yaml").read_text()
    line = text.split("\n")[d.line - 1]
    assert line[d.col - 1 :].startswith("stamin}")  # check's column: code points
    r = D.to_lsp(d, text).range
    assert r.start.character == d.col - 1 + 1  # the emoji is two UTF-16 units
    assert r.end.character == r.start.character + len("stamin")
    assert covered(d, text) == "stamin"
    r8 = D.to_lsp(d, text, types.PositionEncodingKind.Utf8).range
    assert r8.start.character == len(line[: d.col - 1].encode("utf-8"))


@pytest.mark.parametrize(
    "line,col,want",
    [
        ("  - id: landed", 0, "- id: landed"),  # no column: the line's text
        ("  key: value  ", 99, "key: value"),  # past the end: the line's text
        ("if: a >= 3", 7, ">="),  # an operator
        ("x: old_gym.door", 4, "old_gym.door"),  # a namespaced id
        ("    title: &a Home", 12, "&a"),  # a YAML anchor
        ("if: a!=b", 6, "!="),
        ("", 0, ""),
    ],
)
def test_token_span(line, col, want):
    a, b = D.token_span(line, col - 1)
    assert line[a:b] == want


def test_no_line_is_the_first_line_and_folders_go_to_the_manifest(tmp_path):
    d = Diagnostic("x", 0, 0, "RA001", "no story.yaml")
    r = D.to_lsp(d, "format: 1\nid: x\n").range
    assert (r.start.line, r.start.character, r.end.character) == (0, 0, len("format: 1"))
    r = D.to_lsp(Diagnostic("x", 40, 3, "RA002", "end of file"), "a: 1\n").range
    assert r.start.line == 1  # clamped into the file


def test_severities():
    for sev, want in [
        (Severity.ERROR, types.DiagnosticSeverity.Error),
        (Severity.WARNING, types.DiagnosticSeverity.Warning),
        (Severity.INFO, types.DiagnosticSeverity.Information),
    ]:
        assert D.to_lsp(Diagnostic("f", 1, 1, "RA101", "m", sev), "a").severity == want


# -- links to docs/lints.md --------------------------------------------------


def _github_slugs(md: str) -> set[str]:
    """The anchors GitHub makes of the file's headings, outside code blocks."""
    out, fenced = set(), False
    for raw in md.splitlines():
        if raw.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#+\s+(.*)", raw)):
            out.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return out


@pytest.mark.parametrize("code", sorted({*CODES, *LINTS}))
def test_every_code_links_to_its_section(code):
    slugs = _github_slugs(LINTS_MD.read_text(encoding="utf-8"))
    anchor = D.anchors()[code]
    assert anchor in slugs, (code, anchor)
    assert anchor.startswith(code.lower() + "-")
    href = D.code_href(code)
    assert href is not None and href.endswith(f"lints.md#{anchor}")
    if href.startswith("file://"):
        assert Path(href.split("#")[0].removeprefix("file://")) == LINTS_MD
    lsp = D.to_lsp(Diagnostic("f", 1, 1, code, "m"), "a")
    assert lsp.code_description is not None and lsp.code_description.href == href


def test_docs_base_prefers_the_repository(tmp_path):
    pkg = tmp_path / "rocky_adventure"
    pkg.mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "lints.md").write_text("# Lints\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "rocky-adventure"\n')
    assert D.docs_base(pkg) == (tmp_path / "docs" / "lints.md").as_uri()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "rocky-adventure"\n[project.urls]\n'
        'Repository = "https://github.com/example/rocky-adventure.git"\n'
    )
    D.docs_base.cache_clear()
    assert D.docs_base(pkg) == (
        "https://github.com/example/rocky-adventure/blob/main/docs/lints.md"
    )
    D.docs_base.cache_clear()


def test_github_anchor():
    assert D.github_anchor("RA005 unknown-reference") == "ra005-unknown-reference"
    assert D.github_anchor("The loader's errors: RA001 to RA009") == (
        "the-loaders-errors-ra001-to-ra009"
    )


# -- by file -----------------------------------------------------------------


def test_by_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s").mkdir()
    (tmp_path / "p").mkdir()
    diags = [
        Diagnostic("s/gym.yaml", 3, 1, "RA005", "a"),
        Diagnostic("s", 0, 0, "RA001", "a folder problem"),
        Diagnostic("p/pack.yaml", 1, 1, "RA005", "b"),
        Diagnostic("p", 0, 0, "RA001", "c"),
    ]
    got = D.by_file(diags, "s/", "./p")
    s, p = (tmp_path / "s").resolve(), (tmp_path / "p").resolve()
    assert got == {
        str(s / "gym.yaml"): [diags[0]],
        str(s / "story.yaml"): [diags[1]],
        str(p / "pack.yaml"): [diags[2], diags[3]],
    }
    bundled = D.by_file([Diagnostic("story/party.yaml", 1, 1, "RA101", "x")], None)
    assert list(bundled) == [str(bundled_story_dir().resolve() / "party.yaml")]
    here = D.by_file([Diagnostic("gym.yaml", 1, 1, "RA101", "x")], ".")
    assert list(here) == [str(tmp_path.resolve() / "gym.yaml")]


# -- the lint job --------------------------------------------------------------


def _check_json(*args: str) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-m", "rocky_adventure", "check", "--no-cache", "--format", "json", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode in (0, 1), out.stderr
    return [
        {k: v for k, v in d.items() if k != "pack"}
        for r in json.loads(out.stdout)
        for d in r["diagnostics"]
    ]


def test_lintjob_overlay_wins_over_disk_and_is_restored(tmp_path):
    from rocky_adventure.engine import files as F

    root = tmp_path / "story"
    shutil.copytree(STARTER, root)
    gym = root / "gym.yaml"
    text = gym.read_text().replace("to: home\n", "to: homez\n")
    diags = lintjob.run({"root": str(root), "overlay": {str(gym): text}, "budget": 0})
    assert [(d.code, d.message) for d in diags if d.code == "RA005"] == [
        ("RA005", "unknown scene 'homez' (did you mean 'home'?)")
    ]
    assert F.OVERLAY == {}
    assert not [d for d in lintjob.run({"root": str(root), "budget": 0}) if d.code == "RA005"]


def test_lintjob_main_prints_what_check_prints(tmp_path):
    root = broken(tmp_path, "gym.yaml", "add: {heart: 1}", "add: {hearts: 1}")
    request = {"root": str(root), "pack": None, "installed": None, "overlay": {}, "budget": 50000}
    out = subprocess.run(
        [sys.executable, "-m", "rocky_adventure.lsp.lintjob"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)["diagnostics"]
    assert got == _check_json("--no-installed-packs", str(root))
    assert lintjob.decode(out.stdout) == lintjob.run(request)
    assert got and got[0]["code"] == "RA005"


def test_lintjob_bad_request():
    out = subprocess.run(
        [sys.executable, "-m", "rocky_adventure.lsp.lintjob"],
        input="[1, 2",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 2 and "bad request" in json.loads(out.stdout)["error"]
