"""`play --dev`: live authoring in the game. The story and pack files are
watched; on a save they are validated again and reloaded, and the path
played so far is replayed to put the player back where they were. Errors
show in the game, which goes on with the story it had. A debug panel shows
the variables and visit counts. Built on rocky_adventure.tools.dev."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from ..engine.expr import format_value
from .app import RockyApp
from .game import GameScreen

if TYPE_CHECKING:
    from ..tools.dev import DevSession


NAME_WIDTH = 20


def _name(name: str) -> str:
    """A name in its column, cut with an ellipsis when too long, and always
    followed by a gap, so a long pack variable never runs into its value."""
    if len(name) > NAME_WIDTH:
        name = name[: NAME_WIDTH - 1] + "\u2026"
    return f"{name:<{NAME_WIDTH}} "


def debug_content(story, state) -> Content:
    """The variables (the packs' first, under their pack's name, since those
    are what an author in dev mode is working on), then visit counts."""
    parts: list = []
    packs = [p.name for p in story.packs]
    groups = [
        (f"pack {p}", [v for v in story.variables if v.name.startswith(p + ".")]) for p in packs
    ]
    own = [v for v in story.variables if not any(v.name.startswith(p + ".") for p in packs)]
    groups.append(("variables", own))
    for title, variables in groups:
        if not variables:
            continue
        parts.append((f"{title}\n", "bold $accent"))
        for var in variables:
            shown = var.name.split(".", 1)[1] if title.startswith("pack ") else var.name
            parts.append((_name(shown), "$text-muted"))
            parts.append(f"{format_value(state.v[var.index])}\n")
        parts.append("\n")
    parts.append(("visits\n", "bold $accent"))
    for scene, n in sorted(state.visits.items(), key=lambda kv: (-kv[1], kv[0]))[:40]:
        parts.append((_name(scene), "$text-muted"))
        parts.append(f"{n}\n")
    parts.append(("\n", ""))
    parts.append((f"scene {state.scene} · turn {state.turns} · seed {state.seed}", "$text-muted"))
    return Content.assemble(*parts)


class DebugPanel(Static):
    DEFAULT_CSS = """
    DebugPanel {
        height: 1fr;
        overflow-y: auto;
        border: round $warning;
        border-title-color: $warning;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        self.border_title = "DEBUG (d hides)"

    def show(self, story, state) -> None:
        self.update(debug_content(story, state))


class DevGameScreen(GameScreen):
    CSS_PATH = "game.tcss"
    CSS = """
    DevGameScreen #sidebar { width: 40; }
    DevGameScreen.-no-debug DebugPanel { display: none; }
    """
    BINDINGS = [Binding("d", "toggle_debug", "Debug")]

    def on_mount(self) -> None:
        self.remove_class("-no-sidebar")
        self.query_one("#sidebar").mount(DebugPanel(id="debug"))
        super().on_mount()

    def render_scene(self, animate: bool = True) -> None:
        super().render_scene(animate)
        panels = self.query(DebugPanel)
        if panels:
            panels.first().show(self.session.story, self.session.state)

    def action_toggle_debug(self) -> None:
        self.toggle_class("-no-debug")


class DevApp(RockyApp):
    """The game with live reload; `dev` is a tools.dev.DevSession."""

    def __init__(self, dev_factory, **kwargs) -> None:
        super().__init__(**kwargs)
        self.dev_factory = dev_factory  # () -> DevSession (raises on a story that does not load)
        self.dev: DevSession | None = None

    def load_the_story(self):
        self.dev = self.dev_factory()
        return self.dev.story

    def story_ready(self, story) -> None:
        super().story_ready(story)
        self.set_interval(0.5, self.poll_files)

    def start_session(self, session) -> None:
        self.show_title()
        self.session = session
        self.push_screen(DevGameScreen(session, self.settings, self.motion))

    def action_new_game(self) -> None:
        if not self._need_story("new_game"):
            return
        # the story has loaded, and load_the_story made the DevSession it came from
        assert self.story is not None and self.dev is not None
        from ..game.session import Session

        self.start_session(
            Session(self.story, [self.dev.new_state()], self.storage, 0.0, self.monotonic)
        )

    def poll_files(self) -> None:
        if self.dev is None:
            return
        state = self.session.state if self.session is not None else self.dev.new_state()
        try:
            r = self.dev.poll(state)
        except Exception as e:  # noqa: BLE001 - an author's half-written file must never end the game
            self.notify(
                f"Reload failed: {e}",
                title="Live reload",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        if r is None:
            return
        if not r.ok:
            shown = "\n".join(d.format() for d in r.diagnostics[:8])
            more = len(r.diagnostics) - 8
            if more > 0:
                shown += f"\n(and {more} more)"
            self.notify(
                shown,
                title="The story has errors: still playing the last good version",
                severity="error",
                timeout=15,
                markup=False,
            )
            return
        self.apply_reload(r)

    def apply_reload(self, r) -> None:
        from ..game.session import Session, rebuild_history

        self.story = r.story
        if self.session is not None and self.game_screen() is not None:
            assert self.dev is not None  # a reload comes from the DevSession
            states = (
                rebuild_history(r.story, r.state) if self.dev.start.scene is None else [r.state]
            )
            self.start_session(
                Session(r.story, states, self.storage, self.session.play_time, self.monotonic)
            )
        note = f"Reloaded ({', '.join(p.rsplit('/', 1)[-1] for p in r.changed[:3])}); replayed {r.replayed} choice{'s' if r.replayed != 1 else ''}."
        if r.stopped:
            note += f" Stopped early: {r.stopped}"
        self.notify(note, title="Live reload", timeout=5, markup=False)
