"""A chat's own sources through the real ``newsbrief run`` and the stand-in: /feeds add (a
site whose page links its feed) and its stories in /brief with /sources mine; an OPML file of
20 feeds with two bad URLs and a private address; /export and re-import; and bad input (10 MB,
XML entities, 5,000 feeds, not a feed), each answered with nothing half-stored.

Runs on the session's bot, so before test_e2e_delivery restarts it as a worker (file order)."""

from __future__ import annotations

import asyncio
import html

import pytest

from news.sources.opml import OpmlFeed, read_opml, write_opml
from standin.server import SentMessage, StandIn
from tests.e2e.conftest import START_TIMEOUT, BotProcess, Chat, NewsSite, Page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIBRARY = [
    "The city library opened a new reading room for children on Saturday, with three thousand "
    "picture books donated by residents and a storytelling corner run by volunteers.",
    "Librarians said the reading room would stay open every evening until eight, and that "
    "school classes could book morning visits free of charge from next month onwards.",
    "Parents welcomed the new room, which replaces a cramped corner on the ground floor that "
    "had been closed since the heating failed during the long and cold winter last year.",
]
RSS_ITEM = "<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>"
RSS = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
    "<link>http://example.invalid/</link><description>x</description>{items}</channel></rss>"
)
XML = {"Content-Type": "application/rss+xml"}


def _serve_own_site(site: NewsSite) -> None:
    page = Page("library/reading-room", "Library opens a reading room for children", LIBRARY)
    site.server.set(f"/{page.slug}", (200, {"Content-Type": "text/html"}, page.html()))
    item = RSS_ITEM.format(title=html.escape(page.title), link=site.url(f"/{page.slug}"))
    site.server.set("/library/feed.rss", (200, XML, RSS.format(title="Town Library", items=item)))
    site.server.set(
        "/library/",
        (
            200,
            {"Content-Type": "text/html"},
            '<html><head><title>Town Library</title><link rel="alternate" '
            'type="application/rss+xml" title="News" href="/library/feed.rss"></head>'
            "<body><p>Welcome</p></body></html>",
        ),
    )
    site.server.set("/data.json", (200, {"Content-Type": "application/json"}, "{}"))
    for i in range(17):
        site.server.set(f"/opml/f{i}.xml", (200, XML, RSS.format(title=f"Feed {i}", items="")))


async def _send_file(
    standin: StandIn,
    chat_id: int,
    data: bytes,
    name: str = "feeds.opml",
    *,
    mime_type: str = "text/x-opml",
    wait: float = 60,
) -> SentMessage:
    after = standin.last_id
    await standin.inject_document(chat_id, data, file_name=name, mime_type=mime_type)
    return await standin.wait_for(chat_id, after_id=after, timeout=wait)


async def test_add_a_site_from_chat_and_brief_its_stories(
    standin: StandIn, bot: BotProcess, site: NewsSite
) -> None:
    _serve_own_site(site)
    chat = Chat(standin, 3001)
    added = await chat.say(f"/feeds add {site.url('/library/')}", wait=START_TIMEOUT)
    assert added.plain_text.startswith("Added Town Library")
    listing = await chat.say("/feeds")
    assert "Your sources (1/100)" in listing.plain_text
    assert f'href="{site.url("/library/feed.rss")}"' in listing.text
    mine = await chat.say("/sources mine")
    assert "only from your own sources (1)" in mine.plain_text
    # The poller reads the new feed within a few polls; the briefing shows only its story.
    for _ in range(60):
        brief = await chat.say("/brief", wait=START_TIMEOUT)  # MiniLM may load first
        if "Library opens a reading room" in brief.plain_text:
            break
        await asyncio.sleep(0.5)
    assert "Library opens a reading room for children" in brief.plain_text
    assert "Harbour bridge" not in brief.plain_text
    everything = await chat.say("/sources all")
    assert "every source" in everything.plain_text
    removed = await chat.say("/feeds remove 1")
    assert removed.plain_text == "Removed Town Library."
    assert "no sources of your own" in (await chat.say("/feeds")).plain_text


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/data.json", "not a feed (it is application/json)"),
        ("/no-such-feed.xml", "not found (HTTP 404)"),
    ],
)
async def test_a_url_that_is_not_a_feed_is_explained(
    standin: StandIn, bot: BotProcess, site: NewsSite, path: str, answer: str
) -> None:
    _serve_own_site(site)
    chat = Chat(standin, 3002)
    reply = await chat.say(f"/feeds add {site.url(path)}", wait=START_TIMEOUT)
    assert reply.plain_text.startswith("I could not add that source")
    assert answer in reply.plain_text
    private = await chat.say("/feeds add http://10.1.2.3/feed.xml")
    assert "private or local network" in private.plain_text
    assert "no sources of your own" in (await chat.say("/feeds")).plain_text


async def test_opml_import_report_export_and_round_trip(
    standin: StandIn, bot: BotProcess, site: NewsSite
) -> None:
    _serve_own_site(site)
    good = [OpmlFeed(site.url(f"/opml/f{i}.xml"), f"Feed {i}") for i in range(17)]
    bad = [OpmlFeed("not a feed address"), OpmlFeed(site.url("/opml/missing.xml"))]
    private = OpmlFeed("http://192.168.7.7/rss.xml")
    data = write_opml([*good[:8], bad[0], private, *good[8:], bad[1]])
    report = await _send_file(standin, 3003, data)
    text = report.plain_text
    assert "OPML import: 17 feeds added, 0 already followed, 3 refused" in text
    assert "not a feed address — That is not a web address" in text
    assert f"{site.url('/opml/missing.xml')} — The page was not found (HTTP 404)" in text
    assert "http://192.168.7.7/rss.xml — The link points to a private" in text

    chat = Chat(standin, 3003)
    after = standin.last_id
    caption = await chat.say("/export")
    assert caption.plain_text.startswith("Your 17 sources as OPML")
    [exported] = standin.sent_documents(3003, after)
    assert exported.file_name == "newsbrief-sources.opml"
    assert [f.url for f in read_opml(exported.data, max_feeds=100)] == [f.url for f in good]

    again = await _send_file(standin, 3003, exported.data, exported.file_name)
    assert "0 feeds added, 17 already followed, 0 refused" in again.plain_text
    other = await _send_file(standin, 3004, exported.data, exported.file_name)
    assert "17 feeds added, 0 already followed, 0 refused" in other.plain_text
    assert "(17/100)" in (await Chat(standin, 3004).say("/feeds")).plain_text


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (b" " * 10_000_000, "The file is 10.0 MB; OPML files of up to 1 MB are read."),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><opml><body>'
            b'<outline text="&b;" xmlUrl="http://example.com/rss"/></body></opml>',
            "declares a DOCTYPE or XML entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<opml><body><outline text="&x;" xmlUrl="http://example.com/rss"/></body></opml>',
            "declares a DOCTYPE or XML entities",
        ),
        (
            b"<opml><body>"
            + b"".join(b'<outline xmlUrl="http://f%d.example.com/rss"/>' % i for i in range(5000))
            + b"</body></opml>",
            "lists 5,000 feeds; at most 200",
        ),
        (b"this is not xml", "not valid XML"),
    ],
)
async def test_bad_opml_files_are_refused_and_nothing_stored(
    standin: StandIn, bot: BotProcess, data: bytes, answer: str
) -> None:
    reply = await _send_file(standin, 3005, data)
    assert reply.plain_text.startswith("I could not import that file")
    assert answer in reply.plain_text
    assert "no sources of your own" in (await Chat(standin, 3005).say("/feeds")).plain_text


async def test_other_documents_get_a_hint(standin: StandIn, bot: BotProcess) -> None:
    reply = await _send_file(standin, 3006, b"%PDF-1.4", "report.pdf", mime_type="application/pdf")
    assert "Send an .opml file" in reply.plain_text
