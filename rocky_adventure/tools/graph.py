"""The scene graph as Graphviz dot or Mermaid: scenes grouped by chapter,
the start and the endings highlighted, conditional choices dashed, chance
checks dotted with their outcome."""

from __future__ import annotations

import re

from ..engine.model import Scene, Story


def _edges(story: Story, scenes: list[Scene]):
    """(from, to, label, style, new) with style plain | cond | chance, and
    `new` true the first time `to` is a scene outside the selection."""
    inside = {s.id for s in scenes}
    outside: set[str] = set()
    for s in scenes:
        for i, ch in enumerate(s.exits):
            base = ch.id or ("next" if len(s.exits) == 1 else f"next {i + 1}")
            style = "cond" if ch.cond is not None else "plain"
            if ch.to is not None:
                ends = [(ch.to, base, style)]
            else:  # a chance check: the loader makes it with both outcomes
                assert ch.success is not None and ch.failure is not None
                ends = [(ch.success, f"{base} ✓", "chance"), (ch.failure, f"{base} ✗", "chance")]
            for b, label, st in ends:
                new = b not in inside and b not in outside
                if new:
                    outside.add(b)
                yield s.id, b, label, st, new


def _select(story: Story, chapter: str | None) -> list[Scene]:
    if chapter is None:
        return list(story.scenes.values())
    if not any(c.id == chapter for c in story.chapters):
        known = ", ".join(c.id for c in story.chapters)
        raise ValueError(f"unknown chapter {chapter!r} (chapters: {known})")
    return [s for s in story.scenes.values() if s.chapter == chapter]


def _by_chapter(story: Story, scenes: list[Scene]):
    """(chapter, its scenes) in playing order, skipping empty chapters."""
    for c in story.chapters:
        members = [s for s in scenes if s.chapter == c.id]
        if members:
            yield c, members


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _label(story: Story, s: Scene) -> str:
    if s.ending is not None:
        e = story.endings.get(s.ending)
        return f"{s.id}\\n★ {e.title if e else s.ending}"
    return s.id if not s.title else f"{s.id}\\n{s.title}"


def to_dot(story: Story, chapter: str | None = None) -> str:
    scenes = _select(story, chapter)
    out = [
        f"digraph {_q(story.id)} {{",
        f"  label={_q(story.title + (f' ({chapter})' if chapter else ''))}; labelloc=t; rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for c, members in _by_chapter(story, scenes):
        out.append(f"  subgraph {_q('cluster_' + c.id)} {{")
        out.append(f"    label={_q(c.title)}; style=rounded; color=gray60;")
        for s in members:
            attrs = [f"label={_q(_label(story, s))}"]
            if s.id == story.start:
                attrs += ["fillcolor=palegreen", "penwidth=2"]
            if s.ending is not None:
                attrs += ["shape=doubleoctagon", "fillcolor=gold"]
            out.append(f"    {_q(s.id)} [{', '.join(attrs)}];")
        out.append("  }")
    for a, b, label, style, new in _edges(story, scenes):
        if new:
            out.append(f"  {_q(b)} [label={_q(b + ' →')}, style=dashed];")
        attrs = [f"label={_q(label)}"]
        if style == "cond":
            attrs.append("style=dashed")
        elif style == "chance":
            attrs.append("style=dotted")
        out.append(f"  {_q(a)} -> {_q(b)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


_MERMAID_ID = re.compile(r"[^A-Za-z0-9_]")


def _mid(sid: str) -> str:
    return "s_" + _MERMAID_ID.sub("_", sid)


def _mtext(s: str) -> str:
    return s.replace('"', "#quot;").replace("\\n", "<br/>")


def to_mermaid(story: Story, chapter: str | None = None) -> str:
    scenes = _select(story, chapter)
    inside = {s.id for s in scenes}
    out = ["flowchart TD"]
    for c, members in _by_chapter(story, scenes):
        out.append(f'  subgraph {_mid("ch_" + c.id)}["{_mtext(c.title)}"]')
        for s in members:
            label = _mtext(_label(story, s))
            shape = f'(["{label}"])' if s.ending is not None else f'["{label}"]'
            out.append(f"    {_mid(s.id)}{shape}")
        out.append("  end")
    for a, b, label, style, new in _edges(story, scenes):
        if new:
            out.append(f'  {_mid(b)}["{_mtext(b)} →"]')
        arrow = {"plain": "-->", "cond": "-.->", "chance": "==>"}[style]
        out.append(f'  {_mid(a)} {arrow}|"{_mtext(label)}"| {_mid(b)}')
    out.append("  classDef start fill:#b8f5b0,stroke:#2a7a2a,stroke-width:2px")
    out.append("  classDef ending fill:#ffd966,stroke:#a07800")
    if story.start in inside:
        out.append(f"  class {_mid(story.start)} start")
    ends = [_mid(s.id) for s in scenes if s.ending is not None]
    if ends:
        out.append(f"  class {','.join(ends)} ending")
    return "\n".join(out) + "\n"


def render_with_dot(dot_text: str, output: str) -> None:
    """Write `output` (svg, png, pdf...) with Graphviz's dot. Raises
    FileNotFoundError when dot is not installed, RuntimeError on failure."""
    import shutil
    import subprocess

    exe = shutil.which("dot")
    if exe is None:
        raise FileNotFoundError("Graphviz's 'dot' is not installed")
    fmt = output.rsplit(".", 1)[-1].lower()
    r = subprocess.run(
        [exe, f"-T{fmt}", "-o", output], input=dot_text.encode(), capture_output=True, timeout=120
    )
    if r.returncode != 0:
        raise RuntimeError(
            r.stderr.decode(errors="replace").strip() or f"dot exited with {r.returncode}"
        )
