"""The story format, described once. The loader validates YAML nodes with
these types, and `rocky-adventure schema` turns the same types into JSON
Schema for editors."""

from __future__ import annotations

from typing import Any

from .schema import Bool, Either, Enum, Field, Id, Int, IntEnum, List, Map, Obj, Ref, Scalar, Str

FORMAT_VERSION = 1
FORMAT = IntEnum((FORMAT_VERSION,))  # the loader reads any number, to say which it supports

# The fixed sets of words of the format: the JSON Schema lists them as enums.
VARIABLE_TYPES = ("int", "bool", "str")
POLICY_FALLBACKS = ("random", "first", "last")
LINT_LEVELS = ("error", "warning", "info", "ignore")

_EFFECT_DOC = "variables and the values or expressions to {}"
EFFECTS = {
    "set": Field(Map(Scalar(what="a value or an expression")), doc=_EFFECT_DOC.format("set")),
    "add": Field(Map(Scalar(what="a number or an expression")), doc=_EFFECT_DOC.format("add")),
    "subtract": Field(
        Map(Scalar(what="a number or an expression")), doc=_EFFECT_DOC.format("subtract")
    ),
}
GOTO = {
    "to": Field(Ref(), doc="the scene this leads to"),
    "chance": Field(
        Scalar(what="an expression"), doc="odds in percent of a chance check, instead of `to`"
    ),
    "success": Field(Ref(), doc="the scene when the chance check succeeds"),
    "failure": Field(Ref(), doc="the scene when the chance check fails"),
}
COND = Field(Scalar(what="a condition"), doc="a condition; only while it is true")

CHOICE = Obj(
    "choice",
    {
        "id": Field(Id(), True, "stable within the scene: saves and replays name choices by id"),
        "text": Field(Scalar(what="text"), True, "what the player reads"),
        "if": COND,
        "once": Field(Bool(), doc="true: the choice disappears once taken"),
        "flavour": Field(
            Bool(),
            doc="true: a choice that only changes the words, on purpose (silences RA113)",
        ),
        **EFFECTS,
        **GOTO,
    },
)

BRANCH = Obj("branch", {"if": COND, **EFFECTS, **GOTO})

SCENE = Obj(
    "scene",
    {
        "id": Field(Id(), True, "the scene's id, unique in the story"),
        "chapter": Field(Ref(), doc="the chapter; defaults to the file's `chapter`"),
        "title": Field(Str(), doc="a short title for the header and the history"),
        "text": Field(Scalar(what="text"), True, "the scene's prose; {var}, {if cond}...{end}"),
        **EFFECTS,
        "choices": Field(List(CHOICE, min_items=1), doc="the player's choices"),
        "next": Field(
            Either(scalar=Ref(), sequence=List(BRANCH, min_items=1)),
            doc="where the story goes on by itself: a scene id or a list of branches",
        ),
        "ending": Field(Ref(), doc="the ending this scene closes the story with"),
    },
    one_of=(("choices", "next", "ending"),),
)

VARIABLE = Obj(
    "variable",
    {
        "type": Field(Enum(VARIABLE_TYPES), True, "int, bool or str"),
        "default": Field(Scalar(what="a value"), True, "the starting value"),
        "min": Field(Int(), doc="the smallest value (int only); changes are clamped"),
        "max": Field(Int(), doc="the largest value (int only); changes are clamped"),
        "label": Field(Str(), doc="the name the player sees"),
        "shown": Field(
            Bool(),
            doc="true: the text always tells the player this value (or it is the player's own "
            "doing), so a balance policy may read it",
        ),
    },
)

CHAPTER = Obj(
    "chapter",
    {
        "id": Field(Id(), True),
        "title": Field(Str(), True),
    },
)

ENDING = Obj(
    "ending",
    {
        "id": Field(Id(), True),
        "title": Field(Str(), True),
        "epilogue": Field(Scalar(what="text"), True, "shown after the ending's last scene"),
        "tags": Field(
            List(Id()), doc="words that group endings for `balance`, e.g. [win] or [loss, death]"
        ),
        "hint": Field(
            Str(),
            doc="what the endings gallery says of the ending until it is found: a clue, "
            "not the ending",
        ),
        "world": Field(
            Str(),
            doc="the gallery groups endings by world (the story's big split, e.g. what a "
            "choice early on made of it); endings without one are in every world",
        ),
    },
)

BAR = Either(
    scalar=Id(),
    mapping=Obj(
        "bar",
        {
            "var": Field(Id(), True, "an int variable with min and max"),
            "when": Field(Scalar(what="a condition"), doc="shown only while this is true"),
        },
    ),
)

DISPLAY = Obj(
    "display",
    {
        "sidebar": Field(
            List(BAR),
            doc="int variables (with min and max) shown as bars beside the text; a bar "
            "with `when` shows only while its condition is true",
        ),
        "hud": Field(
            Obj(
                "hud",
                {
                    "when": Field(
                        Scalar(what="a condition"), doc="the HUD shows while this is true"
                    ),
                    "round": Field(Id(), doc="an int variable: the round"),
                    "bars": Field(List(BAR), doc="variables drawn as bars"),
                },
            ),
            doc="a fight HUD",
        ),
    },
)


class Percent(Scalar):
    """A percentage from 0 to 100, as written (the loader reads the number)."""

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": "number", "minimum": 0, "maximum": 100})


PERCENT = Percent(what="a percentage (0 to 100)")

POLICY_RULE = Obj(
    "policy rule",
    {
        "when": Field(
            Scalar(what="a condition"), doc="a condition; the rule applies while it is true"
        ),
        "chapter": Field(Ref(), doc="the rule applies only in this chapter"),
        "scene": Field(Ref(), doc="the rule applies only in this scene"),
        "prefer": Field(
            List(Ref(), min_items=1),
            True,
            "choice ids, in order: the first one open is taken",
        ),
    },
)

POLICY = Obj(
    "policy",
    {
        "description": Field(Str(), doc="how this policy plays, for the report"),
        "fallback": Field(
            Enum(POLICY_FALLBACKS),
            doc="what it takes where no rule applies: random (the default), first or last",
        ),
        "rules": Field(List(POLICY_RULE), doc="tried in order; the first that applies decides"),
    },
    doc="a named way to play, for `rocky-adventure balance`",
)

BALANCE_TARGET = Obj(
    "balance target",
    {
        "policy": Field(
            Str(
                pattern=r"^(always:)?[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$",
                what="a policy: a declared one, random, first, last or always:CHOICE_ID",
                control=False,
            ),
            True,
            "the policy that plays",
        ),
        "tag": Field(Id(), doc="the runs that end with an ending of this tag"),
        "ending": Field(Ref(), doc="the runs that end with this ending"),
        "at_least": Field(PERCENT, doc="the lowest rate, in percent"),
        "at_most": Field(PERCENT, doc="the highest rate, in percent"),
        "runs": Field(Int(), doc="how many runs to play (default 1000)"),
        "start": Field(
            Obj(
                "balance start",
                {
                    "scene": Field(Ref(), doc="start at this scene (default: the story's start)"),
                    "set": Field(
                        Map(Scalar(what="a value"), key_what="a variable name"),
                        doc="variables (or scenes' visit counts) set after entering it",
                    ),
                },
            ),
            doc="where the runs start, as --from SCENE --set NAME=VALUE",
        ),
    },
    doc="a rate `balance --check` holds the story to",
    one_of=(("tag", "ending"),),
)

LINT_LEVEL = Enum(LINT_LEVELS)

MANIFEST = Obj(
    "manifest",
    {
        "format": Field(FORMAT, True, "the format version: 1"),
        "id": Field(
            Str(
                pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$",
                what="a story id (letters, digits, _ . -)",
                control=False,
            ),
            True,
            "the story's identity",
        ),
        "title": Field(Str(), True),
        "author": Field(Str()),
        "start": Field(Ref(), True, "the first scene"),
        "variables": Field(
            Map(VARIABLE, key_what="a variable name"), doc="every variable, by name"
        ),
        "chapters": Field(List(CHAPTER, min_items=1), True, "the chapters, in playing order"),
        "endings": Field(List(ENDING)),
        "display": Field(DISPLAY),
        "lints": Field(
            Map(LINT_LEVEL, key_what="a lint code"),
            doc="severity per lint code, e.g. RA105: ignore",
        ),
        "policies": Field(
            Map(POLICY, key_what="a policy name"), doc="named ways to play, for `balance`"
        ),
        "balance": Field(List(BALANCE_TARGET), doc="the rates `balance --check` holds"),
    },
    doc="story.yaml: a story's manifest",
)

SCENE_FILE = Obj(
    "scene file",
    {
        "chapter": Field(Ref(), doc="the chapter of the scenes in this file"),
        "scenes": Field(List(SCENE)),
        "variables": Field(Map(VARIABLE, key_what="a variable name")),
        "endings": Field(List(ENDING)),
    },
    doc="a file of scenes",
)


# -- branch packs (rocky_adventure.engine.packs) ------------------------------

PACK_MANIFEST_NAME = (
    "pack.yaml"  # engine/load.py has it too, to find installed packs without this module
)

HOOK = Obj(
    "hook",
    {
        "scene": Field(
            Ref(),
            True,
            "the scene of the story (or of another pack, as pack.scene) to add choices to",
        ),
        "choices": Field(List(CHOICE, min_items=1), True, "the choices added to that scene"),
        "before": Field(
            Id(), doc="put them before this choice of the scene (default: after the last)"
        ),
        "after": Field(Id(), doc="put them after this choice of the scene"),
    },
)

PACK_MANIFEST = Obj(
    "pack manifest",
    {
        "format": Field(FORMAT, True, "the format version: 1"),
        "name": Field(
            Id(), True, "the pack's id: its scenes, variables and endings are named name.id"
        ),
        "title": Field(Str(), doc="the pack's title, for people"),
        "version": Field(Str(what="a version such as 1.0.0"), True, "the pack's version"),
        "extends": Field(
            Str(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", what="a story id", control=False),
            True,
            "the id of the story this pack extends",
        ),
        "author": Field(Str()),
        "description": Field(Str()),
        "variables": Field(
            Map(VARIABLE, key_what="a variable name"), doc="the pack's own variables"
        ),
        "chapters": Field(List(CHAPTER), doc="chapters the pack adds"),
        "endings": Field(List(ENDING), doc="endings the pack adds"),
        "hooks": Field(List(HOOK), doc="choices added to scenes of the story"),
        "lints": Field(
            Map(LINT_LEVEL, key_what="a lint code"),
            doc="severity per lint code for the findings in the pack's own files, "
            "over the story's, e.g. RA105: ignore",
        ),
        "policies": Field(
            Map(POLICY, key_what="a policy name"),
            doc="named ways to play, for `balance`; elsewhere they are name.policy",
        ),
    },
    doc="pack.yaml: a branch pack's manifest",
)

PACK_SCENE_FILE = Obj(
    "pack scene file",
    {**SCENE_FILE.fields, "hooks": Field(List(HOOK), doc="choices added to scenes of the story")},
    doc="a file of scenes in a branch pack",
)


def json_schema(kind: str = "any") -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a story file: `manifest`, `scenes` or
    `any` (either kind); of a branch pack's `pack` manifest or `pack-scenes`."""
    base = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if kind == "manifest":
        return {**base, **MANIFEST.json(), "title": "rocky-adventure story manifest"}
    if kind == "scenes":
        return {**base, **SCENE_FILE.json(), "title": "rocky-adventure scene file"}
    if kind == "pack":
        return {**base, **PACK_MANIFEST.json(), "title": "rocky-adventure branch pack manifest"}
    if kind == "pack-scenes":
        return {**base, **PACK_SCENE_FILE.json(), "title": "rocky-adventure branch pack scene file"}
    return {
        **base,
        "title": "rocky-adventure story file",
        "anyOf": [MANIFEST.json(), SCENE_FILE.json()],
    }
