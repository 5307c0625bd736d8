"""OPML reading (defusedxml, no DOCTYPE, capped) and writing, and feed discovery in a page."""

from __future__ import annotations

import pytest

from news.sources.discover import common_feed_urls, linked_feeds
from news.sources.opml import OpmlError, OpmlFeed, read_opml, write_opml


def _opml(body: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<opml version="2.0"><head><title>x'
        f"</title></head><body>{body}</body></opml>"
    ).encode()


def test_reads_feeds_in_folders_with_names() -> None:
    data = _opml(
        '<outline text="News"><outline type="rss" text="One &amp; Two" xmlUrl="https://a/rss"/>'
        '<outline text="folder only"/></outline>'
        '<outline title="Titled" xmlurl=" https://b/atom "/>'
    )
    assert read_opml(data, max_feeds=10) == [
        OpmlFeed("https://a/rss", "One & Two"),
        OpmlFeed("https://b/atom", "Titled"),
    ]


def test_round_trip_escapes_names() -> None:
    feeds = [OpmlFeed("https://a.example/rss?x=1&y=2", 'A "quoted" & name'), OpmlFeed("https://b")]
    data = write_opml(feeds)
    assert data.startswith(b"<?xml")
    assert read_opml(data, max_feeds=10) == [feeds[0], OpmlFeed("https://b", "https://b")]


@pytest.mark.parametrize(
    "prolog",
    [
        # billion laughs
        '<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        # an external entity reading a local file
        '<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        # an external DTD
        '<!DOCTYPE opml SYSTEM "http://127.0.0.1:1/evil.dtd">',
    ],
)
def test_doctype_and_entities_are_refused(prolog: str) -> None:
    with pytest.raises(OpmlError, match="DOCTYPE or XML entities"):
        read_opml(_opml('<outline xmlUrl="https://a/rss" text="&b;"/>', prolog), max_feeds=10)


def test_too_many_feeds_refused_whole() -> None:
    body = "".join(f'<outline xmlUrl="https://f{i}.example/rss"/>' for i in range(5000))
    with pytest.raises(OpmlError, match="lists 5,000 feeds; at most 200"):
        read_opml(_opml(body), max_feeds=200)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not xml at all", "not valid XML"),
        (b"<rss><channel/></rss>", "not OPML"),
        (b"\xff\xfe\x00garbage", "not valid XML"),
    ],
)
def test_not_opml(data: bytes, reason: str) -> None:
    with pytest.raises(OpmlError, match=reason):
        read_opml(data, max_feeds=10)


def test_linked_feeds_in_head_resolved_and_common_paths() -> None:
    page = (
        '<html><head><link rel="stylesheet" href="/s.css">'
        '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        '<link rel="Alternate" type="application/atom+xml; charset=utf-8" href="atom.xml">'
        '<link rel="alternate" type="text/html" href="/other">'
        '<link rel="alternate" type="application/rss+xml" href="javascript:x()">'
        '</head><body><link rel="alternate" type="application/rss+xml" href="/late"></body></html>'
    )
    assert linked_feeds(page, "https://site.example/news/") == [
        "https://site.example/feed.xml",
        "https://site.example/news/atom.xml",
    ]
    assert linked_feeds("<html><head></head></html>", "https://s.example/") == []
    assert common_feed_urls("https://s.example/a/b?c")[:2] == [
        "https://s.example/feed",
        "https://s.example/rss",
    ]
