""".lss export: the attempt history and each segment's history from a
records entry's `history`, the seed, seed type and game version as
Metadata Variables, LiveSplit's element order, a damaged entry that never
breaks the export, and a third-party reader (livesplit-parser, when it is
installed) that parses the file."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rocky_adventure import __version__
from rocky_adventure.speedrun.lss import export_lss, lss_time

NAMES = ["Apollo", "Siberia", "Moscow"]


def entry_with_history() -> dict:
    """A records entry as the game writes it (history newest last): attempt 1
    finished, 2 reset in Moscow, 3 finished (the PB), with a skipped Siberia."""
    return {
        "attempts": 3,
        "pb": {
            "igt_ms": 185_321,
            "rta_ms": 190_457,
            "seed": 1985,
            "splits": [
                {"name": "Apollo", "igt_ms": 61_234, "rta_ms": 62_345},
                {"name": "Siberia", "igt_ms": None, "rta_ms": None},
                {"name": "Moscow", "igt_ms": 185_321, "rta_ms": 190_457},
            ],
        },
        "golds": [61_234, 58_111, 60_777],
        "golds_rta": [62_345, 59_222, 61_888],
        "history": [
            {
                "id": 1,
                "started": "2026-11-30T20:01:02Z",
                "ended": "2026-11-30T20:04:40Z",
                "igt_ms": 201_999,
                "rta_ms": 208_003,
                "segments": [
                    {"igt_ms": 70_101, "rta_ms": 71_303},
                    {"igt_ms": 58_111, "rta_ms": 59_222},
                    {"igt_ms": 73_787, "rta_ms": 77_478},
                ],
            },
            {
                "id": 2,
                "started": "2026-11-30T20:05:00Z",
                "ended": "2026-11-30T20:06:31Z",
                "igt_ms": None,
                "rta_ms": None,
                "segments": [
                    {"igt_ms": 65_432, "rta_ms": 66_543},
                    {"igt_ms": 59_876, "rta_ms": 61_002},
                ],
            },
            {
                "id": 3,
                "started": "2026-11-30T20:07:00+01:00",
                "ended": "2026-11-30T20:10:11+01:00",
                "igt_ms": 185_321,
                "rta_ms": 190_457,
                "segments": [
                    {"igt_ms": 61_234, "rta_ms": 62_345},
                    {"igt_ms": None, "rta_ms": None},
                    {"igt_ms": 124_087, "rta_ms": 128_112},
                ],
            },
        ],
    }


def export(entry: dict, **kw) -> ET.Element:
    text = export_lss("Rocky IV", "Any% (set seed 1985)", NAMES, entry, **kw)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text)


def times(el: ET.Element | None) -> tuple[str | None, str | None]:
    assert el is not None
    return el.findtext("RealTime"), el.findtext("GameTime")


def test_lss_time_and_date():
    from rocky_adventure.speedrun.lss import lss_date

    assert lss_time(83_456) == "00:01:23.4560000"
    assert lss_time(90_061_001) == "1.01:01:01.0010000"  # a day or more: .NET's D.HH:MM:SS
    assert lss_date("2026-11-30T20:01:02Z") == "11/30/2026 20:01:02"
    assert lss_date("2026-11-30T20:01:02+01:00") == "11/30/2026 19:01:02"  # in UTC
    assert lss_date("yesterday") is None and lss_date(None) is None and lss_date(5) is None


def test_attempt_history_segment_history_and_metadata():
    root = export(entry_with_history(), seed=1985, seed_type="set")
    assert root.tag == "Run" and root.get("version") == "1.7.0"
    assert [c.tag for c in root] == [
        "GameIcon",
        "GameName",
        "CategoryName",
        "Metadata",
        "Offset",
        "AttemptCount",
        "AttemptHistory",
        "Segments",
        "AutoSplitterSettings",
    ]
    variables = {v.get("name"): v.text for v in root.findall("Metadata/Variables/Variable")}
    assert variables == {"Seed": "1985", "Seed type": "set", "Game version": __version__}
    assert root.findtext("AttemptCount") == "3"

    attempts = root.findall("AttemptHistory/Attempt")
    assert [a.get("id") for a in attempts] == ["1", "2", "3"]
    first, reset, pb = attempts
    assert first.attrib == {
        "id": "1",
        "started": "11/30/2026 20:01:02",
        "isStartedSynced": "False",
        "ended": "11/30/2026 20:04:40",
        "isEndedSynced": "False",
    }
    assert times(first) == ("00:03:28.0030000", "00:03:21.9990000")
    assert [c.tag for c in first] == ["RealTime", "GameTime"]
    assert len(reset) == 0 and reset.get("ended") == "11/30/2026 20:06:31"  # unfinished: no time
    assert pb.get("started") == "11/30/2026 19:07:00"  # converted to UTC
    assert times(pb) == ("00:03:10.4570000", "00:03:05.3210000")

    segs = root.findall("Segments/Segment")
    assert [s.findtext("Name") for s in segs] == NAMES
    history = [{t.get("id"): times(t) for t in s.findall("SegmentHistory/Time")} for s in segs]
    assert history[0] == {
        "1": ("00:01:11.3030000", "00:01:10.1010000"),
        "2": ("00:01:06.5430000", "00:01:05.4320000"),
        "3": ("00:01:02.3450000", "00:01:01.2340000"),
    }
    # attempt 3 skipped Siberia (a Time with no times); attempt 2 never reached Moscow
    assert history[1] == {
        "1": ("00:00:59.2220000", "00:00:58.1110000"),
        "2": ("00:01:01.0020000", "00:00:59.8760000"),
        "3": (None, None),
    }
    assert history[2] == {
        "1": ("00:01:17.4780000", "00:01:13.7870000"),
        "3": ("00:02:08.1120000", "00:02:04.0870000"),
    }
    pb_times = [times(s.find("SplitTimes/SplitTime[@name='Personal Best']")) for s in segs]
    assert pb_times == [
        ("00:01:02.3450000", "00:01:01.2340000"),
        (None, None),
        ("00:03:10.4570000", "00:03:05.3210000"),
    ]
    assert times(segs[1].find("BestSegmentTime")) == ("00:00:59.2220000", "00:00:58.1110000")


def test_an_entry_without_history_is_empty_but_valid():
    root = export({"attempts": 0, "pb": None, "golds": []}, seed_type="random")
    assert root.find("AttemptHistory") is not None and len(root.find("AttemptHistory")) == 0
    assert root.findtext("AttemptCount") == "0"
    for seg in root.findall("Segments/Segment"):
        assert len(seg.find("SegmentHistory")) == 0 and len(seg.find("BestSegmentTime")) == 0
        assert seg.find("SplitTimes/SplitTime[@name='Personal Best']") is not None
    variables = {v.get("name"): v.text for v in root.findall("Metadata/Variables/Variable")}
    assert variables == {"Seed type": "random", "Game version": __version__}
    # the seed and seed type default to the entry's key's (as records.py keeps
    # it), the seed then to the PB's
    key = {"category": "any", "seed_type": "set", "seed": 1985, "story_hash": "x", "packs": []}
    root = export({"key": key, "pb": {"igt_ms": 5, "rta_ms": 6, "seed": 7, "splits": []}})
    variables = {v.get("name"): v.text for v in root.findall("Metadata/Variables/Variable")}
    assert variables == {"Seed": "1985", "Seed type": "set", "Game version": __version__}
    root = export({"pb": {"igt_ms": 5, "rta_ms": 6, "seed": 7, "splits": []}})
    assert root.findtext("Metadata/Variables/Variable[@name='Seed']") == "7"


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    field=st.sampled_from(["history", "pb", "golds", "golds_rta", "attempts", "key"]),
    value=JSONISH,
    inner=st.sampled_from(["id", "started", "ended", "igt_ms", "rta_ms", "segments"]),
    inner_value=JSONISH,
)
def test_a_damaged_entry_never_breaks_the_export(field, value, inner, inner_value):
    entry = entry_with_history()
    entry[field] = value
    history = entry.get("history")
    if isinstance(history, list) and history and isinstance(history[0], dict):
        history[0] = dict(history[0], **{inner: inner_value})
    root = export(entry)  # well-formed XML, no exception
    ids = [a.get("id") for a in root.findall("AttemptHistory/Attempt")]
    assert len(ids) == len(set(ids)) and all(i.isdigit() and int(i) > 0 for i in ids)
    known = set(ids)
    for t in root.findall("Segments/Segment/SegmentHistory/Time"):
        assert t.get("id") in known  # a segment time belongs to an attempt in the file


def test_history_is_bounded_and_text_is_xml_safe():
    entry = entry_with_history()
    item = entry["history"][0]
    entry["history"] = [dict(item, id=i) for i in range(1, 1001)]
    root = ET.fromstring(export_lss("Game\x00\x1b", "Cat\ud800", NAMES, entry))
    ids = [a.get("id") for a in root.findall("AttemptHistory/Attempt")]
    assert len(ids) == 100 and ids[0] == "901" and ids[-1] == "1000"  # the newest
    assert root.findtext("GameName") == "Game" and root.findtext("CategoryName") == "Cat"


def test_livesplit_parser_reads_the_export(tmp_path):
    """The PyPI package livesplit-parser (0.3, with pandas 2) fails on an empty
    history; it reads ours. (It also needs two segments or more, a finished
    attempt, and two times in each segment's history: the entry has them.)"""
    livesplit_parser = pytest.importorskip("livesplit_parser")
    pandas = pytest.importorskip("pandas")
    if int(pandas.__version__.split(".")[0]) >= 3:
        pytest.skip("livesplit-parser 0.3 breaks under pandas 3 on any unfinished attempt")
    path = tmp_path / "rocky.lss"
    path.write_text(export_lss("Rocky IV", "Any%", NAMES, entry_with_history()))
    for key in ("RealTime", "GameTime"):
        data = livesplit_parser.LivesplitData(str(path), time_key=key)
        assert data.num_attempts == 3 and data.num_completed_attempts == 2
        assert data.game_name == "Rocky IV" and data.category_name == "Any%"
        assert list(data.split_info_df.index) == NAMES
        assert list(data.attempt_info_df.index) == [1, 2, 3]
        assert list(data.attempt_info_df["RunCompleted"]) == [True, False, True]
        assert data.split_info_df.loc["Apollo", "NumRunsPassed"] == 3
