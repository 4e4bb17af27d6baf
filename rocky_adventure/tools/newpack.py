"""`rocky-adventure new-pack NAME`: a branch pack to start from.

It hooks one choice into a scene of the story (the first scene, in playing
order, that offers choices, or the one given), and adds a two-scene branch
with a variable and an ending of its own. It passes `check` as written, so
an author starts from green and changes one thing at a time. The JSON
Schemas go in the pack's hidden .schema/ folder, named by the files'
first line, so editors complete and check the pack as it is typed."""

from __future__ import annotations

import json
import re
from collections import deque
from pathlib import Path

from ..engine.format import json_schema
from ..engine.model import Story

PACK_YAML = """\
# yaml-language-server: $schema=.schema/pack.schema.json
# A branch pack for "{title}". Check it with:
#   rocky-adventure check{story_flag} --pack {folder}
# and play it with:
#   rocky-adventure play{story_flag} --pack {folder}
format: 1
name: {name}                     # the pack's id: its ids are {name}.something outside the pack
title: {pack_title}
version: 0.1.0
extends: {story_id}              # the id of the story this pack adds to
author: You

variables:
  detour_taken: {{type: bool, default: false, label: Took the detour}}

endings:
  - id: quiet_exit
    title: A Quiet Exit
    epilogue: |
      Nobody writes about the fight that never happened. {{if detour_taken}}You took the side road, and it took you somewhere else.{{end}}

hooks:
  - scene: {hook}                # a scene of the story with choices
    choices:
      - id: detour
        text: Take a detour nobody expects
        once: true               # offered until taken once
        to: detour               # a scene of this pack (branch.yaml)
"""

BRANCH_YAML = """\
# yaml-language-server: $schema=.schema/pack-scenes.schema.json
# The pack's scenes. Names here mean this pack's ids first, then the story's.
chapter: {chapter}

scenes:
  - id: detour
    title: A Detour
    set: {{detour_taken: true}}
    text: |
      Write your scene here. This is where the story goes somewhere new.

      {{if detour_taken}}You can show variables of the pack and of the story in the text.{{end}}
    choices:
      - id: go_back
        text: Go back the way you came
        to: {hook}               # back into the story
      - id: walk_away
        text: Walk away from all of it
        to: detour_end

  - id: detour_end
    text: |
      You walk until the noise of the story is behind you.
    ending: quiet_exit
"""


def pack_name(folder_name: str) -> str:
    """The pack id for a folder name: letters, digits and _."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", folder_name).strip("_") or "my_pack"
    return name if name[0].isalpha() else f"pack_{name}"


def hook_scene(story: Story) -> str:
    """The first scene with choices, in playing order from the start."""
    seen = {story.start}
    todo = deque([story.start])
    while todo:
        sid = todo.popleft()
        scene = story.scenes[sid]
        if scene.choices:
            return sid
        for ch in scene.exits:
            for t in ch.targets:
                if t not in seen and t in story.scenes:
                    seen.add(t)
                    todo.append(t)
    raise ValueError("the story has no scene with choices to hook into")


def scaffold(
    story: Story, folder: Path, hook: str | None = None, story_dir: str | None = None
) -> list[Path]:
    """Write a new pack into `folder` (which must not exist or be empty).
    Returns the files written."""
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} already exists and is not empty")
    hook = hook or hook_scene(story)
    scene = story.scenes.get(hook)
    if scene is None:
        raise ValueError(f"the story has no scene {hook!r}")
    if not scene.choices:
        raise ValueError(
            f"scene {hook!r} has no choices to hook into (it goes on by itself or ends)"
        )
    name = pack_name(folder.name)
    fields = {
        "title": story.title,
        "name": name,
        "pack_title": name.replace("_", " ").title(),
        "story_id": story.id,
        "hook": hook,
        "chapter": scene.chapter,
        "folder": str(folder),
        "story_flag": f" --story {story_dir}" if story_dir else "",
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".schema").mkdir(exist_ok=True)
    files = [
        folder / "pack.yaml",
        folder / "branch.yaml",
        folder / ".schema" / "pack.schema.json",
        folder / ".schema" / "pack-scenes.schema.json",
    ]
    files[0].write_text(PACK_YAML.format(**fields), encoding="utf-8")
    files[1].write_text(BRANCH_YAML.format(**fields), encoding="utf-8")
    files[2].write_text(json.dumps(json_schema("pack"), indent=2) + "\n", encoding="utf-8")
    files[3].write_text(json.dumps(json_schema("pack-scenes"), indent=2) + "\n", encoding="utf-8")
    return files
