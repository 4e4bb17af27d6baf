"""The endings gallery as both front ends show it: the story's endings
grouped by world (an ending's `world:`), in chapter order within a world,
each found one with its gallery entry and each locked one with a hint.

    for group in gallery_groups(story, storage.load_gallery()):
        group.title, group.found, len(group.rows)
        for row in group.rows: row.ending.title if row.entry else row.hint

A story whose endings name no world is grouped by chapter instead (the
chapter of the scene that reaches each ending)."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..engine.model import Ending, Story

# What an ending's tags say of it, for a locked one: how it ends...
_OUTCOMES = (("win", "A win"), ("loss", "A loss"), ("draw", "A draw"), ("no_fight", "No fight"))
# ... and what else (for a story without `hint:`, the whole hint)
_MORE = (("quit", "the towel comes in"), ("death", "not everyone walks out"))


class Row(NamedTuple):
    ending: Ending
    chapter: str  # the title of the chapter that reaches it ("" if no scene does)
    entry: dict[str, Any] | None  # the gallery's entry, None while it is locked
    hint: str  # what a locked row says


class Group(NamedTuple):
    title: str  # the world (or the chapter); "" when the story has one group
    rows: list[Row]

    @property
    def found(self) -> int:
        return sum(1 for r in self.rows if r.entry is not None)


def ending_chapters(story: Story) -> dict[str, str]:
    """Each ending's chapter: the title of the chapter of the first scene
    that reaches it (an ending no scene names is left out)."""
    titles = {c.id: c.title for c in story.chapters}
    chapters: dict[str, str] = {}
    for scene in story.scenes.values():
        if scene.ending and scene.ending not in chapters:
            chapters[scene.ending] = titles.get(scene.chapter, scene.chapter)
    return chapters


def outcome(tags: tuple[str, ...]) -> str:
    """How an ending ends, from its tags: "A win", "A loss", "A draw", "No fight" or
    "An ending"."""
    return next((text for tag, text in _OUTCOMES if tag in tags), "An ending")


def ending_hint(ending: Ending, chapter: str = "") -> str:
    """A locked ending's hint: the story's own `hint:`, or else what its
    tags and chapter say ("A loss in Moscow: the towel comes in.")."""
    if ending.hint:
        return ending.hint
    more = [text for tag, text in _MORE if tag in ending.tags]
    where = f" in {chapter}" if chapter else ""
    return f"{outcome(ending.tags)}{where}" + (f": {', '.join(more)}." if more else ".")


def every_world_title(worlds: int) -> str:
    """The group of the endings that name no world, in a story whose others do."""
    return "Either world" if worlds == 2 else "Every world"


def gallery_groups(story: Story, gallery: dict[str, dict[str, Any]]) -> list[Group]:
    """The endings by world, in the order the story first names each world
    (the endings of every world last), and by chapter order within each.
    Without worlds: by chapter."""
    chapters = ending_chapters(story)
    order = {c.title: i for i, c in enumerate(story.chapters)}
    endings = sorted(
        story.endings.values(),  # (sorted is stable: the story's order within a chapter)
        key=lambda e: order.get(chapters.get(e.id, ""), len(order)),
    )
    worlds = list(dict.fromkeys(e.world for e in story.endings.values() if e.world))
    groups: dict[str, list[Row]] = {}
    everywhere = ""
    if worlds:
        for w in worlds:
            groups[w] = []
        everywhere = every_world_title(len(worlds))
    for e in endings:
        chapter = chapters.get(e.id, "")
        key = (e.world or everywhere) if worlds else (chapter or "Elsewhere")
        row = Row(e, chapter, gallery.get(e.id), ending_hint(e, chapter))
        groups.setdefault(key, []).append(row)
    if len(groups) == 1:
        return [Group("", rows) for rows in groups.values()]
    return [Group(title, rows) for title, rows in groups.items() if rows]
