"""Feeds: the RSS/Atom feeds polled, their conditional-GET state and backoff, and the entries
already seen (so a poll yields only new ones)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, or_, select, update

from news.models import FeedRecord
from news.store import mapping
from news.store.access import MAX_ERROR, Access, chunks, utcnow
from news.store.tables import ArticleRow, FeedEntryRow, FeedRow

__all__ = ["Feeds"]


class Feeds:
    """The feeds table group (``feeds``, ``feed_entries``)."""

    def __init__(self, access: Access) -> None:
        self._access = access

    async def add_feed(self, url: str, title: str | None = None) -> FeedRecord:
        """Register a feed (the operator's: NEWSBRIEF_FEEDS, ``newsbrief feeds add``); adding
        a known URL returns it (filling in a missing title), and a feed chats brought becomes
        the operator's (kept when the last chat leaves it; news.store.chat_feeds)."""
        url = url.strip()
        async with self._access.write() as conn:
            await conn.execute(
                self._access.insert(FeedRow)
                .values(url=url, title=title, error_count=0, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["url"])
            )
            await conn.execute(
                update(FeedRow)
                .where(FeedRow.url == url, FeedRow.chat_added.is_(True))
                .values(chat_added=False)
            )
            if title:
                await conn.execute(
                    update(FeedRow)
                    .where(FeedRow.url == url, FeedRow.title.is_(None))
                    .values(title=title)
                )
            row = (
                await conn.execute(select(*mapping.FEED_COLUMNS).where(FeedRow.url == url))
            ).one()
        return mapping.feed(row)

    async def list_feeds(self) -> list[FeedRecord]:
        async with self._access.read_one() as conn:
            rows = await conn.execute(select(*mapping.FEED_COLUMNS).order_by(FeedRow.id))
        return [mapping.feed(row) for row in rows]

    async def get_feed(self, feed_id: int) -> FeedRecord | None:
        async with self._access.read_one() as conn:
            row = (
                await conn.execute(select(*mapping.FEED_COLUMNS).where(FeedRow.id == feed_id))
            ).one_or_none()
        return None if row is None else mapping.feed(row)

    async def remove_feed(self, url_or_id: str | int) -> bool:
        """Forget a feed (by URL, or id) and its seen entries; its articles stay."""
        if isinstance(url_or_id, int):
            condition: ColumnElement[bool] = FeedRow.id == url_or_id
        else:
            key = url_or_id.strip()
            condition = FeedRow.url == key
            if key.isascii() and key.isdigit():  # "²".isdigit() is True, int("²") fails
                condition = or_(condition, FeedRow.id == int(key))
        async with self._access.write() as conn:
            ids = (await conn.execute(select(FeedRow.id).where(condition))).scalars().all()
            if not ids:
                return False
            # Explicit, so it does not depend on the database's ON DELETE support.
            await conn.execute(delete(FeedEntryRow).where(FeedEntryRow.feed_id.in_(ids)))
            await conn.execute(
                update(ArticleRow).where(ArticleRow.feed_id.in_(ids)).values(feed_id=None)
            )
            await conn.execute(delete(FeedRow).where(FeedRow.id.in_(ids)))
        return True

    async def due_feeds(self, now: datetime) -> list[FeedRecord]:
        """Feeds never checked or whose ``next_check_at`` has come, most overdue first."""
        async with self._access.read_one() as conn:
            rows = await conn.execute(
                select(*mapping.FEED_COLUMNS)
                .where(or_(FeedRow.next_check_at.is_(None), FeedRow.next_check_at <= now))
                .order_by(
                    case((FeedRow.next_check_at.is_(None), 0), else_=1),
                    FeedRow.next_check_at,
                    FeedRow.id,
                )
            )
        return [mapping.feed(row) for row in rows]

    async def update_feed(
        self,
        feed_id: int,
        *,
        checked_at: datetime,
        next_check_at: datetime,
        error_count: int,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        last_error: str | None = None,
        over_cap_polls: int | None = None,
    ) -> None:
        """Record a poll. ``etag``, ``last_modified``, ``title`` and ``over_cap_polls`` given
        as None are kept as they were (a failed poll must not forget them); ``last_error`` None
        clears it."""
        values: dict[str, Any] = {
            "last_checked_at": checked_at,
            "next_check_at": next_check_at,
            "error_count": error_count,
            "last_error": None if last_error is None else last_error[:MAX_ERROR],
        }
        if etag is not None:
            values["etag"] = etag
        if last_modified is not None:
            values["last_modified"] = last_modified
        if title is not None:
            values["title"] = title
        if over_cap_polls is not None:
            values["over_cap_polls"] = over_cap_polls
        async with self._access.write() as conn:
            await conn.execute(update(FeedRow).where(FeedRow.id == feed_id).values(**values))

    async def seen_entries(self, feed_id: int, entry_ids: Sequence[str]) -> set[str]:
        """The subset of ``entry_ids`` already marked for this feed."""
        seen: set[str] = set()
        unique = list(dict.fromkeys(entry_ids))
        async with self._access.read() as conn:
            for chunk in chunks(unique):
                result = await conn.execute(
                    select(FeedEntryRow.entry_id).where(
                        FeedEntryRow.feed_id == feed_id, FeedEntryRow.entry_id.in_(chunk)
                    )
                )
                seen.update(result.scalars())
        return seen

    async def mark_entries(
        self, feed_id: int, entry_ids: Sequence[str], *, now: datetime | None = None
    ) -> None:
        """Remember entries as seen (idempotent)."""
        unique = list(dict.fromkeys(entry_ids))
        if not unique:
            return
        at = now or utcnow()
        async with self._access.write() as conn:
            for chunk in chunks(unique):
                await conn.execute(
                    self._access.insert(FeedEntryRow)
                    .values([{"feed_id": feed_id, "entry_id": e, "seen_at": at} for e in chunk])
                    .on_conflict_do_nothing(index_elements=["feed_id", "entry_id"])
                )
