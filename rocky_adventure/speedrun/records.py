"""Personal bests, gold segments, sum of best, attempt counts, attempt
history and run files, kept in the data dir (speedrun/STORY/). Timing is
compared by IGT.

Records are kept apart by a RecordKey: the category, the seed type, the
seed (set-seed runs only) and the story's hash, which covers its branch
packs. A run played with a pack, another story version, or another set seed
never touches the others' records. Records files from before (version 1,
keyed category|seed_type) are read and their entries kept, as "old records"
that no new run compares against or changes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..game.files import Unreadable, backup_path, read_json, set_aside, write_json
from .run import SplitEvent

if TYPE_CHECKING:
    from .run import Run

RECENT = 20
HISTORY = 100  # attempts kept in an entry's history, newest last
RECORDS_VERSION = 2
MAX_ENTRIES = 10_000
SET, RANDOM = "set", "random"

# LiveSplit's colours for deltas.
AHEAD_GAINING = (41, 204, 84)
AHEAD_LOSING = (112, 204, 137)
BEHIND_GAINING = (204, 120, 112)
BEHIND_LOSING = (204, 55, 41)
BEST_SEGMENT = (216, 175, 31)


def delta_colour(
    delta: int, previous_delta: int | None, segment: int | None, best_segment: int | None
):
    """The colour of a split's delta against the PB, as LiveSplit draws it
    (LiveSplitStateHelper.GetSplitColor): gold for a new best segment; ahead
    (delta < 0) is green, light green only when the lead shrank; otherwise
    (a delta of zero too) red, light red only when the deficit shrank. An
    unchanged delta keeps the darker colour of its side."""
    if segment is not None and (best_segment is None or segment < best_segment):
        return BEST_SEGMENT
    if delta < 0:
        losing = previous_delta is not None and delta > previous_delta
        return AHEAD_LOSING if losing else AHEAD_GAINING
    gaining = previous_delta is not None and delta < previous_delta
    return BEHIND_GAINING if gaining else BEHIND_LOSING


def format_delta(millis: int | None, places: int = 1) -> str:
    """A delta as LiveSplit's delta formatter writes it: a sign on every
    non-zero delta (+1.2, -0.4), none on an equal time (0.0), '-' for no
    comparison."""
    from .timer import format_time

    if millis is None:
        return "-"
    return format_time(millis, signed=millis != 0, places=places)


@dataclass
class Comparison:
    """What the HUD compares a live run against."""

    names: list[str]
    pb_splits: list[int | None]  # cumulative IGT of the PB at each split
    golds: list[int | None]  # best segment IGT per segment
    attempts: int
    # the best time over segments i+1..j together, from splits i to j when the
    # ones between were skipped (i = -1: from the start)
    spans: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def sum_of_best(self) -> int | None:
        return sum_of_best(self.golds, self.spans)


def sum_of_best(
    golds: list[int | None], spans: dict[tuple[int, int], int] | None = None
) -> int | None:
    """The fastest way through every segment from the best times seen: the
    golds, and the best combined times over chapters a run skipped (as
    LiveSplit's sum of best uses combined segments). None while some part
    of the run has never been timed."""
    if not golds:
        return None
    n = len(golds)
    best: dict[int, int] = {-1: 0}
    for j in range(n):
        options = []
        if j - 1 in best and golds[j] is not None:
            options.append(best[j - 1] + golds[j])  # type: ignore[operator]
        for (i, k), t in (spans or {}).items():
            if k == j and i in best:
                options.append(best[i] + t)
        if options:
            best[j] = min(options)
    return best.get(n - 1)


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


@dataclass(frozen=True)
class RecordKey:
    """What keeps one set of records apart from the others."""

    category: str
    seed_type: str  # "random" | "set" (an old records file: also "practice")
    seed: int | None = None  # set-seed runs only
    story_hash: str | None = None  # the story and its packs; None: an old records file's entry
    packs: tuple[str, ...] = ()  # "name version" of each pack, for people to read

    @property
    def legacy(self) -> bool:
        return self.story_hash is None

    def text(self) -> str:
        if self.legacy:
            return f"{self.category}|{self.seed_type}"  # the old records file's own key
        seed = str(self.seed) if self.seed is not None else ""
        return f"{self.category}|{self.seed_type}|{seed}|{self.story_hash}"

    def describe(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "seed_type": self.seed_type,
            "seed": self.seed,
            "story_hash": self.story_hash,
            "packs": list(self.packs),
        }

    @classmethod
    def of_run(cls, run: Run) -> RecordKey:
        story = run.story
        return cls(
            run.category.key,
            run.seed_type,
            run.seed if run.seed_type == SET else None,
            story.hash,
            tuple(f"{p.name} {p.version}" for p in story.packs),
        )

    @classmethod
    def of_entry(cls, text: str, entry: dict) -> RecordKey:
        """The key an entry was stored under (its own `key`, else its text)."""
        k = entry.get("key")
        if isinstance(k, dict):
            seed = k.get("seed")
            return cls(
                str(k.get("category")),
                str(k.get("seed_type")),
                seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
                k.get("story_hash") if isinstance(k.get("story_hash"), str) else None,
                tuple(p for p in k.get("packs") or [] if isinstance(p, str)),
            )
        category, _, rest = text.partition("|")
        seed_type = rest.partition("|")[0]
        return cls(category, seed_type)


def _stamp(wall: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(wall))


def _empty() -> dict:
    return {"version": RECORDS_VERSION, "categories": {}}


class Records:
    """`story` is the Story (or, as before, its id: then the calls that take
    a category and a seed type reach only the old records' entries)."""

    def __init__(self, data_dir: Path, story: Any):
        story_id = story if isinstance(story, str) else story.id
        self.story = None if isinstance(story, str) else story
        self.root = Path(data_dir) / "speedrun" / story_id
        self.runs_dir = self.root / "runs"
        self.path = self.root / "records.json"
        self.problem: str | None = None
        self.errors: list[str] = []  # writes that failed, said once by take_errors()
        self._keep_file = False  # the file could not be read: never write over it
        self._old_file: Path | None = None  # a version 1 file, copied once before it is replaced
        self.data = self._load()

    # -- reading -------------------------------------------------------------
    def _load(self) -> dict:
        try:
            data = read_json(self.path)
        except FileNotFoundError:
            return _empty()
        except OSError as e:  # a folder that cannot be read; nothing is moved or replaced
            self._keep_file = True
            self.problem = (
                f"cannot read {self.path}: {e.strerror or e}; personal bests are not shown "
                "and not saved this session"
            )
            return _empty()
        except Unreadable as e:
            why: str | None = str(e)
        else:
            why = _records_problem(data)
            if why is None:
                return self._upgrade(data)
        moved = set_aside(self.path)
        where = f"; it was set aside (kept) as {moved}" if moved else ""
        if moved is None:  # it cannot be moved: leave it where it is, untouched
            self._keep_file = True
            where = "; it was left as it is and records are not saved this session"
        self.problem = f"{self.path.name} is not a records file this game can read ({why}){where}"
        restored = self._from_backup()
        if restored is not None:
            self.problem += f"; the records were read from its backup {backup_path(self.path).name}"
            return restored
        return _empty()

    def _from_backup(self) -> dict | None:
        try:
            data = read_json(backup_path(self.path))
        except (OSError, Unreadable):
            return None
        if _records_problem(data) is not None:
            return None
        return self._upgrade(data)

    def _upgrade(self, data: dict) -> dict:
        """A version 1 file's entries become old records (kept whole, keyed as
        before); the file itself is copied aside before it is first replaced."""
        if data.get("version") == RECORDS_VERSION:
            return data
        self._old_file = self.root / "records-v1.json"
        out = _empty()
        for text, e in data["categories"].items():
            k = RecordKey.of_entry(text, {})
            e = dict(e)
            e["key"] = dict(k.describe(), legacy=True)
            out["categories"][text] = e
        return out

    # -- keys and entries ----------------------------------------------------
    def key(self, what: Any, seed_type: str | None = None) -> RecordKey:
        """The key of a Run, or of (category, seed type) among the old records."""
        if isinstance(what, RecordKey):
            return what
        if isinstance(what, str):
            return RecordKey(what, seed_type or RANDOM)
        return RecordKey.of_run(what)

    def entry(self, what: Any, seed_type: str | None = None) -> dict:
        """The records entry (a copy with every field) of a Run or a key."""
        key = self.key(what, seed_type)
        e = self.data["categories"].get(key.text())
        e = dict(e) if isinstance(e, dict) else {}
        e.setdefault("attempts", 0)
        e.setdefault("pb", None)
        e.setdefault("golds", [])
        e.setdefault("recent", [])
        e.setdefault("practice", {})
        e.setdefault("history", [])
        e.setdefault("spans", {})
        e["key"] = dict(key.describe(), legacy=key.legacy) if key.legacy else key.describe()
        return e

    def keys(self) -> list[RecordKey]:
        return [RecordKey.of_entry(t, e) for t, e in self.data["categories"].items()]

    def _store(self, key: RecordKey, e: dict) -> None:
        self.data["categories"][key.text()] = e

    def comparison(
        self, what: Any, seed_type: str | None = None, names: list[str] | None = None
    ) -> Comparison:
        """What a run is compared against. For a practice Run, its chapter's
        segment is compared against that chapter's best segment (its gold,
        else its practice best), not against the PB's cumulative split."""
        run = None if isinstance(what, (str, RecordKey)) else what
        if names is None:
            if run is None:
                raise TypeError("comparison needs the segment names")
            names = list(run.names)
        e = self.entry(what, seed_type)
        pb = e.get("pb") or {}
        pb_splits = [s.get("igt_ms") for s in pb.get("splits", [])] if pb else []
        if len(pb_splits) != len(names):
            pb_splits = [None] * len(names)
        golds = list(e.get("golds") or [])
        if len(golds) != len(names):
            golds = [None] * len(names)
        spans = _spans(e.get("spans"), len(names))
        if run is not None and run.practice:
            chapter = getattr(run, "practice_chapter", None)
            pb_splits = [None] * len(names)
            if chapter is not None and not run.category.all_endings:
                own = run.splitter.chapter_index[chapter]
                i = min(own, len(names) - 1)
                practised = e["practice"].get(chapter)
                if own > i:  # a chapter after the category's last segment: no gold of its own
                    golds[i] = practised
                pb_splits[i] = golds[i] if golds[i] is not None else practised
        return Comparison(names, pb_splits, golds, e["attempts"], spans)

    # -- writing -------------------------------------------------------------
    def _save(self) -> None:
        if self._keep_file:
            self.errors.append(
                f"could not write {self.path}: it could not be read, so it is left as it is"
            )
            return
        if self._old_file is not None and not self._old_file.exists() and self.path.exists():
            try:
                self._old_file.write_bytes(self.path.read_bytes())
            except OSError as e:
                self.errors.append(
                    f"could not copy the old records to {self._old_file}: {e.strerror or e}"
                )
                return  # never replace the old file without its copy
            self._old_file = None
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

    def attempt(self, what: Any, seed_type: str | None = None) -> int:
        """A run started (its first choice): count the attempt and, for a
        Run, open its entry in the history. Returns the attempt's number."""
        key = self.key(what, seed_type)
        e = self.entry(key)
        e["attempts"] += 1
        if not isinstance(what, (str, RecordKey)):
            e["history"] = (
                list(e["history"])
                + [
                    {
                        "id": e["attempts"],
                        "started": _stamp(what.started_wall),
                        "ended": None,
                        "igt_ms": None,
                        "rta_ms": None,
                        "segments": [],
                    }
                ]
            )[-HISTORY:]
        self._store(key, e)
        self._save()
        return e["attempts"]

    def finish(self, run: Run) -> dict:
        """Save the run file and update PB, golds and the attempt's history
        (valid, non-practice runs only). Returns {"path", "pb", "golds"}."""
        record = run.record()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(run.started_wall))
        name = f"{stamp}-{run.category.key.replace(':', '-')}-{run.seed}.json"
        path = self.runs_dir / name
        written = self._write(path, record, backup=False)
        result: dict[str, Any] = {"path": path if written else None, "pb": False, "golds": []}
        if run.practice:
            return result
        key = self.key(run)
        e = self.entry(key)
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
        e["history"] = _close_attempt(e, run, record)
        if run.valid and run.finished:
            igt = record["final"]["igt_ms"]
            pb = e.get("pb")
            if pb is None or igt < pb.get("igt_ms", igt + 1):
                e["pb"] = dict(summary, splits=record["splits"])
                result["pb"] = True
            n = len(run.names)
            for field_, spans_field, unit in (
                ("golds", "spans", "igt_ms"),
                ("golds_rta", "spans_rta", "rta_ms"),
            ):
                golds = list(e.get(field_) or [])
                if len(golds) != n:
                    golds = [None] * n
                spans = dict(e.get(spans_field) or {})
                last_index, last_time = -1, 0
                for s in run.splits:
                    t = s.igt_ms if unit == "igt_ms" else s.rta_ms
                    if t is None:
                        continue  # skipped: its time is in the next segment
                    seg = t - last_time
                    if s.index == last_index + 1:
                        if golds[s.index] is None or seg < golds[s.index]:
                            golds[s.index] = seg
                            if field_ == "golds":
                                result["golds"].append(s.index)
                    else:  # over skipped chapters: a combined segment
                        span = f"{last_index}-{s.index}"
                        if not isinstance(spans.get(span), int) or seg < spans[span]:
                            spans[span] = seg
                    last_index, last_time = s.index, t
                e[field_] = golds
                e[spans_field] = spans
        self._store(key, e)
        self._save()
        return result

    def practice_best(self, what: Any, chapter: str, igt_ms: int) -> bool:
        """Record a practice time for a chapter (of a Run's records, or of a
        category's among the old records); True when it is a new best."""
        key = self.key(what, "practice") if isinstance(what, str) else self.key(what)
        e = self.entry(key)
        practice = dict(e["practice"])
        best = practice.get(chapter)
        new = best is None or igt_ms < best
        if new:
            practice[chapter] = igt_ms
            e["practice"] = practice
            self._store(key, e)
            self._save()
        return new

    # -- for people -------------------------------------------------------------
    def table(self) -> list[dict]:
        rows = []
        for text, e in sorted(self.data["categories"].items()):
            key = RecordKey.of_entry(text, e)
            pb = e.get("pb") or {}
            golds = e.get("golds") or []
            n = len(golds)
            rows.append(
                {
                    "key": text,
                    "category": key.category,
                    "seed_type": key.seed_type,
                    "seed": key.seed,
                    "story_hash": key.story_hash,
                    "packs": list(key.packs),
                    "legacy": key.legacy,
                    "this_story": self.story is not None and key.story_hash == self.story.hash,
                    "label": self.label(key),
                    "attempts": e.get("attempts", 0),
                    "pb_igt_ms": pb.get("igt_ms"),
                    "pb_rta_ms": pb.get("rta_ms"),
                    "sum_of_best_ms": sum_of_best(golds, _spans(e.get("spans"), n)),
                    "recent": e.get("recent", []),
                    "practice": e.get("practice", {}),
                }
            )
        return rows

    def label(self, key: RecordKey) -> str:
        """The key in words: 'Any%, set seed 1985, this story + montage 1.0'."""
        title = key.category
        if self.story is not None:
            from .run import parse_category

            try:
                title = parse_category(self.story, key.category).title
            except ValueError:
                pass
        if key.legacy:
            seeds = {"set": "set seeds", "random": "random seeds", "practice": "practice"}.get(
                key.seed_type, key.seed_type
            )
            return f"{title}, {seeds}, old records (every seed, story version and pack together)"
        seeds = f"set seed {key.seed}" if key.seed_type == SET else "random seeds"
        if self.story is not None and key.story_hash == self.story.hash:
            story = "this story"
        else:
            story = f"story {str(key.story_hash)[:12]}"
        if key.packs:
            story += " + " + ", ".join(key.packs)
        return f"{title}, {seeds}, {story}"


def _spans(raw: Any, n: int) -> dict[tuple[int, int], int]:
    """An entry's combined segments as {(i, j): ms}, the damaged ones left out."""
    out: dict[tuple[int, int], int] = {}
    if not isinstance(raw, dict):
        return out
    for k, v in raw.items():
        i, _, j = str(k).rpartition("-")
        try:
            a, b = int(i), int(j)
        except ValueError:
            continue
        if -1 <= a < b < n and _ms(v) and v is not None:
            out[(a, b)] = v
    return out


def _close_attempt(e: dict, run: Run, record: dict) -> list:
    """The history with this run's attempt closed: its end, its final times
    (a valid finished run only) and its segments (an invalid run's count for
    nothing: none)."""
    history = list(e.get("history") or [])
    started = record["started"]
    item = None
    for h in reversed(history):
        if isinstance(h, dict) and h.get("ended") is None and h.get("started") == started:
            item = h
            break
    if item is None:
        item = {"id": e.get("attempts", 0) or 1, "started": started}
        history.append(item)
    done = run.valid and run.finished
    item["ended"] = _stamp(time.time())
    item["igt_ms"] = record["final"]["igt_ms"] if done else None
    item["rta_ms"] = record["final"]["rta_ms"] if done else None
    segments: list[dict[str, int | None]] = []
    if run.valid:
        last_igt = last_rta = 0
        for s in run.splits:
            if s.igt_ms is None or s.rta_ms is None:
                segments.append({"igt_ms": None, "rta_ms": None})
                continue
            segments.append({"igt_ms": s.igt_ms - last_igt, "rta_ms": s.rta_ms - last_rta})
            last_igt, last_rta = s.igt_ms, s.rta_ms
    item["segments"] = segments
    return history[-HISTORY:]


RUN_FILE_MAX_BYTES = 16 * 1024 * 1024
MAX_MS = 10**11  # three years, in milliseconds
MAX_SEED = 2**63 - 1


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


def _str(v: Any, limit: int = 200) -> bool:
    return isinstance(v, str) and len(v) <= limit


def _opt_str(v: Any) -> bool:
    return v is None or _str(v)


def _records_problem(data: Any) -> str | None:
    """Why a records document is not one this game wrote, or None."""
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        return "no categories"
    if data.get("version", 1) not in (1, RECORDS_VERSION):
        return f"version {str(data.get('version'))[:20]} is not one this game knows"
    if len(data["categories"]) > MAX_ENTRIES:
        return "too many entries"
    for key, e in data["categories"].items():
        where = f"entry {key[:40]!r}"
        if not isinstance(e, dict):
            return f"{where} is damaged"
        attempts = e.get("attempts", 0)
        if not (_ms(attempts) and attempts is not None):
            return f"{where}: its attempts are not a count"
        k = e.get("key")
        if k is not None:
            seed = k.get("seed") if isinstance(k, dict) else None
            if (
                not isinstance(k, dict)
                or not _str(k.get("category"))
                or not _str(k.get("seed_type"))
                or not _opt_str(k.get("story_hash"))
                or not (
                    seed is None
                    or (
                        isinstance(seed, int)
                        and not isinstance(seed, bool)
                        and 0 <= seed <= MAX_SEED
                    )
                )
                or not isinstance(k.get("packs", []), list)
                or not all(_str(p) for p in k.get("packs", []))
            ):
                return f"{where}: its key is damaged"
        pb = e.get("pb")
        if pb is not None:
            if (
                not isinstance(pb, dict)
                or pb.get("igt_ms") is None
                or pb.get("rta_ms") is None
                or not _ms(pb.get("igt_ms"))
                or not _ms(pb.get("rta_ms"))
            ):
                return f"{where}: its personal best is damaged"
            splits = pb.get("splits", [])
            if not isinstance(splits, list) or not all(
                isinstance(x, dict) and _ms(x.get("igt_ms")) and _ms(x.get("rta_ms"))
                for x in splits
            ):
                return f"{where}: its personal best's splits are damaged"
        for field_ in ("golds", "golds_rta"):
            golds = e.get(field_, [])
            if not isinstance(golds, list) or not all(_ms(g) for g in golds):
                return f"{where}: its {field_} are damaged"
        for field_ in ("spans", "spans_rta"):
            spans = e.get(field_, {})
            if not isinstance(spans, dict) or not all(
                _ms(v) and v is not None for v in spans.values()
            ):
                return f"{where}: its {field_} are damaged"
        recent = e.get("recent", [])
        if not isinstance(recent, list) or not all(
            isinstance(r, dict)
            and _ms(r.get("igt_ms"))
            and _ms(r.get("rta_ms"))
            and _opt_str(r.get("date"))
            and _opt_str(r.get("file"))
            for r in recent
        ):
            return f"{where}: its recent runs are damaged"
        practice = e.get("practice", {})
        if not isinstance(practice, dict) or not all(
            _ms(v) and v is not None for v in practice.values()
        ):
            return f"{where}: its practice bests are damaged"
        history = e.get("history", [])
        if (
            not isinstance(history, list)
            or len(history) > HISTORY * 2
            or not all(
                isinstance(h, dict)
                and _ms(h.get("id"))
                and _opt_str(h.get("started"))
                and _opt_str(h.get("ended"))
                and _ms(h.get("igt_ms"))
                and _ms(h.get("rta_ms"))
                and isinstance(h.get("segments", []), list)
                and all(
                    isinstance(s, dict) and _ms(s.get("igt_ms")) and _ms(s.get("rta_ms"))
                    for s in h.get("segments", [])
                )
                for h in history
            )
        ):
            return f"{where}: its history is damaged"
    return None


__all__ = [
    "Comparison",
    "RecordKey",
    "Records",
    "SplitEvent",
    "delta_colour",
    "format_delta",
    "load_run_file",
    "segment_times",
    "sum_of_best",
]
