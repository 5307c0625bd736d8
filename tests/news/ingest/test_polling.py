"""Feed polling end to end against a local HTTP server: RSS and Atom, conditional GET,
deduplication across feeds, a hanging feed, passing failures retried, full-text fallback and
alerts for subscriptions."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape as html_escape

from aiohttp import web

from config import Settings
from news.ingest import Ingestor
from news.sources.fetch import Fetcher
from news.store import Store
from news.topics import TopicService
from tests.news.conftest import FakeEncoder
from tests.news.ingest.conftest import HTML, RSS, page_requests, serve_feed, serve_pages
from tests.support.http_server import Handler, LocalHTTPServer, hang
from tests.support.sitegen import atom_feed, generate, render_page, rss_feed, stub_page


def conditional_feed(body: bytes, *, etag: str, last_modified: str) -> Handler:
    """A feed route that honours If-None-Match / If-Modified-Since with 304."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == etag or (
            request.headers.get("If-Modified-Since") == last_modified
        ):
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=body,
            headers={
                "Content-Type": "application/rss+xml",
                "ETag": etag,
                "Last-Modified": last_modified,
            },
        )

    return handler


async def test_feed_of_20_entries_then_conditional_poll_stores_nothing(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(20, seed=1)
    serve_pages(server, articles)
    last_modified = "Sat, 28 Nov 2026 10:00:00 GMT"
    server.set(
        "/feed.xml",
        conditional_feed(
            rss_feed(articles, server.base_url), etag='"v1"', last_modified=last_modified
        ),
    )
    await store.add_feed(server.url("/feed.xml"))
    encoder = FakeEncoder()
    ingestor = Ingestor(store, fetcher, encoder=encoder, on_new=None, settings=settings)
    progress: list[tuple[int, int]] = []
    report = await ingestor.poll_feeds(now, progress=lambda d, t: progress.append((d, t)))
    assert (report.new, report.duplicate, report.rejected, report.retry_later) == (20, 0, [], 0), (
        report.line()
    )
    assert (report.feeds_checked, report.feeds_failed) == (1, 0)
    assert await store.count_articles() == 20
    assert progress[-1] == (20, 20)
    assert sum(len(call) for call in encoder.calls) == 20  # every article embedded, in batches
    stored = {a.title for a in await store.list_articles(limit=50)}
    assert stored == {a.title for a in articles}
    (feed,) = await store.list_feeds()
    assert (feed.etag, feed.last_modified, feed.error_count) == ('"v1"', last_modified, 0)
    assert feed.next_check_at is not None
    assert feed.next_check_at > now + timedelta(seconds=settings.poll_interval * 0.8)

    # Not due yet: nothing polled.
    assert (await ingestor.poll_feeds(now + timedelta(seconds=10))).feeds_checked == 0
    # Due again: a conditional GET answered 304, no page fetched, nothing stored.
    pages_before = page_requests(server)
    later = now + timedelta(seconds=settings.poll_interval * 2)
    again = await ingestor.poll_feeds(later)
    assert (again.feeds_checked, again.new, again.duplicate) == (1, 0, 0)
    last = server.requests_to("/feed.xml")[-1]
    assert last.headers["If-None-Match"] == '"v1"'
    assert last.headers["If-Modified-Since"] == last_modified
    assert page_requests(server) == pages_before
    assert await store.count_articles() == 20


async def test_feed_without_validators_seen_entries_are_skipped(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(6, seed=2)
    serve_pages(server, articles)
    xml = {"Content-Type": "application/rss+xml"}
    server.set("/feed.xml", (200, xml, rss_feed(articles[:4], server.base_url)))
    feed = await store.add_feed(server.url("/feed.xml"))
    ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings)
    assert (await ingestor.poll_feeds(now)).new == 4
    # The feed gains two entries; the four known ones are not fetched again.
    server.set("/feed.xml", (200, xml, rss_feed(articles, server.base_url)))
    pages_before = page_requests(server)
    (feed,) = await store.list_feeds()
    report = await ingestor.poll_feeds(now, feeds=[feed])
    assert (report.new, report.duplicate) == (2, 0)
    assert page_requests(server) == pages_before + 2


async def test_same_article_in_two_feeds_is_stored_once_and_atom_works(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(8, seed=3)
    serve_pages(server, articles)
    server.set(
        "/rss.xml",
        (200, {"Content-Type": "application/rss+xml"}, rss_feed(articles[:5], server.base_url)),
    )
    server.set(
        "/atom.xml",
        (200, {"Content-Type": "application/atom+xml"}, atom_feed(articles[3:], server.base_url)),
    )
    await store.add_feed(server.url("/rss.xml"))
    await store.add_feed(server.url("/atom.xml"))
    ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings)
    report = await ingestor.poll_feeds(now)
    assert report.feeds_checked == 2
    assert report.new == 8
    assert report.duplicate == 2  # articles 3 and 4 are in both feeds
    assert await store.count_articles() == 8
    assert all(len(server.requests_to(a.path)) == 1 for a in articles)  # each fetched once
    atom = next(f for f in await store.list_feeds() if f.url.endswith("atom.xml"))
    assert atom.title == "The Atom Example"
    assert atom.error_count == 0


async def test_hanging_feed_times_out_and_backs_off_without_blocking_others(
    server: LocalHTTPServer, store: Store, settings: Settings, now: datetime
) -> None:
    articles = generate(3, seed=4)
    serve_pages(server, articles)
    server.set("/slow.xml", hang(30))
    server.set("/broken.xml", (200, {"Content-Type": "application/rss+xml"}, b"<rss><oops"))
    server.set(
        "/ok.xml",
        (200, {"Content-Type": "application/rss+xml"}, rss_feed(articles, server.base_url)),
    )
    for path in ("/slow.xml", "/broken.xml", "/ok.xml"):
        await store.add_feed(server.url(path))
    fetcher = Fetcher(settings)  # fetch_timeout is 1 s in these settings
    try:
        ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings)
        report = await ingestor.poll_feeds(now)
    finally:
        await fetcher.aclose()
    assert report.new == 3
    assert (report.feeds_checked, report.feeds_failed) == (3, 2)
    feeds = {f.url.rsplit("/", 1)[1]: f for f in await store.list_feeds()}
    reasons = {
        "slow.xml": "The site took too long to answer.",
        "broken.xml": "The feed could not be read: it is not valid RSS or Atom.",
    }
    for name, reason in reasons.items():
        failed = feeds[name]
        assert (failed.error_count, failed.last_error) == (1, reason)
        assert failed.next_check_at is not None
        assert failed.next_check_at > now + timedelta(seconds=settings.poll_interval * 1.5)
    assert (feeds["ok.xml"].error_count, feeds["ok.xml"].last_error) == (0, None)
    assert sorted(report.feed_errors) == sorted(
        (server.url(f"/{name}"), reason) for name, reason in reasons.items()
    )


async def test_passing_page_failure_is_retried_next_poll(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(3, seed=5)
    serve_pages(server, articles)
    flaky = articles[1]
    server.set(flaky.path, (503, HTML, "busy"))
    server.set(
        "/feed.xml",
        (
            200,
            {"Content-Type": "application/rss+xml", "ETag": '"e1"'},
            rss_feed(articles, server.base_url),
        ),
    )
    await store.add_feed(server.url("/feed.xml"))
    ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings)
    first = await ingestor.poll_feeds(now)
    assert (first.new, first.retry_later, first.rejected) == (2, 1, [])
    (feed,) = await store.list_feeds()
    assert feed.etag is None  # not every entry settled: the next poll must get the full feed
    assert await store.seen_entries(feed.id, [a.slug for a in articles]) == {
        articles[0].slug,
        articles[2].slug,
    }
    serve_pages(server, [flaky])
    second = await ingestor.poll_feeds(now + timedelta(hours=1))
    assert (second.new, second.retry_later) == (1, 0)
    (feed,) = await store.list_feeds()
    assert feed.etag == '"e1"'
    assert await store.count_articles() == 3


async def test_rejections_and_full_text_fallback(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(3, seed=6)
    serve_pages(server, articles)
    # Entry 0: a login wall, but the feed carries the full text -> stored from the feed.
    server.set(articles[0].path, (200, HTML, stub_page()))
    # Entry 1: a 404 and only a short description in the feed -> rejected with a reason.
    server.set(articles[1].path, (404, HTML, "gone"))
    body = rss_feed(articles, server.base_url, full_text=True).replace(
        f"<![CDATA[{''.join(f'<p>{p}</p>' for p in articles[1].paragraphs)}]]>".encode(), b""
    )
    server.set("/feed.xml", (200, {"Content-Type": "application/rss+xml"}, body))
    feed = await store.add_feed(server.url("/feed.xml"))
    ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings)
    report = await ingestor.poll_feeds(now)
    assert report.new == 2
    assert report.rejected == [
        (server.url(articles[1].path), "The page was not found (HTTP 404).")
    ]
    from_feed = await store.find_article(server.url(articles[0].path))
    assert from_feed is not None
    assert from_feed.text.startswith(articles[0].paragraphs[0][:40])
    assert from_feed.source == "The Daily Example"
    # Rejected entries are settled too: they are not fetched again.
    assert len(await store.seen_entries(feed.id, [a.slug for a in articles])) == 3
    assert report.line() == (
        "2 new, 0 duplicate, 1 rejected: The page was not found (HTTP 404)."
        " | feeds: 1 checked, 0 failed"
    )


async def test_new_article_alerts_subscribers_once(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    articles = generate(4, seed=8)
    await serve_feed(server, store, articles)
    encoder = FakeEncoder()
    topics = TopicService(store, encoder, settings)
    place = articles[2].title.split(":")[0]
    await topics.subscribe(42, place)
    ingestor = Ingestor(
        store, fetcher, encoder=encoder, on_new=topics.on_new_article, settings=settings
    )
    await ingestor.poll_feeds(now)
    pending = await store.pending_alerts(42)
    expected = {a.title for a in articles if a.title.startswith(place + ":")}
    titles = set()
    for alert in pending:
        story = await store.get_story(alert.story_id)
        assert story is not None
        titles.add(story.title)
    assert titles == expected
    assert len(pending) == len(expected)


async def test_a_page_that_names_only_its_day_takes_the_feed_entrys_time(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    """The page's meta tags and JSON-LD give the day only; the feed's pubDate has the hour."""
    published = now.replace(hour=15, minute=20, second=0, microsecond=0) - timedelta(days=1)
    articles = generate(2, seed=11, now=published)
    for article in articles:
        page = render_page(article, server.base_url)
        stamp = article.published.isoformat()
        assert stamp in page
        server.set(
            article.path, (200, HTML, page.replace(stamp, article.published.date().isoformat()))
        )
    server.set("/feed.xml", (200, RSS, rss_feed(articles, server.base_url)))
    await store.add_feed(server.url("/feed.xml"))
    ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings)
    assert (await ingestor.poll_feeds(now)).new == 2
    for article in articles:
        stored = await store.find_article(server.url(article.path))
        assert stored is not None
        assert stored.published == article.published.replace(microsecond=0)


async def test_a_feed_entrys_headline_wins_over_a_page_title_that_names_the_site(
    server: LocalHTTPServer, store: Store, fetcher: Fetcher, settings: Settings, now: datetime
) -> None:
    """A page whose <title>, meta title and headings give only the site's name still gets the
    headline the feed gives."""
    [article] = generate(1, seed=5, now=now - timedelta(hours=2))
    page = render_page(article, server.base_url).replace(
        html_escape(article.title), "Local Sports Wire"
    )
    assert html_escape(article.title) not in page
    server.set(article.path, (200, HTML, page))
    server.set("/feed.xml", (200, RSS, rss_feed([article], server.base_url)))
    await store.add_feed(server.url("/feed.xml"))
    ingestor = Ingestor(store, fetcher, encoder=None, on_new=None, settings=settings)
    assert (await ingestor.poll_feeds(now)).new == 1
    stored = await store.find_article(server.url(article.path))
    assert stored is not None
    assert stored.title == article.title
