"""The immutable story model the loader builds and the engine plays.

Every class is a NamedTuple: immutable, cheap to build (a story of 10,000
scenes has some 50,000 of them) and quick to read."""

from __future__ import annotations

from typing import Any, NamedTuple

from .expr import Expr
from .text import Template


class Variable(NamedTuple):
    name: str
    type: str  # int | bool | str
    default: Any
    min: int | None
    max: int | None
    label: str
    # (a field named like tuple.index, which it hides: the model's field names are fixed,
    # the story cache pickles them)
    index: int  # type: ignore[assignment]
    file: str
    line: int
    col: int
    # `shown: true`: the text always tells the player this value (or it is the player's
    # own doing), so a balance policy may read it
    shown: bool = False


class Chapter(NamedTuple):
    id: str
    title: str
    index: int  # type: ignore[assignment]  # (hides tuple.index: see Variable)
    file: str
    line: int
    col: int


class Ending(NamedTuple):
    id: str
    title: str
    epilogue: Template
    file: str
    line: int
    col: int
    tags: tuple[str, ...] = ()  # words that group endings for `balance` (win, death, ...)
    hint: str | None = None  # the gallery's clue while it is not found
    world: str | None = None  # the gallery's group (None: in every world)


class Effect(NamedTuple):
    op: str  # set | add | subtract
    var: int  # the variable's index
    name: str
    value: Expr
    lo: Any  # clamp bounds for int variables, else None
    hi: Any
    line: int
    col: int


class Choice(NamedTuple):
    """A choice the player can take, or a branch of a scene's `next`."""

    id: str  # "" for a branch of `next`
    text: Template | None
    cond: Expr | None
    once: bool
    effects: tuple[Effect, ...]
    to: str | None
    chance: Expr | None
    success: str | None
    failure: str | None
    file: str
    line: int
    col: int
    flavour: bool = False  # only changes the words, on purpose: RA113 leaves it alone

    @property
    def targets(self) -> tuple[str, ...]:
        if self.to is not None:
            return (self.to,)
        return (self.success, self.failure)  # type: ignore[return-value]


# The pseudo-choice the player takes to go on from a scene with `next`.
CONTINUE_ID = "next"


class Scene(NamedTuple):
    id: str
    chapter: str
    title: str | None
    text: Template
    effects: tuple[Effect, ...]
    choices: tuple[Choice, ...] | None
    next: tuple[Choice, ...] | None
    ending: str | None
    file: str
    line: int
    col: int
    by_id: dict[str, Choice]

    @property
    def exits(self) -> tuple[Choice, ...]:
        return self.choices or self.next or ()


class HudBar(NamedTuple):
    """A bar of the HUD or of the sidebar: shown while `when` holds (None: always)."""

    var: str
    when: Expr | None


class Display(NamedTuple):
    sidebar_bars: tuple[HudBar, ...] = ()
    hud_when: Expr | None = None
    hud_round: str | None = None
    hud_bars: tuple[HudBar, ...] = ()

    @property
    def sidebar(self) -> tuple[str, ...]:
        """The names of every sidebar bar, whether it shows now or not."""
        return tuple(b.var for b in self.sidebar_bars)


class Rule(NamedTuple):
    """One rule of a policy: where it applies (all of chapter, scene and
    `when` that are given) and the choice ids it prefers, in order."""

    when: Expr | None
    chapter: str | None
    scene: str | None
    prefer: tuple[str, ...]
    file: str
    line: int
    col: int


class Policy(NamedTuple):
    """A named way to play (`policies:`), for `rocky-adventure balance`."""

    name: str
    description: str
    fallback: str  # random | first | last
    rules: tuple[Rule, ...]
    file: str
    line: int
    col: int


# The policies every story has (and `always:CHOICE_ID`): a declared one cannot take their names.
BUILTIN_POLICIES = ("random", "first", "last")
ALWAYS = "always:"


class Target(NamedTuple):
    """A rate `balance --check` holds the story to (`balance:`): the share
    of runs of `policy` that end with an ending tagged `tag` (or the ending
    `ending`), in percent."""

    policy: str
    tag: str | None
    ending: str | None
    at_least: float | None
    at_most: float | None
    runs: int | None  # None: the command's default
    scene: str | None  # where the runs start (None: the story's start)
    values: tuple[tuple[str, str], ...]  # (name, value as written): Start's --set
    file: str
    line: int
    col: int


class StoryFile(NamedTuple):
    path: str  # relative to the story root, with '/' separators
    sha256: str


class PackInfo(NamedTuple):
    """A branch pack applied to a story: what a run file records, so verify
    can say which pack a run needs."""

    name: str
    title: str
    version: str
    hash: str  # sha256 over the pack's files
    root: str = ""  # the pack's folder as given (the start of its files' names in diagnostics)


class Story(NamedTuple):
    id: str
    title: str
    author: str
    start: str
    variables: tuple[Variable, ...]
    chapters: tuple[Chapter, ...]
    endings: dict[str, Ending]
    scenes: dict[str, Scene]
    display: Display
    files: tuple[StoryFile, ...]
    hash: str  # sha256 over every file: the story's exact identity
    root: str
    lint_levels: dict[str, str]
    var_index: dict[str, int]
    packs: tuple[PackInfo, ...] = ()  # the branch packs applied, in order
    # what loading skipped and the player should hear of (an installed pack that is broken)
    warnings: tuple[str, ...] = ()
    policies: tuple[Policy, ...] = ()  # the story's, then each pack's (named pack.name)
    balance: tuple[Target, ...] = ()  # the manifest's balance targets

    def var(self, name: str) -> Variable:
        return self.variables[self.var_index[name]]

    def chapter(self, chapter_id: str) -> Chapter:
        for c in self.chapters:
            if c.id == chapter_id:
                return c
        raise KeyError(chapter_id)

    def defaults(self) -> tuple[Any, ...]:
        return tuple(v.default for v in self.variables)
