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
from typing import TextIO

from ..engine.diagnostics import StoryRuntimeError
from ..game.session import check_playable
from ..game.text import chapter_title, paragraphs

EXIT_ENDING, EXIT_DEAD_END, EXIT_INPUT_ENDED = 0, 1, 2


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
        """The number the player picks (1-based), or None at end of input."""
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
                return None
            self.say(
                f"Type a number from 1 to {n}." if n > 1 else "Type 1 (or press Enter) to continue."
            )

    # Hooks a speedrun (rocky_adventure.speedrun.plain_run) overrides.
    def start(self):
        from ..engine import new_game

        return new_game(self.story, self.seed)

    def take(self, state, choice_id: str):
        from ..engine import choose

        new = choose(self.story, state, choice_id)
        check_playable(self.story, new)  # a fault in the story: stay where we are
        return new

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
            picked = self.ask(len(choices), is_continue)
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
        print(
            f"Input ended before an ending: the story stopped at {where} in "
            f"{chapter_title(self.story, state.scene)}, after {n} choice{'s' if n != 1 else ''} "
            f"(seed {self.seed}).",
            file=self.err,
        )


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
) -> int:
    """Play in plain mode; `start_state` starts elsewhere than the story's
    start (play --from/--set)."""
    from ..engine.rng import random_seed

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    width = None
    if _isatty(stdout):
        width = min(shutil.get_terminal_size((80, 24)).columns - 1, 100)
    game = PlainGame(
        story, random_seed() if seed is None else seed, stdin, stdout, stderr or sys.stderr, width
    )
    if start_state is not None:
        game.start = lambda: start_state  # type: ignore[method-assign]  # overrides the start hook
    return game.run()
