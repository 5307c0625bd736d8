"""The steps every way into the store shares: fetch a page and extract its article off the
event loop, embed articles in one batch, store one and let topics see it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from news.models import AddResult, Article, FeedEntry, FeedRecord
from news.sources.limits import extract_bounded
from news.sources.pacing import HostPacer
from news.topics import TextEncoder, article_lead

if TYPE_CHECKING:
    from config import Settings
    from news.sources.fetch import Fetcher
    from news.store import Store

__all__ = ["EntrySink", "IngestSteps", "OnNew"]

logger = logging.getLogger(__name__)

OnNew = Callable[[AddResult, "np.ndarray | None"], Awaitable[object]]


class EntrySink(Protocol):
    """Where a poll hands its fresh feed entries when they are processed elsewhere: the work
    queue (:mod:`news.tasks`), whose workers fetch, extract, store, match and mark them seen."""

    async def enqueue_entries(
        self,
        feed: FeedRecord,
        feed_title: str | None,
        entries: Sequence[tuple[FeedEntry, str | None]],  # (entry, the feed's own full text)
    ) -> int:
        """Queue the entries (durably: once this returns, none is lost); returns how many."""
        ...


class IngestSteps:
    """The store, the fetcher, the encoder and the alert hook, and the steps built on them.

    ``extract_executor``: where extraction runs; None uses ``asyncio.to_thread``'s pool. A
    ``ProcessPoolExecutor`` lets extraction use every core. ``tasks``: feed polls queue their
    fresh entries there instead of fetching them (None: the embedded default, all in-process).
    """

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        *,
        encoder: TextEncoder | None,
        on_new: OnNew | None,
        settings: Settings,
        extract_executor: Executor | None = None,
        tasks: EntrySink | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.encoder = encoder
        self.on_new = on_new
        self.settings = settings
        self.extract_executor = extract_executor
        self.tasks = tasks
        # Shared by every run, so back-to-back polls are paced as one stream per host.
        self.pacer = HostPacer(settings.fetch_per_host, settings.fetch_host_interval)

    async def extract(self, body: str | bytes, url: str | None) -> Article:
        """Run the extractor off the event loop, within the page bounds (``extract_max_chars``,
        ``extract_timeout``: :mod:`news.sources.limits`). Raises NotAnArticle."""
        return await extract_bounded(
            body,
            url,
            max_chars=self.settings.extract_max_chars,
            seconds=self.settings.extract_timeout,
            executor=self.extract_executor,
        )

    async def fetch_article(
        self, url: str, *, user_supplied: bool, slots: asyncio.Semaphore | None = None
    ) -> Article:
        """Fetch a page (holding one of ``slots``, if given, while fetching) and extract its
        article, whose URL is the canonical one, else the final URL after redirects.

        Pages nobody asked for by hand (feed entries) are paced per host first
        (``fetch_per_host``, ``fetch_host_interval``); a user's link is not kept waiting.
        Raises FetchError or NotAnArticle.
        """
        paced = contextlib.nullcontext() if user_supplied else self.pacer.slot(url)
        async with paced, slots or contextlib.nullcontext():
            page = await self.fetcher.fetch_page(url, user_supplied=user_supplied)
        article = await self.extract(page.text, page.url)
        return article if article.url else replace(article, url=page.url)

    async def embed(self, articles: Sequence[Article]) -> np.ndarray | None:
        """Title + lead embeddings of ``articles`` in one batch, off the loop."""
        if self.encoder is None or not articles:
            return None
        texts = [article_lead(a.title, a.text) for a in articles]
        return await asyncio.to_thread(self.encoder.encode, texts)

    async def store_article(
        self,
        article: Article,
        feed_id: int | None,
        embedding: np.ndarray | None,
        *,
        notify: bool = True,
    ) -> AddResult:
        """Store one article, then let topics see it (their failure never loses the article)."""
        result = await self.store.add_article(article, feed_id=feed_id, embedding=embedding)
        if (
            result.status == "duplicate"
            and feed_id is not None
            and result.article.feed_id != feed_id
        ):
            # Another feed lists it too: chats following only that feed see its story.
            await self.store.link_article_feed(result.article.id, feed_id)
        if notify and result.status == "new" and self.on_new is not None:
            try:
                await self.on_new(result, embedding)
            except Exception:
                logger.exception("on_new failed for article %s", result.article.id)
        return result
