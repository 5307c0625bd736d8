"""Fixtures for the ingestion tests: a local HTTP server, a fetcher, and serving generated
pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from config import Settings
from news.models import FeedRecord
from news.sources.fetch import Fetcher
from news.store import Store
from tests.support.http_server import LocalHTTPServer
from tests.support.sitegen import GenArticle, render_page, rss_feed

HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml"}


def serve_pages(server: LocalHTTPServer, articles: list[GenArticle]) -> None:
    for article in articles:
        server.set(article.path, (200, HTML, render_page(article, server.base_url)))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The news tests' settings without per-host pacing: every page here is on one loopback
    host, and only the pacing tests are about pacing (they set it themselves)."""
    return settings.model_copy(update={"fetch_host_interval": 0.0, "fetch_per_host": 20})


@pytest.fixture
async def server() -> AsyncIterator[LocalHTTPServer]:
    async with LocalHTTPServer() as running:
        yield running


@pytest.fixture
async def fetcher(settings: Settings) -> AsyncIterator[Fetcher]:
    """A fetcher with a generous timeout: the pages are local, and a busy test machine must not
    turn them into passing failures. Tests of timeouts build their own from ``settings``."""
    the_fetcher = Fetcher(settings.model_copy(update={"fetch_timeout": 10.0}))
    try:
        yield the_fetcher
    finally:
        await the_fetcher.aclose()


def page_requests(server: LocalHTTPServer) -> int:
    return sum(1 for r in server.requests if r.path.endswith(".html"))


async def serve_feed(
    server: LocalHTTPServer, store: Store, articles: list[GenArticle], path: str = "/feed.xml"
) -> FeedRecord:
    """Serve ``articles`` as pages and as one RSS feed at ``path``, and add the feed."""
    serve_pages(server, articles)
    server.set(path, (200, RSS, rss_feed(articles, server.base_url)))
    return await store.add_feed(server.url(path))
