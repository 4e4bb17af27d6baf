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
