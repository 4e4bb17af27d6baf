"""Routes as files, and transcripts: play a list of choice ids and write
down everything the player reads, for golden-transcript tests.

A route file is JSON:

    {"format": "rocky-adventure-route", "version": 1, "story": "rocky-iv",
     "story_hash": "...", "routes": [
        {"ending": "champion", "seed": 7, "exact": true, "choices": ["warm_up", "swing"],
         "outcomes": [null, "success"]}]}

`choices` and `seed` are all that replay needs: `replay(story, seed, choices)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.diagnostics import StoryRuntimeError
from ..engine.model import Story
from ..engine.play import Cursor, IllegalChoice

ROUTE_FORMAT = "rocky-adventure-route"
ROUTE_VERSION = 1


class RouteError(ValueError):
    pass


@dataclass(slots=True)
class Route:
    choices: list[str]
    seed: int
    ending: str | None = None


def route_document(story: Story, routes: list[dict], seed: int | None) -> dict:
    return {
        "format": ROUTE_FORMAT,
        "version": ROUTE_VERSION,
        "story": story.id,
        "story_hash": story.hash,
        "seed": seed,
        "routes": routes,
    }


def parse_routes(data, default_seed: int = 0) -> list[Route]:
    """Routes from a route file, a single {"seed", "choices"} object, or a
    plain list of choice ids."""

    def one(d, where: str) -> Route:
        if not isinstance(d, dict):
            raise RouteError(f"{where}: expected an object with 'choices'")
        choices = d.get("choices")
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise RouteError(f"{where}: 'choices' must be a list of choice ids")
        seed = d.get("seed", default_seed)
        if seed is None:
            seed = default_seed
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise RouteError(f"{where}: 'seed' must be a whole number")
        ending = d.get("ending")
        return Route(list(choices), seed, ending if isinstance(ending, str) else None)

    if isinstance(data, list):
        if not all(isinstance(c, str) for c in data):
            raise RouteError("expected a list of choice ids")
        return [Route(list(data), default_seed)]
    if isinstance(data, dict) and "routes" in data:
        if data.get("format") not in (None, ROUTE_FORMAT):
            raise RouteError(f"not a route file (format {data.get('format')!r})")
        if not isinstance(data["routes"], list):
            raise RouteError("'routes' must be a list")
        top = data.get("seed")
        return [
            one(
                {"seed": top, **r} if isinstance(r, dict) and "seed" not in r else r,
                f"route {i + 1}",
            )
            for i, r in enumerate(data["routes"])
        ]
    return [one(data, "the route")]


def transcript(story: Story, seed: int, choices: list[str]) -> tuple[str, str | None]:
    """The full text of playing `choices` with `seed`: (text, error or
    None). Stops at the first choice that is not open."""
    out: list[str] = [f"# {story.title} (story {story.id}, seed {seed})", ""]
    c = Cursor.start(story, seed)
    chapter = None
    error = None

    def show_scene():
        nonlocal chapter
        scene = c.scene
        if scene.chapter != chapter:
            chapter = scene.chapter
            try:
                out.append(f"== {story.chapter(chapter).title} ==")
            except KeyError:
                out.append(f"== {chapter} ==")
            out.append("")
        out.append(f"-- {scene.title or scene.id} [{scene.id}] --")
        out.append(scene.text.render(c))
        out.append("")

    try:
        show_scene()
        for i, cid in enumerate(choices):
            if c.ending is not None:
                error = f"choice {i + 1} ({cid!r}): the story has already ended"
                break
            opts = c.options()
            for o in opts:
                out.append(f"  [{o.id}] {o.text.render(c) if o.text is not None else ''}")
            pick = next((o for o in opts if o.id == cid), None)
            if pick is None:
                open_ids = ", ".join(o.id for o in opts) or "none"
                error = f"choice {i + 1}: no open choice {cid!r} in scene {c.scene.id!r} (open: {open_ids})"
                break
            out.append(f"> {pick.text.render(c) if pick.text is not None else ''} [{pick.id}]")
            out.append("")
            c.take(pick)
            show_scene()
        if error is None and c.ending is not None:
            ending = story.endings[c.ending]
            out.append(f"== THE END: {ending.title} [{ending.id}] ==")
            out.append(ending.epilogue.render(c))
            out.append("")
        elif error is None:
            out.append(
                f"(stopped in scene {c.scene.id!r} after {len(choices)} choices; the story goes on)"
            )
            out.append("")
    except StoryRuntimeError as e:
        error = str(e)
    except IllegalChoice as e:  # pragma: no cover - options() is checked above
        error = str(e)
    if error:
        out.append(f"!! {error}")
    return "\n".join(out).rstrip() + "\n", error
