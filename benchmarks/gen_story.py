"""Generate a synthetic story for benchmarks.

    python benchmarks/gen_story.py 10000 /tmp/story10k

N scenes in files of 500, 3 choices each, a third of the choices guarded by
conditions, some effects, about 1% of scenes endings, every scene reachable
(each scene has an unguarded choice to the next non-ending scene, and each
ending is the target of the scene before it)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

WORDS = (
    "the bell rings and the crowd leans in as cold light spills over canvas rope glove sweat breath "
    "snow ridge cabin fire axe timber road engine night morning champion corner towel jab hook "
    "heavy body shoulder feet ground echo shout silence window letter promise"
).split()
INTS = [f"n{i}" for i in range(10)]
BOOLS = [f"b{i}" for i in range(5)]
PER_FILE = 500
CHAPTERS = 10


def prose(rng: random.Random, words: int, dynamic: bool) -> str:
    out = []
    for i in range(words):
        w = rng.choice(WORDS)
        out.append(w.capitalize() + "." if i % 12 == 11 else w)
    text = " ".join(out)
    if dynamic:
        text += f" The count is {{{rng.choice(INTS)}}}. {{if {rng.choice(BOOLS)}}}It matters.{{else}}It does not.{{end}}"
    return text


def condition(rng: random.Random) -> str:
    a = rng.choice(INTS)
    r = rng.random()
    if r < 0.4:
        return f"{a} >= {rng.randrange(0, 60)}"
    if r < 0.7:
        return f"{a} < {rng.randrange(20, 100)} and not {rng.choice(BOOLS)}"
    return f"{rng.choice(BOOLS)} or {a} + {rng.choice(INTS)} > {rng.randrange(10, 120)}"


def generate(n: int, out: Path, seed: int = 1) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    is_ending = [i > 0 and i % 100 == 57 for i in range(n)]
    is_ending[n - 1] = True
    ids = [f"s{i}" for i in range(n)]

    def next_open(i: int) -> int:
        j = i + 1
        while j < n and is_ending[j]:
            j += 1
        return j if j < n else n - 1

    lines = ["format: 1", "id: synthetic", f"title: Synthetic {n}", "start: s0", "variables:"]
    for v in INTS:
        lines.append(f"  {v}: {{type: int, default: 10, min: 0, max: 100}}")
    for v in BOOLS:
        lines.append(f"  {v}: {{type: bool, default: false}}")
    lines.append("chapters:")
    for c in range(CHAPTERS):
        lines.append(f"  - {{id: c{c}, title: Chapter {c}}}")
    lines.append("endings:")
    for i in range(n):
        if is_ending[i]:
            lines += [
                f"  - id: e{i}",
                f"    title: Ending {i}",
                "    epilogue: |",
                f"      {prose(rng, 30, False)}",
            ]
    (out / "story.yaml").write_text("\n".join(lines) + "\n")

    per_chapter = max(1, n // CHAPTERS)
    for f0 in range(0, n, PER_FILE):
        lines = ["scenes:"]
        for i in range(f0, min(n, f0 + PER_FILE)):
            lines += [
                f"  - id: {ids[i]}",
                f"    chapter: c{min(CHAPTERS - 1, i // per_chapter)}",
                f"    title: Scene {i}",
                "    text: |",
                f"      {prose(rng, 60, rng.random() < 0.3)}",
            ]
            if rng.random() < 0.2:
                lines.append(f"    add: {{{rng.choice(INTS)}: {rng.randrange(1, 5)}}}")
            if is_ending[i]:
                lines.append(f"    ending: e{i}")
                continue
            lines.append("    choices:")
            targets = [next_open(i)]
            nxt = i + 1
            targets.append(nxt if nxt < n and is_ending[nxt] else rng.randrange(n))
            targets.append(rng.randrange(n))
            for k, t in enumerate(targets):
                lines += [
                    f"      - id: c{k}",
                    f"        text: {prose(rng, 6, False)}",
                    f"        to: {ids[t]}",
                ]
                if k == 2:
                    lines.append(f'        if: "{condition(rng)}"')
                if rng.random() < 0.3:
                    lines.append(f"        add: {{{rng.choice(INTS)}: {rng.randrange(-3, 6)}}}")
                if rng.random() < 0.1:
                    lines.append(
                        f"        set: {{{rng.choice(BOOLS)}: {rng.choice(['true', 'false'])}}}"
                    )
        (out / f"scenes_{f0 // PER_FILE:03d}.yaml").write_text("\n".join(lines) + "\n")
    return out


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
