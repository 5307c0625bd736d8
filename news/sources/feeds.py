"""Parse fetched RSS 0.9x/1.0 (RDF)/2.0 and Atom bytes with feedparser into stable entries, and
schedule the next check of a feed (spread out, with capped exponential backoff on errors).

Parsing is CPU-bound: callers on the event loop run :func:`parse_feed` in a thread.
"""

from __future__ import annotations

import io
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import struct_time
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import feedparser

from news.models import FeedEntry
from news.text import clean_text

__all__ = [
    "MAX_BACKOFF",
    "FeedError",
    "ParsedFeed",
    "next_check_at",
    "parse_feed",
]

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)  # a failing feed is still retried at least this often
JITTER = 0.1  # +-10% on every interval, so feeds added together drift apart
_SUMMARY_CHARS = 1000


class FeedError(Exception):
    """The bytes are not a usable feed; ``reason`` is one short user-facing sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its title and site link (if given) and its entries in feed order."""

    title: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    link: str | None = None


def _link(value: str | None, base: str) -> str:
    if not value or not value.strip():
        return ""
    absolute = urljoin(base, value.strip())
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return urlunsplit(parts._replace(fragment=""))


def _date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)  # feedparser normalizes to UTC
            except ValueError:
                continue
    return None


def parse_feed(body: bytes, url: str) -> ParsedFeed:
    """Parse feed bytes fetched from ``url``; relative links resolve against ``url``.

    Entry ids are the guid/Atom id, else the canonical link. Entries without a usable http(s)
    link are skipped. Raises :class:`FeedError` when nothing parses as a feed.
    """
    # A stream, never the bytes themselves: feedparser treats a bytes argument as a file name
    # first, so a hostile body like b"/etc/passwd" would be read from disk.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": url, "content-type": "application/xml"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    raw_entries = parsed.get("entries") or []
    feed_info = parsed.get("feed") or {}
    base = url
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in raw_entries:
        link = _link(raw.get("link"), base)
        if not link:
            for candidate in raw.get("links") or []:
                link = _link(candidate.get("href"), base)
                if link:
                    break
        guid = (raw.get("id") or "").strip()
        if not link and guid.startswith(("http://", "https://")):
            link = _link(guid, base)
        if not link:
            logger.debug("feed %s: entry without a link skipped", url)
            continue
        entry_id = guid or link
        if entry_id in seen:
            continue
        seen.add(entry_id)
        entries.append(
            FeedEntry(
                entry_id=entry_id,
                link=link,
                title=clean_text(raw.get("title")) or link,
                summary=clean_text(raw.get("summary"))[:_SUMMARY_CHARS],
                published=_date(raw),
            )
        )
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        logger.info("feed %s did not parse: %r", url, parsed.get("bozo_exception"))
        raise FeedError("The feed could not be read: it is not valid RSS or Atom.")
    if parsed.get("bozo"):
        logger.debug("feed %s parsed leniently: %r", url, parsed.get("bozo_exception"))
    return ParsedFeed(
        title=clean_text(feed_info.get("title")) or None,
        entries=entries,
        link=_link(feed_info.get("link"), base) or None,
    )


def next_check_at(
    now: datetime,
    interval: float | timedelta,
    error_count: int,
    *,
    rng: random.Random | None = None,
) -> datetime:
    """When to check a feed next: ``interval`` (seconds or timedelta) after ``now``, doubled per
    consecutive error and capped at :data:`MAX_BACKOFF` (or the interval, if longer), with
    +-10% jitter so feeds spread out. Returns an aware UTC datetime.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    seconds = interval.total_seconds() if isinstance(interval, timedelta) else float(interval)
    if seconds <= 0:
        raise ValueError("interval must be positive")
    cap = max(seconds, MAX_BACKOFF.total_seconds())
    delay = seconds * 2 ** min(max(error_count, 0), 30)
    source = rng or random
    if delay >= cap:  # at the cap, jitter only downwards so the cap holds and feeds still spread
        delay = cap * source.uniform(1 - 2 * JITTER, 1)
    else:
        delay = min(delay * source.uniform(1 - JITTER, 1 + JITTER), cap)
    return now.astimezone(UTC) + timedelta(seconds=delay)
