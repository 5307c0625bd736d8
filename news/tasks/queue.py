"""The producer side: a poll's fresh feed entries become tasks on the queue.

An entry queued recently (and not yet marked seen by a worker) is not queued again by this
process within ``REQUEUE_AFTER``: a feed over its new-entry cap is re-read before its backlog is
done. Queuing twice is harmless anyway (workers store an article once), so the memo is a bounded
cache, nothing more.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from taskiq.kicker import AsyncKicker

from news.models import FeedEntry, FeedRecord
from news.tasks.brokers import make_broker
from news.tasks.messages import ENTRY_TASK, EntryTask

if TYPE_CHECKING:
    from taskiq import AsyncBroker

    from config import Settings

__all__ = ["REQUEUE_AFTER", "TaskQueue"]

logger = logging.getLogger(__name__)

REQUEUE_AFTER = 3600.0  # seconds before an entry still unseen is queued again by this process
_MEMO_MAX = 100_000  # entries remembered


class TaskQueue:
    """Queues feed entries for ``newsbrief worker`` processes (an ``EntrySink``)."""

    def __init__(self, broker: AsyncBroker) -> None:
        self.broker = broker
        self._kicker: AsyncKicker[..., object] = AsyncKicker(ENTRY_TASK, broker, {})
        self._recent: OrderedDict[tuple[int, str], float] = OrderedDict()
        self._started = False

    @classmethod
    def from_settings(cls, settings: Settings) -> TaskQueue:
        if not settings.queue_url:
            raise ValueError("NEWSBRIEF_QUEUE_URL is not set")
        return cls(
            make_broker(
                settings.queue_url,
                settings.queue_name,
                prefetch=settings.worker_concurrency,
                redeliver_after=settings.queue_redeliver_after,
            )
        )

    async def start(self) -> None:
        await self.broker.startup()
        self._started = True

    async def close(self) -> None:
        if self._started:
            self._started = False
            await self.broker.shutdown()

    def _fresh(self, key: tuple[int, str], now: float) -> bool:
        queued_at = self._recent.get(key)
        if queued_at is not None and now - queued_at < REQUEUE_AFTER:
            return False
        self._recent[key] = now
        self._recent.move_to_end(key)
        while len(self._recent) > _MEMO_MAX:
            self._recent.popitem(last=False)
        return True

    async def enqueue(self, task: EntryTask) -> None:
        """Queue one task (it is on the broker when this returns)."""
        await self._kicker.kiq(task.to_json())

    async def enqueue_entries(
        self,
        feed: FeedRecord,
        feed_title: str | None,
        entries: Sequence[tuple[FeedEntry, str | None]],
    ) -> int:
        now = time.monotonic()
        count = 0
        for entry, full_html in entries:
            key = (feed.id, entry.entry_id)
            if not self._fresh(key, now):
                continue
            try:
                await self.enqueue(EntryTask.of(feed.id, entry, feed_title, full_html))
            except BaseException:
                self._recent.pop(key, None)
                raise
            count += 1
        if count:
            logger.info("feed %s: %d entries queued for workers", feed.id, count)
        return count
