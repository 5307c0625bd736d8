"""The demo's chat-page server (demo.page.DemoServer) against a real stand-in, without the bot."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import httpx
import pytest

from demo.app import bot_environment
from demo.cli import register
from demo.options import DEMO_CHAT_ID, DEMO_TOKEN, DemoOptions
from demo.page import DemoServer
from demo.samples import SampleSite
from standin.server import StandIn


@pytest.fixture
async def served() -> AsyncIterator[tuple[DemoServer, StandIn, httpx.AsyncClient]]:
    async with SampleSite() as site, StandIn(token=DEMO_TOKEN) as standin:
        server = DemoServer(site, standin.control_url, DemoOptions(port=0))
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=server.url or "", timeout=10) as client:
                yield server, standin, client
        finally:
            await server.stop()


def test_cli_defaults() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["demo"])
    assert (args.host, args.port, args.second_batch_delay) == ("127.0.0.1", 8088, 60.0)
    assert args.data_dir is None


def test_bot_environment_keeps_real_settings_out() -> None:
    user = {
        "NEWSBRIEF_TELEGRAM_TOKEN": "123456:real-token",
        "NEWSBRIEF_WEBHOOK_URL": "https://bot.example.com/hook",
        "NEWSBRIEF_DATABASE_URL": "postgresql+asyncpg://prod/db",
        "NEWSBRIEF_SUMMARIZER": "abstractive",
        "PATH": "/usr/bin",
    }
    env = bot_environment(
        user,
        api_url="http://127.0.0.1:1/bot",
        database_url="sqlite:////tmp/x.db",
        feed_url="http://127.0.0.1:2/feed.xml",
        options=DemoOptions(poll_interval=3),
    )
    assert env["NEWSBRIEF_TELEGRAM_TOKEN"] == DEMO_TOKEN
    assert "NEWSBRIEF_WEBHOOK_URL" not in env
    assert env["NEWSBRIEF_DATABASE_URL"] == "sqlite:////tmp/x.db"
    assert env["NEWSBRIEF_TELEGRAM_API_URL"] == "http://127.0.0.1:1/bot"
    assert env["NEWSBRIEF_FEEDS"] == "http://127.0.0.1:2/feed.xml"
    assert env["NEWSBRIEF_ALLOW_LOOPBACK"] == "true"
    assert env["NEWSBRIEF_POLL_INTERVAL"] == "3"
    assert env["NEWSBRIEF_SUMMARIZER"] == "abstractive"
    assert env["PATH"] == "/usr/bin"
    assert env["HF_HUB_OFFLINE"] == "1"


async def test_starting_page_until_ready(
    served: tuple[DemoServer, StandIn, httpx.AsyncClient],
) -> None:
    server, _, client = served
    page = await client.get("/")
    assert "starting" in page.text
    assert (await client.post("/api/message", json={"text": "/start"})).status_code == 503
    server.ready = True
    page = await client.get("/")
    assert 'id="composer"' in page.text
    assert "Content-Security-Policy" in page.text
    assert page.headers["x-content-type-options"] == "nosniff"
    script = await client.get("/app.js")
    assert script.headers["content-type"].startswith("application/javascript")
    assert "sanitizeInto" in script.text
    assert (await client.get("/style.css")).status_code == 200


async def test_messages_go_to_the_demo_chat_and_only_its_replies_come_back(
    served: tuple[DemoServer, StandIn, httpx.AsyncClient],
) -> None:
    server, standin, client = served
    server.ready = True
    answer = await client.post("/api/message", json={"text": "/brief climate"})
    assert answer.status_code == 200
    await standin.inject_message(999, "hello from another chat")
    # Play the bot: reply in both chats through the Bot API.
    async with httpx.AsyncClient() as bot:
        for chat_id, text in ((DEMO_CHAT_ID, "<b>for the demo</b>"), (999, "for someone else")):
            sent = await bot.post(
                f"{standin.base_url}{DEMO_TOKEN}/sendMessage",
                json={"chat_id": chat_id, "text": text, "parse_mode": "HTML"},
            )
            assert sent.json()["ok"], sent.text
    messages = (await client.get("/api/sent", params={"after_id": 0})).json()["messages"]
    assert [m["text"] for m in messages] == ["<b>for the demo</b>"]
    waited = await client.get("/api/wait", params={"after_id": 0, "timeout": 1})
    assert [m["chat_id"] for m in waited.json()["messages"]] == [DEMO_CHAT_ID]
    events = (await client.get("/api/events", params={"after_id": 0})).json()["events"]
    assert {e["method"] for e in events} == {"sendMessage"}

    bad = await client.post("/api/callback", json={"data": "x"})
    assert bad.status_code == 400
    assert (await client.post("/api/message", json={"text": "  "})).status_code == 400
    # The page cannot reach the stand-in's other controls.
    assert (await client.post("/api/faults", json={})).status_code == 404
    assert (await client.post("/api/reset", json={})).status_code == 404


async def test_release_publishes_the_second_batch(
    served: tuple[DemoServer, StandIn, httpx.AsyncClient],
) -> None:
    server, _, client = served
    state = (await client.get("/api/demo")).json()
    assert state["released"] == [1]
    assert state["chat_id"] == DEMO_CHAT_ID
    state = (await client.post("/api/demo/release")).json()
    assert state["released"] == [1, 2]
    assert state["articles"] == len(server.site.all_articles)
    assert server.release_next() is None


def test_browser_test_needs_chromium_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without chromium the browser test fails under CI=true and skips (with the reason)
    elsewhere."""
    from tests.demo import test_demo_browser as browser

    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="install Debian's chromium"):
        browser._chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="install Debian's chromium"):
        browser._chromium()
