"""The worker side: one task is one feed entry fetched, extracted, embedded, stored, matched to
subscriptions and marked seen, in that order, and the queue's message is acknowledged only after
all of it (taskiq's ``when_executed``). Every effect is idempotent, so a task run twice (its
worker died, the broker delivered it again, two polls queued the same entry) changes nothing
the second time:

- the article is stored once: the store's unique canonical URL and content hash make a second
  ``add_article`` a ``duplicate``;
- alerts are queued once per chat and story: the outbox's unique (chat, story) key;
- a task whose article is already stored from the same feed, but whose entry is not marked seen
  (the first run died between storing and marking), is matched again, so no alert is lost;
- a failure worth retrying (a timeout, a 5xx, the store busy) raises, and taskiq's retry
  middleware queues the task again (``RETRIES`` times); after that the entry stays unseen and a
  later poll takes it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from taskiq import AsyncBroker, SimpleRetryMiddleware
from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver

from news.ingest.entries import article_from_entry
from news.ingest.polling import is_transient
from news.ingest.steps import IngestSteps
from news.models import Article
from news.sources.extract import NotAnArticle
from news.sources.fetch import FetchError
from news.tasks.messages import ENTRY_TASK, EntryTask

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["RETRIES", "EntryProcessor", "RetryLater", "serve"]

logger = logging.getLogger(__name__)

RETRIES = 3  # a task failing for a passing reason is queued again this many times


class RetryLater(Exception):
    """The entry's page failed for a passing reason and the feed carries no text of it."""


class EntryProcessor:
    """Runs entry tasks on the ingestion steps of this process (store, fetcher, encoder,
    topics); counts what it did, for logs and benchmarks."""

    def __init__(self, steps: IngestSteps) -> None:
        self.steps = steps
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}  # time spent per step, over all tasks

    def _took(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[step] = self.seconds.get(step, 0.0) + now - since
        return now

    def _count(self, outcome: str) -> str:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        return outcome

    async def run(self, payload: dict[str, Any]) -> str:
        """The task: returns ``new``, ``duplicate``, ``rejected``, ``seen`` or ``gone``."""
        return self._count(await self.process(EntryTask.from_json(payload)))

    async def process(self, task: EntryTask) -> str:
        steps, store = self.steps, self.steps.store
        began = time.perf_counter()
        if await store.seen_entries(task.feed_id, [task.entry_id]):
            return "seen"  # done before (a redelivered or twice-queued task)
        if await store.get_feed(task.feed_id) is None:
            return "gone"  # the feed was removed meanwhile
        began = self._took("check", began)
        article = await self._article(task)
        began = self._took("fetch+extract", began)
        if article is None:
            await store.mark_entries(task.feed_id, [task.entry_id])
            return "rejected"
        embeddings = None
        try:
            embeddings = await steps.embed([article])
        except Exception:
            logger.exception("embedding %s failed; storing without", task.link)
        embedding = embeddings[0] if embeddings is not None else None
        began = self._took("embed", began)
        result = await steps.store_article(article, task.feed_id, embedding, notify=False)
        began = self._took("store", began)
        # A duplicate from this very feed whose entry is unseen: an earlier run of this task
        # stored it and may have died before matching. Matching again is safe (one alert per
        # chat and story); a failure raises, so the task is retried and nothing is lost.
        again = result.status == "duplicate" and result.article.feed_id == task.feed_id
        if steps.on_new is not None and (result.status == "new" or again):
            await steps.on_new(result if not again else replace(result, status="new"), embedding)
        began = self._took("match", began)
        await store.mark_entries(task.feed_id, [task.entry_id])
        self._took("mark", began)
        return result.status

    async def _article(self, task: EntryTask) -> Article | None:
        """The entry's page as an article (else the feed's own text of it); None when it is
        definitively not an article; RetryLater for a passing failure."""
        entry = task.entry()
        try:
            if not entry.link:
                raise NotAnArticle("The feed entry has no link.")
            article = await self.steps.fetch_article(entry.link, user_supplied=False)
        except (NotAnArticle, FetchError) as exc:
            fallback = article_from_entry(entry, task.feed_title, task.full_html)
            if fallback is not None:
                return fallback
            if isinstance(exc, FetchError) and is_transient(exc):
                raise RetryLater(f"{entry.link}: {exc.reason}") from None
            logger.info("entry %s rejected: %s", entry.link, exc.reason)
            return None
        if article.published is None and entry.published is not None:
            article = replace(article, published=entry.published)
        return article


def prepare(broker: AsyncBroker, processor: EntryProcessor) -> AsyncBroker:
    """Make ``broker`` a consumer running ``processor`` (retries on, worker mode)."""
    broker.is_worker_process = True
    broker.add_middlewares(
        SimpleRetryMiddleware(default_retry_count=RETRIES, default_retry_label=True)
    )

    async def ingest_entry(payload: dict[str, Any]) -> str:  # taskiq takes functions only
        return await processor.run(payload)

    broker.register_task(ingest_entry, task_name=ENTRY_TASK)
    return broker


async def serve(
    broker: AsyncBroker,
    processor: EntryProcessor,
    *,
    concurrency: int,
    stop: asyncio.Event,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Consume entry tasks until ``stop`` is set; tasks running then are finished first."""
    prepare(broker, processor)
    receiver = Receiver(
        broker,
        max_async_tasks=concurrency,
        max_prefetch=0,
        ack_type=AcknowledgeType.WHEN_EXECUTED,
        propagate_exceptions=False,
        run_startup=False,
    )
    await broker.startup()
    try:
        if on_ready is not None:
            on_ready()
        await receiver.listen(stop)
    finally:
        await broker.shutdown()
