"""Random playthroughs: coverage, endings, and the faults they run into.

Run i plays with seed S+i (the story's dice) and picks choices with its own
generator seeded from S+i. By default it prefers choices not yet taken:
runs are grouped in fixed batches of BATCH, and within a batch each run
prefers what the earlier runs left untaken. Batches never depend on each
other, so the report is the same whatever --jobs is. A failed run is
reported with its seed and its choices: `replay(story, seed, choices)` (or
`rocky-adventure transcript`) reproduces it exactly.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..engine.diagnostics import StoryRuntimeError
from ..engine.expr import Expr, compile_all, format_value
from ..engine.model import Scene, Story
from ..engine.play import CONTINUE, Cursor
from ..engine.rng import Random
from ..engine.text import Branches
from ..game.text import paragraphs

BATCH = 100
DEFAULT_STEP_LIMIT = 5_000
MAX_REPORTED_ERRORS = 20
_PICKER_MIX = 0x5DEECE66D  # the picker's stream differs from the story's dice


def touch(parts, ctx, out: list) -> None:
    """Evaluate what rendering a template would (its interpolations and the
    conditions of its {if} blocks, in the same order) without building the
    text: the same faults for a fraction of the work. Appends to `out` what
    the text depends on: each interpolation's value (a bool as the word it
    renders as, a float as its text) and the number of each {if} branch
    taken, in order, so that two renders with equal outcomes are one text."""
    for p in parts:
        cls = p.__class__
        if cls is Expr:
            v = p.fn(ctx)
            vc = v.__class__
            out.append(v if vc is int or vc is str else format_value(v))
        elif cls is Branches:
            for i, (cond, sub) in enumerate(p):
                if cond is None or cond.fn(ctx):
                    out.append(i)
                    touch(sub, ctx, out)
                    break
            else:
                out.append(-1)


def story_exprs(story: Story) -> Iterator[Expr]:
    """Every expression of the story: conditions, odds, effect values, the
    text's interpolations and {if}s, the display's and the policies' `when`."""
    for scene in story.scenes.values():
        yield from scene.text.exprs
        for e in scene.effects:
            yield e.value
        for group in (scene.choices, scene.next):
            for c in group or ():
                if c.text is not None:
                    yield from c.text.exprs
                if c.cond is not None:
                    yield c.cond
                if c.chance is not None:
                    yield c.chance
                for e in c.effects:
                    yield e.value
    for ending in story.endings.values():
        yield from ending.epilogue.exprs
    d = story.display
    for bar in (*d.sidebar_bars, *d.hud_bars):
        if bar.when is not None:
            yield bar.when
    if d.hud_when is not None:
        yield d.hud_when
    for policy in story.policies:
        for rule in policy.rules:
            if rule.when is not None:
                yield rule.when


@dataclass(slots=True)
class Batch:
    runs: int = 0
    steps: int = 0
    endings: dict = field(default_factory=dict)
    scenes: set = field(default_factory=set)
    taken: set = field(default_factory=set)  # (scene id, choice id)
    unfinished: dict = field(default_factory=lambda: {"dead_end": 0, "step_limit": 0, "error": 0})
    errors: list = field(default_factory=list)
    failed: int = 0  # every failed run, listed in `errors` or not
    # repetition: (seed, paragraphs shown, of them shown before in the run) per run
    repeats: list = field(default_factory=list)
    scene_repeats: dict = field(default_factory=dict)  # scene id -> paragraphs it repeated
    # ending id -> (seed, choices): the first run of the batch that reached it
    witnesses: dict = field(default_factory=dict)


def _paragraphs(text: str) -> tuple[str, ...] | list[str]:
    """game.text.paragraphs(text), without its work for a text of one line."""
    text = text.strip()
    if not text:
        return ()
    if text.isascii():  # (a flag of the string: no scan)
        # (the ASCII characters str.splitlines breaks at: each `in` is one memchr)
        if not (
            "\n" in text
            or "\r" in text
            or "\v" in text
            or "\f" in text
            or "\x1c" in text
            or "\x1d" in text
            or "\x1e" in text
        ):
            return (text,)
    elif len(text.splitlines()) == 1:  # (stripped: a line break would split it in two)
        return (text,)
    return paragraphs(text)


# (story, memo): what play_batch keeps of each scene and text shown, for the story being
# tested (randomtest() forgets it at its end). Under id(scene): _scene_text's pair (a plain
# text split once). Under (id(template), what touch() found it depends on): a varying
# text's paragraphs from its second showing on, so that a text rendered before with the
# same values is neither rendered nor split again (none is added once the memo holds
# MAX_MEMO entries). The strings are the same objects from visit to visit, so their
# hashes, which the repetition count needs, are computed once too.
_SHOWN: tuple[Story, dict[Any, Any]] | None = None
MAX_MEMO = 1 << 18


def _shown_memo(story: Story) -> dict[Any, Any]:
    global _SHOWN
    if _SHOWN is None or _SHOWN[0] is not story:
        _SHOWN = (story, {})
    return _SHOWN[1]


# _scene_text's mark of a varying text not shown yet: its first showing is rendered without
# the memo (most texts of a big story are shown once, and a miss costs the walk as well)
_ONCE: Any = object()


def _scene_text(scene: Scene) -> tuple[Any, bool]:
    """What play_batch keeps of a scene it shows: its paragraphs when its text
    is plain (_ONCE, then None, when it varies), and whether a choice's text
    varies."""
    t = scene.text
    varies = False
    for ch in scene.choices or ():
        if ch.text is not None and ch.text.plain is None:
            varies = True
            break
    return (_ONCE if t.plain is None else _paragraphs(t.plain), varies)


def play_batch(
    story: Story,
    seeds: range,
    prefer: bool = True,
    step_limit: int = DEFAULT_STEP_LIMIT,
    render: bool = True,
) -> Batch:
    """Play one run per seed; `prefer` carries the untaken-choice memory
    from run to run within these seeds."""
    out = Batch()
    taken_ids: set[int] = set()  # id() of each Choice taken (for CONTINUE: of its scene's `next`)
    endings = out.endings
    scenes = out.scenes
    cont = CONTINUE
    scene_repeats = out.scene_repeats
    shown_memo = _shown_memo(story)
    for seed in seeds:
        out.runs += 1
        c = Cursor.start(story, seed)
        rnd = Random(seed ^ _PICKER_MIX)
        below = rnd.below
        steps = 0
        kind = None
        msg = ""
        seen_paras: set[str] = set()
        shown = repeated = 0
        try:
            while True:
                if render:
                    # the paragraphs the scene shows, and those this run showed before
                    scene = c.scene
                    known = shown_memo.get(id(scene))
                    if known is None:
                        known = shown_memo[id(scene)] = _scene_text(scene)
                    paras, touch_choices = known
                    if paras is _ONCE:  # (its text varies, shown for the first time)
                        paras = _paragraphs(scene.text.render(c))
                        shown_memo[id(scene)] = (None, touch_choices)
                    elif paras is None:  # (its text varies, shown before)
                        t = scene.text
                        outcomes: list = [id(t)]
                        touch(t.parts, c, outcomes)
                        key = tuple(outcomes)
                        paras = shown_memo.get(key)
                        if paras is None:
                            paras = _paragraphs(t.render(c))
                            if len(shown_memo) < MAX_MEMO:
                                shown_memo[key] = paras
                    shown += len(paras)
                    for para in paras:
                        if para in seen_paras:
                            repeated += 1
                            scene_repeats[scene.id] = scene_repeats.get(scene.id, 0) + 1
                        else:
                            seen_paras.add(para)
                if c.ending is not None:
                    break
                opts = c.options()
                if not opts:
                    kind, msg = "dead_end", f"no choice is open in scene {c.scene.id!r}"
                    break
                if steps >= step_limit:
                    kind, msg = "step_limit", f"still playing after {step_limit} choices (a loop?)"
                    break
                if render and touch_choices:
                    for o in opts:
                        if o.text is not None and o.text.plain is None:
                            touch(o.text.parts, c, [])  # (only its faults matter)
                if len(opts) > 1:
                    # (only a scene with `next` offers CONTINUE, and then alone)
                    if prefer:
                        fresh = []
                        for o in opts:
                            if id(o) not in taken_ids:
                                fresh.append(o)
                        pick = fresh[below(len(fresh))] if fresh else opts[below(len(opts))]
                    else:
                        pick = opts[below(len(opts))]
                    taken_ids.add(id(pick))
                else:
                    pick = opts[0]
                    taken_ids.add(id(c.scene.next if pick is cont else pick))
                c.take(pick)
                steps += 1
            ending = c.ending
            if kind is None and ending is not None:  # (the loop stopped at an ending)
                endings[ending] = endings.get(ending, 0) + 1
                if ending not in out.witnesses:
                    out.witnesses[ending] = (seed, [cid for _, cid in c.path])
                if render:
                    touch(story.endings[ending].epilogue.parts, c, [])
        except StoryRuntimeError as e:
            kind, msg = "error", str(e)
        if render:
            out.repeats.append((seed, shown, repeated))
        out.steps += steps
        scenes.update(c.visits)
        out.taken.update(c.path)
        if kind is not None:
            out.failed += 1
            out.unfinished[kind] += 1
            if len(out.errors) < MAX_REPORTED_ERRORS:
                out.errors.append(failure(seed, kind, msg, c))
    return out


def failure(seed: int, kind: str, message: str, c: Cursor) -> dict[str, Any]:
    """A failed run as the reports list it: replayable from its seed and choices."""
    return {
        "seed": seed,
        "kind": kind,
        "message": message,
        "scene": c.scene.id,
        "choices": [cid for _, cid in c.path],
    }


# -- parallel runs -----------------------------------------------------------

_STORY: Story | None = None
T = TypeVar("T")
J = TypeVar("J")


def _init(story: Story) -> None:
    global _STORY
    _STORY = story


def _call(job: tuple[Callable[[Story, Any], Any], Any]) -> Any:
    work, part = job
    assert _STORY is not None
    return work(_STORY, part)


def map_batches(story: Story, work: Callable[[Story, J], T], parts: list[J], jobs: int) -> list[T]:
    """`work(story, part)` for each part, in order, on `jobs` processes (0:
    one per core). `work` is a module-level function, so it reaches the
    workers; the story is handed to each worker once. randomtest and
    balance both play their fixed batches through here."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(parts)))
    if jobs == 1:
        return [work(story, p) for p in parts]
    import multiprocessing as mp

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ctx.Pool(jobs, initializer=_init, initargs=(story,)) as pool:
        return pool.map(_call, [(work, p) for p in parts], chunksize=1)


def _work(story: Story, job: tuple[range, bool, int, bool]) -> Batch:
    seeds, prefer, limit, render = job
    return play_batch(story, seeds, prefer, limit, render)


def batches(seed: int, runs: int) -> list[range]:
    return [range(seed + i, seed + min(i + BATCH, runs)) for i in range(0, runs, BATCH)]


def randomtest(
    story: Story,
    runs: int = 1000,
    seed: int = 0,
    jobs: int = 1,
    prefer: bool = True,
    step_limit: int = DEFAULT_STEP_LIMIT,
    render: bool = True,
) -> dict:
    """Play `runs` random playthroughs and return the report (a JSON-ready
    dict that depends only on the story and the arguments, not on jobs)."""
    global _SHOWN
    parts = [(r, prefer, step_limit, render) for r in batches(seed, runs)]
    compile_story(story)  # (before the freeze: the closures are frozen with the story)
    with frozen_heap():
        try:
            results = map_batches(story, _work, parts, jobs)
        finally:
            _SHOWN = None
        return report(story, results, runs=runs, seed=seed, prefer=prefer, step_limit=step_limit)


# (id of the story compiled last, its first expression): compile_story's memory. The
# expression is held so that the pair cannot match another story by chance; when it does
# anyway (a story freed, another at its address sharing its first expression, as a
# pack's does), its other expressions are compiled on first use: as fast, only later.
_COMPILED: tuple[int, Expr | None] = (0, None)


def compile_story(story: Story) -> None:
    """Compile every expression of the story now (expr.compile_all: those that
    share a tree share a closure), once per story: a big story's play then
    builds none (a first randomtest of 100,000 scenes evaluates 130,000 of
    them), and the collector never sees them young."""
    global _COMPILED
    first = next(story_exprs(story), None)
    if first is not None and _COMPILED[0] == id(story) and _COMPILED[1] is first:
        return
    compile_all(story_exprs(story))
    _COMPILED = (id(story), first)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Leave every object alive now out of the collector's passes while the
    block runs (gc.freeze): a loaded story is millions of objects that live
    as long as it does, and random play allocates enough for the collector
    to scan them again and again (at 100,000 scenes, most of the time of a
    first randomtest). Forked workers then also share the story's pages
    rather than copying them as the collector touches them. Objects frozen
    before (the game freezes its heap once loaded) stay frozen."""
    already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not already:
            gc.unfreeze()


def report(
    story: Story, results: list[Batch], *, runs: int, seed: int, prefer: bool, step_limit: int
) -> dict:
    endings: dict[str, int] = dict.fromkeys(story.endings, 0)
    scenes: set[str] = set()
    taken: set = set()
    unfinished = {"dead_end": 0, "step_limit": 0, "error": 0}
    errors: list = []
    steps = 0
    failed = 0
    repeats: list = []
    scene_repeats: dict[str, int] = {}
    witnesses: dict[str, tuple[int, list[str]]] = {}
    for b in results:
        steps += b.steps
        failed += b.failed
        repeats.extend(b.repeats)
        for sid, n in b.scene_repeats.items():
            scene_repeats[sid] = scene_repeats.get(sid, 0) + n
        for e, (wseed, wchoices) in b.witnesses.items():
            if e not in witnesses or wseed < witnesses[e][0]:
                witnesses[e] = (wseed, wchoices)
        for e, n in b.endings.items():
            endings[e] += n
        scenes |= b.scenes
        taken |= b.taken
        for k, n in b.unfinished.items():
            unfinished[k] += n
        errors.extend(b.errors)
    errors.sort(key=lambda e: e["seed"])
    n_choices = 0
    never_choices = []
    for s in story.scenes.values():
        if s.choices:
            sid = s.id
            n_choices += len(s.choices)
            if sid in scenes:
                never_choices += [f"{sid}.{c.id}" for c in s.choices if (sid, c.id) not in taken]
            else:  # (a scene never reached: none of its choices was taken)
                never_choices += [f"{sid}.{c.id}" for c in s.choices]
    never_scenes = [s for s in story.scenes if s not in scenes]

    def pct(n: int, total: int) -> float:
        return round(100.0 * n / total, 2) if total else 0.0

    reached_endings = [e for e, n in endings.items() if n]
    return {
        "story": story.id,
        "story_hash": story.hash,
        "runs": runs,
        "seed": seed,
        "prefer_untaken": prefer,
        "step_limit": step_limit,
        "choices_made": steps,
        "endings": {
            e: {"count": n, "percent": pct(n, runs)}
            for e, n in sorted(endings.items(), key=lambda kv: (-kv[1], kv[0]))
        },
        "unfinished": unfinished,
        "coverage": {
            "scenes": {
                "reached": len(story.scenes) - len(never_scenes),
                "total": len(story.scenes),
                "percent": pct(len(story.scenes) - len(never_scenes), len(story.scenes)),
                "never": never_scenes,
            },
            "choices": {
                "taken": n_choices - len(never_choices),
                "total": n_choices,
                "percent": pct(n_choices - len(never_choices), n_choices),
                "never": never_choices,
            },
            "endings": {
                "reached": len(reached_endings),
                "total": len(endings),
                "never": [e for e, n in endings.items() if not n],
            },
        },
        "errors": errors[:MAX_REPORTED_ERRORS],
        "errors_left_out": max(0, failed - min(len(errors), MAX_REPORTED_ERRORS)),
        "repetition": repetition(repeats, scene_repeats),
        "witnesses": {e: {"seed": w[0], "choices": w[1]} for e, w in sorted(witnesses.items())},
    }


def repetition(repeats: list, scene_repeats: dict[str, int]) -> dict | None:
    """Per run, the share of the paragraphs shown that the run had already
    shown: the median and the worst run, and the scenes that repeat most.
    None when text was not rendered (--no-render)."""
    if not repeats:
        return None
    shares = sorted(
        (round(100.0 * rep / shown, 2) if shown else 0.0, seed, shown, rep)
        for seed, shown, rep in repeats
    )
    median = shares[len(shares) // 2] if len(shares) % 2 else None
    if median is None:
        lo, hi = shares[len(shares) // 2 - 1], shares[len(shares) // 2]
        median_pct = round((lo[0] + hi[0]) / 2, 2)
    else:
        median_pct = median[0]
    worst = max(shares, key=lambda x: (x[0], -x[1]))
    top = sorted(scene_repeats.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return {
        "median_percent": median_pct,
        "worst": {"seed": worst[1], "percent": worst[0], "shown": worst[2], "repeated": worst[3]},
        "scenes": [{"scene": sid, "repeated": n} for sid, n in top],
    }


def format_report(r: dict, elapsed: float | None = None) -> str:
    out = [
        f"{r['runs']} runs of {r['story']} from seed {r['seed']}: {r['choices_made']} choices"
        + (f" in {elapsed:.2f} s ({r['choices_made'] / elapsed:,.0f} choices/s)" if elapsed else "")
    ]
    out.append("")
    out.append("endings:")
    width = max((len(e) for e in r["endings"]), default=0)
    for e, v in r["endings"].items():
        bar = "#" * round(v["percent"] / 2.5)
        out.append(f"  {e.ljust(width)}  {v['count']:>7}  {v['percent']:6.2f}%  {bar}")
    u = r["unfinished"]
    if any(u.values()):
        out.append(
            f"  (unfinished: {u['dead_end']} dead ends, {u['step_limit']} over the step limit, "
            f"{u['error']} errors)"
        )
    cov = r["coverage"]
    out.append("")
    out.append(
        f"coverage: scenes {cov['scenes']['reached']}/{cov['scenes']['total']} "
        f"({cov['scenes']['percent']}%), choices {cov['choices']['taken']}/{cov['choices']['total']} "
        f"({cov['choices']['percent']}%), endings {cov['endings']['reached']}/{cov['endings']['total']}"
    )
    for what, key in (
        ("scenes never reached", "scenes"),
        ("choices never taken", "choices"),
        ("endings never reached", "endings"),
    ):
        never = cov[key]["never"]
        if never:
            shown = ", ".join(never[:30]) + (
                f", ... ({len(never) - 30} more)" if len(never) > 30 else ""
            )
            out.append(f"  {what}: {shown}")
    rep = r.get("repetition")
    if rep:
        out.append("")
        w = rep["worst"]
        out.append(
            f"repetition: the median run repeats {rep['median_percent']}% of the paragraphs it "
            f"shows; the worst {w['percent']}% (seed {w['seed']}: {w['repeated']} of {w['shown']})"
        )
        if rep["scenes"]:
            out.append(
                "  repeating most: "
                + ", ".join(f"{x['scene']} ({x['repeated']})" for x in rep["scenes"][:8])
            )
    if r.get("witnesses"):
        out.append("")
        out.append(
            "a run to each ending reached (all its choices: --json; replay: rocky-adventure "
            "transcript --seed S --choices ...):"
        )
        width = max(len(e) for e in r["witnesses"])
        for e, w in r["witnesses"].items():
            choices = ",".join(w["choices"])
            if len(choices) > 60:
                choices = choices[:57].rsplit(",", 1)[0] + ",..."
            n = len(w["choices"])
            out.append(f"  {e.ljust(width)}  seed {w['seed']:<6} {n:>4} choices  {choices}")
    if r["errors"]:
        out.append("")
        out.append(
            "failed runs (replay with: rocky-adventure transcript --seed SEED --choices ...):"
        )
        for e in r["errors"]:
            out.append(f"  seed {e['seed']}: {e['kind']}: {e['message']}")
            out.append(f"    choices: {','.join(e['choices'])}")
        if r.get("errors_left_out"):
            out.append(
                f"  ... and {r['errors_left_out']} more failed runs not listed (--json has the same 20)"
            )
    return "\n".join(out)
