"""Counts of a story: scenes, choices, words, endings, per chapter."""

from __future__ import annotations

import re
from typing import Any

from ..engine.model import Story
from ..engine.text import Template

_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f'’-]+")


def template_words(t: Template | None) -> int:
    if t is None:
        return 0
    return _count(t.parts)


def _count(parts) -> int:
    n = 0
    for p in parts:
        if isinstance(p, str):
            n += len(_WORD.findall(p))
        elif isinstance(p, tuple):  # {if} branches: (cond, parts)
            for _, sub in p:
                n += _count(sub)
    return n


def story_stats(story: Story) -> dict:
    chapters: dict[str, dict[str, Any]] = {
        c.id: {
            "title": c.title,
            "scenes": 0,
            "choices": 0,
            "conditional_choices": 0,
            "words": 0,
            "endings": 0,
            "choice_points": 0,
        }
        for c in story.chapters
    }
    for scene in story.scenes.values():
        ch = chapters[scene.chapter]
        ch["scenes"] += 1
        ch["words"] += template_words(scene.text)
        if scene.choices is not None:
            ch["choices"] += len(scene.choices)
            ch["choice_points"] += 1
            ch["conditional_choices"] += sum(1 for c in scene.choices if c.cond is not None)
            ch["words"] += sum(template_words(c.text) for c in scene.choices)
        if scene.ending is not None:
            ch["endings"] += 1
    ending_words = sum(template_words(e.epilogue) for e in story.endings.values())
    total: dict[str, float] = {
        k: sum(c[k] for c in chapters.values())
        for k in ("scenes", "choices", "conditional_choices", "words", "choice_points")
    }
    total["words"] += ending_words
    total["epilogue_words"] = ending_words
    total["endings"] = len(story.endings)
    total["variables"] = len(story.variables)
    points = total["choice_points"]
    total["branching_factor"] = round(total["choices"] / points, 2) if points else 0.0
    for c in chapters.values():
        c["branching_factor"] = (
            round(c["choices"] / c["choice_points"], 2) if c["choice_points"] else 0.0
        )
    return {
        "story": story.id,
        "title": story.title,
        "chapters": chapters,
        "total": total,
        "packs": pack_stats(story),
    }


def pack_stats(story: Story) -> dict[str, dict[str, Any]]:
    """What each branch pack adds: its scenes, the choices in them and those
    it hooks into the story's scenes, words, endings and variables."""
    out: dict[str, dict[str, Any]] = {}
    for p in story.packs:
        pre = p.name + "."
        mine = [sc for sc in story.scenes.values() if sc.id.startswith(pre)]
        hooks = [
            c
            for sc in story.scenes.values()
            if not sc.id.startswith(pre)
            for c in (sc.choices or ())
            if c.id.startswith(pre)
        ]
        words = sum(template_words(sc.text) for sc in mine)
        words += sum(template_words(c.text) for sc in mine for c in (sc.choices or ()))
        words += sum(template_words(c.text) for c in hooks)
        endings = [e for e in story.endings.values() if e.id.startswith(pre)]
        words += sum(template_words(e.epilogue) for e in endings)
        out[p.name] = {
            "title": p.title,
            "version": p.version,
            "scenes": len(mine),
            "choices": sum(len(sc.choices or ()) for sc in mine),
            "hooks": len(hooks),
            "words": words,
            "endings": len(endings),
            "variables": sum(1 for v in story.variables if v.name.startswith(pre)),
        }
    return out


def format_stats(s: dict) -> str:
    cols = ("scenes", "choices", "conditional_choices", "words", "endings", "branching_factor")
    heads = ("chapter", "scenes", "choices", "conditional", "words", "ending scenes", "branching")
    rows = [[cid] + [str(c[k]) for k in cols] for cid, c in s["chapters"].items()]
    t = s["total"]
    rows.append(["total"] + [str(t[k]) for k in cols])
    widths = [max(len(r[i]) for r in rows + [list(heads)]) for i in range(len(heads))]

    def line(r):
        return "  ".join(
            r[0].ljust(widths[0]) if i == 0 else r[i].rjust(widths[i]) for i in range(len(r))
        )

    out = [f"{s['title']} ({s['story']})", line(list(heads)), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    out.append(f"words include {t['epilogue_words']} in epilogues; {t['variables']} variables")
    for name, p in s.get("packs", {}).items():
        out.append(
            f"pack {name} {p['version']}: {p['scenes']} scenes, {p['choices']} choices and "
            f"{p['hooks']} hooked into the story, {p['words']} words, {p['endings']} endings, "
            f"{p['variables']} variables (included above)"
        )
    return "\n".join(out)
