"""The wired news services: open/close, configured feeds, and summarizing a link someone sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings
from news.services import LazyEncoder, open_services, redact_url
from news.sources.fetch import FetchError
from news.summaries import LINK_LENGTH
from tests.news.conftest import FakeEncoder, FakeSummarizer
from tests.support.http_server import LocalHTTPServer
from tests.support.sitegen import generate, render_page, stub_page

HTML = {"Content-Type": "text/html; charset=utf-8"}


async def test_summarize_link_stores_once_and_reuses(settings: Settings) -> None:
    article = generate(1, seed=31)[0]
    summarizer = FakeSummarizer()
    settings = settings.model_copy(update={"feeds": ["http://127.0.0.1:9/feed.xml"]})
    services = await open_services(settings, encoder=FakeEncoder(), summarizer=summarizer)
    try:
        assert [f.url for f in await services.store.list_feeds()] == settings.feeds
        async with LocalHTTPServer() as server:
            server.set(article.path, (200, HTML, render_page(article, server.base_url)))
            server.set("/wall.html", (200, HTML, stub_page()))
            link = await services.briefings.summarize_link(server.url(article.path))
            assert link.article.title == article.title
            assert link.story.id == link.article.story_id
            assert link.summary.startswith(article.paragraphs[0].split(". ")[0])
            assert summarizer.calls[0][1:] == LINK_LENGTH
            again = await services.briefings.summarize_link(server.url(article.path))
            assert again.article.id == link.article.id
            assert len(server.requests_to(article.path)) == 1  # known link: no second fetch
            assert len(summarizer.calls) == 1  # cached summary
            from news.sources.extract import NotAnArticle

            with pytest.raises(NotAnArticle) as info:
                await services.briefings.summarize_link(server.url("/wall.html"))
            assert info.value.reason
    finally:
        await services.close()


async def test_summarize_link_refuses_private_addresses(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}")
    services = await open_services(settings, encoder=FakeEncoder(), summarizer=FakeSummarizer())
    try:
        for url in ("http://127.0.0.1:9/x", "http://10.0.0.1/x", "http://169.254.169.254/"):
            with pytest.raises(FetchError) as info:
                await services.briefings.summarize_link(url)
            assert info.value.kind == "refused"
        assert await services.store.count_articles() == 0
    finally:
        await services.close()


async def test_models_load_lazily(settings: Settings) -> None:
    services = await open_services(settings)
    try:
        assert isinstance(services.encoder, LazyEncoder)
        assert not services.encoder.loaded  # `newsbrief run` starts without loading MiniLM
    finally:
        await services.close()


def test_redact_url() -> None:
    assert (
        redact_url("postgresql+asyncpg://u:secret@db:5432/x")
        == "postgresql+asyncpg://u:***@db:5432/x"
    )
    assert redact_url("sqlite:///a.db") == "sqlite:///a.db"
