"""Quiet hours (news.quiet): parsing, windows across midnight and daylight-saving changes, and
time zone names validated against the IANA database (never a path)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from news.quiet import last_window, parse_quiet, parse_zone, window_at

BERLIN = ZoneInfo("Europe/Berlin")


def test_parse_quiet() -> None:
    assert parse_quiet("22:00-07:00") == (time(22, 0), time(7, 0))
    assert parse_quiet(" 9.30 to 11h15 ") == (time(9, 30), time(11, 15))
    for bad in ("22:00", "25:00-07:00", "22:00-22:00", "10pm-7am", "٢٢:٠٠-٠٧:٠٠", " "):
        with pytest.raises(ValueError, match=re.escape(bad)):
            parse_quiet(bad)


def test_parse_zone() -> None:
    assert parse_zone("Europe/Berlin") == "Europe/Berlin"
    assert parse_zone("europe/berlin") == "Europe/Berlin"
    assert parse_zone("UTC") == "UTC"
    for bad in ("Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Europe/" + "x" * 80, " "):
        with pytest.raises(ValueError, match=re.escape(bad)):
            parse_zone(bad)


def test_window_across_midnight_in_the_chat_zone() -> None:
    start, end = time(22, 0), time(7, 0)
    inside = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # 00:30 in Berlin
    window = window_at(inside, start, end, BERLIN)
    assert window == (
        datetime(2026, 12, 2, 21, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 6, 0, tzinfo=UTC),
    )
    assert window_at(datetime(2026, 12, 3, 6, 0, tzinfo=UTC), start, end, BERLIN) is None
    noon = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
    assert window_at(noon, start, end, BERLIN) is None
    assert last_window(noon, start, end, BERLIN)[1] == datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


def test_window_the_day_the_clocks_go_forward() -> None:
    # Berlin, 29 March 2026: 02:00 -> 03:00. A 01:00-04:00 window lasts two hours.
    begins, ends = last_window(
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC), time(1, 0), time(4, 0), BERLIN
    )
    assert (ends - begins).total_seconds() == 2 * 3600
