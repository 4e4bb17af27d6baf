"""Balance: play a story many times with named ways to play (policies) and
measure how often each ends where.

A policy picks a choice wherever more than one is open. The built-ins are
`random`, `first`, `last` and `always:CHOICE_ID` (that choice whenever it
is open, else random); a story or a pack declares its own (`policies:`):
rules tried in order, each naming the choice ids it prefers, and a
fallback. Run i of a policy plays with seed S+i (the story's dice) and
picks with its own generator seeded from S+i, so every policy meets the
same dice at the same seeds. Runs are played in fixed batches of randomtest.BATCH
seeds that never depend on each other: the report is the same whatever
`jobs` is.

Rates are shares of all the runs, with 95% Wilson score intervals. The
dominance scan plays `always:ID` for every choice id offered in at least
SCAN_MIN_SCENES scenes reachable from where the runs start, or in a scene
the runs can enter again (a round of a loop), and flags the
ones that reach a goal tag measurably more often than the best declared
policy: the lower end of their interval is above that policy's rate. The
goal tags are the tags of the manifest's `at_least` targets, or `win`.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from ..engine.diagnostics import StoryRuntimeError
from ..engine.model import ALWAYS, BUILTIN_POLICIES, Choice, Policy, Rule, Story, Target
from ..engine.play import CONTINUE, Cursor
from ..engine.rng import Random
from ..engine.start import Start, start_state
from .randomtest import batches, failure, map_batches

DEFAULT_RUNS = 1000
DEFAULT_STEP_LIMIT = 5_000
SCAN_MIN_SCENES = 3
MAX_REPORTED_ERRORS = 5  # failed runs listed per policy
Z95 = 1.959963984540054  # the normal quantile of a two-sided 95% interval
_PICKER_MIX = 0x5DEECE66D  # the policy's stream differs from the story's dice (as randomtest's)
_DEFAULT_GOAL = "win"


class PolicyError(ValueError):
    """A policy name that the story does not know."""


# -- policies -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Player:
    """A policy ready to play: a declared one, or a built-in."""

    name: str
    kind: str  # declared | random | first | last | always
    fallback: str  # random | first | last
    rules: tuple[Rule, ...] = ()
    always: str | None = None  # the choice id of always:ID
    description: str = ""
    policy: Policy | None = None


def declared(story: Story) -> list[str]:
    return [p.name for p in story.policies]


def player(story: Story, name: str) -> Player:
    """The policy named `name`: declared, random, first, last or always:ID.
    Raises PolicyError naming what is known."""
    for p in story.policies:
        if p.name == name:
            return Player(name, "declared", p.fallback, p.rules, None, p.description, p)
    if name in BUILTIN_POLICIES:
        return Player(name, name, name, description=_BUILTIN_ABOUT[name])
    if name.startswith(ALWAYS):
        cid = name[len(ALWAYS) :]
        ids = choice_ids(story)
        if cid not in ids:
            close = difflib.get_close_matches(cid, sorted(ids), n=1)
            hint = f" (did you mean {ALWAYS}{close[0]}?)" if close else ""
            raise PolicyError(f"unknown policy {name!r}: no scene has a choice {cid!r}{hint}")
        return Player(name, "always", "random", (), cid, f"takes {cid} whenever it is open")
    known = [*declared(story), *BUILTIN_POLICIES]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise PolicyError(
        f"unknown policy {name!r}{hint}: expected one of {', '.join(known)} or always:CHOICE_ID"
    )


_BUILTIN_ABOUT = {
    "random": "a uniformly random open choice",
    "first": "the first open choice",
    "last": "the last open choice",
}


def choice_ids(story: Story) -> set[str]:
    return {c.id for s in story.scenes.values() for c in s.choices or ()}


class _Picker:
    """Picks for one policy; the rules that can apply are sorted out per scene once."""

    __slots__ = ("p", "by_scene")

    def __init__(self, p: Player):
        self.p = p
        self.by_scene: dict[str, tuple[Rule, ...]] = {}

    def rules_for(self, c: Cursor) -> tuple[Rule, ...]:
        scene = c.scene
        rules = self.by_scene.get(scene.id)
        if rules is None:
            rules = self.by_scene[scene.id] = tuple(
                r
                for r in self.p.rules
                if (r.scene is None or r.scene == scene.id)
                and (r.chapter is None or r.chapter == scene.chapter)
            )
        return rules

    def pick(self, c: Cursor, opts: list[Choice], rnd: Random) -> Choice:
        p = self.p
        if p.always is not None:
            for o in opts:
                if o.id == p.always:
                    return o
        elif p.rules:
            for r in self.rules_for(c):
                if r.when is not None and not r.when.fn(c):
                    continue
                for cid in r.prefer:
                    for o in opts:
                        if o.id == cid:
                            return o
                # none of its choices is open here: the next rule
        if p.fallback == "first":
            return opts[0]
        if p.fallback == "last":
            return opts[-1]
        return opts[rnd.below(len(opts))]


def unseen_variables(story: Story, p: Player) -> list[str]:
    """The variables the policy's rules read that the player is never shown:
    not in the sidebar, not a HUD bar, not the HUD's round and not declared
    `shown: true` (the text tells it)."""
    d = story.display
    shown = (
        set(d.sidebar) | {b.var for b in d.hud_bars} | {v.name for v in story.variables if v.shown}
    )
    if d.hud_round is not None:
        shown.add(d.hud_round)
    read: dict[str, None] = {}
    for r in p.rules:
        if r.when is not None:
            for name in sorted(r.when.reads):
                if name in story.var_index and name not in shown:
                    read[name] = None
    return list(read)


# -- playing --------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    """What one batch (or all of them) of one policy gave."""

    runs: int = 0
    choices: int = 0  # choices made (not counting Continue)
    endings: dict[str, int] = field(default_factory=dict)
    unfinished: dict[str, int] = field(
        default_factory=lambda: {"dead_end": 0, "step_limit": 0, "error": 0}
    )
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.runs += other.runs
        self.choices += other.choices
        for e, n in other.endings.items():
            self.endings[e] = self.endings.get(e, 0) + n
        for k, n in other.unfinished.items():
            self.unfinished[k] += n
        room = MAX_REPORTED_ERRORS - len(self.errors)
        self.errors.extend(other.errors[: max(0, room)])


def play_batch(
    story: Story,
    p: Player,
    seeds: range,
    start: Start | None = None,
    step_limit: int = DEFAULT_STEP_LIMIT,
) -> Tally:
    """One run of policy `p` per seed, from `start` (None: the story's start)."""
    out = Tally()
    picker = _Picker(p)
    pick = picker.pick
    cont = CONTINUE
    endings = out.endings
    fresh = start is None or (start.scene is None and not start.values)
    for seed in seeds:
        out.runs += 1
        if fresh:
            c = Cursor.start(story, seed)
        else:
            assert start is not None
            c = Cursor.from_state(story, start_state(story, Start(start.scene, start.values, seed)))
        rnd = Random(seed ^ _PICKER_MIX)
        steps = choices = 0
        kind = None
        msg = ""
        try:
            while c.ending is None:
                opts = c.options()
                if not opts:
                    kind, msg = "dead_end", f"no choice is open in scene {c.scene.id!r}"
                    break
                if steps >= step_limit:
                    kind, msg = "step_limit", f"still playing after {step_limit} choices (a loop?)"
                    break
                choice = opts[0] if len(opts) == 1 else pick(c, opts, rnd)
                if choice is not cont:
                    choices += 1
                c.take(choice)
                steps += 1
            else:
                endings[c.ending] = endings.get(c.ending, 0) + 1
        except StoryRuntimeError as e:
            kind, msg = "error", str(e)
        out.choices += choices
        if kind is not None:
            out.unfinished[kind] += 1
            if len(out.errors) < MAX_REPORTED_ERRORS:
                out.errors.append(failure(seed, kind, msg, c))
    return out


def _work(story: Story, job: tuple[str, range, Start | None, int]) -> Tally:
    name, seeds, start, limit = job
    return play_batch(story, player(story, name), seeds, start, limit)


def play_policies(
    story: Story,
    plays: list[tuple[str, int, Start | None]],
    seed: int = 0,
    jobs: int = 1,
    step_limit: int = DEFAULT_STEP_LIMIT,
) -> list[Tally]:
    """Play each (policy name, runs, start) and return a Tally for each, in
    order. The work is split into fixed batches of seeds, so the result is
    the same whatever `jobs` is (0: one per core)."""
    for name, _, _ in plays:
        player(story, name)  # an unknown policy is a PolicyError before anything plays
    parts: list[tuple[int, tuple[str, range, Start | None, int]]] = []
    for i, (name, runs, start) in enumerate(plays):
        parts += [(i, (name, r, start, step_limit)) for r in batches(seed, runs)]
    results = map_batches(story, _work, [j for _, j in parts], jobs)
    out = [Tally() for _ in plays]
    for (i, _), t in zip(parts, results, strict=True):
        out[i].add(t)
    return out


# -- statistics -------------------------------------------------------------------


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials, in percent."""
    if n <= 0:
        return (0.0, 100.0)
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return (max(0.0, center - half) * 100, min(1.0, center + half) * 100)


def rate(k: int, n: int) -> dict[str, Any]:
    lo, hi = wilson(k, n)
    return {
        "count": k,
        "percent": round(100.0 * k / n, 2) if n else 0.0,
        "low": round(lo, 2),
        "high": round(hi, 2),
    }


def tags_in_order(story: Story) -> list[str]:
    """Every tag of the story's endings, in the order they first appear."""
    return list(dict.fromkeys(t for e in story.endings.values() for t in e.tags))


def tag_counts(story: Story, t: Tally) -> dict[str, int]:
    counts = dict.fromkeys(tags_in_order(story), 0)
    for e, n in t.endings.items():
        for tag in story.endings[e].tags:
            counts[tag] += n
    return counts


def policy_report(story: Story, p: Player, t: Tally) -> dict[str, Any]:
    n = t.runs
    endings = sorted(t.endings.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "policy": p.name,
        "kind": p.kind,
        "description": p.description,
        "runs": n,
        "choices_mean": round(t.choices / n, 2) if n else 0.0,
        "tags": {tag: rate(k, n) for tag, k in tag_counts(story, t).items()},
        "endings": {e: rate(k, n) for e, k in endings},
        "unfinished": dict(t.unfinished),
        "errors": t.errors,
        "unseen_variables": unseen_variables(story, p),
    }


# -- the dominance scan -------------------------------------------------------------


def reachable(story: Story, start: str) -> set[str]:
    """The scenes the scene graph reaches from `start` (conditions ignored)."""
    seen = {start}
    todo = [start]
    while todo:
        s = story.scenes[todo.pop()]
        for ch in s.exits:
            for t in ch.targets:
                if t not in seen and t in story.scenes:
                    seen.add(t)
                    todo.append(t)
    return seen


def on_cycle(story: Story, scene: str) -> bool:
    """Whether the scene graph leads from `scene` back to it (conditions ignored)."""
    return any(
        scene in reachable(story, t)
        for ch in story.scenes[scene].exits
        for t in ch.targets
        if t in story.scenes
    )


def scan_choices(story: Story, start: str | None = None) -> list[str]:
    """The choice ids offered in at least SCAN_MIN_SCENES scenes reachable
    from `start` (default: the story's start), or in a reachable scene that
    can be entered again (on a cycle), in the story's order."""
    scenes = reachable(story, start or story.start)
    count: dict[str, int] = {}
    looped: set[str] = set()
    for s in story.scenes.values():
        if s.id in scenes and s.choices:
            again = on_cycle(story, s.id)
            for c in s.choices:
                count[c.id] = count.get(c.id, 0) + 1
                if again:
                    looped.add(c.id)
    return [cid for cid, n in count.items() if n >= SCAN_MIN_SCENES or cid in looped]


def goal_tags(story: Story, given: list[str] | None = None) -> list[str]:
    """The tags where a higher rate is better: `given`, else those of the
    manifest's at_least targets, else `win` if an ending has it."""
    if given:
        return list(dict.fromkeys(given))
    targets = [t.tag for t in story.balance if t.tag is not None and t.at_least is not None]
    if targets:
        return list(dict.fromkeys(targets))
    return [_DEFAULT_GOAL] if _DEFAULT_GOAL in tags_in_order(story) else []


def dominance(reports: list[dict[str, Any]], goals: list[str]) -> dict[str, Any]:
    """Compare each always:ID with the best declared policy (or, when none
    is declared, the best of the others played) on each goal tag."""
    always = [r for r in reports if r["kind"] == "always"]
    base = [r for r in reports if r["kind"] == "declared"] or [
        r for r in reports if r["kind"] != "always"
    ]
    flagged: list[dict[str, Any]] = []
    higher: list[dict[str, Any]] = []
    for tag in goals:
        if not base:
            break
        best = max(base, key=lambda r: r["tags"][tag]["percent"])  # (the first of equals)
        b = best["tags"][tag]
        for r in always:
            a = r["tags"][tag]
            if a["percent"] <= b["percent"]:
                continue
            row = {
                "policy": r["policy"],
                "tag": tag,
                "rate": a,
                "best": {"policy": best["policy"], "rate": b},
            }
            (flagged if a["low"] > b["percent"] else higher).append(row)
    return {
        "goals": goals,
        "against": [r["policy"] for r in base],
        "choices": [r["policy"][len(ALWAYS) :] for r in always],
        "flagged": flagged,
        "within_noise": higher,
    }


# -- the report ------------------------------------------------------------------


def balance(
    story: Story,
    policies: list[str] | None = None,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
    jobs: int = 1,
    start: Start | None = None,
    scan: bool | None = None,
    goals: list[str] | None = None,
    step_limit: int = DEFAULT_STEP_LIMIT,
) -> dict[str, Any]:
    """Play `runs` runs of each policy (default: the declared ones, random
    and first) and, with `scan` (default: when no policies are named), of
    always:ID for each choice id of scan_choices; return the report, a
    JSON-ready dict that depends only on the story and the arguments."""
    names = list(dict.fromkeys(policies or [*declared(story), "random", "first"]))
    if scan is None:
        scan = not policies
    start_scene = start.scene if start is not None else None
    scanned: list[str] = []
    if scan:
        scanned = [f"{ALWAYS}{cid}" for cid in scan_choices(story, start_scene)]
        names += [n for n in scanned if n not in names]
    players = [player(story, n) for n in names]
    tags = tags_in_order(story)
    goals = goal_tags(story, goals)
    for g in goals:
        if g not in tags:
            raise PolicyError(
                f"no ending has the tag {g!r}"
                + (f" (the tags are {', '.join(tags)})" if tags else "")
            )
    tallies = play_policies(story, [(n, runs, start) for n in names], seed, jobs, step_limit)
    reports = [policy_report(story, p, t) for p, t in zip(players, tallies, strict=True)]
    reached_tags = [t for t in tags if any(r["tags"][t]["count"] for r in reports)]
    return {
        "story": story.id,
        "story_hash": story.hash,
        "runs": runs,
        "seed": seed,
        "start": _start_json(start),
        "step_limit": step_limit,
        "tags": tags,
        "tags_reached": reached_tags,
        "policies": reports,
        "scan": dominance(reports, goals) if scan else None,
    }


def _start_json(start: Start | None) -> dict[str, Any] | None:
    if start is None or (start.scene is None and not start.values):
        return None
    return {"scene": start.scene, "set": dict(start.values)}


def _cell(r: dict[str, Any]) -> str:
    return f"{r['percent']:5.1f} ({r['low']:.1f}-{r['high']:.1f})"


def _start_text(start: dict[str, Any] | None) -> str:
    if start is None:
        return "from the start"
    where = f"from {start['scene']}" if start["scene"] else "from the start"
    if start["set"]:
        where += " with " + ", ".join(f"{k}={v}" for k, v in start["set"].items())
    return where


def format_report(r: dict[str, Any], elapsed: float | None = None) -> str:
    pols = r["policies"]
    total = sum(p["runs"] for p in pols)
    head = (
        f"balance of {r['story']}: {r['runs']} runs a policy from seed {r['seed']}, "
        f"{_start_text(r['start'])}"
    )
    if elapsed:
        head += f" ({total:,} runs in {elapsed:.2f} s, {total / elapsed:,.0f} runs/s)"
    out = [head, ""]
    tags = r["tags_reached"]
    width = max([len(p["policy"]) for p in pols] + [6])
    cells = {t: max(len(t), 16) for t in tags}
    out.append("tags, % of runs (95% CI), and the mean number of choices a run:")
    out.append(
        (
            "  "
            + "policy".ljust(width)
            + "  choices  "
            + "  ".join(t.ljust(cells[t]) for t in tags)
        ).rstrip()
    )
    for p in pols:
        row = "  " + p["policy"].ljust(width) + f"  {p['choices_mean']:7.1f}  "
        row += "  ".join(_cell(p["tags"][t]).ljust(cells[t]) for t in tags)
        out.append(row.rstrip())
    never = [t for t in r["tags"] if t not in tags]
    if not r["tags"]:
        out.append("  (no ending has tags: give endings `tags: [win]` and the like to group them)")
    elif never:
        out.append(f"  (never reached: {', '.join(never)})")
    notes = [
        f"  {p['policy']} reads {', '.join(p['unseen_variables'])}: "
        f"{'it is' if len(p['unseen_variables']) == 1 else 'they are'} never shown to the player"
        for p in pols
        if p["unseen_variables"]
    ]
    if notes:
        out += ["", "information the player does not have:", *notes]
    out += ["", "endings, % of runs (95% CI):"]
    for p in pols:
        about = f": {p['description']}" if p["description"] and p["kind"] == "declared" else ""
        out.append(f"  {p['policy']}{about}")
        ew = max([len(e) for e in p["endings"]] + [10])
        for e, v in p["endings"].items():
            out.append(f"    {e.ljust(ew)}  {_cell(v)}")
        u = p["unfinished"]
        if any(u.values()):
            out.append(
                f"    (unfinished: {u['dead_end']} dead ends, {u['step_limit']} over the step "
                f"limit, {u['error']} errors)"
            )
            for e in p["errors"]:
                out.append(f"      seed {e['seed']}: {e['kind']}: {e['message']}")
    scan = r.get("scan")
    if scan is not None:
        out += ["", _scan_text(scan)]
    return "\n".join(out)


def _scan_text(scan: dict[str, Any]) -> str:
    if not scan["goals"]:
        return (
            "dominance scan: no goal tag (tag the endings where the player wins `win`, or give "
            "at_least targets in balance:)"
        )
    against = ", ".join(scan["against"]) or "nothing"
    lines = [
        f"dominance scan: always:ID for {len(scan['choices'])} choice ids offered in "
        f"{SCAN_MIN_SCENES} scenes or more or in a scene played again, against the best of "
        f"{against}, on {', '.join(scan['goals'])}:"
    ]
    for f in scan["flagged"]:
        b = f["best"]
        lines.append(
            f"  DOMINANT {f['policy']}: {f['tag']} {f['rate']['percent']:.1f}% "
            f"({f['rate']['low']:.1f}-{f['rate']['high']:.1f}), more than {b['policy']}'s "
            f"{b['rate']['percent']:.1f}% ({b['rate']['low']:.1f}-{b['rate']['high']:.1f})"
        )
    if not scan["flagged"]:
        lines.append("  no choice dominates")
    if scan["within_noise"]:
        names = ", ".join(f"{w['policy']} ({w['tag']})" for w in scan["within_noise"])
        lines.append(f"  higher, but within the noise: {names}")
    return "\n".join(lines)


# -- targets ------------------------------------------------------------------------


def check_targets(
    story: Story,
    seed: int = 0,
    jobs: int = 1,
    runs: int = DEFAULT_RUNS,
    step_limit: int = DEFAULT_STEP_LIMIT,
) -> dict[str, Any]:
    """Play the manifest's balance targets (each at most once for the same
    policy, start and runs) and say which hold; then, from each start the
    targets name, the dominance scan against the declared policies (a
    flagged choice is a miss, at the first target with that start)."""
    targets = story.balance
    keys: dict[tuple[str, int, Start | None], int] = {}
    for t in targets:
        keys.setdefault(_play_key(t, runs), len(keys))
    # the scan's plays from each start the targets name: the declared policies and
    # always:ID for each scanned choice, played once with the targets' own plays
    starts: dict[tuple[Start | None, int], Target] = {}
    for t in targets:
        starts.setdefault((_target_start(t), t.runs or runs), t)
    scanned: dict[tuple[Start | None, int], list[str]] = {}
    if declared(story):
        for st, n in starts:
            names = declared(story) + [
                f"{ALWAYS}{cid}" for cid in scan_choices(story, st.scene if st else None)
            ]
            scanned[(st, n)] = list(dict.fromkeys(names))
            for name in scanned[(st, n)]:
                keys.setdefault((name, n, st), len(keys))
    tallies = play_policies(story, list(keys), seed, jobs, step_limit)
    scans = [
        _check_scan(
            story,
            t,
            st,
            n,
            scanned.get((st, n), []),
            [tallies[keys[(x, n, st)]] for x in scanned.get((st, n), [])],
        )
        for (st, n), t in starts.items()
    ]
    results = []
    for t in targets:
        tally = tallies[keys[_play_key(t, runs)]]
        n = tally.runs
        if t.tag is not None:
            k = tag_counts(story, tally)[t.tag]
            what = f"tag {t.tag}"
        else:
            k = tally.endings.get(t.ending or "", 0)
            what = f"ending {t.ending}"
        r = rate(k, n)
        pct = 100.0 * k / n if n else 0.0
        ok = (t.at_least is None or pct >= t.at_least) and (t.at_most is None or pct <= t.at_most)
        want = " and ".join(
            w
            for w in (
                f"at least {t.at_least:g}%" if t.at_least is not None else "",
                f"at most {t.at_most:g}%" if t.at_most is not None else "",
            )
            if w
        )
        start = _start_text(_start_json(_target_start(t)))
        results.append(
            {
                "file": t.file,
                "line": t.line,
                "col": t.col,
                "policy": t.policy,
                "tag": t.tag,
                "ending": t.ending,
                "at_least": t.at_least,
                "at_most": t.at_most,
                "start": _start_json(_target_start(t)),
                "runs": n,
                "rate": r,
                "unfinished": sum(tally.unfinished.values()),
                "ok": ok,
                "message": (
                    f"{t.policy} reaches {what} in {r['percent']:.1f}% of {n} runs "
                    f"(95% CI {r['low']:.1f}-{r['high']:.1f}) {start}: expected {want}"
                ),
            }
        )
    return {
        "story": story.id,
        "story_hash": story.hash,
        "seed": seed,
        "targets": results,
        "scans": scans,
        "missed": sum(not x["ok"] for x in results) + sum(bool(x["flagged"]) for x in scans),
    }


def _check_scan(
    story: Story,
    t: Target,
    start: Start | None,
    runs: int,
    names: list[str],
    tallies: list[Tally],
) -> dict[str, Any]:
    """The dominance scan from a target's start, with its runs, against the
    declared policies (nothing to scan when the story declares none)."""
    if not names:
        return {"file": t.file, "line": t.line, "col": t.col, "start": None, "flagged": []}
    reports = [
        policy_report(story, player(story, n), x) for n, x in zip(names, tallies, strict=True)
    ]
    scan = dominance(reports, goal_tags(story))
    return {
        "file": t.file,
        "line": t.line,
        "col": t.col,
        "start": _start_json(start),
        "runs": runs,
        "scan": scan,
        "flagged": scan["flagged"],
    }


def _target_start(t: Target) -> Start | None:
    if t.scene is None and not t.values:
        return None
    return Start(t.scene, t.values)


def _play_key(t: Target, runs: int) -> tuple[str, int, Start | None]:
    return (t.policy, t.runs or runs, _target_start(t))


def format_check(r: dict[str, Any]) -> str:
    if not r["targets"]:
        return f"{r['story']}: no balance targets to check (the manifest declares no balance:)"
    out = []
    for t in r["targets"]:
        if t["ok"]:
            out.append(f"ok: {t['message']}")
        else:
            out.append(f"{t['file']}:{t['line']}:{t['col']}: balance target missed: {t['message']}")
        if t["unfinished"]:
            out.append(f"  ({t['unfinished']} of the runs did not finish: see balance --policy)")
    for sc in r.get("scans", []):
        if "scan" not in sc:
            continue
        where = _start_text(sc["start"])
        if sc["flagged"]:
            out.append(
                f"{sc['file']}:{sc['line']}:{sc['col']}: dominance scan {where}, "
                f"{sc['runs']} runs each: a single choice beats every declared policy"
            )
        else:
            out.append(f"ok: dominance scan {where}, {sc['runs']} runs each")
        out += ["  " + line for line in _scan_text(sc["scan"]).splitlines()]
    n = len(r["targets"])
    flagged = sum(bool(sc["flagged"]) for sc in r.get("scans", []))
    missed = r["missed"] - flagged
    out.append(
        f"{n - missed} of {n} balance target{'s' if n != 1 else ''} hold"
        + (f"; {missed} missed" if missed else "")
        + (f"; the dominance scan flags choices from {flagged} start(s)" if flagged else "")
    )
    return "\n".join(out)
