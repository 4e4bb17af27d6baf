"""The JSON Schemas in docs/ are what `rocky-adventure schema` prints, and
every bundled story file names one for editors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from rocky_adventure.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = {
    "manifest": "story.schema.json",
    "scenes": "scenes.schema.json",
    "pack": "pack.schema.json",
    "pack-scenes": "pack-scenes.schema.json",
}


@pytest.mark.parametrize("kind,name", SCHEMAS.items())
def test_docs_schemas_are_up_to_date(kind, name, tmp_path):
    out = tmp_path / name
    assert main(["schema", "--kind", kind, "-o", str(out)]) == 0
    assert (ROOT / "docs" / name).read_text(encoding="utf-8") == out.read_text(encoding="utf-8"), (
        f"docs/{name} is stale: rocky-adventure schema --kind {kind} -o docs/{name}"
    )


def test_every_bundled_story_file_names_its_schema():
    for f in sorted((ROOT / "story").glob("*.yaml")):
        first = f.read_text(encoding="utf-8").splitlines()[0]
        m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert m, f"{f.name} does not start with a yaml-language-server schema comment"
        want = "story.schema.json" if f.name == "story.yaml" else "scenes.schema.json"
        assert m.group(1) == f"../docs/{want}", f.name
        assert (f.parent / m.group(1)).is_file()


def test_bundled_story_files_validate_against_the_schemas():
    jsonschema = pytest.importorskip("jsonschema")
    schemas = {k: json.loads((ROOT / "docs" / v).read_text()) for k, v in SCHEMAS.items()}
    for f in sorted((ROOT / "story").glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        jsonschema.validate(doc, schemas["manifest" if f.name == "story.yaml" else "scenes"])


def test_fixed_sets_of_words_are_enums_in_the_schemas():
    """Issue 16: an editor completes a variable's type, a lint level, a
    policy's fallback and the format version from the schema's enums."""
    jsonschema = pytest.importorskip("jsonschema")
    manifest = json.loads((ROOT / "docs" / "story.schema.json").read_text())
    props = manifest["properties"]
    var = props["variables"]["additionalProperties"]["properties"]
    assert var["type"]["enum"] == ["int", "bool", "str"]
    assert props["lints"]["additionalProperties"]["enum"] == ["error", "warning", "info", "ignore"]
    policy = props["policies"]["additionalProperties"]["properties"]
    assert policy["fallback"]["enum"] == ["random", "first", "last"]
    assert props["format"]["enum"] == [1]
    pack = json.loads((ROOT / "docs" / "pack.schema.json").read_text())
    assert pack["properties"]["lints"]["additionalProperties"]["enum"][0] == "error"
    check = jsonschema.Draft202012Validator(manifest)
    doc = yaml.safe_load((ROOT / "story" / "story.yaml").read_text(encoding="utf-8"))
    assert not list(check.iter_errors(doc))
    for path, bad in (
        (("variables", "guilt", "type"), "integer"),
        (("format",), 2),
        (("policies", "skilled", "fallback"), "best"),
    ):
        wrong = yaml.safe_load(yaml.safe_dump(doc))
        node = wrong
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = bad
        errors = list(check.iter_errors(wrong))
        assert [e.validator for e in errors] == ["enum"], (path, errors)
    # the sidebar's bars take a `when`, as the HUD's do; a bar of another shape is refused
    sidebar = doc["display"]["sidebar"]
    assert any(isinstance(b, dict) and "when" in b for b in sidebar)
    doc["display"]["sidebar"] = [{"var": "guilt", "if": "guilt > 0"}]
    assert list(check.iter_errors(doc))
