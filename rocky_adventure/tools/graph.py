"""The scene graph as Graphviz dot or Mermaid: scenes grouped by chapter,
the start and the endings highlighted, conditional choices dashed (and
labelled with their condition), chance checks dotted with their outcome,
branch-pack scenes and the choices a pack hooks into the story coloured.

    select(story, chapter="siberia")              # one chapter
    select(story, around="gym", depth=2)          # two steps from a scene, both ways
    select(story, pack_only=True)                 # only the packs' scenes
    to_dot(story, scenes)  /  to_mermaid(story, scenes)
    mermaid_parts(story, scenes)                  # split under Mermaid's default limits

The legend: a box is a scene, a green one the start, a gold octagon (a
stadium in Mermaid) an ending; a solid arrow a choice or `next`, a dashed
one a choice with a condition (`if ...` in its label), a dotted one (a
thick one in Mermaid) the outcome of a chance check, ✓ success and ✗
failure; blue scenes and arrows belong to a branch pack; a scene outside
the selection is drawn dashed with an arrow after its id.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import NamedTuple

from ..engine.model import Chapter, Scene, Story

# Mermaid's defaults: maxTextSize 50,000 characters and maxEdges 500.
MERMAID_MAX_CHARS = 50_000
MERMAID_MAX_EDGES = 500
PACK_FILL = "#cfe2ff"
PACK_EDGE = "#1f5fbf"


class Edge(NamedTuple):
    src: str
    dst: str
    label: str
    style: str  # plain | cond | chance
    new: bool  # the first edge to `dst`, a scene outside the selection
    pack: bool  # a choice a pack added (a hook) or a pack scene's exit


def pack_names(story: Story) -> set[str]:
    return {p.name for p in story.packs}


def in_pack(name: str, packs: set[str]) -> bool:
    """Pack ids are `pack.id`; the story's own ids have no dot."""
    head, dot, _ = name.partition(".")
    return bool(dot) and head in packs


def _edges(story: Story, scenes: list[Scene]) -> Iterator[Edge]:
    inside = {s.id for s in scenes}
    outside: set[str] = set()
    packs = pack_names(story)
    for s in scenes:
        for i, ch in enumerate(s.exits):
            base = ch.id or ("next" if len(s.exits) == 1 else f"next {i + 1}")
            if ch.cond is not None:
                base += f" if {ch.cond.source}"
            style = "cond" if ch.cond is not None else "plain"
            if ch.to is not None:
                ends = [(ch.to, base, style)]
            else:  # a chance check: the loader makes it with both outcomes
                assert ch.success is not None and ch.failure is not None
                ends = [(ch.success, f"{base} ✓", "chance"), (ch.failure, f"{base} ✗", "chance")]
            pack = in_pack(s.id, packs) or in_pack(ch.id, packs)
            for b, label, st in ends:
                new = b not in inside and b not in outside
                if new:
                    outside.add(b)
                yield Edge(s.id, b, label, st, new, pack)


def select(
    story: Story,
    chapter: str | None = None,
    around: str | None = None,
    depth: int = 2,
    pack_only: bool = False,
) -> list[Scene]:
    """The scenes to draw (ValueError naming what is unknown)."""
    scenes = list(story.scenes.values())
    if chapter is not None:
        if not any(c.id == chapter for c in story.chapters):
            known = ", ".join(c.id for c in story.chapters)
            raise ValueError(f"unknown chapter {chapter!r} (chapters: {known})")
        scenes = [s for s in scenes if s.chapter == chapter]
    if pack_only:
        packs = pack_names(story)
        if not packs:
            raise ValueError("--pack-only: no branch pack is loaded (add --pack DIR)")
        scenes = [s for s in scenes if in_pack(s.id, packs)]
    if around is not None:
        if around not in story.scenes:
            import difflib

            close = difflib.get_close_matches(around, list(story.scenes), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown scene {around!r}{hint}")
        near = neighbourhood(story, around, depth)
        scenes = [s for s in scenes if s.id in near]
    return scenes


def neighbourhood(story: Story, scene: str, depth: int) -> set[str]:
    """The scenes at most `depth` choices from `scene`, forwards or back."""
    back: dict[str, set[str]] = {}
    for s in story.scenes.values():
        for t in _targets(s):
            back.setdefault(t, set()).add(s.id)
    seen = {scene: 0}
    todo = deque([scene])
    while todo:
        sid = todo.popleft()
        d = seen[sid]
        if d >= depth:
            continue
        for n in (*_targets(story.scenes[sid]), *back.get(sid, ())):
            if n in story.scenes and n not in seen:
                seen[n] = d + 1
                todo.append(n)
    return set(seen)


def _by_chapter(story: Story, scenes: list[Scene]) -> Iterator[tuple[Chapter, list[Scene]]]:
    """(chapter, its scenes) in playing order, skipping empty chapters."""
    for c in story.chapters:
        members = [s for s in scenes if s.chapter == c.id]
        if members:
            yield c, members


def _label(story: Story, s: Scene) -> str:
    """A node's label; a real newline between the id and the title (each
    format writes its own line break)."""
    if s.ending is not None:
        e = story.endings.get(s.ending)
        return f"{s.id}\n★ {e.title if e else s.ending}"
    return s.id if not s.title else f"{s.id}\n{s.title}"


# -- dot --------------------------------------------------------------------------


def _q(s: str) -> str:
    """A dot string: quotes and backslashes escaped, a newline as dot's \\n."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(story: Story, scenes: list[Scene] | str | None = None, title: str = "") -> str:
    if scenes is None or isinstance(scenes, str):  # (a chapter id, as before)
        title = title or (scenes or "")
        scenes = select(story, scenes)
    packs = pack_names(story)
    heading = story.title + (f" ({title})" if title else "")
    out = [
        f"digraph {_q(story.id)} {{",
        f"  label={_q(heading)}; labelloc=t; rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for c, members in _by_chapter(story, scenes):
        out.append(f"  subgraph {_q('cluster_' + c.id)} {{")
        out.append(f"    label={_q(c.title)}; style=rounded; color=gray60;")
        for s in members:
            attrs = [f"label={_q(_label(story, s))}"]
            if in_pack(s.id, packs):
                attrs.append(f'fillcolor="{PACK_FILL}"')
            if s.id == story.start:
                attrs += ["fillcolor=palegreen", "penwidth=2"]
            if s.ending is not None:
                attrs += ["shape=doubleoctagon", "fillcolor=gold"]
            out.append(f"    {_q(s.id)} [{', '.join(attrs)}];")
        out.append("  }")
    for e in _edges(story, scenes):
        if e.new:
            out.append(f"  {_q(e.dst)} [label={_q(e.dst + ' →')}, style=dashed];")
        attrs = [f"label={_q(e.label)}"]
        if e.style == "cond":
            attrs.append("style=dashed")
        elif e.style == "chance":
            attrs.append("style=dotted")
        if e.pack:
            attrs += [f'color="{PACK_EDGE}"', f'fontcolor="{PACK_EDGE}"']
        out.append(f"  {_q(e.src)} -> {_q(e.dst)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# -- Mermaid -----------------------------------------------------------------------

_MERMAID_ID = re.compile(r"[^A-Za-z0-9_]")


def _mid(sid: str) -> str:
    return "s_" + _MERMAID_ID.sub("_", sid)


def _mtext(s: str) -> str:
    return s.replace('"', "#quot;").replace("\n", "<br/>")


def to_mermaid(story: Story, scenes: list[Scene] | str | None = None) -> str:
    if scenes is None or isinstance(scenes, str):  # (a chapter id, as before)
        scenes = select(story, scenes)
    packs = pack_names(story)
    inside = {s.id for s in scenes}
    out = ["flowchart TD"]
    for c, members in _by_chapter(story, scenes):
        out.append(f'  subgraph {_mid("ch_" + c.id)}["{_mtext(c.title)}"]')
        for s in members:
            label = _mtext(_label(story, s))
            shape = f'(["{label}"])' if s.ending is not None else f'["{label}"]'
            out.append(f"    {_mid(s.id)}{shape}")
        out.append("  end")
    pack_links = []
    for n, e in enumerate(_edges(story, scenes)):
        if e.new:
            out.append(f'  {_mid(e.dst)}["{_mtext(e.dst)} →"]')
        arrow = {"plain": "-->", "cond": "-.->", "chance": "==>"}[e.style]
        out.append(f'  {_mid(e.src)} {arrow}|"{_mtext(e.label)}"| {_mid(e.dst)}')
        if e.pack:
            pack_links.append(str(n))
    out.append("  classDef start fill:#b8f5b0,stroke:#2a7a2a,stroke-width:2px")
    out.append("  classDef ending fill:#ffd966,stroke:#a07800")
    out.append(f"  classDef pack fill:{PACK_FILL},stroke:{PACK_EDGE}")
    mine = [_mid(s.id) for s in scenes if in_pack(s.id, packs) and s.ending is None]
    if mine:
        out.append(f"  class {','.join(mine)} pack")
    if story.start in inside:
        out.append(f"  class {_mid(story.start)} start")
    ends = [_mid(s.id) for s in scenes if s.ending is not None]
    if ends:
        out.append(f"  class {','.join(ends)} ending")
    if pack_links:
        out.append(f"  linkStyle {','.join(pack_links)} stroke:{PACK_EDGE},color:{PACK_EDGE}")
    return "\n".join(out) + "\n"


def _edge_count(story: Story, scenes: list[Scene]) -> int:
    return sum(1 for _ in _edges(story, scenes))


def mermaid_parts(
    story: Story,
    scenes: list[Scene],
    max_chars: int = MERMAID_MAX_CHARS,
    max_edges: int = MERMAID_MAX_EDGES,
) -> list[str]:
    """The graph as one or more Mermaid documents, each under Mermaid's
    default limits: whole chapters where they fit, a chapter in runs of
    scenes where it does not. A scene of another part is drawn as outside."""
    whole = to_mermaid(story, scenes)
    if len(whole) <= max_chars and _edge_count(story, scenes) <= max_edges:
        return [whole]
    groups: list[list[Scene]] = []
    for _c, members in _by_chapter(story, scenes):
        groups.extend(_fit(story, members, max_chars, max_edges))
    parts: list[str] = []
    current: list[Scene] = []
    for g in groups:  # pack small chapters together
        trial = current + g
        if current and (
            len(to_mermaid(story, trial)) > max_chars or _edge_count(story, trial) > max_edges
        ):
            parts.append(to_mermaid(story, current))
            current = list(g)
        else:
            current = trial
    if current:
        parts.append(to_mermaid(story, current))
    return parts


def _fit(story: Story, members: list[Scene], max_chars: int, max_edges: int) -> list[list[Scene]]:
    """`members` in runs that each fit the limits (halving until they do)."""
    if len(members) <= 1 or (
        len(to_mermaid(story, members)) <= max_chars and _edge_count(story, members) <= max_edges
    ):
        return [members]
    half = len(members) // 2
    return _fit(story, members[:half], max_chars, max_edges) + _fit(
        story, members[half:], max_chars, max_edges
    )


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


def _targets(s: Scene) -> list[str]:
    return [t for ch in s.exits for t in ch.targets]
