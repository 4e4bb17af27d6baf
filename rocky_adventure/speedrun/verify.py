"""Verify a run file by simulating it again, headless.

It proves that the run is legal and that its choices reach its ending, with
split times consistent with its per-choice times. It cannot prove the
wall-clock time: no key inside an open-source game can. See docs/speedrun.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..engine import Story, new_game
from ..engine.replay import StopKind, replay
from ..engine.state import State
from .records import MAX_MS
from .run import (
    RESTART,
    RUN_FORMAT,
    RUN_VERSION,
    SplitEvent,
    Splitter,
    pack_list,
    parse_category,
)


@dataclass
class Verdict:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


class _Reject(Exception):
    pass


def _need(data: dict, key: str, typ, where: str = "") -> Any:
    if key not in data:
        raise _Reject(f"missing field {where + key!r}")
    value = data[key]
    ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
    if not ok:
        raise _Reject(f"field {where + key!r} has the wrong type")
    return value


Entry = tuple[str, str, int, int]  # [scene, choice, igt_ms, rta_ms] as the run file has it


def _entries(choices: list[Any]) -> list[Entry]:
    """The run's choices, checked for shape and for times that can be."""
    out: list[Entry] = []
    prev = (0, 0)
    for i, entry in enumerate(choices, 1):
        if not (
            isinstance(entry, list)
            and len(entry) == 4
            and isinstance(entry[0], str)
            and isinstance(entry[1], str)
            and all(isinstance(x, int) and not isinstance(x, bool) for x in entry[2:])
        ):
            raise _Reject(f"choice {i} is damaged: expected [scene, choice, igt_ms, rta_ms]")
        scene, cid, igt, rta = entry
        if igt < 0 or rta < 0 or igt > rta or rta > MAX_MS:
            raise _Reject(f"choice {i}: impossible times (IGT {igt} ms, RTA {rta} ms)")
        if igt < prev[0] or rta < prev[1]:
            raise _Reject(f"choice {i}: time goes backwards")
        if i == 1 and (igt, rta) != (0, 0):
            raise _Reject("the first choice must be at 0 ms: the timer starts on it")
        prev = (igt, rta)
        out.append((scene, cid, igt, rta))
    return out


def _check_packs(story: Story, claimed: Any) -> None:
    """The run's branch packs against the ones loaded here: a pack the run
    used and this story lacks (or the other way round) is named."""
    if not isinstance(claimed, list) or not all(
        isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("hash"), str)
        for p in claimed
    ):
        raise _Reject("field 'packs' is damaged: expected a list of {name, hash}")
    here = {p["name"]: p for p in pack_list(story)}
    there = {p["name"]: p for p in claimed}

    def shown(p: dict[str, Any]) -> str:
        version = p.get("version")
        return f"{p['name']!r}" + (f" {version}" if isinstance(version, str) and version else "")

    missing = [shown(p) for name, p in there.items() if name not in here]
    if missing:
        raise _Reject(
            f"the run was played with the branch pack{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}, which {'are' if len(missing) > 1 else 'is'} missing here: "
            f"load {'them' if len(missing) > 1 else 'it'} with --pack"
        )
    extra = [shown(p) for name, p in here.items() if name not in there]
    if extra:
        raise _Reject(
            f"the run was played without the branch pack{'s' if len(extra) > 1 else ''} "
            f"{', '.join(extra)}: verify it without {'them' if len(extra) > 1 else 'it'} "
            f"(leave out --pack, or use --no-installed-packs)"
        )
    changed = [shown(here[n]) for n in here if here[n]["hash"] != there[n]["hash"]]
    if changed:
        raise _Reject(
            f"the branch pack{'s' if len(changed) > 1 else ''} {', '.join(changed)} "
            f"{'are' if len(changed) > 1 else 'is'} not the version the run was played with "
            f"(its files differ)"
        )


def verify_run(story: Story, data: Any) -> Verdict:
    try:
        return _verify(story, data)
    except _Reject as e:
        return Verdict(False, [str(e)])


def _verify(story: Story, data: Any) -> Verdict:
    if not isinstance(data, dict):
        raise _Reject("not a run file: expected a JSON object")
    if data.get("format") != RUN_FORMAT:
        raise _Reject("not a rocky-adventure run file")
    version = _need(data, "version", int)
    if version > RUN_VERSION:
        raise _Reject(f"run file version {version} is newer than this game reads ({RUN_VERSION})")
    _need(data, "game_version", str)
    info = _need(data, "story", dict)
    h = _need(info, "hash", str, "story.")
    if _need(info, "id", str, "story.") != story.id:
        raise _Reject(f"the run is of the story {info['id']!r}; this is {story.id!r}")
    _check_packs(story, data.get("packs", []))
    if h != story.hash:
        raise _Reject(
            "the story does not match: the run was played on other story files or packs "
            f"(run {h[:12]}, here {story.hash[:12]})"
        )
    seed = _need(data, "seed", int)
    try:
        category = parse_category(story, _need(data, "category", str))
    except ValueError as e:
        raise _Reject(str(e)) from None
    if data.get("practice"):
        raise _Reject("this is a practice run: practice never counts")
    if data.get("valid") is not True:
        reason = data.get("invalid_reason") or "no reason given"
        raise _Reject(f"the run was marked invalid during play ({reason})")
    choices = _need(data, "choices", list)
    splits = _need(data, "splits", list)
    final = _need(data, "final", dict)
    for key, typ in (
        ("igt_ms", int),
        ("rta_ms", int),
        ("choices", int),
        ("state_hash", str),
        ("endings", list),
        ("finished", bool),
    ):
        _need(final, key, typ, "final.")

    entries = _entries(choices)
    splitter = Splitter(story, category)
    computed: list[SplitEvent] = []
    state = new_game(story, seed)
    count = 0
    # the playthroughs: All Endings restarts the story (RESTART) with the same seed
    bounds = [i for i, e in enumerate(entries) if e[1] == RESTART]
    starts = [0] + [i + 1 for i in bounds]
    ends = bounds + [len(entries)]
    for first, end in zip(starts, ends):
        if first > 0:  # the entry before `first` is a RESTART
            if splitter.done:
                raise _Reject(f"choice {first} comes after the run was already over")
            if entries[first - 1][0] != state.scene:
                raise _Reject(
                    f"choice {first}: the run says scene {entries[first - 1][0]!r}, "
                    f"but the story is at {state.scene!r}"
                )
            if not category.all_endings:
                raise _Reject(f"choice {first}: only All Endings runs restart the story")
            state = new_game(story, seed)
        part = entries[first:end]

        def split(i: int, reached: State, part: list[Entry] = part, first: int = first) -> None:
            igt, rta = part[i][2], part[i][3]
            computed.extend(splitter.after(reached, igt, rta))
            if splitter.done and first + i + 1 < len(entries):
                raise _Reject(f"choice {first + i + 2} comes after the run was already over")

        r = replay(story, state, [(e[0], e[1]) for e in part], on_step=split)
        count += r.played
        state = r.state
        if r.stop is not None:
            n = first + r.stop.number
            if r.stop.kind is StopKind.SCENE:
                raise _Reject(
                    f"choice {n}: the run says scene {r.stop.expected_scene!r}, "
                    f"but the story is at {r.stop.scene!r}"
                )
            if r.stop.kind is StopKind.FAULT:
                raise _Reject(f"choice {n}: the story failed: {r.stop.detail}")
            raise _Reject(f"choice {n}: {r.stop.detail}")
    prev = (entries[-1][2], entries[-1][3]) if entries else (0, 0)
    if not splitter.done:
        raise _Reject(f"the choices do not reach the end of the {category.title} category")
    if final["finished"] is not True:
        raise _Reject(
            f"the run says it did not finish, but its choices finish the {category.title} category"
        )
    if len(splits) != len(computed):
        raise _Reject(f"the run has {len(splits)} splits; its choices give {len(computed)}")
    for i, (got, want) in enumerate(zip(splits, computed), 1):
        if not isinstance(got, dict) or got.get("name") != want.name:
            raise _Reject(f"split {i} is not {want.name!r}")
        if got.get("igt_ms") != want.igt_ms or got.get("rta_ms") != want.rta_ms:
            raise _Reject(f"split {i} ({want.name}) times do not match the per-choice times")
    if (final["igt_ms"], final["rta_ms"]) != prev:
        raise _Reject("the final time does not match the last choice's time")
    if final["choices"] != count:
        raise _Reject(f"the run claims {final['choices']} choices; it has {count}")
    endings = list(splitter.found) if category.all_endings else [state.ending]
    if final["endings"] != endings or final.get("ending") != state.ending:
        raise _Reject(f"the ending does not match: the choices reach {state.ending!r}")
    if final["state_hash"] != state.digest(story):
        raise _Reject("the final state hash does not match the simulation")
    return Verdict(
        True,
        [],
        {
            "category": category.title,
            "seed": seed,
            "seed_type": data.get("seed_type"),
            "ending": state.ending,
            "igt_ms": prev[0],
            "rta_ms": prev[1],
            "choices": count,
        },
    )
