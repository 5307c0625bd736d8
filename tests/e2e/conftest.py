"""End-to-end fixtures: the Bot API stand-in and a local news site in background threads, and the
REAL ``newsbrief run`` entry point as a subprocess talking to both over HTTP.

One bot process is shared by the whole e2e session (session-scoped fixtures) to keep the number
of subprocess starts, and MiniLM loads, small; the delivery module's last test restarts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from news.store import Store
from standin.server import SentMessage, StandIn
from tests.support.http_server import LocalHTTPServer
from tests.support.standin import FAKE_TOKEN, bot_env

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0

HARBOUR = [
    "The harbour bridge reopened on Monday after eight months of repairs that cost the city "
    "more than forty million euros, officials said at a ceremony attended by hundreds.",
    "Engineers replaced the corroded cables and the deck, and traffic on the harbour bridge is "
    "expected to return to normal within a week, according to the transport department.",
    "Shop owners near the harbour, who had complained about lost customers during the closure, "
    "welcomed the reopening and hoped the summer season would make up for a hard winter.",
]
RATES = [
    "The central bank raised interest rates by a quarter of a point on Thursday, its third "
    "increase this year, saying inflation was still well above its target of two percent.",
    "The governor told reporters that the central bank would keep a close eye on wages and "
    "energy prices before deciding whether further increases in borrowing costs were needed.",
    "Mortgage lenders said they expected monthly repayments to rise for millions of households "
    "whose loans track the central bank rate, adding pressure on family budgets.",
]
ORCHESTRA = [
    "The city orchestra announced a free open-air concert season in the old town square, with "
    "twelve performances planned between June and September for residents and visitors.",
    "The orchestra's director said the programme would mix classical favourites with new works "
    "by local composers, and that every concert would also be streamed online for free.",
    "Organisers expect thousands of people at the opening night, and the council has agreed to "
    "close the surrounding streets to traffic on concert evenings to make room for the crowds.",
]


@dataclass
class Page:
    slug: str
    title: str
    paragraphs: list[str]
    in_feed: bool = True
    published: datetime = field(default_factory=lambda: datetime.now(UTC))

    def html(self) -> str:
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)
        return (
            "<!doctype html><html><head>"
            f"<title>{html.escape(self.title)}</title>"
            '<meta property="og:site_name" content="Coast Daily">'
            f"</head><body><article><h1>{html.escape(self.title)}</h1>\n{body}"
            "</article></body></html>"
        )


class NewsSite:
    """A local news site: article pages and an RSS feed listing those marked ``in_feed``."""

    def __init__(self) -> None:
        self.server = LocalHTTPServer()
        self.pages: dict[str, Page] = {}

    def start(self) -> NewsSite:
        self.server.start()
        self._publish_feed()
        self.server.set(
            "/not-an-article",
            (200, {"Content-Type": "text/html"}, "<html><body><p>Hi.</p></body></html>"),
        )
        return self

    def stop(self) -> None:
        self.server.stop()

    def url(self, path: str) -> str:
        return self.server.url(path)

    @property
    def feed_url(self) -> str:
        return self.url("/feed.xml")

    def add(self, slug: str, title: str, paragraphs: list[str], *, in_feed: bool = True) -> str:
        page = Page(slug, title, paragraphs, in_feed)
        self.pages[slug] = page
        self.server.set(
            f"/{slug}", (200, {"Content-Type": "text/html; charset=utf-8"}, page.html())
        )
        self._publish_feed()
        return self.url(f"/{slug}")

    def _publish_feed(self) -> None:
        items = "".join(
            f"<item><title>{html.escape(p.title)}</title>"
            f"<link>{html.escape(self.url('/' + p.slug))}</link>"
            f"<guid>{html.escape(self.url('/' + p.slug))}</guid>"
            f"<pubDate>{format_datetime(p.published)}</pubDate>"
            f"<description>{html.escape(p.paragraphs[0])}</description></item>"
            for p in self.pages.values()
            if p.in_feed
        )
        feed = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Coast Daily</title><link>{self.url('/')}</link>"
            f"<description>Local news</description>{items}</channel></rss>"
        )
        self.server.set("/feed.xml", (200, {"Content-Type": "application/rss+xml"}, feed))


class BotProcess:
    """``python -m bot.cli <command>`` with its output in a log file."""

    def __init__(self, env: dict[str, str], log_path: Path, command: str = "run") -> None:
        self.env = env
        self.log_path = log_path
        self.command = command
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, command: str | None = None) -> BotProcess:
        assert self.proc is None or self.proc.poll() is not None
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {self.starts}: {command or self.command}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", command or self.command],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (its orphaned extract workers are killed too)."""
        assert self.proc is not None
        workers = psutil.Process(self.proc.pid).children(recursive=True)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        for worker in workers:
            with contextlib.suppress(psutil.Error):
                worker.kill()

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Chat:
    """A user (or group) talking to the bot through the stand-in's control API."""

    def __init__(
        self, standin: StandIn, chat_id: int, chat_type: str = "private", user_id: int = 100
    ) -> None:
        self.standin = standin
        self.chat_id = chat_id
        self.chat_type = chat_type
        self.user_id = user_id

    async def say(
        self,
        text: str,
        *,
        wait: float = 20.0,
        reply_to: int | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
    ) -> SentMessage:
        """Send ``text``; the bot's first answer in this chat (that ``predicate`` accepts)."""
        after = self.standin.last_id
        await self.standin.inject_message(
            self.chat_id,
            text,
            chat_type=self.chat_type,
            user_id=None if self.chat_type == "private" else self.user_id,
            reply_to_message_id=reply_to,
        )
        return await self.standin.wait_for(
            self.chat_id, after_id=after, timeout=wait, predicate=predicate
        )

    async def answers(self, text: str, count: int, *, wait: float = 20.0) -> list[SentMessage]:
        """Send ``text``; the bot's first ``count`` answers in this chat."""
        after = self.standin.last_id
        await self.standin.inject_message(self.chat_id, text, chat_type=self.chat_type)
        await wait_until(lambda: len(self.standin.sent(self.chat_id, after)) >= count, wait)
        return self.standin.sent(self.chat_id, after)[:count]

    async def press(self, message: SentMessage, data: str, *, wait: float = 20.0) -> Any:
        """Press a button carrying ``data`` under ``message``; the callback answer event."""
        after = self.standin.last_id
        pressed = await self.standin.press_button(self.chat_id, message.message_id, data)
        return await self.standin.wait_for_event(
            "answerCallbackQuery",
            after_id=after,
            timeout=wait,
            predicate=lambda e: e.params.get("callback_query_id") == pressed.callback_query_id,
        )


async def wait_until(
    condition: Callable[[], bool], limit: float, *, every: float = 0.1, what: str = ""
) -> None:
    """Poll ``condition`` until true, or fail after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit}s waiting for {what or condition}")
        await asyncio.sleep(every)


async def wait_for_articles(bot: BotProcess, count: int, limit: float = 60.0) -> None:
    """Wait until the bot has ingested ``count`` articles (read from its database)."""
    store = await Store.open(bot.env["NEWSBRIEF_DATABASE_URL"])
    try:
        deadline = time.monotonic() + limit
        while (found := await store.count_articles()) < count:
            assert bot.alive, bot.log()[-3000:]
            assert time.monotonic() < deadline, f"only {found} articles ingested"
            await asyncio.sleep(0.3)
    finally:
        await store.close()


@pytest.fixture(scope="session")
def standin() -> Iterator[StandIn]:
    server = StandIn(enforce_limits=True).start_in_thread()
    try:
        yield server
    finally:
        server.stop_thread()


@pytest.fixture(scope="session")
def site() -> Iterator[NewsSite]:
    news_site = NewsSite().start()
    news_site.add("harbour-bridge", "Harbour bridge reopens after repairs", HARBOUR)
    news_site.add("central-bank", "Central bank raises interest rates again", RATES)
    news_site.add("orchestra", "Orchestra plans free summer concerts", ORCHESTRA, in_feed=False)
    try:
        yield news_site
    finally:
        news_site.stop()


def make_bot(
    standin: StandIn,
    site: NewsSite,
    directory: Path,
    extra: dict[str, str] | None = None,
) -> BotProcess:
    env = bot_env(
        standin,
        token=FAKE_TOKEN,
        extra={
            "NEWSBRIEF_DATABASE_URL": f"sqlite:///{directory / 'newsbrief.db'}",
            "NEWSBRIEF_FEEDS": site.feed_url,
            "NEWSBRIEF_POLL_INTERVAL": "1",
            "NEWSBRIEF_ALERT_INTERVAL": "0.5",
            "NEWSBRIEF_ALLOW_LOOPBACK": "true",
            "NEWSBRIEF_LOG_LEVEL": "INFO",
            **(extra or {}),
        },
    )
    env.pop("PYTHONWARNINGS", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return BotProcess(env, directory / "bot.log")


@pytest.fixture(scope="session")
def bot(
    standin: StandIn, site: NewsSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    """One ``newsbrief run`` for the whole e2e session (MiniLM loads once); the delivery module
    SIGKILLs it and restarts it last. At the end: a clean exit, and no token in its log."""
    process = make_bot(
        standin,
        site,
        tmp_path_factory.mktemp("bot"),
        extra={"NEWSBRIEF_MAX_SUBSCRIPTIONS": "5"},
    ).start()
    try:
        yield process
    finally:
        code = process.stop()
        log = process.log()
        assert_no_token(log)
        assert code == 0, log[-3000:]


def assert_no_token(log: str) -> None:
    assert FAKE_TOKEN not in log
    assert FAKE_TOKEN.split(":", 1)[1] not in log
