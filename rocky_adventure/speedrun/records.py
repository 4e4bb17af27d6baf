"""Personal bests, gold segments, attempt counts and run files, per category
and seed type, kept in the data dir (speedrun/). Timing is compared by IGT."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..game.files import Unreadable, read_json, set_aside, write_json
from .run import Run, SplitEvent

RECENT = 20

# LiveSplit's colours for deltas.
AHEAD_GAINING = (41, 204, 84)
AHEAD_LOSING = (112, 204, 137)
BEHIND_GAINING = (204, 120, 112)
BEHIND_LOSING = (204, 55, 41)
BEST_SEGMENT = (216, 175, 31)


def delta_colour(
    delta: int, previous_delta: int | None, segment: int | None, best_segment: int | None
):
    """The colour of a split's delta against the PB, as LiveSplit draws it:
    gold for a new best segment, green ahead, red behind, lighter when the
    lead grew (ahead) or shrank (behind) in this segment."""
    if segment is not None and (best_segment is None or segment < best_segment):
        return BEST_SEGMENT
    gained = previous_delta is not None and delta < previous_delta
    if delta < 0:
        return AHEAD_GAINING if (gained or previous_delta is None) else AHEAD_LOSING
    return BEHIND_GAINING if gained else BEHIND_LOSING


@dataclass
class Comparison:
    """What the HUD compares a live run against."""

    names: list[str]
    pb_splits: list[int | None]  # cumulative IGT of the PB at each split
    golds: list[int | None]  # best segment IGT per segment
    attempts: int

    @property
    def sum_of_best(self) -> int | None:
        if not self.golds or any(g is None for g in self.golds):
            return None
        return sum(self.golds)  # type: ignore[arg-type]


def segment_times(splits: list[int | None]) -> list[int | None]:
    """Cumulative split times to segment times; a skipped split folds into
    the next segment."""
    out: list[int | None] = []
    last = 0
    for t in splits:
        if t is None:
            out.append(None)
            continue
        out.append(t - last)
        last = t
    return out


class Records:
    def __init__(self, data_dir: Path, story_id: str):
        self.root = Path(data_dir) / "speedrun" / story_id
        self.runs_dir = self.root / "runs"
        self.path = self.root / "records.json"
        self.problem: str | None = None
        self.errors: list[str] = []  # writes that failed, said once by take_errors()
        self.data = self._load()

    def _load(self) -> dict:
        try:
            data = read_json(self.path)
        except FileNotFoundError:
            return {"version": 1, "categories": {}}
        except OSError as e:  # a folder that cannot be read; nothing is moved
            self.problem = (
                f"cannot read {self.path}: {e.strerror or e}; personal bests are not shown"
            )
            return {"version": 1, "categories": {}}
        except Unreadable as e:
            moved = set_aside(self.path)
            self.problem = f"{self.path.name} could not be read ({e}); it was set aside as {moved.name if moved else '?'}"
            return {"version": 1, "categories": {}}
        why = _records_problem(data)
        if why is not None:
            moved = set_aside(self.path)
            self.problem = (
                f"{self.path.name} was not a records file ({why}); it was set aside"
                f"{' as ' + moved.name if moved else ''}"
            )
            return {"version": 1, "categories": {}}
        return data

    @staticmethod
    def key(category: str, seed_type: str) -> str:
        return f"{category}|{seed_type}"

    def entry(self, category: str, seed_type: str) -> dict:
        e = self.data["categories"].get(self.key(category, seed_type))
        if not isinstance(e, dict):
            e = {}
        e.setdefault("attempts", 0)
        e.setdefault("pb", None)
        e.setdefault("golds", [])
        e.setdefault("recent", [])
        e.setdefault("practice", {})
        return e

    def comparison(self, category: str, seed_type: str, names: list[str]) -> Comparison:
        e = self.entry(category, seed_type)
        pb = e.get("pb") or {}
        pb_splits = [s.get("igt_ms") for s in pb.get("splits", [])] if pb else []
        if len(pb_splits) != len(names):
            pb_splits = [None] * len(names)
        golds = list(e.get("golds") or [])
        if len(golds) != len(names):
            golds = [None] * len(names)
        return Comparison(names, pb_splits, golds, e["attempts"])

    def _save(self) -> None:
        self._write(self.path, self.data)

    def _write(self, path: Path, obj, backup: bool = True) -> bool:
        try:
            write_json(path, obj, backup=backup)
        except OSError as e:  # a full disk, a folder that cannot be written
            self.errors.append(f"could not write {path}: {e.strerror or e}")
            return False
        return True

    def take_errors(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors

    def attempt(self, category: str, seed_type: str) -> int:
        """A run started: count the attempt."""
        e = self.entry(category, seed_type)
        e["attempts"] += 1
        self.data["categories"][self.key(category, seed_type)] = e
        self._save()
        return e["attempts"]

    def finish(self, run: Run) -> dict:
        """Save the run file and update PB and golds (valid, non-practice
        runs only). Returns {"path", "pb", "golds"}."""
        record = run.record()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(run.started_wall))
        name = f"{stamp}-{run.category.key.replace(':', '-')}-{run.seed}.json"
        path = self.runs_dir / name
        written = self._write(path, record, backup=False)
        result: dict[str, Any] = {"path": path if written else None, "pb": False, "golds": []}
        if run.practice:
            return result
        e = self.entry(run.category.key, run.seed_type)
        summary = {
            "file": name,
            "igt_ms": record["final"]["igt_ms"],
            "rta_ms": record["final"]["rta_ms"],
            "choices": record["final"]["choices"],
            "seed": run.seed,
            "valid": run.valid,
            "finished": run.finished,
            "ending": record["final"]["ending"],
            "date": record["started"],
        }
        e["recent"] = ([summary] + list(e["recent"]))[:RECENT]
        if run.valid and run.finished:
            igt = record["final"]["igt_ms"]
            pb = e.get("pb")
            if pb is None or igt < pb.get("igt_ms", igt + 1):
                e["pb"] = dict(summary, splits=record["splits"])
                result["pb"] = True
            for field, key in (("golds", "igt_ms"), ("golds_rta", "rta_ms")):
                segs = segment_times([s[key] for s in record["splits"]])
                golds = list(e.get(field) or [])
                if len(golds) != len(segs):
                    golds = [None] * len(segs)
                for i, seg in enumerate(segs):
                    if seg is not None and (golds[i] is None or seg < golds[i]):
                        golds[i] = seg
                        if field == "golds":
                            result["golds"].append(i)
                e[field] = golds
        self.data["categories"][self.key(run.category.key, run.seed_type)] = e
        self._save()
        return result

    def practice_best(self, category: str, chapter: str, igt_ms: int) -> bool:
        """Record a practice time for a chapter; True when it is a new best."""
        e = self.entry(category, "practice")
        best = e["practice"].get(chapter)
        new = best is None or igt_ms < best
        if new:
            e["practice"][chapter] = igt_ms
            self.data["categories"][self.key(category, "practice")] = e
            self._save()
        return new

    def table(self) -> list[dict]:
        rows = []
        for key, e in sorted(self.data["categories"].items()):
            category, _, seed_type = key.partition("|")
            pb = e.get("pb") or {}
            golds = e.get("golds") or []
            sob = sum(golds) if golds and all(g is not None for g in golds) else None
            rows.append(
                {
                    "category": category,
                    "seed_type": seed_type,
                    "attempts": e.get("attempts", 0),
                    "pb_igt_ms": pb.get("igt_ms"),
                    "pb_rta_ms": pb.get("rta_ms"),
                    "sum_of_best_ms": sob,
                    "recent": e.get("recent", []),
                    "practice": e.get("practice", {}),
                }
            )
        return rows


RUN_FILE_MAX_BYTES = 16 * 1024 * 1024
MAX_MS = 10**11  # three years, in milliseconds


def load_run_file(path: Path) -> dict:
    """A run file's JSON, read with the bounds of engine/jsonio.py (its
    fields are checked by verify); ValueError saying why it cannot be read."""
    try:
        data = read_json(Path(path), RUN_FILE_MAX_BYTES)
    except OSError as e:
        raise ValueError(f"{path}: cannot read the run file: {e.strerror or e}") from None
    except Unreadable as e:
        raise ValueError(f"{path}: cannot read the run file: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a run file: expected a JSON object")
    return data


def _ms(v: Any) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_MS)


def _records_problem(data: Any) -> str | None:
    """Why a records document is not one this game wrote, or None."""
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        return "no categories"
    for key, e in data["categories"].items():
        where = f"category {key[:40]!r}"
        if not isinstance(e, dict):
            return f"{where} is damaged"
        attempts = e.get("attempts", 0)
        if not (_ms(attempts) and attempts is not None):
            return f"{where}: its attempts are not a count"
        pb = e.get("pb")
        if pb is not None:
            if not isinstance(pb, dict) or not _ms(pb.get("igt_ms")) or not _ms(pb.get("rta_ms")):
                return f"{where}: its personal best is damaged"
            splits = pb.get("splits", [])
            if not isinstance(splits, list) or not all(
                isinstance(x, dict) and _ms(x.get("igt_ms")) for x in splits
            ):
                return f"{where}: its personal best's splits are damaged"
        for field in ("golds", "golds_rta"):
            golds = e.get(field, [])
            if not isinstance(golds, list) or not all(_ms(g) for g in golds):
                return f"{where}: its {field} are damaged"
        recent = e.get("recent", [])
        if not isinstance(recent, list) or not all(
            isinstance(r, dict) and _ms(r.get("igt_ms")) and _ms(r.get("rta_ms")) for r in recent
        ):
            return f"{where}: its recent runs are damaged"
        practice = e.get("practice", {})
        if not isinstance(practice, dict) or not all(
            _ms(v) and v is not None for v in practice.values()
        ):
            return f"{where}: its practice bests are damaged"
    return None


__all__ = ["Comparison", "Records", "SplitEvent", "delta_colour", "load_run_file", "segment_times"]
