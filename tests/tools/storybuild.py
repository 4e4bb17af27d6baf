"""Tiny story folders built in tmp_path for the tool tests."""

from __future__ import annotations

from pathlib import Path

import yaml

from rocky_adventure.engine import load_story


def write_story(
    root: Path,
    scenes: list[dict],
    *,
    variables: dict | None = None,
    endings: list | None = None,
    start: str | None = None,
    lints: dict | None = None,
    story_id: str = "tiny",
    extra_files: dict[str, dict] | None = None,
) -> Path:
    """A one-chapter story: `scenes` are scene mappings as in a scene file;
    `endings` a list of ids (or full mappings)."""
    root.mkdir(parents=True, exist_ok=True)
    ends = []
    for e in endings or []:
        ends.append(
            e
            if isinstance(e, dict)
            else {"id": e, "title": e.title(), "epilogue": f"The {e} ending."}
        )
    manifest = {
        "format": 1,
        "id": story_id,
        "title": "Tiny",
        "start": start or scenes[0]["id"],
        "variables": variables or {},
        "chapters": [{"id": "one", "title": "One"}],
        "endings": ends,
    }
    if lints:
        manifest["lints"] = lints
    (root / "story.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    (root / "scenes.yaml").write_text(
        yaml.safe_dump({"chapter": "one", "scenes": scenes}, sort_keys=False), encoding="utf-8"
    )
    for name, data in (extra_files or {}).items():
        (root / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


def build(root: Path, scenes: list[dict], **kw):
    return load_story(write_story(root, scenes, **kw), cache=False)


def ch(cid: str, to: str | None = None, **kw) -> dict:
    """A choice mapping."""
    d = {"id": cid, "text": kw.pop("text", cid.replace("_", " ").capitalize())}
    if to is not None:
        d["to"] = to
    d.update(kw)
    return d


def scene(sid: str, *choices: dict, text: str | None = None, **kw) -> dict:
    d = {"id": sid, "text": text or f"Scene {sid}."}
    d.update(kw)
    if choices:
        d["choices"] = list(choices)
    return d


def end(sid: str, ending: str, text: str | None = None) -> dict:
    return {"id": sid, "text": text or f"The end: {ending}.", "ending": ending}
