"""The bundled sample news set and the local site that serves it (demo.samples)."""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from fnmatch import fnmatch
from pathlib import Path

import httpx
import pytest

from demo.samples import SAMPLE_NOTICE, SampleSite, load_articles
from news.sources.extract import extract
from news.sources.feeds import parse_feed
from news.stories.dedupe import NEAR_DUPLICATE, signature, similarity

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_sample_set_size_topics_and_batches() -> None:
    articles = load_articles()
    assert len(articles) == 42
    assert len({a.slug for a in articles}) == len(articles)
    topics = Counter(a.topic for a in articles)
    assert topics == {
        "peace talks": 11,
        "climate": 9,
        "markets": 8,
        "technology": 7,
        "football": 7,
    }
    assert Counter(a.batch for a in articles) == {1: 32, 2: 10}
    second = {a.topic for a in articles if a.batch == 2}
    assert second == set(topics)
    for article in articles:
        assert len(" ".join(article.body).split()) >= 100, article.slug


def test_second_batch_has_one_story_from_several_outlets() -> None:
    """The ceasefire wire story is carried by three outlets: near-duplicates by MinHash."""
    second = [a for a in load_articles() if a.batch == 2]
    syndicated = [a for a in second if a.author == "Continental Press Wire"]
    assert len(syndicated) == 3
    assert len({a.outlet for a in syndicated}) == 3
    sigs = [signature(a.text) for a in syndicated]
    assert all(similarity(sigs[0], s) >= NEAR_DUPLICATE for s in sigs[1:])
    others = [signature(a.text) for a in second if a not in syndicated]
    assert all(similarity(sigs[0], s) < NEAR_DUPLICATE for s in others)


def test_batches_appear_on_release_only() -> None:
    clock = [NOW]
    site = SampleSite(clock=lambda: clock[0])
    first = site.articles()
    assert {a.batch for a in first} == {1}
    later = next(a for a in site.all_articles if a.batch == 2)
    assert site.article_at(later.path) is None
    etag = site.etag

    clock[0] = NOW + timedelta(minutes=1)
    released = site.release(2)
    assert released == [a for a in site.all_articles if a.batch == 2]
    assert site.article_at(later.path) == later
    assert site.etag != etag
    assert site.published(later) == NOW + timedelta(minutes=1) - later.age
    assert site.articles()[0].batch == 2  # newest first
    assert site.release(2) == []
    with pytest.raises(ValueError, match="no sample batch"):
        site.release(7)


def test_feed_parses_and_is_marked_as_samples() -> None:
    site = SampleSite(clock=lambda: NOW)
    body = site.feed_xml("http://127.0.0.1:9")
    assert SAMPLE_NOTICE.encode() in body
    feed = parse_feed(body, "http://127.0.0.1:9/feed.xml")
    assert len(feed.entries) == len(site.articles())
    entry, newest = feed.entries[0], site.articles()[0]
    assert entry.link == "http://127.0.0.1:9" + newest.path
    assert entry.published == site.published(newest)
    one = site.feed_xml("http://127.0.0.1:9", outlet="pitchside")
    assert len(parse_feed(one, "x").entries) == sum(
        a.outlet == "pitchside" for a in site.articles()
    )


def test_page_has_site_furniture_but_extracts_to_the_article() -> None:
    site = SampleSite(clock=lambda: NOW)
    article = site.articles()[3]
    html = site.page_html(article, "http://127.0.0.1:9")
    for furniture in (SAMPLE_NOTICE, "Sign up", "cookies", "Subscribe", "More on this story"):
        assert furniture in html
    extracted = extract(html, "http://127.0.0.1:9" + article.path)
    assert extracted.title == article.title
    assert extracted.url == "http://127.0.0.1:9" + article.path
    assert extracted.source == site.outlets[article.outlet].name
    assert extracted.published == site.published(article)
    assert article.body[0] in extracted.text
    assert article.body[-1] in extracted.text
    for boilerplate in ("Sign up", "cookies", "Accept all", "morning briefing"):
        assert boilerplate not in extracted.text


async def test_served_over_http_with_conditional_get() -> None:
    async with SampleSite() as site, httpx.AsyncClient() as client:
        base = site.base_url
        assert base is not None
        response = await client.get(site.feed_url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/rss+xml")
        etag, modified = response.headers["etag"], response.headers["last-modified"]
        assert parsedate_to_datetime(modified).tzinfo is not None
        assert (
            await client.get(site.feed_url, headers={"If-None-Match": etag})
        ).status_code == 304

        hidden = next(a for a in site.all_articles if a.batch == 2)
        assert (await client.get(base + hidden.path)).status_code == 404
        site.release(2)
        page = await client.get(base + hidden.path)
        assert page.status_code == 200
        assert hidden.title in page.text
        assert hidden.path in site.fetched
        again = await client.get(site.feed_url, headers={"If-None-Match": etag})
        assert again.status_code == 200
        assert hidden.title in again.text
        assert (await client.get(base + "/")).status_code == 200
        assert (await client.get(base + "/nowhere/feed.xml")).status_code == 404


def test_package_data_ships_the_samples_and_the_demo_page() -> None:
    """pyproject's package-data patterns cover every data file of demo/samples and demo_web."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    files = [*(ROOT / "demo/samples").iterdir(), *(ROOT / "demo/web").iterdir()]
    data = [f for f in files if f.is_file() and f.suffix not in {".py", ".pyc"}]
    assert sorted(f.name for f in data) == [
        "app.js",
        "articles_batch1.json",
        "articles_batch2.json",
        "index.html",
        "outlets.json",
        "sample_feeds.opml",
        "style.css",
    ]
    for path in data:
        assert any(fnmatch(path.name, p) for p in patterns), f"{path} is not packaged"
