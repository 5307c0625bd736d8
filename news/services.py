"""The one place the news side is wired: one HTTP client (Fetcher), one Store, one encoder and one
summarizer (each loaded once, lazily on first use so ``newsbrief run`` starts fast), and the
services built on them. The bot's composition root calls ``open_services`` and ``close``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from news.briefings import BriefingService
from news.ingest import Ingestor
from news.sources.fetch import Fetcher
from news.store import Store
from news.summaries import SummarizerLike, SummaryLike, SummaryService
from news.topics import TextEncoder, TopicService

if TYPE_CHECKING:
    import httpx

    from config import Settings

__all__ = ["LazyEncoder", "LazySummarizer", "NewsServices", "open_services", "redact_url"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class _Lazy(Generic[T]):
    """Builds its target on first use, once, under a lock (first use happens in a worker
    thread: callers encode and summarize through ``asyncio.to_thread``)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._target: T | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._target is not None

    def get(self) -> T:
        if self._target is None:
            with self._lock:
                if self._target is None:
                    self._target = self._factory()
        return self._target


class LazyEncoder:
    """``summarizer.load_encoder(settings)`` on first use; quacks like ``summarizer.Encoder``."""

    def __init__(self, settings: Settings) -> None:
        def factory() -> TextEncoder:
            from summarizer import load_encoder

            return load_encoder(settings)

        self._lazy: _Lazy[TextEncoder] = _Lazy(factory)

    @property
    def loaded(self) -> bool:
        return self._lazy.loaded

    @property
    def model_id(self) -> str:
        return self._lazy.get().model_id

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._lazy.get().encode(texts)


class LazySummarizer:
    """``summarizer.load(settings)`` on first use; quacks like ``summarizer.Summarizer``."""

    def __init__(self, settings: Settings) -> None:
        def factory() -> SummarizerLike:
            from summarizer import load

            return load(settings)

        self._lazy: _Lazy[SummarizerLike] = _Lazy(factory)

    @property
    def loaded(self) -> bool:
        return self._lazy.loaded

    @property
    def model_id(self) -> str:
        return self._lazy.get().model_id

    def summarize(
        self, texts: Sequence[str], *, max_sentences: int = 3, max_words: int = 120
    ) -> Sequence[SummaryLike]:
        return self._lazy.get().summarize(texts, max_sentences=max_sentences, max_words=max_words)


@dataclass
class NewsServices:
    """Everything the bot (and the CLI) needs from the news side, opened together."""

    settings: Settings
    store: Store
    fetcher: Fetcher
    encoder: TextEncoder
    summarizer: SummarizerLike
    summaries: SummaryService
    topics: TopicService
    briefings: BriefingService
    ingestor: Ingestor

    async def warm_up(self) -> None:
        """Load the encoder and the summarizer now (off the loop) instead of on first use."""
        await asyncio.to_thread(lambda: (self.encoder.model_id, self.summarizer.model_id))

    async def close(self) -> None:
        """Close the HTTP client, the extraction workers and the store (models need none)."""
        try:
            await self.fetcher.aclose()
            executor = self.ingestor.extract_executor
            if executor is not None:
                await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
        finally:
            await self.store.close()


async def open_services(
    settings: Settings,
    *,
    encoder: TextEncoder | None = None,
    summarizer: SummarizerLike | None = None,
    client: httpx.AsyncClient | None = None,
    sync_feeds: bool = True,
    extract_workers: int | None = None,
) -> NewsServices:
    """Open the store, the fetcher and the services; models load lazily unless given.

    ``sync_feeds``: add the feeds named in ``settings.feeds`` (NEWSBRIEF_FEEDS) to the store.
    ``extract_workers``: extract pages in that many worker processes (started on first use),
    so parsing HTML uses every core and never holds the bot's event loop; 0 extracts in
    threads. None follows ``settings.extract_workers`` (default: one process per core, max 4).
    """
    store = await Store.open(settings.database_url)
    try:
        if sync_feeds:
            for url in settings.feeds:
                await store.add_feed(url)
        fetcher = Fetcher(settings, client)
    except BaseException:
        await store.close()
        raise
    the_encoder: TextEncoder = encoder if encoder is not None else LazyEncoder(settings)
    the_summarizer: SummarizerLike = (
        summarizer if summarizer is not None else LazySummarizer(settings)
    )
    summaries = SummaryService(store, the_summarizer)
    topics = TopicService(store, the_encoder, settings)
    pool = None
    if extract_workers is None:
        extract_workers = settings.extraction_processes()
    if extract_workers > 0:
        pool = ProcessPoolExecutor(
            extract_workers, mp_context=multiprocessing.get_context("spawn")
        )
    ingestor = Ingestor(
        store,
        fetcher,
        encoder=the_encoder,
        on_new=topics.on_new_article,
        settings=settings,
        extract_executor=pool,
    )
    briefings = BriefingService(store, summaries, the_encoder, settings, ingestor=ingestor)
    logger.info("news services open (database %s)", redact_url(settings.database_url))
    return NewsServices(
        settings=settings,
        store=store,
        fetcher=fetcher,
        encoder=the_encoder,
        summarizer=the_summarizer,
        summaries=summaries,
        topics=topics,
        briefings=briefings,
        ingestor=ingestor,
    )


def redact_url(url: str) -> str:
    """A database URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url
