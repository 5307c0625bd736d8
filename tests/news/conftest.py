"""Fixtures for the news services: a real Store on a temporary SQLite file, and the shared
model fakes (``tests.support.fakes``: a bag-of-words encoder, a lead-sentences summarizer that
records its calls), re-exported here for the news tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config import Settings
from news.models import Article
from news.store import Store
from summarizer.types import Summary as FakeSummary
from tests.support.fakes import FakeEncoder, FakeSummarizer

__all__ = ["FakeEncoder", "FakeSummarizer", "FakeSummary", "make_article"]


def make_article(
    url: str,
    title: str,
    text: str,
    *,
    source: str = "Example News",
    published: datetime | None = None,
) -> Article:
    return Article(url=url, title=title, text=text, source=source, published=published)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'news.db'}",
        allow_loopback=True,
        fetch_timeout=1.0,
        feed_concurrency=4,
        poll_interval=600,
        max_subscriptions=3,
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    opened = await Store.open(settings.database_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def summarizer() -> FakeSummarizer:
    return FakeSummarizer()


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)
