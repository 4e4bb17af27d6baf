"""Plain mode: the story as plain lines on stdin and stdout, for screen
readers, pipes and scripts. No TUI, no colours, numbered choices.

    printf '1\\n2\\n' | rocky-adventure play --plain --seed 7

Exit codes: 0 at an ending; 2 when input ends first (the last lines say
where the story stopped); 1 at a dead end (no open choice and no ending).
Never imports textual."""

from __future__ import annotations

import shutil
import sys
import textwrap
from enum import Enum
from pathlib import Path
from typing import TextIO

from ..engine.diagnostics import StoryRuntimeError
from ..engine.safe import CONTROL as CONTROL_CHARS
from ..game.endings import gallery_groups, outcome
from ..game.saves import SaveError, SaveInfo, format_play_time, slot_for_name
from ..game.session import Session, check_playable
from ..game.storage import Storage
from ..game.text import chapter_title, paragraphs

EXIT_ENDING, EXIT_DEAD_END, EXIT_INPUT_ENDED = 0, 1, 2


class Outcome(Enum):
    """What a command at the prompt asks of the game loop."""

    REDRAW = "redraw"  # the game moved (:undo, :load): show where it is now
    QUIT = "quit"


REDRAW, QUIT = Outcome.REDRAW, Outcome.QUIT


class Redrawn(Exception):
    """Raised out of ask() when a command moved the game: the loop shows
    where it is now (an exception, so a subclass's ask() passes it on)."""


class PlainGame:
    def __init__(
        self,
        story,
        seed: int,
        stdin: TextIO,
        stdout: TextIO,
        stderr: TextIO,
        width: int | None = None,
    ):
        self.story = story
        self.seed = seed
        self.stdin = stdin
        self.out = stdout
        self.err = stderr
        self.width = width
        self.echo = not _isatty(stdin)
        self.quit_typed = False  # the player typed :quit (or q), rather than input ending

    def say(self, text: str = "") -> None:
        if self.width and text:
            text = "\n".join(
                textwrap.fill(line, self.width) if line else "" for line in text.split("\n")
            )
        print(text, file=self.out)

    def show_scene(self, state, last_chapter: str | None) -> str:
        from ..engine import scene_text

        story = self.story
        chapter = chapter_title(story, state.scene)
        if chapter != last_chapter:
            self.say(f"== {chapter} ==")
            self.say()
        title = story.scenes[state.scene].title
        if title:
            self.say(f"-- {title} --")
            self.say()
        for para in paragraphs(scene_text(story, state)):
            self.say(para)
            self.say()
        return chapter

    def ask(self, n: int, is_continue: bool) -> int | None:
        """The number the player picks (1-based), or None at end of input (or
        :quit); raises Redrawn when a command moved the game (:undo, :load)."""
        while True:
            self.out.write("> ")
            self.out.flush()
            line = self.stdin.readline()
            if not line:
                if self.echo:
                    self.say()
                return None
            answer = line.strip()
            if self.echo:
                self.say(answer)
            if answer == "" and is_continue:
                return 1
            if answer.isdigit() and 1 <= int(answer) <= n:
                return int(answer)
            if answer.lower() in ("q", "quit", "exit"):
                self.quit_typed = True
                return None
            if answer.startswith(":"):
                name, _, arg = answer[1:].strip().partition(" ")
                outcome = self.command(name.lower(), arg.strip())
                if outcome is QUIT:
                    self.quit_typed = True
                    return None
                if outcome is REDRAW:
                    raise Redrawn
                continue
            self.say(
                f"Type a number from 1 to {n}." if n > 1 else "Type 1 (or press Enter) to continue."
            )

    # -- commands at the prompt (a subclass adds its own)
    COMMAND_HELP: tuple[tuple[str, str], ...] = (
        (":help", "the commands and the keys"),
        (":quit", "stop playing"),
    )

    def command(self, name: str, arg: str) -> Outcome | None:
        """Run `:name arg`; QUIT or REDRAW to leave the prompt, None to ask again."""
        if name in ("quit", "q", "exit"):
            return QUIT
        if name in ("help", "h", "?"):
            self.show_help()
            return None
        known = ", ".join(c.split()[0] for c, _ in self.COMMAND_HELP)
        if name:
            self.say(f"Unknown command ':{name}'. The commands are: {known}.")
        else:
            self.say(f"Type a command after the colon: {known}.")
        return None

    def show_help(self) -> None:
        self.say(
            "Type the number of a choice and press Enter; Enter alone continues when the "
            "only choice is Continue. A line that starts with a colon is a command:"
        )
        for cmd, what in self.COMMAND_HELP:
            self.say(f"{cmd}: {what}")

    # Hooks a speedrun (rocky_adventure.speedrun.plain_run) overrides.
    def start(self):
        from ..engine import new_game

        return new_game(self.story, self.seed)

    def take(self, state, choice_id: str):
        from ..engine import choose

        new = choose(self.story, state, choice_id)
        check_playable(self.story, new)  # a fault in the story: stay where we are
        return new

    def now(self, state):
        """The state to show after a command moved the game."""
        return state

    def after_ending(self, state):
        """The state to go on from after an ending, or None to stop."""
        return None

    def finish_code(self) -> int:
        return EXIT_ENDING

    def header(self) -> None:
        self.say(f"Seed {self.seed}")

    def run(self) -> int:
        from ..engine import CONTINUE_ID, available_choices, choice_text, epilogue_text

        story = self.story
        state = self.start()
        try:
            check_playable(story, state)
        except StoryRuntimeError as e:
            print(f"The story cannot start: {e}", file=self.err)
            return EXIT_DEAD_END
        self.say(story.title)
        if story.author:
            self.say(f"by {story.author}")
        self.header()
        self.say()
        chapter = None
        while True:
            chapter = self.show_scene(state, chapter)
            if state.ending is not None:
                ending = story.endings[state.ending]
                self.say(f"THE END: {ending.title}")
                self.say()
                for para in paragraphs(epilogue_text(story, state)):
                    self.say(para)
                    self.say()
                state = self.after_ending(state)
                if state is None:
                    return self.finish_code()
                chapter = None
                continue
            choices = available_choices(story, state)
            if not choices:
                self.say(
                    f"The story stops here: no choice is open in scene {state.scene!r} "
                    f"and it is not an ending."
                )
                return EXIT_DEAD_END
            is_continue = len(choices) == 1 and choices[0].id == CONTINUE_ID
            for i, c in enumerate(choices, 1):
                self.say(f"{i}. {choice_text(story, state, c)}")
            try:
                picked = self.ask(len(choices), is_continue)
            except Redrawn:
                state, chapter = self.now(state), None
                continue
            if picked is None:
                self.stopped(state)
                return EXIT_INPUT_ENDED
            self.say()
            try:
                state = self.take(state, choices[picked - 1].id)
            except StoryRuntimeError as e:
                self.say(f"The story cannot go on that way: {e}")
                self.say("Nothing has changed: you are where you were. Pick another choice.")
                self.say()

    def stopped(self, state) -> None:
        scene = self.story.scenes[state.scene]
        where = f"'{scene.title}' (scene {scene.id})" if scene.title else f"scene {scene.id}"
        n = state.turns
        why = "You quit" if self.quit_typed else "Input ended"
        print(
            f"{why} before an ending: the story stopped at {where} in "
            f"{chapter_title(self.story, state.scene)}, after {n} choice{'s' if n != 1 else ''} "
            f"(seed {self.seed}).",
            file=self.err,
        )


class SessionPlainGame(PlainGame):
    """Plain play over the TUI's own Session: the same autosave, named saves,
    gallery and text already read (game/storage.py), undo and history, with
    commands at the prompt and the sidebar's and HUD's values as text."""

    COMMAND_HELP = (
        (":save NAME", "save the game under NAME (the same saves as the game's Save)"),
        (":load [NAME]", "list the saves, or load the one named NAME (or its number)"),
        (":continue", "resume the autosaved game"),
        (":undo", "go back one choice"),
        (":history", "the passages so far and the choices taken"),
        (":stats", "the sidebar's values, and the fight's in a fight"),
        (":endings", "the endings gallery: the endings found so far"),
        (":help", "the commands and the keys"),
        (":quit", "stop playing (the game is autosaved)"),
    )

    def __init__(
        self,
        story,
        seed: int,
        stdin: TextIO,
        stdout: TextIO,
        stderr: TextIO,
        width: int | None = None,
        storage: Storage | None = None,
        start_state=None,
        again_seed: int | None = None,
    ):
        """`again_seed`: the seed of a game played again after an ending
        (the one given with --seed; None: a new random seed each time)."""
        from ..engine import new_game

        super().__init__(story, seed, stdin, stdout, stderr, width)
        self.storage = storage
        self.start_state = start_state
        self.again_seed = again_seed
        first = start_state if start_state is not None else new_game(story, seed)
        # no autosave before the first choice: the autosave of an earlier game
        # stays there for :continue until this game makes a choice
        self.session = Session(story, [first], storage)
        self._said: dict[str, str] = {}  # what was last said of each value
        self._hud_said: str | None = None

    # -- the game loop's hooks
    def header(self) -> None:
        super().header()
        self.say("Type the number of a choice, or :help for the commands.")
        if self.storage is not None and self.storage.has_autosave():
            auto = self._autosave_info()
            if auto is not None:
                self.say(f"A saved game can be continued: {_where(auto)}. Type :continue.")
        self._said = self.sidebar_values()
        self._hud_said = self.hud_line()

    def start(self):
        return self.session.state

    def now(self, state):
        return self.session.state

    def show_scene(self, state, last_chapter: str | None) -> str:
        chapter = super().show_scene(state, last_chapter)
        self.session.mark_read(self.session.text())
        return chapter

    def take(self, state, choice_id: str):
        new = self.session.choose(choice_id)  # autosaves and records an ending, as the TUI
        self.say_changes()
        self.report_write_errors()
        return new

    ENDING_MENU = ("Play again", "See the endings", "Quit")

    def after_ending(self, state):
        """Say what the gallery made of the ending, then offer the ending's
        menu, as the game does: play again, see the endings, or quit. A new
        game's first state, the state a command moved to (:undo, :load), or
        None to stop (Quit, or input ending)."""
        reached = self.session.last_ending
        if reached is not None and self.storage is not None:
            how = "a new ending" if reached.new else "found before"
            self.say(f"Endings gallery: {how}; {reached.found} of {reached.total} found.")
        self.finish()
        while True:
            self.say()
            for i, item in enumerate(self.ENDING_MENU, 1):
                self.say(f"{i}. {item}")
            try:
                picked = self.ask(len(self.ENDING_MENU), False)
            except Redrawn:  # :undo or :load at the ending: play on from there
                self.session.resume()
                return self.session.state
            if picked == 1:
                return self.play_again()
            if picked == 2:
                self.say()
                self.say_endings()
                continue
            if picked == 3 or self.quit_typed:
                self.say()
                self.say(self.goodbye(at_ending=True))
            return None

    def play_again(self):
        """A new game (from the same --from start, or with the --seed given),
        over the same storage; its first state."""
        from ..engine import new_game

        story = self.story
        first = (
            self.start_state if self.start_state is not None else new_game(story, self.again_seed)
        )
        self.seed = first.seed
        self.session = Session(story, [first], self.storage)
        self._said = self.sidebar_values()
        self._hud_said = self.hud_line()
        self.say()
        self.say(f"A new game. Seed {self.seed}.")
        self.say()
        return first

    def goodbye(self, at_ending: bool = False) -> str:
        """What the player is told on quitting: what is kept, and where."""
        if self.storage is None:
            return "Goodbye. Nothing is kept: this game has no data dir."
        if at_ending:
            return (
                "Goodbye. The endings you found stay in the gallery (:endings here, or "
                f"Endings on the game's title screen), under {self.storage.dir}."
            )
        if self.session.state.turns == 0 and not self.session.dirty:
            kept = (
                " The earlier autosave is still there for :continue."
                if self.storage.has_autosave()
                else ""
            )
            return f"Goodbye. Nothing to save yet: no choice was made.{kept}"
        return (
            f"Goodbye. The game is autosaved in {self.storage.slot_path('autosave')}: next "
            "time, type :continue, or choose Continue on the game's title screen."
        )

    def stopped(self, state) -> None:
        self.finish()
        if self.quit_typed:
            self.say(self.goodbye())
        super().stopped(state)

    def finish(self) -> None:
        """Keep the play time in the autosave and write what is queued."""
        s = self.session
        s.pause()
        if s.state.turns > 0 or s.dirty:
            s.autosave()
        if self.storage is not None:
            self.storage.flush()
        self.report_write_errors()

    def report_write_errors(self) -> bool:
        writer = self.storage.writer if self.storage is not None else None
        if writer is None:
            return False
        writer.flush()
        errors = writer.take_errors()
        for e in errors:
            self.say(f"Not saved: {e}.")
        return bool(errors)

    # -- values as text
    def sidebar_values(self) -> dict[str, str]:
        """The sidebar's values that show here (a bar's `when:` holds), by name."""
        values = self.session.values()
        return {name: _value(values[name]) for name in self.session.sidebar_bars()}

    def sidebar_line(self) -> str:
        story = self.story
        return ", ".join(
            f"{story.var(name).label or name} {v}" for name, v in self.sidebar_values().items()
        )

    def hud_line(self) -> str | None:
        """The HUD as one line ("Round 2 of 3: You 9, Big Vic 7"), or None
        when there is no fight."""
        s = self.session
        if not s.hud_active():
            return None
        story, values = self.story, s.values()
        bars = ", ".join(f"{story.var(n).label or n} {_value(values[n])}" for n in s.hud_bars())
        round_var = story.display.hud_round
        if round_var:
            top = story.var(round_var).max
            head = f"Round {_value(values[round_var])}" + (f" of {top}" if top else "")
        else:
            head = "Fight"
        return f"{head}: {bars}" if bars else head

    def say_changes(self) -> None:
        """Say each sidebar value that changed ("Stamina 5 -> 6") and the
        HUD when it changed; then a blank line."""
        said = False
        now = self.sidebar_values()
        appeared = []
        for name, value in now.items():
            before = self._said.get(name)
            if before is None:
                appeared.append(f"{self.story.var(name).label or name} {value}")
            elif before != value:
                self.say(f"{self.story.var(name).label or name} {before} -> {value}")
                said = True
        if appeared:  # bars the story shows from here on (`when:`)
            self.say("Now shown: " + ", ".join(appeared))
            said = True
        self._said = now
        hud = self.hud_line()
        if hud != self._hud_said:
            if hud is not None:
                self.say(hud)
                said = True
            elif self._hud_said is not None:
                self.say("The fight is over.")
                said = True
            self._hud_said = hud
        if said:
            self.say()

    def redrawn(self, message: str) -> Outcome:
        """After :undo or :load: say so, and the values where the game is now."""
        self.say(message)
        self._said = self.sidebar_values()
        self._hud_said = self.hud_line()
        self.say_stats()
        self.say()
        return REDRAW

    # -- commands
    def command(self, name: str, arg: str) -> Outcome | None:
        if name in ("save", "s"):
            self.save(arg)
            return None
        if name in ("load", "l"):
            return self.load(arg)
        if name in ("continue", "c"):
            return self.load("autosave")
        if name in ("undo", "u"):
            if not self.session.undo():
                self.say("Nothing to undo: this is the start of the story.")
                return None
            self.report_write_errors()
            return self.redrawn("Went back one choice.")
        if name in ("history", "hist"):
            self.say_history()
            return None
        if name in ("stats", "stat"):
            self.say_stats()
            return None
        if name in ("endings", "gallery", "e"):
            self.say_endings()
            return None
        return super().command(name, arg)

    def say_stats(self) -> None:
        s = self.session
        where = s.chapter_title() + (f", {s.scene_title()}" if s.scene_title() else "")
        self.say(
            f"{where}. Turn {s.state.turns}, seed {s.seed}, {format_play_time(s.play_time)} played."
        )
        line = self.sidebar_line()
        if line:
            self.say(line)
        hud = self.hud_line()
        if hud is not None:
            self.say(hud)

    def say_endings(self) -> None:
        """The gallery as the game's page shows it: by world (or chapter), a
        found ending by its title, a locked one by its hint."""
        gallery = self.storage.load_gallery() if self.storage is not None else {}
        endings = self.story.endings
        found = sum(1 for e in endings if e in gallery)
        self.say(f"Endings gallery: {found} of {len(endings)} found.")
        for group in gallery_groups(self.story, gallery):
            indent = ""
            if group.title:
                self.say(f"{group.title}: {group.found} of {len(group.rows)} found.")
                indent = "  "
            for row in group.rows:
                if row.entry is not None:
                    times = row.entry.get("times", 0)
                    where = f"{row.chapter}, " if row.chapter else ""
                    self.say(
                        f"{indent}{row.ending.title} ({where}reached {times} "
                        f"time{'s' if times != 1 else ''})"
                    )
                elif row.ending.hint:
                    what = ", ".join(
                        x for x in (outcome(row.ending.tags).lower(), row.chapter) if x
                    )
                    self.say(f"{indent}Not found yet ({what}): {row.hint}")
                else:
                    self.say(f"{indent}Not found yet: {row.hint}")

    def say_history(self) -> None:
        passages = self.session.history()
        for p in passages:
            self.say(f"[{p.index + 1}] {p.title or chapter_title(self.story, p.scene)}")
            for para in paragraphs(p.text):
                self.say(para)
            self.say(f"You chose: {p.choice}" if p.choice is not None else "(You are here.)")
            self.say()

    def save(self, name: str) -> None:
        if self.storage is None:
            self.say("Saving needs a data dir: this game keeps nothing on disk.")
            return
        s = self.session
        name = name or (
            s.chapter_title() + (f" \u00b7 {s.scene_title()}" if s.scene_title() else "")
        )
        problem = save_name_problem(name)
        if problem:
            self.say(problem)
            return
        infos, _ = self._saves()
        existing = next((i for i in infos if i.name == name and not i.is_autosave), None)
        s.save(existing.slot if existing else slot_for_name(name), name)
        if self.report_write_errors():
            s.dirty = True
            return
        self.say(f"Saved as '{name}'.")

    def _saves(self) -> tuple[list[SaveInfo], list[str]]:
        assert self.storage is not None
        infos, problems = self.storage.list_saves()
        return infos, [p.message() for p in problems]

    def _autosave_info(self) -> SaveInfo | None:
        infos, problems = self._saves()
        for p in problems:
            self.say(p)
        return next((i for i in infos if i.is_autosave), None)

    def load(self, arg: str) -> Outcome | None:
        from ..engine import StoryRuntimeError

        if self.storage is None:
            self.say("Loading needs a data dir: this game keeps nothing on disk.")
            return None
        infos, problems = self._saves()
        for p in problems:
            self.say(p)
        if not arg:
            if not infos:
                self.say("There are no saves yet: type :save NAME to make one.")
                return None
            self.say(f"{len(infos)} save{'s' if len(infos) != 1 else ''}:")
            for i, info in enumerate(infos, 1):
                self.say(f"{i}. {info.name}: {_where(info)}")
            self.say("Type :load and a name or number to load one.")
            return None
        found = _find_save(infos, arg)
        if found is None:
            if arg.isdigit():
                self.say(
                    f"There is no save number {arg}: type :load to list the saves"
                    + (f" (1 to {len(infos)})." if infos else ".")
                )
            elif arg.lower() in ("autosave", "continue"):
                self.say("There is no game to continue yet.")
            else:
                self.say(f"There is no save named '{arg}': type :load to list the saves.")
            return None
        try:
            loaded = self.storage.load_save(self.story, found.slot)
            check_playable(self.story, loaded.state)
        except SaveError as e:
            self.say(f"Could not load: {e}")
            return None
        except StoryRuntimeError as e:  # the save is fine; the story fails where it is
            self.say(f"Could not load: the story fails at this save's scene: {e}")
            return None
        self.session = Session.from_save(self.story, loaded, self.storage)
        for note in loaded.notes:
            self.say(note)
        return self.redrawn(f"Loaded '{loaded.info.name}'.")


def save_name_problem(name: str) -> str | None:
    """Why a save name typed at the prompt cannot be used, in one line, or None."""
    if "/" in name or "\\" in name:
        return (
            "A save name cannot hold / or \\: type a name, not a path (say, :save Before the bout)."
        )
    if name.strip(". ") == "":
        return "A save name needs a letter or a digit: say, :save Before the bout."
    if len(name) > 200:
        return "That save name is too long: keep it under 200 characters."
    if CONTROL_CHARS.search(name):
        return "A save name cannot hold control characters."
    return None


def _find_save(infos: list[SaveInfo], arg: str) -> SaveInfo | None:
    """The save `arg` names: its name, its slot, or its number in :load's list."""
    for info in infos:
        if info.name == arg and not info.is_autosave:
            return info
    low = arg.lower()
    for info in infos:
        if info.slot == low or (info.is_autosave and low in ("autosave", "continue")):
            return info
    for info in infos:
        if info.name.lower() == low:
            return info
    if arg.isdigit() and 1 <= int(arg) <= len(infos):
        return infos[int(arg) - 1]
    return None


def _where(info: SaveInfo) -> str:
    where = info.chapter + (f", {info.scene_title}" if info.scene_title else "")
    return f"{where}, turn {info.turns}, {format_play_time(info.play_time)} played, saved {info.when()}"


def _value(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_plain(
    story,
    seed: int | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    start_state=None,
    data_dir: Path | None = None,
) -> int:
    """Play in plain mode; `start_state` starts elsewhere than the story's
    start (play --from/--set); `data_dir` keeps the saves, the gallery and
    the text already read there, the same files as the TUI's (None: nothing
    on disk)."""
    from ..engine.rng import random_seed
    from ..game.files import Writer

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    width = None
    if _isatty(stdout):
        width = min(shutil.get_terminal_size((80, 24)).columns - 1, 100)
    again_seed = seed  # (None: each game played again after an ending gets a new seed)
    if seed is None:
        seed = start_state.seed if start_state is not None else random_seed()
    storage = Storage(data_dir, story.id, Writer()) if data_dir is not None else None
    game = SessionPlainGame(
        story, seed, stdin, stdout, stderr or sys.stderr, width, storage, start_state, again_seed
    )
    try:
        return game.run()
    finally:
        if storage is not None:
            storage.flush()
