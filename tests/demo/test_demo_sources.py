"""The demo's own-sources pieces: the sample OPML list (package data) names the outlets'
feeds on the running sample site, an outlet's page links its feed (for /feeds add), and the page
sends the list to the demo chat as a document (through the stand-in), which the bot's own
reader accepts."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from demo.options import DEMO_CHAT_ID, DEMO_TOKEN, DemoOptions
from demo.page import DemoServer
from demo.samples import SampleSite
from news.sources.discover import linked_feeds
from news.sources.feeds import parse_feed
from news.sources.opml import read_opml
from standin.server import StandIn


@pytest.fixture
async def served() -> AsyncIterator[tuple[DemoServer, StandIn, httpx.AsyncClient]]:
    async with SampleSite() as site, StandIn(token=DEMO_TOKEN) as standin:
        server = DemoServer(site, standin.control_url, DemoOptions(port=0))
        await server.start()
        server.ready = True
        try:
            async with httpx.AsyncClient(base_url=server.url or "", timeout=10) as client:
                yield server, standin, client
        finally:
            await server.stop()


async def test_sample_opml_lists_the_outlets_feeds_on_the_site(
    served: tuple[DemoServer, StandIn, httpx.AsyncClient],
) -> None:
    server, _, _ = served
    base = server.site.base_url or ""
    async with httpx.AsyncClient() as web:
        served_opml = await web.get(f"{base}/sample_feeds.opml")
        assert served_opml.status_code == 200
        feeds = read_opml(served_opml.content, max_feeds=50)
        assert [f.url for f in feeds][-1] == "http://192.168.1.1/feed.xml"  # refused by the bot
        for feed in feeds[:-1]:
            body = await web.get(feed.url)
            assert body.status_code == 200, feed.url
            assert parse_feed(body.content, feed.url).entries
        page = await web.get(f"{base}/pitchside/")
        assert linked_feeds(page.text, f"{base}/pitchside/") == [f"{base}/pitchside/feed.xml"]


async def test_the_page_sends_the_sample_opml_as_a_document(
    served: tuple[DemoServer, StandIn, httpx.AsyncClient],
) -> None:
    server, standin, client = served
    sent = await client.post("/api/document", json={"sample": True})
    assert sent.status_code == 200, sent.text
    update = standin._updates[-1]["message"]
    assert update["chat"]["id"] == DEMO_CHAT_ID
    document = update["document"]
    assert document["file_name"] == "sample_feeds.opml"
    async with httpx.AsyncClient() as bot:
        found = await bot.post(
            f"{standin.base_url}{DEMO_TOKEN}/getFile", json={"file_id": document["file_id"]}
        )
        path = found.json()["result"]["file_path"]
        data = await bot.get(f"{standin.base_url.replace('/bot', '/file/bot')}{DEMO_TOKEN}/{path}")
    assert data.content == server.site.sample_opml(server.site.base_url or "")
    own = base64.b64encode(b"<opml/>").decode()
    mine = await client.post("/api/document", json={"file_name": "mine.opml", "data_base64": own})
    assert mine.status_code == 200
    big = base64.b64encode(b"x" * 2_000_000).decode()
    refused = await client.post(
        "/api/document", json={"file_name": "big.opml", "data_base64": big}
    )
    assert refused.status_code == 413
