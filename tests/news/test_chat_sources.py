"""A chat's own sources through the guarded fetcher against a local site: adding a feed or a
site (its linked feed, else a common path), refusals with reasons, the cap, removal, OPML
import (every URL checked, one transaction) and export, and the /sources mine filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from config import Settings
from news.chat_sources import ChatSourceService, SourceError
from news.sources.fetch import Fetcher
from news.sources.opml import OpmlFeed, read_opml, write_opml
from news.store import Store
from news.topics import TopicService
from tests.news.conftest import FakeEncoder, make_article
from tests.support.http_server import LocalHTTPServer

RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
    "<link>http://x/</link><item><title>One</title><link>http://x/1</link></item>"
    "</channel></rss>"
)


def _routes(count: int = 20) -> dict[str, tuple[int, dict[str, str], str]]:
    xml = {"Content-Type": "application/rss+xml"}
    html = {"Content-Type": "text/html"}
    routes = {f"/f{i}.xml": (200, xml, RSS.format(title=f"Feed {i}")) for i in range(count)}
    routes["/site/"] = (
        200,
        html,
        '<html><head><link rel="alternate" type="application/rss+xml" href="/f0.xml">'
        "</head><body>Hello</body></html>",
    )
    routes["/plain/"] = (200, html, "<html><head></head><body>No feed link</body></html>")
    routes["/feed"] = (200, xml, RSS.format(title="Common path feed"))
    routes["/data.json"] = (200, {"Content-Type": "application/json"}, "{}")
    routes["/notfeed.xml"] = (200, {"Content-Type": "application/xml"}, "<hello/>")
    return routes


@pytest.fixture
async def site() -> AsyncIterator[LocalHTTPServer]:
    async with LocalHTTPServer(_routes()) as server:
        yield server


@pytest.fixture
async def service(store: Store, settings: Settings) -> AsyncIterator[ChatSourceService]:
    settings = settings.model_copy(update={"max_chat_feeds": 25, "opml_max_feeds": 30})
    fetcher = Fetcher(settings)
    try:
        yield ChatSourceService(store, fetcher, settings)
    finally:
        await fetcher.aclose()


async def test_add_feed_site_and_common_path(
    service: ChatSourceService, site: LocalHTTPServer, store: Store
) -> None:
    added = await service.add(1, site.url("/f1.xml"))
    assert added.feed.url == site.url("/f1.xml")
    assert added.feed.title == "Feed 1"
    assert not added.already
    again = await service.add(1, site.url("/f1.xml"))
    assert again.already
    linked = await service.add(1, site.url("/site/"))
    assert linked.feed.url == site.url("/f0.xml")
    common = await service.add(1, site.url("/plain/"))
    assert common.feed.url == site.url("/feed")
    assert [f.url for f in await service.feeds(1)] == [
        site.url("/f1.xml"),
        site.url("/f0.xml"),
        site.url("/feed"),
    ]
    # Another chat shares the row, without a fetch.
    before = len(site.requests)
    await service.add(2, site.url("/f1.xml"))
    assert len(site.requests) == before
    assert len(await store.list_feeds()) == 3


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/data.json", "not a feed (it is application/json)"),
        ("/notfeed.xml", "not an RSS or Atom feed"),
        ("/missing.xml", "not found (HTTP 404)"),
    ],
)
async def test_not_a_feed_is_explained_and_nothing_stored(
    service: ChatSourceService, site: LocalHTTPServer, store: Store, path: str, reason: str
) -> None:
    with pytest.raises(SourceError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        await service.add(1, site.url(path))
    assert await store.list_feeds() == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.5/feed.xml", "private or local network"),
        ("http://169.254.169.254/latest/", "private or local network"),
        ("ftp://example.com/feed", "Only http and https"),
        ("not a url", "spaces"),
    ],
)
async def test_bad_addresses_refused(service: ChatSourceService, url: str, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        await service.add(1, url)


async def test_cap_and_remove(service: ChatSourceService, site: LocalHTTPServer) -> None:
    service.settings = service.settings.model_copy(update={"max_chat_feeds": 2})
    await service.add(1, site.url("/f1.xml"))
    await service.add(1, site.url("/f2.xml"))
    with pytest.raises(SourceError, match="limit"):
        await service.add(1, site.url("/f3.xml"))
    removed = await service.remove(1, "1")
    assert removed is not None
    assert removed.url == site.url("/f1.xml")
    assert await service.remove(1, "5") is None
    assert await service.remove(1, site.url("/f2.xml")) is not None
    assert await service.feeds(1) == []


async def test_opml_import_reports_each_refusal_and_round_trips(
    service: ChatSourceService, site: LocalHTTPServer, store: Store
) -> None:
    feeds = [OpmlFeed(site.url(f"/f{i}.xml"), f"Mine {i}") for i in range(17)]
    feeds += [
        OpmlFeed("not a url"),
        OpmlFeed(site.url("/missing.xml")),
        OpmlFeed("http://192.168.1.10/rss"),
        OpmlFeed(site.url("/f3.xml")),  # listed twice
    ]
    report = await service.import_opml(5, write_opml(feeds))
    assert len(report.added) == 17
    assert report.added[0].title == "Mine 0"
    assert report.duplicates == [site.url("/f3.xml")]
    refused = dict(report.refused)
    assert set(refused) == {"not a url", site.url("/missing.xml"), "http://192.168.1.10/rss"}
    assert "private" in refused["http://192.168.1.10/rss"]
    assert "404" in refused[site.url("/missing.xml")]
    exported = await service.export_opml(5)
    listed = read_opml(exported, max_feeds=100)
    assert [f.url for f in listed] == [f.url for f in feeds[:17]]
    # Re-importing the export: all duplicates, no fetch, nothing new.
    before = len(site.requests)
    again = await service.import_opml(5, exported)
    assert again.added == []
    assert len(again.duplicates) == 17
    assert len(site.requests) == before
    # Into another chat: the rows are shared, nothing fetched.
    other = await service.import_opml(6, exported)
    assert len(other.added) == 17
    assert len(site.requests) == before
    assert len(await store.list_feeds()) == 17


async def test_opml_over_cap_refused_by_name(
    service: ChatSourceService, site: LocalHTTPServer
) -> None:
    service.settings = service.settings.model_copy(update={"max_chat_feeds": 3})
    report = await service.import_opml(
        5, write_opml([OpmlFeed(site.url(f"/f{i}.xml")) for i in range(5)])
    )
    assert len(report.added) == 3
    assert [url for url, reason in report.refused if "limit" in reason] == [
        site.url("/f3.xml"),
        site.url("/f4.xml"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"x" * 1_000_001, "1.0 MB"),
        (b'<!DOCTYPE opml [<!ENTITY a "a">]><opml><body/></opml>', "DOCTYPE"),
        (b"<opml><body><outline text='folder'/></body></opml>", "no feeds"),
        (
            b"<opml><body>"
            + b"".join(b'<outline xmlUrl="http://f%d.example/"/>' % i for i in range(5000))
            + b"</body></opml>",
            "5,000 feeds",
        ),
    ],
)
async def test_bad_opml_files_store_nothing(
    service: ChatSourceService, store: Store, data: bytes, reason: str
) -> None:
    with pytest.raises(SourceError, match=reason):
        await service.import_opml(5, data)
    assert await store.list_feeds() == []
    assert await service.feeds(5) == []


async def test_own_sources_filter_stories_and_alerts(
    service: ChatSourceService, site: LocalHTTPServer, store: Store
) -> None:
    now = datetime.now(UTC)
    mine = (await service.add(1, site.url("/f1.xml"))).feed
    other = await store.add_feed(site.url("/f2.xml"))
    a = await store.add_article(
        make_article("https://x/1", "A", "alpha " * 50), feed_id=mine.feed_id
    )
    b = await store.add_article(make_article("https://x/2", "B", "beta " * 50), feed_id=other.id)
    since = now - timedelta(days=1)
    assert await service.story_filter(1, since) is None
    assert not await service.own_sources(1)
    await service.set_own_sources(1, True)
    assert await service.own_sources(1)
    assert await service.story_filter(1, since) == {a.story_id}
    assert await service.excluded_chats(b.article, [1, 2]) == {1}
    assert await service.excluded_chats(a.article, [1, 2]) == set()


async def test_topic_alerts_skip_own_source_chats_not_following_the_feed(
    service: ChatSourceService, site: LocalHTTPServer, store: Store, settings: Settings
) -> None:
    topics = TopicService(store, FakeEncoder(), settings, alert_filter=service.excluded_chats)
    mine = (await service.add(1, site.url("/f1.xml"))).feed
    other = await store.add_feed(site.url("/f2.xml"))
    for chat in (1, 2):
        await topics.subscribe(chat, "harbour bridge")
    await service.set_own_sources(1, True)
    body = "The harbour bridge reopened on Monday after months of repairs, officials said. " * 3
    elsewhere = await store.add_article(
        make_article("https://x/a", "Harbour bridge reopens", body), feed_id=other.id
    )
    assert await topics.on_new_article(elsewhere, None) == 1  # chat 2 only
    assert await store.pending_alerts(1) == []
    own = await store.add_article(
        make_article("https://x/b", "Harbour bridge tolls cut", "New tolls. " + body),
        feed_id=mine.feed_id,
    )
    await topics.on_new_article(own, None)
    assert [a.story_id for a in await store.pending_alerts(1)] == [own.story_id]
