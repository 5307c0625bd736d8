"""The run's single writer: a failing encoder or alert hook never loses an article."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime

import numpy as np

from config import Settings
from news.ingest import Ingestor
from news.models import AddResult
from news.sources.fetch import Fetcher
from news.store import Store
from tests.news.conftest import FakeEncoder
from tests.news.ingest.conftest import serve_feed
from tests.support.http_server import LocalHTTPServer
from tests.support.sitegen import generate


@contextlib.contextmanager
def caplog_disabled() -> Iterator[None]:
    """The expected tracebacks stay out of the test output."""
    logging.disable(logging.ERROR)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


class BrokenEncoder(FakeEncoder):
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("model crashed")


async def test_failing_encoder_or_alerts_never_lose_articles(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(3, seed=11)
    await serve_feed(server, store, articles)
    calls: list[int] = []

    async def failing_on_new(result: AddResult, embedding: np.ndarray | None) -> None:
        calls.append(result.article.id)
        raise RuntimeError("outbox down")

    ingestor = Ingestor(
        store, fetcher, encoder=BrokenEncoder(), on_new=failing_on_new, settings=settings
    )
    with caplog_disabled():
        report = await ingestor.poll_feeds(now)
    assert (report.new, report.feeds_failed) == (3, 0)
    assert len(calls) == 3
    assert await store.count_articles() == 3
