"""The queue on the real Redis and RabbitMQ: a poll queues its entries, two workers share them,
every article is stored once and every alert queued once, also when each task is on the queue
twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

from config import Settings
from news.ingest import Ingestor
from news.sources.fetch import Fetcher
from news.store import Store
from news.tasks import EntryProcessor, EntryTask, TaskQueue, make_broker, serve
from news.topics import TopicService
from tests.news.conftest import FakeEncoder
from tests.news.ingest.conftest import page_requests, serve_feed
from tests.support.http_server import LocalHTTPServer
from tests.support.sitegen import generate


async def consume_until(
    url: str,
    name: str,
    processors: list[EntryProcessor],
    done: Callable[[], bool],
    *,
    seconds: float = 60.0,
) -> None:
    """Run one consumer per processor on the queue until ``done()`` (or fail after
    ``seconds``)."""
    stop = asyncio.Event()
    runs = [
        asyncio.create_task(serve(make_broker(url, name, prefetch=2), p, concurrency=2, stop=stop))
        for p in processors
    ]
    deadline = time.monotonic() + seconds
    try:
        while not done():
            assert time.monotonic() < deadline, [p.counts for p in processors]
            assert not any(r.done() for r in runs), [r.exception() for r in runs if r.done()]
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*runs), 30)


async def test_two_workers_store_each_article_once_and_alert_once(
    queue_url: str,
    queue_name: str,
    server: LocalHTTPServer,
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    now: datetime,
) -> None:
    articles = generate(12, seed=11)
    await serve_feed(server, store, articles)
    encoder = FakeEncoder()
    topics = TopicService(store, encoder, settings)
    place = articles[3].title.split(":")[0]
    await topics.subscribe(42, place)
    queue = TaskQueue(make_broker(queue_url, queue_name))
    await queue.start()
    try:
        poller = Ingestor(
            store, fetcher, encoder=encoder, on_new=None, settings=settings, tasks=queue
        )
        report = await poller.poll_feeds(now)
        assert report.queued == 12
        (feed,) = await store.list_feeds()
        # Every entry on the queue a second time (two pollers, a redelivery).
        for article in articles:
            link = server.url(article.path)
            await queue.enqueue(
                EntryTask(feed.id, link, link, article.title, "", None, None, None)
            )
    finally:
        await queue.close()
    # Each worker its own store, topics and counts, as two processes would have.
    other = await Store.open(settings.database_url)
    try:
        processors = [
            EntryProcessor(
                Ingestor(
                    s,
                    fetcher,
                    encoder=encoder,
                    on_new=TopicService(s, encoder, settings).on_new_article,
                    settings=settings,
                )
            )
            for s in (store, other)
        ]

        def finished() -> bool:
            return sum(sum(p.counts.values()) for p in processors) >= 24

        await consume_until(queue_url, queue_name, processors, finished)
    finally:
        await other.close()
    counts = [p.counts for p in processors]
    assert sum(c.get("new", 0) for c in counts) == 12, counts
    assert all(sum(c.values()) > 0 for c in counts), counts  # both workers took tasks
    assert await store.count_articles() == 12
    stored = await store.list_articles(limit=50)
    assert len({a.url for a in stored}) == 12
    assert page_requests(server) <= 24
    expected = {a.title for a in articles if a.title.startswith(place + ":")}
    assert len(await store.pending_alerts(42)) == len(expected) > 0
