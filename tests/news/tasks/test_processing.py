"""Entry tasks without a broker: a poll with a sink queues its fresh entries and fetches no
page; the processor stores each article once however often a task runs, matches again after a
run that died between storing and matching, and raises on a passing failure (to be retried)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import pytest

from config import ConfigError, Settings, load_settings
from news.ingest import Ingestor
from news.models import AddResult, FeedEntry, FeedRecord
from news.sources.fetch import Fetcher
from news.store import Store
from news.tasks import EntryProcessor, EntryTask, RetryLater
from news.topics import TopicService
from tests.news.conftest import FakeEncoder
from tests.news.ingest.conftest import page_requests, serve_feed
from tests.support.http_server import LocalHTTPServer
from tests.support.sitegen import generate


class ListSink:
    """An EntrySink that keeps the tasks (what TaskQueue puts on the broker)."""

    def __init__(self) -> None:
        self.tasks: list[EntryTask] = []

    async def enqueue_entries(
        self,
        feed: FeedRecord,
        feed_title: str | None,
        entries: Sequence[tuple[FeedEntry, str | None]],
    ) -> int:
        self.tasks.extend(EntryTask.of(feed.id, e, feed_title, html) for e, html in entries)
        return len(entries)


async def test_a_poll_with_a_queue_queues_entries_and_fetches_no_page(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(6, seed=3)
    await serve_feed(server, store, articles)
    sink = ListSink()
    poller = Ingestor(
        store, fetcher, encoder=FakeEncoder(), on_new=None, settings=settings, tasks=sink
    )
    report = await poller.poll_feeds(now)
    assert (report.queued, report.new, report.feeds_checked) == (6, 0, 1)
    assert report.line().endswith("| 6 queued for workers")
    assert page_requests(server) == 0
    assert await store.count_articles() == 0
    assert {t.link for t in sink.tasks} == {server.url(a.path) for a in articles}
    # The JSON a task travels as comes back the same.
    assert [EntryTask.from_json(t.to_json()) for t in sink.tasks] == sink.tasks

    worker = EntryProcessor(
        Ingestor(store, fetcher, encoder=FakeEncoder(), on_new=None, settings=settings)
    )
    outcomes = [await worker.process(t) for t in sink.tasks]
    assert outcomes == ["new"] * 6
    # Each task again (redelivered, queued twice): nothing new, nothing fetched.
    fetched = page_requests(server)
    assert [await worker.process(t) for t in sink.tasks] == ["seen"] * 6
    assert page_requests(server) == fetched
    assert await store.count_articles() == 6


async def test_the_same_task_run_at_once_by_two_workers_stores_one_article(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(5, seed=4)
    await serve_feed(server, store, articles)
    sink = ListSink()
    poller = Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings, tasks=sink)
    await poller.poll_feeds(now)
    other = await Store.open(settings.database_url)  # a second process's store
    try:
        workers = [
            EntryProcessor(Ingestor(s, fetcher, encoder=None, on_new=None, settings=settings))
            for s in (store, other)
        ]
        outcomes = await asyncio.gather(*(w.process(t) for t in sink.tasks for w in workers))
    finally:
        await other.close()
    assert sorted(outcomes).count("new") == 5
    assert await store.count_articles() == 5


async def test_a_run_that_died_before_matching_is_matched_again_and_alerts_once(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(4, seed=8)
    await serve_feed(server, store, articles)
    encoder = FakeEncoder()
    topics = TopicService(store, encoder, settings)
    place = articles[2].title.split(":")[0]
    await topics.subscribe(42, place)
    sink = ListSink()
    poller = Ingestor(store, fetcher, encoder=encoder, on_new=None, settings=settings, tasks=sink)
    await poller.poll_feeds(now)

    dying = True

    async def on_new(result: AddResult, embedding: object) -> int:
        if dying:
            raise RuntimeError("the worker died here")
        return await topics.on_new_article(result, embedding)  # type: ignore[arg-type]

    worker = EntryProcessor(
        Ingestor(store, fetcher, encoder=encoder, on_new=on_new, settings=settings)
    )
    for task in sink.tasks:
        with pytest.raises(RuntimeError):
            await worker.process(task)
    assert await store.count_articles() == 4  # stored, entries not marked seen
    dying = False
    assert [await worker.process(t) for t in sink.tasks] == ["duplicate"] * 4
    assert [await worker.process(t) for t in sink.tasks] == ["seen"] * 4
    expected = {a.title for a in articles if a.title.startswith(place + ":")}
    pending = await store.pending_alerts(42)
    assert len(pending) == len(expected) > 0


async def test_a_passing_failure_raises_for_a_retry_and_leaves_the_entry_unseen(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(2, seed=5)
    feed = await serve_feed(server, store, articles)
    server.set(articles[0].path, (503, {}, "busy"))
    sink = ListSink()
    poller = Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings, tasks=sink)
    await poller.poll_feeds(now)
    worker = EntryProcessor(Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings))
    busy = next(t for t in sink.tasks if t.link.endswith(articles[0].path))
    with pytest.raises(RetryLater):
        await worker.process(busy)
    assert await store.seen_entries(feed.id, [busy.entry_id]) == set()
    server.set(articles[0].path, (404, {}, "gone"))
    assert await worker.process(busy) == "rejected"  # definitive: marked seen
    assert await store.seen_entries(feed.id, [busy.entry_id]) == {busy.entry_id}


def test_a_queue_url_must_name_redis_or_rabbitmq(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().queue_url is None  # the embedded default: no queue, no broker
    monkeypatch.setenv("NEWSBRIEF_QUEUE_URL", "http://127.0.0.1:6379")
    with pytest.raises(ConfigError, match="NEWSBRIEF_QUEUE_URL"):
        load_settings()
    monkeypatch.setenv("NEWSBRIEF_QUEUE_URL", "redis://127.0.0.1:6379/0")
    assert load_settings().queue_url == "redis://127.0.0.1:6379/0"
