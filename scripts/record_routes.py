"""Record one short route per ending of the bundled story, for the test that
proves every ending reachable (tests/test_story.py reads
tests/story_routes.json).

    python scripts/record_routes.py [--runs 20000]

Random play, seeded: for each ending, the shortest choice list seen reaching
it, with its seed. Re-run it after changing the story if that test fails."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rocky_adventure.engine import Cursor, load_story
from rocky_adventure.engine.rng import Random

OUT = Path(__file__).resolve().parent.parent / "tests" / "story_routes.json"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=20000)
    args = ap.parse_args()
    story = load_story()
    best: dict[str, dict] = {}
    for seed in range(args.runs):
        rng = Random(10_000 + seed)
        c = Cursor.start(story, seed)
        while c.ending is None and len(c.path) < 2000:
            opts = c.options()
            c.take(opts[rng.below(len(opts))])
        if c.ending is None:
            continue
        route = [cid for _, cid in c.path]
        if c.ending not in best or len(route) < len(best[c.ending]["choices"]):
            best[c.ending] = {"seed": seed, "choices": route}
    missing = sorted(set(story.endings) - set(best))
    OUT.write_text(json.dumps(dict(sorted(best.items())), indent=1) + "\n")
    print(f"{len(best)} endings recorded in {OUT}; missing: {missing or 'none'}")


if __name__ == "__main__":
    main()
