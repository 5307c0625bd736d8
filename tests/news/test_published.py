"""news.published: a page's day-only date against the feed's time, and the least time between
two publications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from news.published import apart, is_day_only, publication_time

DAY = datetime(2026, 12, 7, tzinfo=UTC)  # a page that names only its day, as extracted
AFTERNOON = datetime(2026, 12, 7, 15, 20, tzinfo=UTC)


def test_midnight_utc_names_a_day_and_any_other_time_an_instant() -> None:
    assert is_day_only(DAY)
    assert not is_day_only(AFTERNOON)
    assert not is_day_only(DAY + timedelta(microseconds=1))
    # midnight in Paris is 23:00 UTC: a real instant, not a day
    assert not is_day_only(datetime(2026, 12, 7, tzinfo=timezone(timedelta(hours=1))))


@pytest.mark.parametrize(
    "feed",
    [
        AFTERNOON,
        DAY - timedelta(hours=13),  # the 7th had begun in Auckland
        DAY + timedelta(hours=35),  # still the 7th at UTC-12 (Baker Island)
    ],
)
def test_the_feeds_time_wins_over_a_day_only_page_date_on_that_day(feed: datetime) -> None:
    assert publication_time(DAY, feed) == feed


def test_a_page_date_read_day_for_month_yields_to_the_feed() -> None:
    """A page's "06/11/2026" read as 11 June; its feed says 6 November."""
    feed = datetime(2026, 11, 6, 9, 30, tzinfo=UTC)
    assert publication_time(datetime(2026, 6, 11, tzinfo=UTC), feed) == feed
    assert publication_time(datetime(2026, 6, 13, tzinfo=UTC), feed) == datetime(
        2026, 6, 13, tzinfo=UTC
    )  # no swap gives the 6th of November


@pytest.mark.parametrize(
    ("page", "feed", "chosen"),
    [
        (AFTERNOON, AFTERNOON + timedelta(hours=3), AFTERNOON),  # the page has the hour
        (DAY, DAY + timedelta(days=3), DAY),  # a feed that re-dates an old article
        (DAY, DAY - timedelta(days=1), DAY),
        (DAY, DAY + timedelta(days=1), DAY),  # the feed names a day too
        (DAY, None, DAY),
        (None, AFTERNOON, AFTERNOON),
        (None, None, None),
    ],
)
def test_otherwise_the_page_date_stands(
    page: datetime | None, feed: datetime | None, chosen: datetime | None
) -> None:
    assert publication_time(page, feed) == chosen


def test_a_day_only_date_lies_anywhere_in_its_day() -> None:
    evening = AFTERNOON + timedelta(hours=8)  # 23:20 on the 7th
    assert apart(DAY, evening) == timedelta(0)
    assert apart(evening, DAY) == timedelta(0)
    next_day = DAY + timedelta(days=1)  # the 8th, day only
    assert apart(DAY, next_day) == timedelta(0)
    assert apart(DAY, DAY + timedelta(days=2)) == timedelta(days=1)
    assert apart(DAY - timedelta(hours=1), DAY) == timedelta(hours=1)
    assert apart(AFTERNOON, AFTERNOON + timedelta(hours=30)) == timedelta(hours=30)
