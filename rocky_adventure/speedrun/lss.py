"""Export personal bests as a LiveSplit splits file (.lss), which LiveSplit
and LiveSplit One open: LiveSplit's format 1.7.0, with the attempt history
and each segment's history from the records entry's `history`, and the
seed, seed type and game version as Metadata Variables.

The records file is read from disk, so the entry is not trusted: a history
item that is not what the game writes is left out, times outside 0..MAX_MS
count as none, at most HISTORY items (the newest) are written, and text is
stripped of what XML cannot hold. Nothing here raises on a damaged entry."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from .. import __version__

FORMAT_VERSION = "1.7.0"
HISTORY = 100  # attempts written, the newest
MAX_MS = 10**11  # three years, as records.py bounds its times
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def lss_time(millis: int) -> str:
    """00:01:23.4560000: LiveSplit's TimeSpan text, to 100 ns (a day or
    more as D.HH:MM:SS.fffffff, as .NET writes it)."""
    d, rest = divmod(millis, 86_400_000)
    h, rest = divmod(rest, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, frac = divmod(rest, 1000)
    days = f"{d}." if d else ""
    return f"{days}{h:02d}:{m:02d}:{s:02d}.{frac:03d}0000"


def lss_date(stamp: Any) -> str | None:
    """An ISO-8601 time (UTC if it says no zone) as LiveSplit writes an
    attempt's start and end: MM/DD/YYYY HH:MM:SS in UTC; None if it is not one."""
    if not isinstance(stamp, str) or len(stamp) > 40:
        return None
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%m/%d/%Y %H:%M:%S")


def _text(value: Any) -> str:
    return _NOT_XML.sub("", str(value))


def _ms(value: Any) -> int | None:
    """A time in ms the game could have written, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_MS:
        return value
    return None


def _times(parent: ET.Element, rta: Any, igt: Any) -> None:
    """RealTime then GameTime, each only when there is one (as LiveSplit)."""
    rta, igt = _ms(rta), _ms(igt)
    if rta is not None:
        ET.SubElement(parent, "RealTime").text = lss_time(rta)
    if igt is not None:
        ET.SubElement(parent, "GameTime").text = lss_time(igt)


def _history(entry: dict) -> list[dict]:
    """The entry's history items that hold an attempt (a positive id, each
    once: the last one wins), in order, the newest HISTORY."""
    raw = entry.get("history")
    if not isinstance(raw, list):
        return []
    by_id: dict[int, dict] = {}
    for item in raw[-HISTORY * 2 :]:
        if not isinstance(item, dict):
            continue
        number = item.get("id")
        if isinstance(number, bool) or not isinstance(number, int) or not 0 < number <= MAX_MS:
            continue
        by_id.pop(number, None)
        by_id[number] = item
    return list(by_id.values())[-HISTORY:]


def _list(value: Any, n: int) -> list:
    """A per-segment list of the right length, or none at all."""
    return value if isinstance(value, list) and len(value) == n else [None] * n


def export_lss(
    game: str,
    category: str,
    names: list[str],
    entry: dict,
    seed: int | None = None,
    seed_type: str | None = None,
    game_version: str = __version__,
) -> str:
    """`entry` is a records entry: key, pb (with splits), golds, golds_rta,
    attempts and history (each may be missing). `seed` and `seed_type`
    default to the entry's key's (then the seed to the PB's); each is
    written when known."""
    n = len(names)
    raw_pb, raw_key = entry.get("pb"), entry.get("key")
    pb: dict = raw_pb if isinstance(raw_pb, dict) else {}
    key: dict = raw_key if isinstance(raw_key, dict) else {}
    if seed_type is None and key.get("seed_type") in ("set", "random"):
        seed_type = key["seed_type"]
    for known in (key.get("seed"), pb.get("seed")):
        if seed is None and isinstance(known, int) and not isinstance(known, bool):
            seed = known if 0 <= known < 2**63 else None
    history = _history(entry)
    attempts = entry.get("attempts")
    attempts = attempts if isinstance(attempts, int) and not isinstance(attempts, bool) else 0
    attempts = max(attempts, 0, max((h["id"] for h in history), default=0))

    run = ET.Element("Run", version=FORMAT_VERSION)
    ET.SubElement(run, "GameIcon")
    ET.SubElement(run, "GameName").text = _text(game)
    ET.SubElement(run, "CategoryName").text = _text(category)
    meta = ET.SubElement(run, "Metadata")
    ET.SubElement(meta, "Run", id="")
    ET.SubElement(meta, "Platform", usesEmulator="False").text = "PC"
    ET.SubElement(meta, "Region")
    variables = ET.SubElement(meta, "Variables")
    for name, value in (
        ("Seed", seed),
        ("Seed type", seed_type),
        ("Game version", game_version),
    ):
        if value is not None:
            ET.SubElement(variables, "Variable", name=name).text = _text(value)
    ET.SubElement(run, "Offset").text = "00:00:00"
    ET.SubElement(run, "AttemptCount").text = str(attempts)

    attempt_history = ET.SubElement(run, "AttemptHistory")
    for h in history:
        attrs = {"id": str(h["id"])}
        started, ended = lss_date(h.get("started")), lss_date(h.get("ended"))
        if started is not None:
            attrs.update(started=started, isStartedSynced="False")
        if ended is not None:
            attrs.update(ended=ended, isEndedSynced="False")
        attempt = ET.SubElement(attempt_history, "Attempt", attrs)
        if _ms(h.get("igt_ms")) is not None:  # a finished attempt has its final times
            _times(attempt, h.get("rta_ms"), h.get("igt_ms"))

    segments = ET.SubElement(run, "Segments")
    pb_splits = _list(pb.get("splits"), n)
    golds = _list(entry.get("golds"), n)
    golds_rta = _list(entry.get("golds_rta"), n)
    for i, name in enumerate(names):
        seg = ET.SubElement(segments, "Segment")
        ET.SubElement(seg, "Name").text = _text(name)
        ET.SubElement(seg, "Icon")
        split_times = ET.SubElement(seg, "SplitTimes")
        st = ET.SubElement(split_times, "SplitTime", name="Personal Best")
        split = pb_splits[i] if isinstance(pb_splits[i], dict) else {}
        if _ms(split.get("igt_ms")) is not None:  # a skipped split has no time
            _times(st, split.get("rta_ms"), split.get("igt_ms"))
        _times(ET.SubElement(seg, "BestSegmentTime"), golds_rta[i], golds[i])
        segment_history = ET.SubElement(seg, "SegmentHistory")
        for h in history:
            done = h.get("segments")
            if not isinstance(done, list) or i >= min(len(done), n):
                continue  # the attempt did not reach this segment
            times = done[i] if isinstance(done[i], dict) else {}
            _times(
                ET.SubElement(segment_history, "Time", id=str(h["id"])),
                times.get("rta_ms"),
                times.get("igt_ms"),
            )
    ET.SubElement(run, "AutoSplitterSettings")
    ET.indent(run)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(run, encoding="unicode") + "\n"
