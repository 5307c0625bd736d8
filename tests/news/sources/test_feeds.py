"""news.sources.feeds: RSS 0.91/1.0/2.0 and Atom parsing, ids, dates, links, errors, scheduling."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from news.sources.feeds import MAX_BACKOFF, FeedError, next_check_at, parse_feed

PAGES = Path(__file__).parent / "pages"


def _read(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def test_rss2() -> None:
    feed = parse_feed(_read("rss2.xml"), "https://harbour.example/feeds/all.xml")
    assert feed.title == "The Harbour Gazette & Friends"
    assert feed.link == "https://harbour.example/"
    ids = [e.entry_id for e in feed.entries]
    assert ids == [
        "harbour-7",  # the guid
        "https://harbour.example/news/library",  # no guid: the link
        "https://harbour.example/news/guid-only",
    ]  # the entry without any link is skipped
    first = feed.entries[0]
    assert first.title == "Ferry fares rise & routes change"
    assert first.link == "https://harbour.example/news/ferry-fares?id=7"  # resolved, no fragment
    assert first.summary == "Fares go up by 4% from January."
    assert first.published == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert feed.entries[1].published == datetime(2026, 11, 27, 18, 30, tzinfo=UTC)
    assert feed.entries[2].link == "https://harbour.example/news/guid-only"
    assert feed.entries[2].published is None


def test_rss091_latin1() -> None:
    feed = parse_feed(_read("rss091.xml"), "http://oldschool.example/rss")
    assert feed.title == "Old School Wire"
    (entry,) = feed.entries
    assert entry.title == "Le café du port rouvre"
    assert entry.summary == "Réouverture prévue lundi."
    assert entry.entry_id == "http://oldschool.example/story/1"


def test_rdf() -> None:
    feed = parse_feed(_read("rdf.xml"), "https://rdf.example/index.rdf")
    (entry,) = feed.entries
    assert entry.title == "Comet visible this week"
    assert entry.entry_id == "https://rdf.example/notes/comet"
    assert entry.published == datetime(2026, 11, 26, 19, 15, tzinfo=UTC)


def test_atom() -> None:
    feed = parse_feed(_read("atom.xml"), "https://atom.example/feed.atom")
    assert feed.title == "Valley Tech Report"
    solar, chips = feed.entries
    assert solar.entry_id == "tag:atom.example,2026:solar"
    assert solar.link == "https://atom.example/blog/posts/solar-plant"  # xml:base applied
    assert solar.published == datetime(2026, 11, 28, 12, 45, tzinfo=UTC)
    assert solar.summary == "The plant powers 2,000 homes."
    assert chips.title == "Chips < demand, says analyst"
    assert chips.published == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # published wins


def test_ids_are_stable_between_parses() -> None:
    body = _read("rss2.xml")
    first = parse_feed(body, "https://harbour.example/feeds/all.xml")
    second = parse_feed(body, "https://harbour.example/feeds/all.xml")
    assert [e.entry_id for e in first.entries] == [e.entry_id for e in second.entries]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body><p>Not a feed, a web page.</p></body></html>",
        b"<rss><channel><item><title>broken",
        b"\x00\x01\x02 binary garbage",
        b'{"version": "https://jsonfeed.org/version/1", "items": []}',
        b"/etc/passwd",  # must be parsed as bytes, never opened as a file name
    ],
)
def test_malformed_feeds_raise_feed_error(body: bytes) -> None:
    with pytest.raises(FeedError) as info:
        parse_feed(body, "https://bad.example/feed")
    assert info.value.reason == "The feed could not be read: it is not valid RSS or Atom."


def test_valid_feed_without_entries_is_not_an_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feed = parse_feed(body, "https://quiet.example/rss")
    assert (feed.title, feed.entries) == ("Quiet", [])


def test_twenty_entries() -> None:
    items = "".join(
        f"<item><title>Story {i}</title><link>/s/{i}</link><guid>id-{i}</guid></item>"
        for i in range(20)
    )
    body = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
    feed = parse_feed(body, "http://127.0.0.1:8000/feed.xml")
    assert [e.link for e in feed.entries] == [f"http://127.0.0.1:8000/s/{i}" for i in range(20)]


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_next_check_spreads_around_the_interval() -> None:
    rng = random.Random(1)
    delays = [(next_check_at(NOW, 900, 0, rng=rng) - NOW).total_seconds() for _ in range(200)]
    assert min(delays) >= 810
    assert max(delays) <= 990
    assert max(delays) - min(delays) > 100  # spread, not one instant


def test_next_check_backs_off_and_caps() -> None:
    rng = random.Random(2)
    delays = [
        (next_check_at(NOW, timedelta(minutes=15), n, rng=rng) - NOW).total_seconds()
        for n in range(12)
    ]
    assert delays[1] > delays[0] * 1.5
    assert delays[3] > delays[2] * 1.5
    assert all(d <= MAX_BACKOFF.total_seconds() for d in delays)
    assert delays[-1] >= MAX_BACKOFF.total_seconds() * 0.8
    capped = {next_check_at(NOW, 900, 50, rng=rng) for _ in range(20)}
    assert len(capped) > 1  # capped feeds still spread


def test_next_check_is_aware_utc() -> None:
    naive = datetime(2026, 11, 28, 12, 0)  # read as UTC
    result = next_check_at(naive, 60, 0, rng=random.Random(3))
    assert result == NOW + timedelta(seconds=60 * random.Random(3).uniform(0.9, 1.1))
    assert result.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="positive"):
        next_check_at(NOW, 0, 0)


def test_sloppy_feed_with_entries_is_read_leniently() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Tom & Jerry news</title>'
        b"<item><title>Cats & dogs</title><link>https://pets.example/1</link></item>"
        b"</channel></rss>"
    )  # the bare "&" makes it invalid XML; feedparser's loose parser still reads it
    feed = parse_feed(body, "https://pets.example/rss")
    assert [e.title for e in feed.entries] == ["Cats & dogs"]
