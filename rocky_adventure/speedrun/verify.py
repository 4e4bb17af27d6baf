"""Verify a run file by simulating it again, headless.

It proves that the run is legal and that its choices reach its ending, with
split times consistent with its per-choice times. It cannot prove the
wall-clock time: no key inside an open-source game can. See docs/speedrun.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..engine import Story, new_game
from ..engine.replay import StopKind, replay
from ..engine.rng import MAX_SEED
from ..engine.state import State
from .records import MAX_MS
from .run import (
    EVENT_KINDS,
    INPUTS,
    INVALIDATING,
    RESTART,
    RUN_FORMAT,
    RUN_VERSION,
    SPLIT_RULE,
    Run,
    SplitEvent,
    Splitter,
    pack_list,
    parse_category,
)

# RTA less IGT must equal the logged pauses plus the logged I/O to within
# this many ms, at every choice (docs/speedrun.md, "Verifying a run"). The
# game's own arithmetic is exact in whole ms; the 1 ms is for rounding only.
TOLERANCE_MS = 1
# A random seed is drawn by engine/rng.py random_seed: 9 decimal digits.
RANDOM_SEEDS = 1_000_000_000
MAX_SPANS = 1_000_000  # pauses and I/O spans a run file may log
MAX_EVENTS = 100_000


@dataclass
class Verdict:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # never a rejection (another game version)


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


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check_seed(seed: int, seed_type: Any) -> None:
    """The seed's range, and its type as the game chooses it: a set seed is
    the player's --seed (any seed); a random seed is drawn by the game, 9
    decimal digits (engine/rng.py random_seed)."""
    if not 0 <= seed <= MAX_SEED:
        raise _Reject(f"the seed {seed} is out of range: a seed is from 0 to {MAX_SEED} (2**63-1)")
    if seed_type not in ("set", "random"):
        raise _Reject(f"field 'seed_type' must be 'set' or 'random', not {_shown(seed_type)}")
    if seed_type == "random" and seed >= RANDOM_SEEDS:
        raise _Reject(
            f"the seed {seed} cannot be a random seed: the game draws random seeds below "
            f"{RANDOM_SEEDS:,} (9 digits), so this is a set seed"
        )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "\u2026"


def _events(raw: list[Any], choices: int) -> list[dict[str, Any]]:
    """The run's logged events, checked for shape and order."""
    if len(raw) > MAX_EVENTS:
        raise _Reject(f"the run logs {len(raw)} events: more than a run can have")
    prev_after = 0
    for i, e in enumerate(raw, 1):
        if not (
            isinstance(e, dict)
            and set(e) == {"kind", "after", "igt_ms", "rta_ms"}
            and e["kind"] in EVENT_KINDS
            and all(_int(e[k]) for k in ("after", "igt_ms", "rta_ms"))
        ):
            raise _Reject(
                f"event {i} is damaged: expected {{kind, after, igt_ms, rta_ms}} with kind one "
                f"of {', '.join(EVENT_KINDS)}"
            )
        if not 0 <= e["after"] <= choices or e["after"] < prev_after:
            raise _Reject(f"event {i} ({e['kind']}) is logged at an impossible place")
        if not 0 <= e["igt_ms"] <= e["rta_ms"] <= MAX_MS:
            raise _Reject(f"event {i} ({e['kind']}): impossible times")
        prev_after = e["after"]
    return raw


def _spans(data: dict, key: str, what: str) -> list[tuple[int, int]]:
    raw = _need(data, key, list)
    if len(raw) > MAX_SPANS:
        raise _Reject(f"the run logs {len(raw)} {what} spans: more than a run can have")
    out: list[tuple[int, int]] = []
    for i, span in enumerate(raw, 1):
        if not (isinstance(span, list) and len(span) == 2 and all(_int(x) for x in span)):
            raise _Reject(f"{what} {i} is damaged: expected [start_ms, end_ms]")
        a, b = span
        if not 0 <= a <= b <= MAX_MS or (out and a < out[-1][1]):
            raise _Reject(f"{what} {i} ({a}-{b} ms) is impossible: spans run forwards, in order")
        out.append((a, b))
    return out


def _check_exclusions(data: dict, entries: list[Entry]) -> tuple[int, int]:
    """RTA less IGT, at every choice, is the logged pauses plus the logged
    I/O that ended by then (to TOLERANCE_MS). Returns (pause ms, I/O ms)."""
    pauses = _spans(data, "pauses", "pause")
    io = _spans(data, "io", "I/O span")
    spans = sorted([(a, b, "pause") for a, b in pauses] + [(a, b, "I/O span") for a, b in io])
    for (a1, b1, k1), (a2, _, k2) in zip(spans, spans[1:]):
        if a2 < b1:
            raise _Reject(f"a logged {k1} ({a1}-{b1} ms) overlaps a {k2} starting at {a2} ms")
    end = entries[-1][3] if entries else 0
    if spans and spans[-1][1] > end:
        a, b, k = spans[-1]
        raise _Reject(f"a {k} ({a}-{b} ms) is logged after the run's last choice ({end} ms)")
    j = 0
    excluded = 0
    for i, (_, _, igt, rta) in enumerate(entries, 1):
        while j < len(spans) and spans[j][1] <= rta:
            excluded += spans[j][1] - spans[j][0]
            j += 1
        if j < len(spans) and spans[j][0] < rta:
            a, b, k = spans[j]
            raise _Reject(f"choice {i} is made at {rta} ms, inside a logged {k} ({a}-{b} ms)")
        if abs((rta - igt) - excluded) > TOLERANCE_MS:
            raise _Reject(
                f"choice {i}: RTA less IGT is {rta - igt} ms, but the logged pauses and the "
                f"game's own I/O add up to {excluded} ms by then (the tolerance is "
                f"{TOLERANCE_MS} ms): IGT was stopped when the log says it ran, or the other "
                f"way round"
            )
    return sum(b - a for a, b in pauses), sum(b - a for a, b in io)


def _check_chain(data: dict, choices: list[Any], events: list[dict[str, Any]]) -> str:
    """The hash chain over the choices and events (Run.chain_links): the
    first link that differs names the entry where the log was changed.
    Returns the last link."""
    links = _need(data, "chain", list)
    entries = Run.chain_entries(choices, events)
    want = Run.chain_links(Run.chain_head(data), entries)
    n = 0
    for i, (entry, got, link) in enumerate(zip(entries, links, want), 1):
        if isinstance(entry, list):
            n += 1
            what = f"choice {n}"
        else:
            what = f"the {entry['kind']} event after choice {entry['after']}"
        if got != link:
            where = (
                " (or the run's seed, seed type, category, input, game version or start time)"
                if i == 1
                else ""
            )
            raise _Reject(
                f"the hash chain breaks at entry {i}, {what}{where}: an entry was removed, "
                f"moved or edited there or just before it"
            )
    if len(links) != len(want):
        raise _Reject(
            f"the hash chain has {len(links)} links for {len(want)} choices and events: "
            f"an entry was removed or added at the end"
        )
    return want[-1] if want else ""


def verify_run(story: Story, data: Any) -> Verdict:
    warnings: list[str] = []
    try:
        verdict = _verify(story, data, warnings)
    except _Reject as e:
        return Verdict(False, [str(e)], warnings=warnings)
    verdict.warnings = warnings
    return verdict


NEW_FIELDS = ("chain", "events", "pauses", "io", "input", "route_view")


def _verify(story: Story, data: Any, warnings: list[str]) -> Verdict:
    if not isinstance(data, dict):
        raise _Reject("not a run file: expected a JSON object")
    if data.get("format") != RUN_FORMAT:
        raise _Reject("not a rocky-adventure run file")
    version = _need(data, "version", int)
    if version > RUN_VERSION:
        raise _Reject(f"run file version {version} is newer than this game reads ({RUN_VERSION})")
    game_version = _need(data, "game_version", str)
    if game_version != __version__:
        warnings.append(
            f"the run was played on game version {_shown(game_version)}; this is version "
            f"{__version__}: the checks are this version's"
        )
    if all(k not in data for k in NEW_FIELDS):
        raise _Reject(
            "the run file has no pause log, event log or hash chain: it was written by an older "
            "version of the game, and this one cannot check its times"
        )
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
    _check_seed(seed, data.get("seed_type"))
    input_kind = _need(data, "input", str)
    if input_kind not in INPUTS:
        raise _Reject(f"field 'input' must be one of {', '.join(INPUTS)}, not {_shown(input_kind)}")
    route_view = _need(data, "route_view", bool)
    try:
        category = parse_category(story, _need(data, "category", str))
    except ValueError as e:
        raise _Reject(str(e)) from None
    if data.get("practice"):
        raise _Reject("this is a practice run: practice never counts")
    if data.get("valid") is not True:
        reason = data.get("invalid_reason") or "no reason given"
        shown = reason[:60] if isinstance(reason, str) else _shown(reason)
        raise _Reject(f"the run was marked invalid during play ({shown})")
    choices = _need(data, "choices", list)
    events = _events(_need(data, "events", list), len(choices))
    for ev in events:
        if ev["kind"] in INVALIDATING:
            raise _Reject(
                f"the run was marked invalid during play: it logs "
                f"{'an' if ev['kind'][0] in 'aeiou' else 'a'} {ev['kind']} after choice "
                f"{ev['after']}, and an undo or a load makes a run invalid"
            )
    if route_view != any(ev["kind"] == "route_view" for ev in events):
        raise _Reject(
            "field 'route_view' does not match the run's events"
            + (
                ": no route_view event is logged"
                if route_view
                else ": a route_view event is logged"
            )
        )
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
    rule = data.get("split_rule", 1)  # a file from before the rule was recorded: rule 1
    if rule not in (1, SPLIT_RULE) or isinstance(rule, bool):
        raise _Reject(f"the run's split rule {str(rule)[:20]!r} is not one this game knows")
    splitter = Splitter(story, category, rule)
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
    paused, io = _check_exclusions(data, entries)
    head = _check_chain(data, choices, events)
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
            "game_version": game_version,
            "input": input_kind,
            "route_view": route_view,
            "paused_ms": paused,
            "io_ms": io,
            "pauses": len(data["pauses"]),
            "chain": head,
        },
    )
