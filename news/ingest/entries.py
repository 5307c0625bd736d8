"""Feed entries as articles when the page itself fails: many feeds carry the whole article
(content:encoded, Atom content), and that text is used when it is long enough."""

from __future__ import annotations

import asyncio
import io
import logging
from urllib.parse import urlsplit

from news.models import Article, FeedEntry
from news.sources.limits import Overtime, run_bounded
from news.text import html_to_text

__all__ = ["FULL_TEXT_MIN_WORDS", "FeedBodies", "article_from_entry", "feed_full_texts"]

logger = logging.getLogger(__name__)

FULL_TEXT_MIN_WORDS = 120  # a feed entry this long carries the article itself


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or "unknown source"


def feed_full_texts(body: bytes) -> dict[str, str]:
    """Each entry's longest HTML body (content:encoded, Atom content or description), keyed by
    its guid and by its link. ``news.sources.feeds`` keeps only a short plain summary per entry;
    this is read only when a page fails and the feed may carry the article itself."""
    import feedparser  # here: needed only on this rare path, and slow to import

    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=True)
    texts: dict[str, str] = {}
    for raw in parsed.get("entries") or []:
        candidates = [str(c.get("value") or "") for c in raw.get("content") or []]
        candidates.append(str(raw.get("summary") or ""))
        best = max(candidates, key=len)
        for key in (raw.get("id"), raw.get("link")):
            if key:
                texts[str(key).strip()] = best
    return texts


def article_from_entry(
    entry: FeedEntry, feed_title: str | None, full_html: str | None = None
) -> Article | None:
    """The entry itself as an article when the feed carries the full text, else None."""
    text = html_to_text(full_html if full_html is not None else entry.summary)
    if len(text.split()) < FULL_TEXT_MIN_WORDS or not entry.link:
        return None
    return Article(
        url=entry.link,
        title=entry.title.strip() or text.split("\n", 1)[0][:120],
        text=text,
        source=(feed_title or "").strip() or _host(entry.link),
        published=entry.published,
    )


class FeedBodies:
    """The feed's full entry texts, parsed once (off the loop, within ``seconds``) on first
    need; a feed too big to parse in time has none."""

    def __init__(self, body: bytes, seconds: float) -> None:
        self._body = body
        self._seconds = seconds
        self._texts: dict[str, str] | None = None
        self._lock = asyncio.Lock()

    async def full_html(self, entry: FeedEntry) -> str | None:
        async with self._lock:
            if self._texts is None:
                try:
                    texts = await run_bounded(self._seconds, None, feed_full_texts, self._body)
                    self._texts = texts
                except Overtime:
                    logger.warning("reading full texts of a feed took too long")
                    self._texts = {}
                except Exception:
                    logger.exception("reading full texts of a feed failed")
                    self._texts = {}
        return self._texts.get(entry.entry_id) or self._texts.get(entry.link)
