"""The composition root's news side (``bot.app.open_services``): open/close, configured feeds,
models that load on first use, and summarizing a link someone sent."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.app import open_services
from bot.lazy import Lazy
from bot.logs import redact_url
from config import Settings
from news.sources.extract import NotAnArticle
from news.sources.fetch import FetchError
from news.summaries import LINK_LENGTH
from tests.support.fakes import FakeEncoder, FakeSummarizer
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
            # the article's standfirst (its dek) opens the extracted text, then the body
            lead = article.paragraphs[0].split(". ")[0]
            assert link.summary.startswith(f"{article.standfirst} {lead}")
            assert summarizer.calls[0][1:] == LINK_LENGTH
            again = await services.briefings.summarize_link(server.url(article.path))
            assert again.article.id == link.article.id
            assert len(server.requests_to(article.path)) == 1  # known link: no second fetch
            assert len(summarizer.calls) == 1  # cached summary
            with pytest.raises(NotAnArticle) as info:
                await services.briefings.summarize_link(server.url("/wall.html"))
            assert info.value.reason == (
                "The page is a list of links (an index page), not an article."
            )
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


async def test_models_load_on_first_use(settings: Settings) -> None:
    services = await open_services(settings, extract_workers=0)
    try:
        assert isinstance(services.encoder, Lazy)
        assert isinstance(services.summarizer, Lazy)
        assert not services.encoder.loaded  # `newsbrief run` starts without loading MiniLM
        assert not services.summarizer.loaded
        assert services.extract_executor is None
    finally:
        await services.close()


async def test_extraction_workers_are_built_and_closed(settings: Settings) -> None:
    services = await open_services(
        settings, encoder=FakeEncoder(), summarizer=FakeSummarizer(), extract_workers=1
    )
    pool = services.extract_executor
    assert pool is not None
    assert services.ingestor.extract_executor is pool  # the one pool, passed in
    await services.close()
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(int)


async def test_lazy_builds_once_on_first_use_and_stands_in() -> None:
    built: list[int] = []
    gate = threading.Event()

    def factory() -> FakeEncoder:
        gate.wait(5)
        built.append(1)
        return FakeEncoder()

    lazy = Lazy(factory)
    assert not lazy.loaded
    assert built == []
    firsts = [asyncio.to_thread(lambda: lazy.model_id) for _ in range(4)]
    gate.set()
    assert await asyncio.gather(*firsts) == ["fake-bow:v1"] * 4
    assert built == [1]  # four threads, one build
    assert lazy.loaded
    assert lazy.encode(["peace talks"]).shape == (1, 384)
    assert lazy.get().calls == [["peace talks"]]
    with pytest.raises(AttributeError):
        _ = lazy._private  # private names are never forwarded (copy and pickle probe them)


def test_redact_url() -> None:
    assert (
        redact_url("postgresql+asyncpg://u:secret@db:5432/x")
        == "postgresql+asyncpg://u:***@db:5432/x"
    )
    assert redact_url("sqlite:///a.db") == "sqlite:///a.db"
