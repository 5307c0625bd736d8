"""Publication times as pages and feeds give them: an instant, or only a day.

Many pages name only the day they were published (``<meta property="article:published_time"
content="2026-12-07">``, a ``<time>`` with a date); the extractor gives such a date as midnight
UTC, as htmldate does for a date without a time: 418 of the 454 dated pages among the 633 of the
labelled same-event pairs (``../shared/data/extraction``). Read as an instant, a day-only date
makes an article published at 15:00 look 15 hours old and puts two reports of one evening a day
apart; so

- :func:`publication_time` prefers the feed entry's own time to the page's day-only date when the
  two agree on the day (time zones allowed for), or would with the page's day and month swapped
  (two of the labelled pairs' pages, "11/06/2012" and "01/11/2008", were read day first where
  they meant month first);
- :func:`apart` measures the least time two publications can lie apart, a day-only date counting
  as its whole day (story grouping's same-event window);
- :func:`is_day_only` lets a reply say "today" or "yesterday" rather than a wrong hour count.

A real time of exactly 00:00:00.000000 UTC reads as day-only: rare, and then off by under a day.
Pure functions of aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["DAY", "apart", "is_day_only", "publication_time"]

DAY = timedelta(days=1)
# where a day named in some local time zone lies in UTC: from 14 h before midnight UTC (UTC+14)
# to 36 h after it (the end of the day at UTC-12)
_ZONE_EARLY = timedelta(hours=14)
_ZONE_LATE = timedelta(hours=36)


def is_day_only(when: datetime) -> bool:
    """Whether the time names only a day: midnight UTC to the microsecond."""
    utc = when.astimezone(UTC) if when.tzinfo is not None else when
    return utc.hour == utc.minute == utc.second == utc.microsecond == 0


def publication_time(page: datetime | None, feed: datetime | None) -> datetime | None:
    """An article's publication time from its page's date and its feed entry's date.

    The page's, unless it names only a day and the feed's time falls within that day in some
    time zone, or within the day its day and month swapped name (a numeric date such as
    "06/11/2012" read the other way round): then the feed's, which has the hour. The feed's when
    the page has none. A feed time far from the page's date otherwise (a feed that re-dates old
    articles) does not win.
    """
    if page is None:
        return feed
    if feed is None or not is_day_only(page) or is_day_only(feed):
        return page
    if _on_day(feed, page):
        return feed
    if page.day <= 12 and _on_day(feed, page.replace(month=page.day, day=page.month)):
        return feed  # "06/11/2012" read the other way round: the feed's time settles it
    return page


def _on_day(when: datetime, day: datetime) -> bool:
    """Whether an instant falls within a day (midnight UTC) in some time zone."""
    return day - _ZONE_EARLY <= when < day + _ZONE_LATE


def apart(first: datetime, second: datetime) -> timedelta:
    """The least time between two publications: a day-only date is anywhere in its day."""
    early, late = sorted((first, second))
    early_end = early + DAY if is_day_only(early) else early
    return max(timedelta(0), late - early_end)
