"""Export personal bests as a LiveSplit splits file (.lss), which LiveSplit
and LiveSplit One open."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def lss_time(millis: int) -> str:
    """00:01:23.4560000: LiveSplit's TimeSpan text, to 100 ns."""
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, frac = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{frac:03d}0000"


def export_lss(game: str, category: str, names: list[str], entry: dict) -> str:
    """`entry` is a records entry: pb (with splits), golds, attempts."""
    run = ET.Element("Run", version="1.7.0")
    ET.SubElement(run, "GameIcon")
    ET.SubElement(run, "GameName").text = game
    ET.SubElement(run, "CategoryName").text = category
    meta = ET.SubElement(run, "Metadata")
    ET.SubElement(meta, "Run", id="")
    ET.SubElement(meta, "Platform", usesEmulator="False").text = "PC"
    ET.SubElement(meta, "Region")
    ET.SubElement(meta, "Variables")
    ET.SubElement(run, "Offset").text = "00:00:00"
    ET.SubElement(run, "AttemptCount").text = str(entry.get("attempts", 0))
    ET.SubElement(run, "AttemptHistory")
    segments = ET.SubElement(run, "Segments")
    pb = entry.get("pb") or {}
    pb_splits = pb.get("splits") or []
    golds = entry.get("golds") or []
    golds_rta = entry.get("golds_rta") or []
    for i, name in enumerate(names):
        seg = ET.SubElement(segments, "Segment")
        ET.SubElement(seg, "Name").text = name
        ET.SubElement(seg, "Icon")
        split_times = ET.SubElement(seg, "SplitTimes")
        st = ET.SubElement(split_times, "SplitTime", name="Personal Best")
        if i < len(pb_splits) and pb_splits[i].get("igt_ms") is not None:
            ET.SubElement(st, "RealTime").text = lss_time(pb_splits[i]["rta_ms"])
            ET.SubElement(st, "GameTime").text = lss_time(pb_splits[i]["igt_ms"])
        best = ET.SubElement(seg, "BestSegmentTime")
        if i < len(golds_rta) and golds_rta[i] is not None:
            ET.SubElement(best, "RealTime").text = lss_time(golds_rta[i])
        if i < len(golds) and golds[i] is not None:
            ET.SubElement(best, "GameTime").text = lss_time(golds[i])
        ET.SubElement(seg, "SegmentHistory")
    ET.SubElement(run, "AutoSplitterSettings")
    ET.indent(run)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(run, encoding="unicode") + "\n"
