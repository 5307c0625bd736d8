"""A chat's own sources: ``/feeds``, ``/feeds add URL``, ``/feeds remove N|URL``, OPML import
and export, and ``/sources mine|all``.

Every URL a user gives goes through the guarded fetcher (``news.sources.fetch``: private and
local addresses refused, sizes and time capped) and must parse as RSS or Atom before it is
stored; a site's page is searched for the feed it links (``news.sources.discover``). A feed
already known (another chat follows it, or the operator configured it) is not fetched again:
every chat following a feed shares its one row, its one poll and its articles. Each import is
stored in one transaction, after every check, so a failure stores nothing.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from news.models import StoredArticle
from news.sources.decode import decode_html
from news.sources.discover import common_feed_urls, linked_feeds
from news.sources.feeds import FeedError, parse_feed
from news.sources.fetch import FetchError
from news.sources.limits import Overtime, run_bounded
from news.sources.opml import OpmlError, OpmlFeed, read_opml, write_opml
from news.store.chat_feeds import ChatFeed
from news.text import looks_like_html

if TYPE_CHECKING:
    from config import Settings
    from news.sources.fetch import Fetcher
    from news.store import Store

__all__ = [
    "MAX_URL",
    "AddedFeed",
    "ChatFeed",
    "ChatSourceService",
    "ImportReport",
    "SourceError",
    "clean_url",
]

logger = logging.getLogger(__name__)

MAX_URL = 2048  # characters of a feed URL
CHECKS_AT_ONCE = 8  # feeds of one OPML file fetched at once
# A scheme ("https://", "ftp:", "javascript:"), not a bare "host:port".
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(//|(?![0-9]))", re.IGNORECASE)


class SourceError(ValueError):
    """A request about sources that cannot be done; ``reason`` is one user-facing sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AddedFeed:
    """``/feeds add``: the feed followed, and whether the chat followed it already."""

    feed: ChatFeed
    already: bool = False


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an OPML import did: feeds added, ones already followed (or listed twice), and ones
    refused with the reason (a bad URL, a private address, not a feed, over the cap)."""

    added: list[ChatFeed] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def clean_url(text: str) -> str:
    """A feed URL as typed (``<…>`` unwrapped, ``http://`` added to a bare host, no fragment),
    or :class:`SourceError` when it cannot be one. Where it points is the guard's job."""
    url = text.strip().strip("<>").strip()
    if not url:
        raise SourceError("Send a feed or site address, e.g. /feeds add https://example.com/rss")
    if len(url) > MAX_URL:
        raise SourceError(f"That address is longer than {MAX_URL:,} characters.")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise SourceError("That is not a web address (it has spaces in it).")
    if not _SCHEME.match(url):
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise SourceError(f"Only http and https addresses can be followed, not {parts.scheme}:.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise SourceError("That does not look like a web address.") from None
    if parts.username is not None or parts.password is not None:
        raise SourceError("Addresses with a user name or password are not followed.")
    if not parts.hostname:
        raise SourceError("That does not look like a web address (it names no site).")
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), fragment=""))


class ChatSourceService:
    """The feeds a chat follows; see the module docstring."""

    def __init__(self, store: Store, fetcher: Fetcher, settings: Settings) -> None:
        self.store = store
        self.fetcher = fetcher
        self.settings = settings

    # --- listing and changing ----------------------------------------------------------------

    async def feeds(self, chat_id: int) -> builtins.list[ChatFeed]:
        """The chat's feeds, in the order it added them (``/feeds`` numbers them from 1)."""
        return await self.store.chat_feeds_of(chat_id)

    async def add(self, chat_id: int, text: str) -> AddedFeed:
        """Follow the feed at ``text``, or the feed the page at ``text`` links. Raises
        :class:`SourceError` (bad address, over the cap, not a feed, fetch refused)."""
        url = clean_url(text)
        cap = self.settings.max_chat_feeds
        followed = await self.store.chat_feeds_of(chat_id)
        for feed in followed:
            if feed.url == url:
                return AddedFeed(feed, already=True)
        if len(followed) >= cap:
            raise SourceError(self._cap_reason(cap))
        title: str | None = None
        if url not in await self.store.known_feed_urls([url]):
            url, title = await self._find_feed(url)
        result = await self.store.follow_feeds(chat_id, [(url, title)], cap=cap)
        if result.over_cap:
            raise SourceError(self._cap_reason(cap))
        if result.duplicates:
            current = await self.store.chat_feeds_of(chat_id)
            return AddedFeed(next(f for f in current if f.url == url), already=True)
        logger.info("chat %s follows feed %s", chat_id, result.added[0].feed_id)
        return AddedFeed(result.added[0])

    async def remove(self, chat_id: int, key: str) -> ChatFeed | None:
        """Stop following the feed numbered ``key`` in ``/feeds`` (from 1) or at URL ``key``;
        the feed removed, or None when the chat follows no such feed."""
        key = key.strip()
        followed = await self.store.chat_feeds_of(chat_id)
        target: ChatFeed | None = None
        if key.isascii() and key.isdigit() and len(key) <= 6:
            number = int(key)
            if 1 <= number <= len(followed):
                target = followed[number - 1]
        else:
            try:
                url = clean_url(key)
            except SourceError:
                url = key
            target = next((f for f in followed if f.url in (key, url)), None)
        if target is None or not await self.store.unfollow_feed(chat_id, target.feed_id):
            return None
        return target

    async def own_sources(self, chat_id: int) -> bool:
        """Whether the chat reads only its own sources (``/sources mine``)."""
        return await self.store.own_source_feeds(chat_id) is not None

    async def set_own_sources(self, chat_id: int, own: bool) -> None:
        await self.store.set_own_sources(chat_id, own)

    # --- briefings and alerts ----------------------------------------------------------------

    async def story_filter(self, chat_id: int, since: datetime) -> frozenset[int] | None:
        """The stories a chat in ``/sources mine`` may be shown (from its feeds, active since
        ``since``); None when it reads every source."""
        feed_ids = await self.store.own_source_feeds(chat_id)
        if feed_ids is None:
            return None
        if not feed_ids:
            return frozenset()
        return frozenset(await self.store.stories_from_feeds(sorted(feed_ids), since))

    async def excluded_chats(self, article: StoredArticle, chat_ids: Sequence[int]) -> set[int]:
        """Of the chats an article's alert matched, those in ``/sources mine`` that do not
        follow its feed (``news.topics.AlertFilter``)."""
        if not chat_ids:
            return set()
        return await self.store.chats_not_following(list(chat_ids), article.feed_id)

    # --- OPML --------------------------------------------------------------------------------

    async def import_opml(self, chat_id: int, data: bytes) -> ImportReport:
        """Follow the feeds of an OPML file: each URL checked (an address, the guard, and
        a fetch that parses as a feed unless the feed is known), then all that passed stored
        in one transaction, up to the chat's cap. Raises :class:`SourceError` for a file that
        cannot be read at all (too large, not OPML, DOCTYPE/entities, too many feeds)."""
        limit = self.settings.opml_max_bytes
        if len(data) > limit:
            raise SourceError(self._size_reason(len(data)))
        try:
            listed = await asyncio.to_thread(
                read_opml, data, max_feeds=self.settings.opml_max_feeds
            )
        except OpmlError as exc:
            raise SourceError(exc.reason) from None
        if not listed:
            raise SourceError("The file lists no feeds (no outline with an xmlUrl).")
        report = ImportReport()
        followed = {f.url for f in await self.store.chat_feeds_of(chat_id)}
        candidates: dict[str, OpmlFeed] = {}
        for entry in listed:
            try:
                url = clean_url(entry.url)
            except SourceError as exc:
                report.refused.append((entry.url[:200], exc.reason))
                continue
            if url in followed or url in candidates:
                report.duplicates.append(url)
                continue
            candidates[url] = OpmlFeed(url, entry.title)
        known = await self.store.known_feed_urls(list(candidates))
        checked = await self._check_all([u for u in candidates if u not in known])
        accepted: list[tuple[str, str | None]] = []
        for url, feed in candidates.items():
            problem = checked.get(url)
            if problem is not None:
                report.refused.append((url, problem))
            else:
                accepted.append((url, feed.title))
        result = await self.store.follow_feeds(chat_id, accepted, cap=self.settings.max_chat_feeds)
        report.added.extend(result.added)
        report.duplicates.extend(result.duplicates)
        reason = self._cap_reason(self.settings.max_chat_feeds)
        report.refused.extend((url, reason) for url in result.over_cap)
        logger.info(
            "chat %s imported OPML: %d added, %d duplicate, %d refused",
            chat_id,
            len(report.added),
            len(report.duplicates),
            len(report.refused),
        )
        return report

    async def export_opml(self, chat_id: int) -> bytes:
        """The chat's feeds as an OPML document (an empty list when it follows none)."""
        feeds = await self.store.chat_feeds_of(chat_id)
        return write_opml([OpmlFeed(f.url, f.title) for f in feeds])

    def _size_reason(self, size: int) -> str:
        limit = self.settings.opml_max_bytes
        return (
            f"The file is {size / 1_000_000:.1f} MB; OPML files of up to "
            f"{limit / 1_000_000:g} MB are read."
        )

    def check_size(self, size: int | None) -> None:
        """Refuse a file by its announced size before it is downloaded."""
        if size is not None and size > self.settings.opml_max_bytes:
            raise SourceError(self._size_reason(size))

    # --- checking feeds ----------------------------------------------------------------------

    @staticmethod
    def _cap_reason(cap: int) -> str:
        return f"You follow {cap} sources, the limit; remove one with /feeds remove N first."

    async def _check_all(self, urls: Sequence[str]) -> dict[str, str | None]:
        """Each URL fetched and parsed as a feed (a few at once): None, or why not."""
        slots = asyncio.Semaphore(CHECKS_AT_ONCE)

        async def check(url: str) -> tuple[str, str | None]:
            async with slots:
                try:
                    await self._read_feed(url)
                except SourceError as exc:
                    return url, exc.reason
                return url, None

        return dict(await asyncio.gather(*(check(url) for url in urls)))

    async def _read_feed(self, url: str) -> tuple[bytes, str | None, bool]:
        """Fetch ``url``: (body, feed title, parsed as a feed). Raises :class:`SourceError`
        when the fetch fails or the body is neither a feed nor a page."""
        try:
            response = await self.fetcher.fetch_feed(url)
        except FetchError as exc:
            raise SourceError(exc.reason) from None
        try:
            parsed = await run_bounded(
                self.settings.extract_timeout, None, parse_feed, response.body, response.url
            )
        except (FeedError, Overtime):
            if looks_like_html(response.body):
                raise _NotAFeedPage(response.body, response.url) from None
            raise SourceError("That address is not an RSS or Atom feed.") from None
        return response.body, parsed.title, True

    async def _find_feed(self, url: str) -> tuple[str, str | None]:
        """The feed at ``url`` (its final URL and title), or the one its page links, or one at
        a common path of its site."""
        try:
            _, title, _ = await self._read_feed(url)
            return url, title
        except _NotAFeedPage as page:
            page_url = page.url
            html, _ = await asyncio.to_thread(decode_html, page.body)
        links = await asyncio.to_thread(linked_feeds, html, page_url)
        tried = links or common_feed_urls(page_url)
        for candidate in tried:
            try:
                _, title, _ = await self._read_feed(candidate)
            except SourceError as exc:
                logger.debug("feed candidate %s: %s", candidate, exc.reason)
                continue
            return candidate, title
        if links:
            raise SourceError("The page links a feed, but it could not be read as RSS or Atom.")
        raise SourceError(
            "That address is a web page, not a feed, and I found no RSS or Atom feed for it."
        )


class _NotAFeedPage(SourceError):
    """The URL answered with an HTML page (search it for a feed link)."""

    def __init__(self, body: bytes, url: str) -> None:
        super().__init__("That address is a web page, not a feed.")
        self.body = body
        self.url = url
