"""One ingestion run: the entries and files on their way to the store, the pages fetched once
per run, and the single writer task that embeds ready articles in batches (off the loop), stores
them one by one and marks their feed entries seen. An entry is marked seen only once its article
is stored or definitively rejected, so a crash mid-run loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

import numpy as np

from news.ingest.report import IngestReport, Progress
from news.ingest.steps import IngestSteps
from news.models import Article

__all__ = ["EMBED_BATCH", "Item", "Outcome", "Run"]

logger = logging.getLogger(__name__)

EMBED_BATCH = 32
Outcome = Literal["stored", "rejected", "failed"]


@dataclass
class Item:
    """One entry/page/file on its way to the store; ``done`` tells its feed how it settled."""

    url: str
    feed_id: int | None
    entry_id: str | None
    article: Article | None = None
    reason: str | None = None  # set when rejected definitively
    done: asyncio.Future[Outcome] | None = None


class Run:
    """One ingestion run: the report, the progress counter and the single writer task."""

    def __init__(self, steps: IngestSteps, progress: Progress | None) -> None:
        self.steps = steps
        self.report = IngestReport()
        self.progress = progress
        self.total = 0
        self.settled = 0
        self.queue: asyncio.Queue[Item | None] = asyncio.Queue()
        self.page_slots = asyncio.Semaphore(max(4, steps.settings.feed_concurrency))
        self.pages: dict[str, asyncio.Future[Article]] = {}
        self.writer = asyncio.create_task(self._write_loop(), name="ingest-writer")

    def page(self, url: str) -> asyncio.Future[Article]:
        """The article at ``url``, fetched and extracted once per run (feeds share links)."""
        future = self.pages.get(url)
        if future is None:
            future = self.pages[url] = asyncio.ensure_future(self._page(url))
        return future

    async def _page(self, url: str) -> Article:
        return await self.steps.fetch_article(url, user_supplied=False, slots=self.page_slots)

    def expect(self, count: int) -> None:
        """``count`` more entries or files to settle."""
        self.total += count
        self.tick(0)

    def tick(self, count: int) -> None:
        """``count`` more settled; tells the progress callback."""
        self.settled += count
        if self.progress is not None:
            self.progress(self.settled, self.total)

    async def finish(self) -> IngestReport:
        await self.queue.put(None)
        await self.writer
        return self.report

    async def cancel(self) -> None:
        for future in self.pages.values():
            future.cancel()
        self.writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.writer

    async def _write_loop(self) -> None:
        """Drain the queue in batches until the end marker; never dies of one bad batch."""
        while True:
            first = await self.queue.get()
            if first is None:
                return
            batch = [first]
            finished = False
            while len(batch) < EMBED_BATCH and not self.queue.empty():
                item = self.queue.get_nowait()
                if item is None:
                    finished = True
                    break
                batch.append(item)
            try:
                await self._write(batch)
            except Exception:  # a bug: the feeds waiting on these items must still go on
                logger.exception("writing a batch of %d failed", len(batch))
                for item in batch:
                    if item.done is not None and not item.done.done():
                        item.done.set_result("failed")
            if finished:
                return

    async def _write(self, batch: list[Item]) -> None:
        steps = self.steps
        ready = [item for item in batch if item.article is not None]
        embeddings: np.ndarray | None = None
        if ready and steps.encoder is not None:
            try:
                embeddings = await steps.embed([item.article for item in ready if item.article])
            except Exception:
                logger.exception("embedding %d article(s) failed; storing without", len(ready))
        settled: dict[int, list[str]] = defaultdict(list)
        row = 0
        for item in batch:
            outcome: Outcome
            if item.article is None:
                self.report.rejected.append((item.url, item.reason or "rejected"))
                outcome = "rejected"
            else:
                embedding = embeddings[row] if embeddings is not None else None
                row += 1
                try:
                    result = await steps.store_article(item.article, item.feed_id, embedding)
                except Exception:
                    logger.exception("storing %s failed; it will be retried", item.url)
                    outcome = "failed"
                else:
                    if result.status == "new":
                        self.report.new += 1
                    else:
                        self.report.duplicate += 1
                    outcome = "stored"
            if outcome != "failed" and item.feed_id is not None and item.entry_id is not None:
                settled[item.feed_id].append(item.entry_id)
            if outcome == "failed":
                self.report.retry_later += 1
            if item.done is not None and not item.done.done():
                item.done.set_result(outcome)
        for feed_id, entry_ids in settled.items():
            try:
                await steps.store.mark_entries(feed_id, entry_ids)
            except Exception:  # not marked: seen again next poll, deduplicated by the store
                logger.exception("marking %d entries of feed %s failed", len(entry_ids), feed_id)
        self.tick(len(batch))
