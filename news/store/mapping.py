"""Row mapping: the columns each query selects and the ``news.models`` plain objects made of
its rows (nothing outside the store ever sees an ORM row)."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Row

from news.models import (
    Chat,
    FeedRecord,
    OutboxItem,
    StoredArticle,
    StoryRecord,
    Subscription,
)
from news.store.tables import (
    ArticleRow,
    ChatRow,
    FeedRow,
    OutboxRow,
    StoryRow,
    SubscriptionRow,
)
from news.stories.grouping import Vector, from_blob

__all__ = [
    "ARTICLE_COLUMNS",
    "CHAT_COLUMNS",
    "FEED_COLUMNS",
    "OUTBOX_COLUMNS",
    "STORY_COLUMNS",
    "SUB_COLUMNS",
    "AnyRow",
    "article",
    "chat",
    "feed",
    "outbox",
    "read_only_vector",
    "story_record",
    "subscription",
]

AnyRow: TypeAlias = Row[*tuple[Any, ...]]

ARTICLE_COLUMNS = (
    ArticleRow.id,
    ArticleRow.url,
    ArticleRow.title,
    ArticleRow.text,
    ArticleRow.source,
    ArticleRow.published,
    ArticleRow.author,
    ArticleRow.language,
    ArticleRow.content_hash,
    ArticleRow.story_id,
    ArticleRow.feed_id,
    ArticleRow.fetched_at,
)
FEED_COLUMNS = (
    FeedRow.id,
    FeedRow.url,
    FeedRow.title,
    FeedRow.etag,
    FeedRow.last_modified,
    FeedRow.error_count,
    FeedRow.next_check_at,
    FeedRow.last_checked_at,
    FeedRow.last_error,
    FeedRow.over_cap_polls,
)
CHAT_COLUMNS = (
    ChatRow.id,
    ChatRow.kind,
    ChatRow.title,
    ChatRow.active,
    ChatRow.digest_time,
    ChatRow.last_briefing_at,
    ChatRow.last_digest_at,
)
SUB_COLUMNS = (
    SubscriptionRow.id,
    SubscriptionRow.chat_id,
    SubscriptionRow.topic,
    SubscriptionRow.created_at,
    SubscriptionRow.thread_id,
    SubscriptionRow.filters,
)
OUTBOX_COLUMNS = (
    OutboxRow.id,
    OutboxRow.chat_id,
    OutboxRow.story_id,
    OutboxRow.topic,
    OutboxRow.attempts,
    OutboxRow.created_at,
    OutboxRow.next_attempt_at,
    OutboxRow.thread_id,
    OutboxRow.kind,
    OutboxRow.article_id,
    OutboxRow.body,
)
_SUB_NAMES = tuple(column.key for column in SUB_COLUMNS)
_OUTBOX_NAMES = tuple(column.key for column in OUTBOX_COLUMNS)
STORY_COLUMNS = (StoryRow.id, StoryRow.title, StoryRow.first_seen, StoryRow.last_seen)


def article(row: AnyRow) -> StoredArticle:
    return StoredArticle(*row[: len(ARTICLE_COLUMNS)])


def feed(row: AnyRow) -> FeedRecord:
    return FeedRecord(*row[: len(FEED_COLUMNS)])


def chat(row: AnyRow) -> Chat:
    return Chat(
        id=row.id,
        kind=row.kind,
        title=row.title,
        active=bool(row.active),
        digest_time=row.digest_time,
        last_briefing_at=row.last_briefing_at,
    )


def subscription(row: AnyRow) -> Subscription:
    # by name: features add fields (thread_id, filters...) in any order
    return Subscription(**dict(zip(_SUB_NAMES, row, strict=False)))


def outbox(row: AnyRow) -> OutboxItem:
    return OutboxItem(**dict(zip(_OUTBOX_NAMES, row, strict=False)))


def read_only_vector(blob: bytes | None) -> Vector | None:
    """An embedding from its stored bytes, read-only (callers share it), or None."""
    vector = from_blob(blob)
    if vector is not None:
        vector.setflags(write=False)
    return vector


def story_record(row: AnyRow) -> StoryRecord:
    """A row of ``STORY_COLUMNS`` and ``StoryRow.embedding``."""
    return StoryRecord(
        id=row.id,
        title=row.title,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        embedding=read_only_vector(row.embedding),
    )
