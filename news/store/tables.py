"""SQLAlchemy 2 declarative models of the newsbrief store.

The schema itself is created and upgraded only by the Alembic migrations in
``news/store/migrations``; these models describe it for queries, and a test checks that the
migrations' head and these models agree. Types are portable (SQLite and PostgreSQL); times are
stored in UTC and always come back timezone-aware.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ArticleFeedRow",
    "ArticleRow",
    "Base",
    "BriefingRow",
    "ChannelLinkRow",
    "ChatFeedRow",
    "ChatRow",
    "CounterRow",
    "FeedEntryRow",
    "FeedRow",
    "MutedSourceRow",
    "OutboxRow",
    "StoryRow",
    "SubscriptionRow",
    "SummaryRow",
    "UTCDateTime",
]

logger = logging.getLogger(__name__)

# Stable constraint names, the same on every database, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so values are stored as naive UTC
    (which keeps its string comparisons correct) and made aware again when read. Naive input is
    taken to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base sharing one metadata with a fixed naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        time: Time(),
        bytes: LargeBinary(),
    }


class FeedRow(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer)
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    last_checked_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    over_cap_polls: Mapped[int] = mapped_column(Integer, server_default="0")
    # Added by a chat (/feeds add, OPML): forgotten when the last chat following it leaves.
    chat_added: Mapped[bool] = mapped_column(Boolean, server_default=false())


class FeedEntryRow(Base):
    """An entry id already seen in a feed, so polling again stores nothing new."""

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_id: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime]


class StoryRow(Base):
    """Near-duplicate articles from several sources grouped into one story."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime] = mapped_column(index=True)
    embedding: Mapped[bytes | None]  # float32 of the story's first article with one


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)  # canonical
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    signature: Mapped[bytes]  # MinHash, see news.stories.dedupe.signature
    embedding: Mapped[bytes | None]  # float32, L2-normalized
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("feeds.id", ondelete="SET NULL"), index=True
    )
    published: Mapped[datetime | None]
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(32))


class SummaryRow(Base):
    __tablename__ = "summaries"
    __table_args__ = (UniqueConstraint("article_id", "model_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    model_id: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ChatRow(Base):
    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    digest_time: Mapped[time | None]  # None: instant alerts
    last_briefing_at: Mapped[datetime | None]
    last_digest_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # issue 16: the chat's own time zone (IANA name; None: the bot's), quiet hours as local
    # wall-clock times (both None: none), and whether it wants story updates.
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_start: Mapped[time | None]
    quiet_end: Mapped[time | None]
    updates: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # /sources mine: briefings and alerts only from the feeds this chat follows.
    own_sources: Mapped[bool] = mapped_column(Boolean, server_default=false())
    username: Mapped[str | None] = mapped_column(Text)  # a channel's @name (issue 15)


class BriefingRow(Base):
    """A story shown to a chat in a briefing, so the next briefing does not repeat it."""

    __tablename__ = "briefings"
    __table_args__ = (Index(None, "chat_id", "at"), Index(None, "story_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    at: Mapped[datetime]


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("chat_id", "normalized"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(Text)  # casefolded, spaces collapsed
    embedding: Mapped[bytes | None]
    active: Mapped[bool] = mapped_column(Boolean, index=True)
    created_at: Mapped[datetime]
    # the forum topic it was made in (0: none); its alerts go there (issue 15)
    thread_id: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # keyword filters (issue 15): '+word -word "a phrase" -"a phrase"', None: none
    filters: Mapped[str | None] = mapped_column(Text)
    # the change counter's value at this row's last change: a process's index of every
    # subscription reads only the rows changed since it last looked (issue 14)
    version: Mapped[int] = mapped_column(BigInteger, server_default="0", index=True)


class OutboxRow(Base):
    """One alert per (chat, story), ever, and one story update per (chat, story, new source)
    (``article_id``: 0 for the alert); kept until sent (or dropped for a blocked chat)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("chat_id", "story_id", "article_id"),
        Index(None, "sent_at", "dropped", "next_attempt_at"),
        Index(None, "story_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    topic: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    dropped: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(16), server_default="alert")  # or 'update'
    article_id: Mapped[int] = mapped_column(Integer, server_default="0")  # an update's source
    body: Mapped[str | None] = mapped_column(Text)  # an update's new sentences, as sent
    thread_id: Mapped[int] = mapped_column(BigInteger, server_default="0")  # forum topic, 0: none
    why: Mapped[str | None] = mapped_column(Text)  # JSON: how the alert's topic matched (#16)


class ChannelLinkRow(Base):
    """A channel an administrator linked (``/channel @name``) to manage from their private
    chat with the bot (issue 15)."""

    __tablename__ = "channel_links"
    __table_args__ = (UniqueConstraint("channel_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime]


class MutedSourceRow(Base):
    """A source (an article's site name) a chat muted from an alert's "Why this?" (issue 16):
    its articles alert that chat no more."""

    __tablename__ = "muted_sources"
    __table_args__ = (UniqueConstraint("chat_id", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(Text, index=True)
    created_at: Mapped[datetime]


class CounterRow(Base):
    """Change counters: a process keeps a cache (such as the active subscriptions) and reloads
    it only when the counter moved, which another process bumps with each change."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ChatFeedRow(Base):
    """A feed a chat follows (/feeds add, OPML import); the feed row and its articles are shared
    by every chat following it, and polled once."""

    __tablename__ = "chat_feeds"
    __table_args__ = (UniqueConstraint("chat_id", "feed_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(Text)  # the chat's name for it (OPML text)
    added_at: Mapped[datetime]


class ArticleFeedRow(Base):
    """Another feed that lists an article already stored from one feed (``articles.feed_id``),
    so a chat following only that other feed still gets the article's story."""

    __tablename__ = "article_feeds"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True, index=True
    )
