"""The feeds each chat follows (``chat_feeds``) and its ``/sources mine|all`` choice.

A chat's feed is a link to the one shared ``feeds`` row: however many chats follow a feed, it
is polled once and its articles are stored once. A feed that chats brought (``chat_added``) is
forgotten when the last chat following it leaves; a feed the operator configured stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update

from news.store.access import Access, chunks, utcnow
from news.store.chats import ensure_chat
from news.store.database import DbConnection
from news.store.tables import (
    ArticleFeedRow,
    ArticleRow,
    ChatFeedRow,
    ChatRow,
    FeedEntryRow,
    FeedRow,
    StoryRow,
)

__all__ = ["ChatFeed", "ChatFeeds", "FollowResult"]


# A chat's /sources mode and the feeds it follows (none: one row with feed_id NULL)
_OWN_SOURCES = (
    select(ChatRow.own_sources, ChatFeedRow.feed_id)
    .outerjoin(ChatFeedRow, ChatFeedRow.chat_id == ChatRow.id)
    .where(ChatRow.id == bindparam("chat_id"))
)


@dataclass(frozen=True, slots=True)
class ChatFeed:
    """A feed as one chat follows it (``title``: the chat's name for it, else the feed's)."""

    feed_id: int
    url: str
    title: str | None
    added_at: datetime
    error_count: int = 0
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class FollowResult:
    """What ``follow`` did: feeds newly followed, ones the chat already followed, and ones left
    out because the chat reached its cap (nothing of those was stored)."""

    added: list[ChatFeed] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    over_cap: list[str] = field(default_factory=list)


_LISTING = (
    select(
        FeedRow.id,
        FeedRow.url,
        func.coalesce(ChatFeedRow.title, FeedRow.title),
        ChatFeedRow.added_at,
        FeedRow.error_count,
        FeedRow.last_error,
    )
    .join(FeedRow, FeedRow.id == ChatFeedRow.feed_id)
    .order_by(ChatFeedRow.id)
)


def _chat_feed(row: Sequence[object]) -> ChatFeed:
    feed_id, url, title, added_at, errors, last_error = row
    assert isinstance(feed_id, int)
    assert isinstance(url, str)
    assert isinstance(added_at, datetime)
    return ChatFeed(
        feed_id=feed_id,
        url=url,
        title=title if isinstance(title, str) else None,
        added_at=added_at,
        error_count=int(errors) if isinstance(errors, int) else 0,
        last_error=last_error if isinstance(last_error, str) else None,
    )


class ChatFeeds:
    """The ``chat_feeds`` table and ``chats.own_sources``."""

    def __init__(self, access: Access) -> None:
        self._access = access

    async def chat_feeds(self, chat_id: int) -> list[ChatFeed]:
        """The feeds the chat follows, in the order it added them."""
        async with self._access.read_one() as conn:
            rows = await conn.execute(_LISTING.where(ChatFeedRow.chat_id == chat_id))
        return [_chat_feed(tuple(row)) for row in rows]

    async def count_chat_feeds(self, chat_id: int) -> int:
        async with self._access.read_one() as conn:
            count = (
                await conn.execute(
                    select(func.count())
                    .select_from(ChatFeedRow)
                    .where(ChatFeedRow.chat_id == chat_id)
                )
            ).scalar()
        return int(count or 0)

    async def known_feed_urls(self, urls: Sequence[str]) -> set[str]:
        """The subset of ``urls`` that are feeds already (polled: no need to fetch them again)."""
        found: set[str] = set()
        unique = list(dict.fromkeys(urls))
        async with self._access.read() as conn:
            for chunk in chunks(unique):
                result = await conn.execute(select(FeedRow.url).where(FeedRow.url.in_(chunk)))
                found.update(result.scalars())
        return found

    async def follow(
        self, chat_id: int, feeds: Sequence[tuple[str, str | None]], *, cap: int
    ) -> FollowResult:
        """Follow ``(url, title)`` feeds, in one transaction: each URL becomes a shared feed
        row if it is not one (marked as brought by a chat), then a link, until the chat follows
        ``cap`` feeds. A title is the chat's name for the feed (None: the feed's own)."""
        wanted = list({url: (url, title) for url, title in reversed(feeds)}.values())[::-1]
        result = FollowResult()
        if not wanted:
            return result
        now = utcnow()
        async with self._access.write() as conn:
            await ensure_chat(self._access, conn, chat_id)
            ids = await self._feed_ids(conn, [url for url, _ in wanted], now)
            followed = set(
                (
                    await conn.execute(
                        select(ChatFeedRow.feed_id).where(ChatFeedRow.chat_id == chat_id)
                    )
                ).scalars()
            )
            room = cap - len(followed)
            links = []
            for url, title in wanted:
                feed_id = ids[url]
                if feed_id in followed:
                    result.duplicates.append(url)
                elif room <= 0:
                    result.over_cap.append(url)
                else:
                    room -= 1
                    followed.add(feed_id)
                    links.append((feed_id, url, title))
            for chunk in chunks(links):
                await conn.execute(
                    self._access.insert(ChatFeedRow).values(
                        [
                            {"chat_id": chat_id, "feed_id": f, "title": t, "added_at": now}
                            for f, _, t in chunk
                        ]
                    )
                )
            if links:
                added_ids = [f for f, _, _ in links]
                rows = await conn.execute(
                    _LISTING.where(
                        ChatFeedRow.chat_id == chat_id, ChatFeedRow.feed_id.in_(added_ids)
                    )
                )
                result.added.extend(_chat_feed(tuple(row)) for row in rows)
        return result

    async def _feed_ids(
        self, conn: DbConnection, urls: Sequence[str], now: datetime
    ) -> dict[str, int]:
        ids: dict[str, int] = {}
        for chunk in chunks(urls):
            await conn.execute(
                self._access.insert(FeedRow)
                .values(
                    [
                        {"url": u, "error_count": 0, "created_at": now, "chat_added": True}
                        for u in chunk
                    ]
                )
                .on_conflict_do_nothing(index_elements=["url"])
            )
            rows = await conn.execute(
                select(FeedRow.url, FeedRow.id).where(FeedRow.url.in_(chunk))
            )
            ids.update({url: feed_id for url, feed_id in rows})
        return ids

    async def unfollow(self, chat_id: int, feed_id: int) -> bool:
        """Stop following a feed; a feed chats brought that no chat follows any more is
        forgotten (its seen entries; its articles stay). False when not followed."""
        async with self._access.write() as conn:
            removed = await conn.execute(
                delete(ChatFeedRow)
                .where(ChatFeedRow.chat_id == chat_id, ChatFeedRow.feed_id == feed_id)
                .returning(ChatFeedRow.id)
            )
            if removed.first() is None:
                return False
            others = (
                await conn.execute(
                    select(func.count())
                    .select_from(ChatFeedRow)
                    .where(ChatFeedRow.feed_id == feed_id)
                )
            ).scalar()
            brought = (
                await conn.execute(select(FeedRow.chat_added).where(FeedRow.id == feed_id))
            ).scalar()
            if not others and brought:
                await conn.execute(delete(FeedEntryRow).where(FeedEntryRow.feed_id == feed_id))
                await conn.execute(delete(ArticleFeedRow).where(ArticleFeedRow.feed_id == feed_id))
                await conn.execute(
                    update(ArticleRow).where(ArticleRow.feed_id == feed_id).values(feed_id=None)
                )
                await conn.execute(delete(FeedRow).where(FeedRow.id == feed_id))
        return True

    async def set_own_sources(self, chat_id: int, own: bool) -> None:
        """``/sources mine`` (True) or ``all`` (False)."""
        async with self._access.write() as conn:
            await ensure_chat(self._access, conn, chat_id)
            await conn.execute(
                update(ChatRow).where(ChatRow.id == chat_id).values(own_sources=own)
            )

    async def own_source_feeds(self, chat_id: int) -> frozenset[int] | None:
        """The feed ids a chat in ``/sources mine`` follows; None when it reads all sources."""
        # every briefing asks: one prebuilt indexed statement, on SQLite on the loop's thread
        async with self._access.read_quick() as conn:
            rows = (await conn.execute(_OWN_SOURCES, {"chat_id": chat_id})).all()
        if not rows or not rows[0].own_sources:
            return None
        return frozenset(row.feed_id for row in rows if row.feed_id is not None)

    async def stories_from_feeds(self, feed_ids: Sequence[int], since: datetime) -> set[int]:
        """Stories active since ``since`` that carry an article one of ``feed_ids`` lists
        (stored from it, or listed by it too: ``article_feeds``)."""
        found: set[int] = set()
        async with self._access.read() as conn:
            for chunk in chunks(list(feed_ids)):
                stored = (
                    select(ArticleRow.story_id)
                    .join(StoryRow, StoryRow.id == ArticleRow.story_id)
                    .where(ArticleRow.feed_id.in_(chunk), StoryRow.last_seen >= since)
                )
                listed = (
                    select(ArticleRow.story_id)
                    .join(ArticleFeedRow, ArticleFeedRow.article_id == ArticleRow.id)
                    .join(StoryRow, StoryRow.id == ArticleRow.story_id)
                    .where(ArticleFeedRow.feed_id.in_(chunk), StoryRow.last_seen >= since)
                )
                for query in (stored, listed):
                    found.update((await conn.execute(query.distinct())).scalars())
        return found

    async def link_article_feed(self, article_id: int, feed_id: int) -> None:
        """Record that feed ``feed_id`` lists an article stored before (idempotent)."""
        async with self._access.write() as conn:
            await conn.execute(
                self._access.insert(ArticleFeedRow)
                .values(article_id=article_id, feed_id=feed_id)
                .on_conflict_do_nothing(index_elements=["article_id", "feed_id"])
            )

    async def chats_not_following(self, chat_ids: Sequence[int], feed_id: int | None) -> set[int]:
        """Of ``chat_ids``, those in ``/sources mine`` that do not follow ``feed_id`` (an
        article from no feed, such as a link someone sent, is from none of their sources)."""
        excluded: set[int] = set()
        async with self._access.read() as conn:
            for chunk in chunks(list(dict.fromkeys(chat_ids))):
                own = set(
                    (
                        await conn.execute(
                            select(ChatRow.id).where(
                                ChatRow.id.in_(chunk), ChatRow.own_sources.is_(True)
                            )
                        )
                    ).scalars()
                )
                if not own:
                    continue
                following: set[int] = set()
                if feed_id is not None:
                    following = set(
                        (
                            await conn.execute(
                                select(ChatFeedRow.chat_id).where(
                                    ChatFeedRow.feed_id == feed_id, ChatFeedRow.chat_id.in_(own)
                                )
                            )
                        ).scalars()
                    )
                excluded |= own - following
        return excluded
