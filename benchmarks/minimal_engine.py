"""Minimal engines: the baseline for the engine's own random play.

    python benchmarks/minimal_engine.py /tmp/story10k [--seconds 3]

They play a loaded Story model (the same one `Cursor` plays) by the same
rules, as fast as plain CPython allows: conditions (`if:`), the effects of
scenes and choices (set / add / subtract, clamped to the variable's min
and max), chance checks rolled on the engine's own SplitMix64 sequence,
once-only choices, visit counts, `next` branches and `turns`, and they
record the path of (scene id, choice id) like the engine. They leave out
everything that is not play: no State, no snapshots, no undo, no error
positions (a division by zero raises ZeroDivisionError), no text. The
play of a seed and a sequence of picks is the engine's own
(tests/test_engine_state_persistent.py checks both against Cursor).

Two ways, since which is faster depends on the story (benchmarks take the
faster one in their run as the baseline):

- `MinimalEngine` interprets tables: every expression compiled once from
  its tree into one `lambda v, vis, t: ...` (the variable values, the
  visit counts, turns); every scene one list read by position (its entry
  effects, its choices, the options of a scene without conditions or
  once-only choices built once, its ending), whose targets are the target
  scenes' lists themselves; each path entry built once; one loop with
  everything in local names. The fastest on a large story, where a step
  is mostly waiting for memory.
- `CompiledEngine` compiles the whole story into Python source: one
  function per scene that picks, applies the effects with their constants
  written in, rolls and enters the target. The fastest on a small story
  (several times the interpreter on the bundled one); on 10,000 scenes
  its code no longer fits the caches and it falls behind the tables.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rocky_adventure.engine.model import CONTINUE_ID, Effect, Story  # noqa: E402
from rocky_adventure.engine.rng import next_float, seed_state  # noqa: E402

_CMP = {"==", "!=", "<", "<=", ">", ">="}


def _src(ir: tuple[Any, ...], consts: list[Any]) -> str:
    """Python source of an expression tree over (v, vis, t)."""
    k = ir[0]
    if k == "const":
        consts.append(ir[1])
        return f"_k{len(consts) - 1}"
    if k == "var":
        return f"v[{ir[1]}]"
    if k == "visits":
        consts.append(ir[1])
        return f"vis.get(_k{len(consts) - 1}, 0)"
    if k == "turns":
        return "t"
    if k == "not":
        return f"(not {_src(ir[1], consts)})"
    if k in ("and", "or"):
        return "(" + f" {k} ".join(_src(p, consts) for p in ir[1]) + ")"
    if k == "neg":
        return f"(-{_src(ir[1], consts)})"
    if k == "if":
        c, a, b = (_src(x, consts) for x in ir[1:])
        return f"({a} if {c} else {b})"
    if k == "bin":
        a, b = _src(ir[2], consts), _src(ir[3], consts)
        return f"({a} {ir[1]} {b})"  # (// and % by zero raise ZeroDivisionError)
    if k == "cmp":
        ops, xs = ir[1], ir[2]
        assert all(op in _CMP for op in ops)
        out = [_src(xs[0], consts)]
        for op, x in zip(ops, xs[1:]):
            out += [op, _src(x, consts)]
        return "(" + " ".join(out) + ")"
    raise AssertionError(f"unknown expression node {k}")


def compile_expr(ir: tuple[Any, ...]) -> Callable[[Sequence[Any], dict[str, int], int], Any]:
    consts: list[Any] = []
    body = _src(ir, consts)
    names = {f"_k{i}": c for i, c in enumerate(consts)}
    return eval(f"lambda v, vis, t: {body}", names)  # noqa: S307 (our own source text)


# A compiled effect: (op, var index, value function or None, constant value, lo, hi)
# op: 0 set, 1 add, 2 subtract
_OPS = {"set": 0, "add": 1, "subtract": 2}


def _effects(effects: tuple[Effect, ...]) -> tuple[tuple[Any, ...], ...]:
    out = []
    for e in effects:
        const = e.value.ir[0] == "const"
        out.append(
            (
                _OPS[e.op],
                e.var,
                None if const else compile_expr(e.value.ir),
                e.value.ir[1] if const else None,
                e.lo,
                e.hi,
            )
        )
    return tuple(out)


# what `play` returns: (ending or None, choices made, the variable values,
# the visit counts, the path, the RNG state)
Played = tuple[str | None, int, list[Any], dict[str, int], list[tuple[str, str]], int]


class MinimalEngine:
    """The story's scenes as tables, and a loop that plays them.

    A scene is a list (filled in two passes, so targets can refer to scenes):
      [id, entry effects, exits, static options or None, ending,
       Continue's path entry, has `next`]
    where exits are its choices or its `next` branches, and the static
    options are its choices when none has a condition or is once-only (a
    scene with `next`: Continue, or nothing when it has no branch). An
    exit is a tuple:
      (condition or None, once key or None, effects, target scene or None,
       chance or None, success scene, failure scene, path entry, choice id)
    """

    def __init__(self, story: Story):
        self.story = story
        scenes: dict[str, list[Any]] = {sid: [sid] for sid in story.scenes}
        self.start = scenes[story.start]
        cont = (None, None, (), None, None, None, None, None, CONTINUE_ID)
        for sid, scene in story.scenes.items():
            row = scenes[sid]
            is_next = scene.choices is None
            exits = tuple(
                (
                    compile_expr(ch.cond.ir) if ch.cond is not None else None,
                    (sid, ch.id) if ch.once else None,
                    _effects(ch.effects),
                    scenes[ch.to] if ch.to is not None else None,
                    compile_expr(ch.chance.ir) if ch.chance is not None else None,
                    scenes[ch.success] if ch.success is not None else None,
                    scenes[ch.failure] if ch.failure is not None else None,
                    (sid, ch.id),
                    ch.id,
                )
                for ch in (scene.choices if not is_next else scene.next or ())  # type: ignore[operator]
            )
            if is_next:
                static: tuple[Any, ...] | None = (cont,) if scene.next is not None else ()
            elif all(e[0] is None and e[1] is None for e in exits):
                static = exits
            else:
                static = None
            row += [
                _effects(scene.effects),
                exits,
                static,
                scene.ending,
                (sid, CONTINUE_ID),
                is_next,
            ]
        self.defaults = list(story.defaults())

    def play(self, seed: int, pick: Callable[[], float], step_limit: int = 10_000) -> Played:
        """One run from the start with this seed's dice; `pick()` in [0, 1)
        chooses among the open options (index int(pick() * n), when there
        is more than one), as a random player of Cursor does."""
        v = list(self.defaults)
        vis: dict[str, int] = {}
        once: set[tuple[str, str]] = set()
        path: list[tuple[str, str]] = []
        append = path.append
        rng = seed_state(seed)
        t = 0
        scene = self.start
        sid = scene[0]
        vis[sid] = 1
        for op, i, f, k, lo, hi in scene[1]:
            val = k if f is None else f(v, vis, t)
            new = val if op == 0 else v[i] + val if op == 1 else v[i] - val
            if lo is not None:
                if new < lo:
                    new = lo
                elif new > hi:
                    new = hi
            v[i] = new
        ending = scene[4]
        while ending is None and t < step_limit:
            opts = scene[3]
            if opts is None:  # choices with conditions or once-only: the open ones
                opts = [
                    ch
                    for ch in scene[2]
                    if (ch[0] is None or ch[0](v, vis, t)) and (ch[1] is None or ch[1] not in once)
                ]
            n = len(opts)
            if not n:
                break  # a dead end
            ch = opts[int(pick() * n)] if n > 1 else opts[0]
            t += 1
            if not scene[6]:
                append(ch[7])
                if ch[1] is not None:
                    once.add(ch[1])
            else:  # Continue: the first branch of `next` that holds
                append(scene[5])
                for ch in scene[2]:
                    if ch[0] is None or ch[0](v, vis, t):
                        break
                else:
                    raise RuntimeError(f"no branch of 'next' in scene {scene[0]!r} matches")
            for op, i, f, k, lo, hi in ch[2]:
                val = k if f is None else f(v, vis, t)
                new = val if op == 0 else v[i] + val if op == 1 else v[i] - val
                if lo is not None:
                    if new < lo:
                        new = lo
                    elif new > hi:
                        new = hi
                v[i] = new
            scene = ch[3]
            if scene is None:
                odds = ch[4](v, vis, t)
                rng, r = next_float(rng)
                scene = ch[5] if r * 100.0 < odds else ch[6]
            sid = scene[0]
            vis[sid] = vis.get(sid, 0) + 1
            for op, i, f, k, lo, hi in scene[1]:
                val = k if f is None else f(v, vis, t)
                new = val if op == 0 else v[i] + val if op == 1 else v[i] - val
                if lo is not None:
                    if new < lo:
                        new = lo
                    elif new > hi:
                        new = hi
                v[i] = new
            ending = scene[4]
        return ending, t, v, vis, path, rng


def _effect_lines(effects: tuple[Effect, ...], consts: list[Any], pad: str) -> list[str]:
    """Python statements applying `effects` to v (clamped like the engine)."""
    out = []
    for e in effects:
        val = _src(e.value.ir, consts)
        i = e.var
        new = val if e.op == "set" else f"v[{i}] + {val}" if e.op == "add" else f"v[{i}] - {val}"
        if e.lo is None:
            out.append(f"{pad}v[{i}] = {new}")
            continue
        consts += [e.lo, e.hi]
        lo, hi = f"_k{len(consts) - 2}", f"_k{len(consts) - 1}"
        out += [
            f"{pad}x = {new}",
            f"{pad}if x < {lo}:",
            f"{pad}    x = {lo}",
            f"{pad}elif x > {hi}:",
            f"{pad}    x = {hi}",
            f"{pad}v[{i}] = x",
        ]
    return out


class CompiledEngine:
    """The story compiled into Python: one function per scene that picks
    among the open options, records the step, applies the choice's effects,
    rolls its chance check and enters the target (its visit count and
    effects), and returns the target's function. The loop in `play` only
    calls them. Scenes are numbered; `S[i]` is scene i's function and
    `F[i]` applies scene i's own effects."""

    def __init__(self, story: Story):
        self.story = story
        ids = list(story.scenes)
        num = {sid: i for i, sid in enumerate(ids)}
        consts: list[Any] = []
        lines: list[str] = []

        def k(value: Any) -> str:
            consts.append(value)
            return f"_k{len(consts) - 1}"

        def enter(target: str, pad: str) -> list[str]:
            j = num[target]
            out = [f"{pad}vis[{k(target)}] = vis.get({k(target)}, 0) + 1"]
            if story.scenes[target].effects:
                out.append(f"{pad}F[{j}](v, vis, t)")
            return out + [f"{pad}return S[{j}]"]

        def transition(ch: Any, pad: str) -> list[str]:
            out = _effect_lines(ch.effects, consts, pad)
            if ch.to is not None:
                return out + enter(ch.to, pad)
            out += [
                f"{pad}odds = {_src(ch.chance.ir, consts)}",
                f"{pad}R[0], r = next_float(R[0])",
                f"{pad}if r * 100.0 < odds:",
            ]
            return out + enter(ch.success, pad + "    ") + enter(ch.failure, pad)

        for i, (sid, scene) in enumerate(story.scenes.items()):
            lines.append(f"def s{i}(v, vis, t, once, pick, append, R):")
            if scene.ending is not None:
                lines.append("    return None")
            elif scene.choices is None:
                if scene.next is None:
                    lines.append("    return None")
                    continue
                lines += ["    t += 1", f"    append({k((sid, CONTINUE_ID))})"]
                for b in scene.next:
                    if b.cond is None:
                        lines += transition(b, "    ")
                        break
                    lines.append(f"    if {_src(b.cond.ir, consts)}:")
                    lines += transition(b, "        ")
                else:
                    lines.append(f"    raise RuntimeError({k(f'no branch of next in {sid}')})")
            else:
                chs = scene.choices
                if all(c.cond is None and not c.once for c in chs):
                    lines.append(
                        f"    c = int(pick() * {len(chs)})" if len(chs) > 1 else "    c = 0"
                    )
                else:
                    lines.append("    o = []")
                    for j, c in enumerate(chs):
                        test = []
                        if c.cond is not None:
                            test.append(_src(c.cond.ir, consts))
                        if c.once:
                            test.append(f"{k((sid, c.id))} not in once")
                        if test:
                            lines.append(f"    if {' and '.join(test)}:")
                            lines.append(f"        o.append({j})")
                        else:
                            lines.append(f"    o.append({j})")
                    lines += [
                        "    n = len(o)",
                        "    if not n:",
                        "        return None",
                        "    c = o[int(pick() * n)] if n > 1 else o[0]",
                    ]
                lines.append("    t += 1")
                for j, c in enumerate(chs):
                    lines.append(f"    {'if' if j == 0 else 'elif'} c == {j}:")
                    lines.append(f"        append({k((sid, c.id))})")
                    if c.once:
                        lines.append(f"        once.add({k((sid, c.id))})")
                    lines += transition(c, "        ")
            if scene.effects:
                lines.append(f"def f{i}(v, vis, t):")
                lines += _effect_lines(scene.effects, consts, "    ")
            else:
                lines.append(f"f{i} = None")
        lines.append(f"S = [{', '.join(f's{i}' for i in range(len(ids)))}]")
        lines.append(f"F = [{', '.join(f'f{i}' for i in range(len(ids)))}]")
        names: dict[str, Any] = {f"_k{i}": c for i, c in enumerate(consts)}
        names["next_float"] = next_float
        exec(compile("\n".join(lines) + "\n", "<minimal engine>", "exec"), names)  # noqa: S102
        self.fns: list[Callable[..., Any]] = names["S"]
        self.effects: list[Callable[..., Any] | None] = names["F"]
        self.start = num[story.start]
        # the scene function -> its ending (the loop's only test per step)
        self.endings = {
            names["S"][num[sid]]: sc.ending for sid, sc in story.scenes.items() if sc.ending
        }
        self.defaults = list(story.defaults())

    def play(self, seed: int, pick: Callable[[], float], step_limit: int = 10_000) -> Played:
        """As MinimalEngine.play."""
        v = list(self.defaults)
        start = self.start
        vis = {self.story.start: 1}
        once: set[tuple[str, str]] = set()
        path: list[tuple[str, str]] = []
        append = path.append
        R = [seed_state(seed)]
        t = 0
        f = self.effects[start]
        if f is not None:
            f(v, vis, t)
        fn = self.fns[start]
        endings = self.endings
        ending = endings.get(fn)
        while ending is None and t < step_limit:
            nxt = fn(v, vis, t, once, pick, append, R)
            if nxt is None:
                break  # a dead end
            t += 1
            fn = nxt
            ending = endings.get(fn)
        return ending, t, v, vis, path, R[0]


Engine = MinimalEngine | CompiledEngine


def random_play(engine: Engine, runs: range, picker_seed: int = 1, step_limit: int = 10_000) -> int:
    """Play one run per seed in `runs`, picking with random.Random(picker_seed);
    returns the choices made."""
    pick = random.Random(picker_seed).random
    play = engine.play
    choices = 0
    for seed in runs:
        choices += play(seed, pick, step_limit)[1]
    return choices


def main() -> int:
    import argparse
    import time

    from rocky_adventure.engine import load_story

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("story", type=Path)
    ap.add_argument("--seconds", type=float, default=3.0, help="for each engine")
    args = ap.parse_args()
    story = load_story(args.story)
    for engine in (MinimalEngine(story), CompiledEngine(story)):
        choices = seed = 0
        t0 = time.process_time()
        while time.process_time() - t0 < args.seconds:
            choices += random_play(engine, range(seed, seed + 100), seed)
            seed += 100
        elapsed = time.process_time() - t0
        print(
            f"{type(engine).__name__}: {choices:,} choices in {seed:,} runs, "
            f"{elapsed:.2f} s of CPU = {choices / elapsed:,.0f}/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
