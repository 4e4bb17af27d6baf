"""Text helpers both front ends use: story text as paragraphs, and the
title of the chapter a scene is in."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine import Story

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def paragraphs(text: str) -> list[str]:
    """Story text as paragraphs: a blank line separates them, and single line
    breaks inside one are soft (the display reflows them)."""
    out = []
    for para in _PARAGRAPH_BREAK.split(text.strip()):
        joined = " ".join(line.strip() for line in para.splitlines() if line.strip())
        if joined:
            out.append(joined)
    return out


def reflow(text: str) -> str:
    return "\n\n".join(paragraphs(text))


def chapter_title(story: Story, scene_id: str) -> str:
    chapter = story.scenes[scene_id].chapter
    try:
        return story.chapter(chapter).title
    except KeyError:
        return chapter
