"""Quiet hours: a chat's daily window (local wall clock in its time zone) in which alerts are
held, to be delivered together as one message when the window ends (issue 16).

Pure functions of the clock: ``window_at(now, start, end, zone)`` is the window ``now`` falls in
(or None), ``last_window(now, ...)`` the latest one that began by ``now``. A window may cross
midnight (22:00-07:00). Wall-clock times that a daylight-saving jump skips or repeats resolve
the way ``zoneinfo`` does (``fold=0``), so a window never vanishes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from news.models import AlertSettings

if TYPE_CHECKING:
    from news.store import Store

__all__ = [
    "MAX_ZONE",
    "QuietService",
    "Window",
    "last_window",
    "parse_quiet",
    "parse_zone",
    "window_at",
]

MAX_ZONE = 64
_TIME = r"([01]?[0-9]|2[0-3])[:.h]([0-5][0-9])"
_RANGE = re.compile(rf"{_TIME}\s*(?:-|–|—|to|until)\s*{_TIME}")  # ASCII digits only
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}")

Window = tuple[datetime, datetime]  # aware UTC start and end


def parse_quiet(text: str) -> tuple[time, time]:
    """``22:00-07:00`` (also ``22.00 - 7.00``, ``22:00 to 07:00``) -> (start, end); ValueError
    when it is not one, or start equals end."""
    match = _RANGE.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    start = time(int(match.group(1)), int(match.group(2)))
    end = time(int(match.group(3)), int(match.group(4)))
    if start == end:
        raise ValueError(text)
    return start, end


def parse_zone(text: str) -> str:
    """An IANA time zone name (``Europe/Berlin``, ``UTC``), matched case-insensitively to its
    canonical spelling; ValueError for anything else (never a file path)."""
    name = text.strip()
    if not name or len(name) > MAX_ZONE or _ZONE.fullmatch(name) is None:
        raise ValueError(text)
    if name in available_timezones():
        canonical = name
    else:
        folded = {zone.casefold(): zone for zone in available_timezones()}
        if name.casefold() not in folded:
            raise ValueError(text)
        canonical = folded[name.casefold()]
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(text) from exc
    return canonical


def _at(day: date, wall: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, wall.replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


def _window_from(day: date, start: time, end: time, zone: tzinfo) -> Window:
    begins = _at(day, start, zone)
    end_day = day if end > start else day + timedelta(days=1)
    return begins, _at(end_day, end, zone)


def last_window(now: datetime, start: time, end: time, zone: tzinfo) -> Window:
    """The latest quiet window that began at or before ``now``."""
    local = now.astimezone(zone).date()
    for back in range(0, 3):
        window = _window_from(local - timedelta(days=back), start, end, zone)
        if window[0] <= now:
            return window
    return _window_from(local - timedelta(days=3), start, end, zone)  # pragma: no cover


def window_at(now: datetime, start: time, end: time, zone: tzinfo) -> Window | None:
    """The quiet window ``now`` is in (start inclusive, end exclusive), or None."""
    window = last_window(now, start, end, zone)
    return window if window[0] <= now < window[1] else None


class QuietService:
    """``/quiet`` and ``/timezone``: a chat's quiet hours and its time zone (``default``: the
    bot's zone name, for chats that set none)."""

    def __init__(self, store: Store, default: str = "UTC") -> None:
        self.store = store
        self.default = default

    async def settings(self, chat_id: int) -> AlertSettings:
        return await self.store.alert_settings(chat_id)

    async def zone_name(self, chat_id: int) -> str:
        """The chat's time zone name, else the bot's."""
        return (await self.settings(chat_id)).timezone or self.default

    async def set_quiet(self, chat_id: int, start: time | None, end: time | None) -> None:
        """Quiet hours from ``start`` to ``end`` in the chat's zone, or None, None: none."""
        await self.store.set_quiet_hours(chat_id, start, end)

    async def set_timezone(self, chat_id: int, text: str) -> str:
        """Validate (``parse_zone``, ValueError) and store the chat's zone; returns its name."""
        name = parse_zone(text)
        await self.store.set_timezone(chat_id, name)
        return name
