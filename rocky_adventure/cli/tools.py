"""The authoring tools' commands: randomtest, explore, route, transcript,
graph and new-pack. Only argparse set-up lives at the top level: each
handler imports what it needs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Command,
    CommandError,
    load_from_args,
    start_args,
    story_args,
    write_or_print,
)

ROUTE_MAX_BYTES = 16 * 1024 * 1024


def start_from_args(story, args, command: str, seed: int | None = None):
    """The Start that --from/--set ask for, checked against the story, or
    None; a bad one ends the command with exit 2 (as `play` does)."""
    scene, sets = getattr(args, "from_scene", None), getattr(args, "sets", None) or []
    if not (scene or sets):
        return None
    from ..engine.start import Start, StartError

    try:
        return Start.parse(story, scene, sets, seed if seed is not None else 0)
    except StartError as e:
        raise CommandError(f"rocky-adventure {command}: {e}", code=EXIT_USAGE) from None


def _start_text(start) -> str:
    sets = " ".join(f"{n}={v}" for n, v in start.values)
    return f"from {start.scene or 'the start'}" + (f" with {sets}" if sets else "")


# -- randomtest --------------------------------------------------------------


def _setup_randomtest(p) -> None:
    story_args(p)
    p.add_argument(
        "--runs", type=int, default=1000, metavar="N", help="playthroughs (default 1000)"
    )
    p.add_argument(
        "--seed", type=int, default=0, metavar="S", help="run i uses seed S+i (default 0)"
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=1,
        metavar="J",
        help="worker processes (0: one per core; default 1)",
    )
    p.add_argument(
        "--no-prefer",
        dest="prefer",
        action="store_false",
        help="pick uniformly instead of preferring choices not taken yet",
    )
    p.add_argument(
        "--step-limit",
        type=int,
        default=None,
        metavar="N",
        help="choices before a run counts as stuck in a loop (default 5000)",
    )
    p.add_argument(
        "--no-render",
        dest="render",
        action="store_false",
        help="do not render text (faster; misses faults inside text)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def cmd_randomtest(args) -> int:
    import time

    from ..tools.randomtest import DEFAULT_STEP_LIMIT, format_report, randomtest

    if args.runs < 1:
        print("--runs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    story = load_from_args(args)
    t = time.perf_counter()
    r = randomtest(
        story,
        runs=args.runs,
        seed=args.seed,
        jobs=args.jobs,
        prefer=args.prefer,
        step_limit=args.step_limit or DEFAULT_STEP_LIMIT,
        render=args.render,
    )
    elapsed = time.perf_counter() - t
    print(json.dumps(r, indent=2) if args.json else format_report(r, elapsed))
    return EXIT_ERROR if any(r["unfinished"].values()) else EXIT_OK


# -- explore -----------------------------------------------------------------


def _setup_explore(p) -> None:
    story_args(p)
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="follow the dice of this seed (default: every chance check both ways)",
    )
    p.add_argument(
        "--budget",
        type=int,
        default=None,
        metavar="N",
        help="the most distinct states to visit (default 1,000,000)",
    )
    start_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def cmd_explore(args) -> int:
    import time

    from ..tools.explore import DEFAULT_BUDGET, exploration_report, explore_from

    story = load_from_args(args)
    start = start_from_args(story, args, "explore", args.seed)
    budget = args.budget or DEFAULT_BUDGET
    t = time.perf_counter()
    ex = explore_from(story, args.seed, budget, start)
    elapsed = time.perf_counter() - t
    r = exploration_report(ex)
    if start is not None:
        r["from"] = {"scene": start.scene, "set": dict(start.values)}
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        mode = f"following seed {args.seed}" if args.seed is not None else "chance checks both ways"
        if start is not None:
            mode += ", " + _start_text(start)
        print(
            f"{story.id}: {ex.states:,} distinct states ({mode}) in {elapsed:.2f} s "
            f"({ex.states / max(elapsed, 1e-9):,.0f} states/s)"
        )
        if ex.hook_states:
            print(
                f"also explored from {ex.hook_states} states that random playthroughs reach at "
                f"the packs' hooks"
            )
        if not ex.complete:
            print(
                f"INCOMPLETE: the state space is larger than the budget of {budget:,} states; what is "
                f"listed as unreached below may still be reachable (raise --budget)"
            )
        print(
            f"scenes reached: {len(ex.scenes)}/{len(story.scenes)}; endings reached: "
            f"{len(ex.endings)}/{len(story.endings)}"
        )
        for key, what in (
            ("unreached_scenes", "scenes never reached"),
            ("unreached_endings", "endings never reached"),
            ("never_open_choices", "choices never open"),
        ):
            if r[key]:
                shown = r[key][:25]
                more = (
                    f", ... ({len(r[key]) - 25} more; --json lists all)" if len(r[key]) > 25 else ""
                )
                print(f"  {what}{'' if ex.complete else ' yet'}: {', '.join(shown)}{more}")
        for d in r["dead_ends"]:
            print(f"  dead end in {d['scene']!r} after: {','.join(d['choices'])}")
        for f in r["faults"]:
            print(f"  fault: {f['message']} (after: {','.join(f['choices'])})")
    return EXIT_ERROR if r["faults"] or r["dead_ends"] else EXIT_OK


# -- route -------------------------------------------------------------------


def _setup_route(p) -> None:
    story_args(p)
    p.add_argument(
        "--ending",
        action="append",
        default=[],
        metavar="ID",
        help="only the route to this ending (repeatable; default: every ending)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="follow the dice of this seed: the route is exact for it",
    )
    p.add_argument(
        "--budget",
        type=int,
        default=None,
        metavar="N",
        help="distinct states the exact search keeps for proven-shortest routes before "
        "weighted A*, guided walks and random playthroughs take over (default 50,000)",
    )
    p.add_argument(
        "--any",
        action="store_true",
        help="only the shortest route to any ending (of those given with --ending): Any%%",
    )
    start_args(p)
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write the route file here (default: print)"
    )


def cmd_route(args) -> int:
    from ..tools.explore import ROUTE_BUDGET, routes_for
    from ..tools.transcript import route_document

    story = load_from_args(args)
    unknown = [e for e in args.ending if e not in story.endings]
    if unknown:
        print(
            f"unknown ending {unknown[0]!r} (endings: {', '.join(story.endings)})", file=sys.stderr
        )
        return EXIT_USAGE
    start = start_from_args(story, args, "route", args.seed)
    ex, found = routes_for(
        story,
        args.seed,
        args.budget or ROUTE_BUDGET,
        args.ending or None,
        start=start,
        any_ending=args.any,
        other_seeds=True,
    )
    doc = route_document(story, found, args.seed)
    if start is not None:
        doc["from"] = {"scene": start.scene, "set": dict(start.values)}
    write_or_print(json.dumps(doc, indent=2), args.output)
    for r in found:
        if r["shortest"]:
            how = "shortest"
        else:
            how = f"found by {r.get('found_by', 'guided walks')}, not proven shortest"
            if r.get("lower_bound") is not None:
                how += f" (no route is shorter than {r['lower_bound']})"
        if not r["exact"]:
            how += ", needs lucky dice: no seed found that plays it"
        elif args.seed is not None and r["seed"] != args.seed:
            how += f", seed {r['seed']}: none found for seed {args.seed}"
        else:
            how += f", seed {r['seed']}"
        what = f"any% ({r['ending']})" if args.any else r["ending"]
        print(f"{what}: {r['steps']} choices ({how})", file=sys.stderr)
    wanted = args.ending or list(story.endings)
    missing = (
        [] if args.any and found else [e for e in wanted if e not in {r["ending"] for r in found}]
    )
    if missing:
        why = (
            "no route exists"
            if ex.complete
            else f"not found in {ex.budget:,} states nor by guided walks or random "
            f"playthroughs (raise --budget)"
        )
        what = "any ending" if args.any else ", ".join(missing)
        print(f"no route to {what}: {why}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


# -- transcript ----------------------------------------------------------------


def _setup_transcript(p) -> None:
    p.add_argument(
        "route",
        nargs="?",
        metavar="ROUTE.json",
        help="a route file (from `route`), a {seed, choices} object or a list of choice ids",
    )
    story_args(p)
    p.add_argument(
        "--ending", metavar="ID", help="of a route file with several routes, only this one"
    )
    p.add_argument("--choices", metavar="IDS", help="comma-separated choice ids instead of a file")
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="the seed (default: the route's, else 0)",
    )
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write the transcript here (default: print)"
    )


def cmd_transcript(args) -> int:
    from ..tools.transcript import RouteError, parse_routes, transcript

    story = load_from_args(args)
    try:
        if args.choices is not None:
            routes = parse_routes([c for c in args.choices.split(",") if c], args.seed or 0)
        elif args.route:
            from ..engine.jsonio import JSONError, loads

            try:
                with open(args.route, "rb") as f:
                    raw = f.read(ROUTE_MAX_BYTES + 1)
                data = loads(raw, max_bytes=ROUTE_MAX_BYTES)
            except OSError as e:
                print(f"{args.route}: cannot read the route: {e.strerror or e}", file=sys.stderr)
                return EXIT_ERROR
            except JSONError as e:
                print(f"{args.route}: cannot read the route: {e}", file=sys.stderr)
                return EXIT_ERROR
            routes = parse_routes(data, args.seed or 0)
            made_for = data.get("story_hash") if isinstance(data, dict) else None
            if made_for and made_for != story.hash:
                print(
                    f"{args.route}: warning: the route was made for another version of the story "
                    f"(or other --pack options); it may not play",
                    file=sys.stderr,
                )
            if isinstance(data, dict) and isinstance(data.get("from"), dict):
                print(
                    f"{args.route}: warning: the route starts from scene "
                    f"{data['from'].get('scene')!r} (route --from/--set); the transcript plays "
                    f"it from the story's start",
                    file=sys.stderr,
                )
        else:
            print("give a route file or --choices", file=sys.stderr)
            return EXIT_USAGE
    except RouteError as e:
        print(f"{args.route or '--choices'}: {e}", file=sys.stderr)
        return EXIT_ERROR
    if args.ending:
        routes = [r for r in routes if r.ending == args.ending]
        if not routes:
            print(f"no route to {args.ending!r} in {args.route}", file=sys.stderr)
            return EXIT_ERROR
    texts, failed = [], False
    for r in routes:
        seed = args.seed if args.seed is not None else r.seed
        text, error = transcript(story, seed, r.choices)
        texts.append(text)
        if error:
            failed = True
            print(f"{args.route or '--choices'}: {error}", file=sys.stderr)
    write_or_print("\n".join(texts), args.output)
    return EXIT_ERROR if failed else EXIT_OK


# -- graph ---------------------------------------------------------------------


def _setup_graph(p) -> None:
    story_args(p)
    p.add_argument(
        "--format",
        choices=("dot", "mermaid"),
        default=None,
        help="dot (Graphviz) or mermaid (default: dot, or from --output's extension)",
    )
    p.add_argument("--chapter", metavar="ID", help="only the scenes of this chapter")
    p.add_argument("--around", metavar="SCENE", help="only the scenes near this one (see --depth)")
    p.add_argument(
        "--depth",
        type=int,
        default=2,
        metavar="N",
        help="with --around: scenes at most N choices away, forwards or back (default 2)",
    )
    p.add_argument(
        "--pack-only", action="store_true", help="only the scenes of the branch packs loaded"
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write here; .svg/.png/.pdf are drawn with Graphviz's dot when it is installed; "
        "a Mermaid graph too large for one file is split into FILE, FILE-2, ...",
    )


def cmd_graph(args) -> int:
    from ..tools.graph import mermaid_parts, render_with_dot, select, to_dot

    story = load_from_args(args)
    out = args.output
    ext = out.rsplit(".", 1)[-1].lower() if out and "." in out else ""
    fmt = args.format or ("mermaid" if ext in ("mmd", "mermaid", "md") else "dot")
    if args.depth < 0:
        print("--depth must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    try:
        scenes = select(story, args.chapter, args.around, args.depth, args.pack_only)
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return EXIT_USAGE
    what = args.chapter or (f"around {args.around}" if args.around else "")
    if fmt == "mermaid":
        parts = mermaid_parts(story, scenes)
        if len(parts) > 1:
            stem, dot, suffix = out.rpartition(".") if out and "." in out else (out, "", "")
            for i, part in enumerate(parts, 1):
                if out:
                    name = out if i == 1 else f"{stem}-{i}{dot}{suffix}"
                    write_or_print(part.rstrip("\n"), name)
                else:
                    print(f"%% part {i} of {len(parts)}")
                    print(part.rstrip("\n"))
            print(
                f"the graph is larger than Mermaid's limits (50,000 characters, 500 edges): "
                f"{len(parts)} parts" + (f", {out} and the files after it" if out else ""),
                file=sys.stderr,
            )
            return EXIT_OK
        text = parts[0]
    else:
        text = to_dot(story, scenes, what)
    if out and ext in ("svg", "png", "pdf", "jpg", "jpeg", "gif") and fmt == "dot":
        try:
            render_with_dot(text, out)
        except FileNotFoundError:
            print(
                f"cannot draw {out}: Graphviz's 'dot' is not installed (install graphviz, or write "
                f"{out.rsplit('.', 1)[0]}.dot and render it elsewhere)",
                file=sys.stderr,
            )
            return EXIT_ERROR
        except (RuntimeError, OSError) as e:
            print(f"dot failed: {e}", file=sys.stderr)
            return EXIT_ERROR
        return EXIT_OK
    write_or_print(text.rstrip("\n"), out)
    return EXIT_OK


# -- new-pack --------------------------------------------------------------------


def _setup_new_pack(p) -> None:
    p.add_argument(
        "name", metavar="NAME", help="the pack's folder (its last part, made an id, names the pack)"
    )
    p.add_argument(
        "--story", metavar="DIR", help="the story the pack extends (default: the bundled story)"
    )
    p.add_argument(
        "--hook",
        metavar="SCENE",
        help="the story's scene to add the pack's first choice to (default: the first with choices)",
    )
    p.add_argument("--no-cache", action="store_true", help="do not use the load cache")


def cmd_new_pack(args) -> int:
    from ..tools.newpack import scaffold

    story = load_from_args(args)
    folder = Path(args.name)
    try:
        files = scaffold(story, folder, args.hook, args.story)
    except (FileExistsError, ValueError) as e:
        print(str(e), file=sys.stderr)
        return EXIT_ERROR
    except OSError as e:
        print(f"cannot write {folder}: {e.strerror or e}", file=sys.stderr)
        return EXIT_ERROR
    for f in files:
        print(f"wrote {f}")
    flag = f" --story {args.story}" if args.story else ""
    print(
        f"\nnext: rocky-adventure check{flag} --pack {folder}\n      rocky-adventure play{flag} --pack {folder}"
        f"\n(docs/authoring.md walks through it)"
    )
    return EXIT_OK


COMMANDS = (
    Command(
        "randomtest",
        "play many random playthroughs: coverage, endings, faults with their seeds",
        "rocky-adventure randomtest --runs 10000 --seed 42 --jobs 0",
        _setup_randomtest,
        cmd_randomtest,
    ),
    Command(
        "explore",
        "explore every reachable state exactly: what is reachable, and how many states",
        "rocky-adventure explore --budget 200000",
        _setup_explore,
        cmd_explore,
    ),
    Command(
        "route",
        "the fewest-choices route to each ending, as choice ids that replay can play",
        "rocky-adventure route --ending champion -o champion.json",
        _setup_route,
        cmd_route,
    ),
    Command(
        "transcript",
        "play a list of choices and print all the text, for golden-transcript tests",
        "rocky-adventure route --ending champion -o r.json && rocky-adventure transcript r.json",
        _setup_transcript,
        cmd_transcript,
    ),
    Command(
        "graph",
        "draw the scene graph as Graphviz dot or Mermaid, by chapter",
        "rocky-adventure graph --chapter siberia -o siberia.svg",
        _setup_graph,
        cmd_graph,
    ),
    Command(
        "new-pack",
        "create a branch pack with a sample branch that passes check",
        "rocky-adventure new-pack my_branch && rocky-adventure check --pack my_branch",
        _setup_new_pack,
        cmd_new_pack,
    ),
)
