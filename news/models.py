"""Plain data objects that cross package boundaries. Store calls return these, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "AddResult",
    "AlertSettings",
    "Article",
    "Chat",
    "FeedEntry",
    "FeedRecord",
    "OutboxItem",
    "StoredArticle",
    "StoryRecord",
    "StorySource",
    "StoryView",
    "SubscribeResult",
    "Subscription",
    "SubscriptionChanges",
]


@dataclass(frozen=True, slots=True)
class Article:
    """An extracted article, not yet stored; ``url`` is canonical when the page names one."""

    url: str
    title: str
    text: str
    source: str  # site name, else the host ("Reuters", "example.com")
    published: datetime | None = None  # timezone-aware UTC when known
    author: str | None = None
    language: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: int
    url: str
    title: str
    text: str
    source: str
    published: datetime | None
    author: str | None
    language: str | None
    content_hash: str
    story_id: int
    feed_id: int | None
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class AddResult:
    """What ``Store.add_article`` did: new (maybe joining a known story) or a duplicate."""

    status: Literal["new", "duplicate"]
    article: StoredArticle
    story_id: int
    story_is_new: bool


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of a parsed feed. ``entry_id`` is stable: guid, else the canonical link."""

    entry_id: str
    link: str
    title: str
    summary: str = ""
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedRecord:
    id: int
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    error_count: int
    next_check_at: datetime | None
    last_checked_at: datetime | None
    last_error: str | None
    over_cap_polls: int = 0  # polls in a row that found more new entries than they may take


@dataclass(frozen=True, slots=True)
class StorySource:
    article_id: int
    source: str
    url: str
    title: str
    published: datetime | None


@dataclass(frozen=True, slots=True, eq=False)
class StoryRecord:
    """A story's own row, without its sources: what a cache of stories re-reads when a story
    changes. ``embedding`` is read-only (shared), None until an article brought one."""

    id: int
    title: str
    first_seen: datetime
    last_seen: datetime
    embedding: npt.NDArray[np.float32] | None


@dataclass(frozen=True, slots=True)
class StoryView:
    """A story with every article (source) that carries it; ``sources[0]`` is the first seen."""

    id: int
    title: str
    first_seen: datetime
    last_seen: datetime
    sources: tuple[StorySource, ...] = field(default_factory=tuple)

    @property
    def primary(self) -> StorySource:
        return self.sources[0]


@dataclass(frozen=True, slots=True)
class Chat:
    id: int  # Telegram chat id
    kind: str  # private, group, supergroup, channel
    title: str | None
    active: bool
    digest_time: time | None  # None: instant alerts
    last_briefing_at: datetime | None


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    chat_id: int
    topic: str
    created_at: datetime
    thread_id: int = 0  # the forum topic it was made in (0: none), where its alerts go
    filters: str | None = None  # keyword filters ('+word -word "a phrase"'), issue 15


@dataclass(frozen=True, slots=True)
class SubscriptionChanges:
    """Subscriptions changed since a version (``Store.subscription_changes``): each with
    whether it is active and its embedding; ``version`` is where the reader is now."""

    version: int
    rows: tuple[tuple[Subscription, bool, npt.NDArray[np.float32] | None], ...]


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    status: Literal["created", "exists", "updated", "limit"]  # updated: new keyword filters
    subscription: Subscription | None
    count: int  # the chat's subscriptions after the call
    version: int = 0  # the change's stamp in the subscriptions' counter (0: nothing changed)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    chat_id: int
    story_id: int
    topic: str | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    kind: str = "alert"  # or "update": new facts of a story the chat was told about
    article_id: int = 0  # an update's new source (0 for an alert)
    body: str | None = None  # an update's new sentences
    thread_id: int = 0  # the forum topic to send it to (0: none)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """A chat's delivery settings of issue 16: its time zone (IANA name, None: the bot's),
    quiet hours (local wall-clock start and end, both None: none) and story updates on/off."""

    chat_id: int
    timezone: str | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None
    updates: bool = True
