"""What one feed may cost: at most ``feed_max_new_entries`` new entries per poll (newest first, the
rest taken by later polls, the feed's validators kept until none waits), a feed that keeps
flooding counted, and its pages paced per host (news.sources.pacing)."""

from __future__ import annotations

import asyncio
import html
import random
import threading
from datetime import datetime
from email.utils import format_datetime

import pytest
from aiohttp import web

from config import Settings
from news.ingest import Ingestor
from news.sources.fetch import Fetcher
from news.sources.pacing import HostPacer
from news.store import Store
from tests.news.ingest.conftest import HTML, RSS, serve_pages
from tests.support.http_server import LocalHTTPServer
from tests.support.sitegen import GenArticle, generate, render_page


def _item(title: str, link: str, guid: str, published: datetime) -> str:
    return (
        f"<item><title>{html.escape(title)}</title><link>{link}</link>"
        f'<guid isPermaLink="false">{guid}</guid><pubDate>{format_datetime(published)}</pubDate>'
        "</item>"
    )


def _feed(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Flood</title>'
        f"<link>http://x/</link><description>d</description>{''.join(items)}</channel></rss>"
    ).encode()


def _small_page(article: GenArticle) -> str:
    """The article alone, quick to extract (the page furniture is not what these tests test)."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    return (
        f"<html><head><title>{html.escape(article.title)}</title></head>"
        f"<body><article><h1>{html.escape(article.title)}</h1>{paragraphs}</article></body></html>"
    )


def _article_items(articles: list[GenArticle], base: str) -> list[str]:
    return [_item(a.title, base + a.path, a.slug, a.published) for a in articles]


async def test_feed_of_10000_entries_takes_the_cap_per_poll_newest_first(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    newest = generate(40, now=now)  # the 40 newest entries, served as small real pages
    # 9,960 bare undated entries (undated ones come after dated ones; bare ones parse fast)
    filler = [f"<item><link>{server.base_url}/old/{i}.html</link></item>" for i in range(9_960)]
    items = filler + _article_items(newest, server.base_url)
    random.Random(3).shuffle(items)  # the feed's order is not the date order
    for article in newest:
        server.set(article.path, (200, HTML, _small_page(article)))
    server.set("/flood.xml", (200, {**RSS, "ETag": '"v1"'}, _feed(items)))
    feed = await store.add_feed(server.url("/flood.xml"))
    capped = settings.model_copy(update={"feed_max_new_entries": 20})
    ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=capped)

    for poll, taken in enumerate((newest[:20], newest[20:]), start=1):
        before = len(server.requests)
        report = await ingestor.poll_feeds(now, feeds=[feed])
        pages = sorted(r.path for r in server.requests[before:] if r.path.endswith(".html"))
        assert pages == sorted(a.path for a in taken)
        assert (report.new, report.rejected, report.feeds_over_cap) == (20, [], [feed.url])
        assert report.line().endswith(
            f"| 1 feed over the new-entry cap: {feed.url} (the rest next poll)"
        )
        feed = await store.get_feed(feed.id)  # type: ignore[assignment]
        assert (feed.over_cap_polls, feed.etag) == (poll, None)  # validators kept: no 304


async def test_capped_entries_are_taken_by_the_next_poll_and_the_cap_clears(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(8, now=now)
    serve_pages(server, articles)
    body = _feed(_article_items(articles, server.base_url))
    server.set("/f.xml", (200, {**RSS, "ETag": '"v1"'}, body))
    feed = await store.add_feed(server.url("/f.xml"))
    ingestor = Ingestor(
        store,
        fetcher,
        encoder=None,
        on_new=None,
        settings=settings.model_copy(update={"feed_max_new_entries": 5}),
    )
    first = await ingestor.poll_feeds(now, feeds=[feed])
    feed = await store.get_feed(feed.id)  # type: ignore[assignment]
    assert (first.new, feed.over_cap_polls, feed.etag) == (5, 1, None)
    second = await ingestor.poll_feeds(now, feeds=[feed])
    feed = await store.get_feed(feed.id)  # type: ignore[assignment]
    assert (second.new, second.feeds_over_cap, feed.over_cap_polls, feed.etag) == (
        3,
        [],
        0,
        '"v1"',
    )
    stored = {a.url for a in await store.list_articles(limit=20)}
    assert stored == {server.base_url + a.path for a in articles}


async def test_entry_pages_are_paced_per_host(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(6, now=now)
    lock = threading.Lock()
    starts: list[float] = []
    in_flight = [0, 0]  # now, most

    def page_route(article: GenArticle) -> object:
        async def handler(request: web.Request) -> web.StreamResponse:
            with lock:
                starts.append(asyncio.get_running_loop().time())
                in_flight[0] += 1
                in_flight[1] = max(in_flight)
            await asyncio.sleep(1.0)  # long enough that paced requests overlap on a busy machine
            with lock:
                in_flight[0] -= 1
            return web.Response(
                text=render_page(article, server.base_url), content_type="text/html"
            )

        return handler

    for article in articles:
        server.set(article.path, page_route(article))  # type: ignore[arg-type]
    server.set("/f.xml", (200, RSS, _feed(_article_items(articles, server.base_url))))
    feed = await store.add_feed(server.url("/f.xml"))
    paced = settings.model_copy(update={"fetch_per_host": 2, "fetch_host_interval": 0.2})
    ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=paced)
    report = await ingestor.poll_feeds(now, feeds=[feed])
    assert report.new == 6
    assert in_flight[1] == 2  # never more than two at once on the host
    # starts are 0.2 s apart, so the last comes at least 1 s after the first was due (a start
    # can be late on a busy machine, never early): the span, less the first one's lateness
    assert len(starts) == 6
    assert max(starts) - min(starts) > 0.8


async def test_pacer_limits_each_host_apart() -> None:
    pacer = HostPacer(per_host=2, interval=0.0)
    running: dict[str, int] = {"a": 0, "b": 0}
    most: dict[str, int] = {"a": 0, "b": 0}

    async def fetch(host: str) -> None:
        async with pacer.slot(f"https://{host}.example/page"):
            running[host] += 1
            most[host] = max(most[host], running[host])
            await asyncio.sleep(0.02)
            running[host] -= 1

    await asyncio.gather(*(fetch(host) for host in "ab" * 10))
    assert most == {"a": 2, "b": 2}
    assert HostPacer.host("http://User@NEWS.Example:8080/x") == "news.example"


async def test_pacer_spaces_starts_and_forgets_idle_hosts() -> None:
    clock = [100.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))

    pacer = HostPacer(per_host=5, interval=0.05, clock=lambda: clock[0], sleep=sleep)

    async def fetch(url: str) -> None:
        async with pacer.slot(url):
            pass

    await asyncio.gather(*(fetch("https://one.example/") for _ in range(4)))
    assert waits == [0.05, 0.1, 0.15]  # the first starts at once, the others in turn
    clock[0] += 1.0  # the interval has passed: no wait, and another host never waits
    await fetch("https://one.example/")
    await fetch("https://two.example/")
    assert waits == [0.05, 0.1, 0.15]
    unpaced = HostPacer(per_host=1, interval=0.0)
    for n in range(300):  # many one-off hosts: the table is swept, not grown without end
        async with unpaced.slot(f"https://h{n}.example/"):
            pass
    assert 0 < len(unpaced) <= 256


def test_pacer_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="per_host"):
        HostPacer(per_host=0, interval=1)


async def test_feed_too_slow_to_parse_fails_and_backs_off(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    items = [f"<item><link>{server.base_url}/p/{i}.html</link></item>" for i in range(2_000)]
    server.set("/big.xml", (200, RSS, _feed(items)))
    feed = await store.add_feed(server.url("/big.xml"))
    hurried = settings.model_copy(update={"extract_timeout": 0.01})
    ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=hurried)
    report = await ingestor.poll_feeds(now, feeds=[feed])
    reason = "The feed is too large to read in time."
    assert (report.feeds_failed, report.feed_errors) == (1, [(feed.url, reason)])
    feed = await store.get_feed(feed.id)  # type: ignore[assignment]
    assert (feed.error_count, feed.last_error) == (1, reason)
