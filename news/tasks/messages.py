"""What one task carries: a feed entry to fetch, extract, store and match, as plain JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from news.models import FeedEntry

__all__ = ["ENTRY_TASK", "FULL_HTML_MAX_CHARS", "EntryTask"]

ENTRY_TASK = "newsbrief.ingest_entry"  # the task's name on the queue (producers and workers)
FULL_HTML_MAX_CHARS = 200_000  # the feed's own text of the entry, carried for a failing page


@dataclass(frozen=True, slots=True)
class EntryTask:
    """One feed entry, with what the worker needs without re-reading the feed."""

    feed_id: int
    entry_id: str
    link: str
    title: str
    summary: str
    published: str | None  # ISO 8601
    feed_title: str | None
    full_html: str | None  # the entry's longest body in the feed, if any (capped)

    @classmethod
    def of(
        cls, feed_id: int, entry: FeedEntry, feed_title: str | None, full_html: str | None
    ) -> EntryTask:
        return cls(
            feed_id=feed_id,
            entry_id=entry.entry_id,
            link=entry.link,
            title=entry.title,
            summary=entry.summary,
            published=entry.published.isoformat() if entry.published else None,
            feed_title=feed_title,
            full_html=None if full_html is None else full_html[:FULL_HTML_MAX_CHARS],
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EntryTask:
        return cls(
            feed_id=int(data["feed_id"]),
            entry_id=str(data["entry_id"]),
            link=str(data.get("link") or ""),
            title=str(data.get("title") or ""),
            summary=str(data.get("summary") or ""),
            published=None if data.get("published") is None else str(data["published"]),
            feed_title=None if data.get("feed_title") is None else str(data["feed_title"]),
            full_html=None if data.get("full_html") is None else str(data["full_html"]),
        )

    def entry(self) -> FeedEntry:
        return FeedEntry(
            entry_id=self.entry_id,
            link=self.link,
            title=self.title,
            summary=self.summary,
            published=datetime.fromisoformat(self.published) if self.published else None,
        )
