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
from ..engine.model import Choice, Story
from ..engine.play import available_choices
from ..engine.replay import StopKind, replay
from ..engine.state import State

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
    None). Replays the choices (engine/replay.py), then writes down every
    scene, the choices open there and the one taken; it stops at the first
    choice that is not open."""
    r = replay(story, seed, choices, keep=True)
    out: list[str] = [f"# {story.title} (story {story.id}, seed {seed})", ""]
    chapter = None
    error = None

    def show_scene(state: State) -> None:
        nonlocal chapter
        scene = story.scenes[state.scene]
        if scene.chapter != chapter:
            chapter = scene.chapter
            try:
                out.append(f"== {story.chapter(chapter).title} ==")
            except KeyError:
                out.append(f"== {chapter} ==")
            out.append("")
        out.append(f"-- {scene.title or scene.id} [{scene.id}] --")
        out.append(scene.text.render(state))
        out.append("")

    def label(choice: Choice, state: State) -> str:
        return choice.text.render(state) if choice.text is not None else ""

    try:
        for i, state in enumerate(r.states):
            show_scene(state)
            if i == len(r.states) - 1:
                break
            opts = available_choices(story, state)
            for o in opts:
                out.append(f"  [{o.id}] {label(o, state)}")
            pick = next(o for o in opts if o.id == choices[i])
            out.append(f"> {label(pick, state)} [{pick.id}]")
            out.append("")
        last = r.state
        stop = r.stop
        if stop is not None:
            if stop.kind is StopKind.ENDED:
                error = f"choice {stop.number} ({stop.choice!r}): the story has already ended"
            else:
                opts = available_choices(story, last)
                for o in opts:
                    out.append(f"  [{o.id}] {label(o, last)}")
                if stop.kind is StopKind.ILLEGAL:
                    error = stop.message
                else:  # the story failed while playing the choice
                    tried = next((o for o in opts if o.id == stop.choice), None)
                    if tried is not None:
                        out.append(f"> {label(tried, last)} [{tried.id}]")
                        out.append("")
                    error = stop.detail
        elif last.ending is not None:
            ending = story.endings[last.ending]
            out.append(f"== THE END: {ending.title} [{ending.id}] ==")
            out.append(ending.epilogue.render(last))
            out.append("")
        else:
            out.append(
                f"(stopped in scene {last.scene!r} after {len(choices)} choices; the story goes on)"
            )
            for o in available_choices(story, last):
                out.append(f"  [{o.id}] {label(o, last)}")
            out.append("")
    except StoryRuntimeError as e:  # a fault inside the text itself
        error = str(e)
    if error:
        out.append(f"!! {error}")
    return "\n".join(out).rstrip() + "\n", error


def route_steps(story: Story, seed: int, choices: list[str]) -> list[tuple[str, str]]:
    """(scene id, "the choice's text  [id]") for each choice of a route, as
    the route view shows it; the steps up to where the route stops playing."""
    r = replay(story, seed, choices, keep=True)
    steps = []
    for state, cid in zip(r.states, choices[: r.played]):
        choice = story.scenes[state.scene].by_id.get(cid)
        shown = choice is not None and choice.text is not None
        label = choice.text.render(state) if shown else "Continue"  # type: ignore[union-attr]
        steps.append((state.scene, f"{label}  [{cid}]"))
    return steps
