"""``newsbrief worker --tasks-only`` processes on the real Redis and RabbitMQ: a worker killed
(SIGKILL) in the middle of a task loses nothing: another worker takes the task over, and every
article ends up stored exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp import web

from config import Settings
from news.ingest import Ingestor
from news.sources.fetch import Fetcher
from news.store import Store
from news.tasks import TaskQueue, make_broker
from tests.news.ingest.conftest import HTML, serve_feed
from tests.support.http_server import LocalHTTPServer
from tests.support.sitegen import generate, render_page

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


def start_worker(
    settings: Settings, queue_url: str, queue_name: str, log: Path, concurrency: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NEWSBRIEF_DATABASE_URL": settings.database_url,
        "NEWSBRIEF_QUEUE_URL": queue_url,
        "NEWSBRIEF_QUEUE_NAME": queue_name,
        "NEWSBRIEF_QUEUE_REDELIVER_AFTER": "2",
        "NEWSBRIEF_EXTRACT_WORKERS": "0",
        "NEWSBRIEF_ALLOW_LOOPBACK": "true",
        "NEWSBRIEF_FETCH_HOST_INTERVAL": "0",
        "NEWSBRIEF_FETCH_PER_HOST": "20",
        "NEWSBRIEF_FETCH_TIMEOUT": "120",
        "NEWSBRIEF_LOG_LEVEL": "INFO",
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "bot.cli", "worker", "--tasks-only"]
    command += ["--concurrency", str(concurrency)]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)


async def wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if await condition():  # type: ignore[operator]
            return
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def test_a_worker_killed_mid_task_loses_no_article_and_doubles_none(
    queue_url: str,
    queue_name: str,
    server: LocalHTTPServer,
    store: Store,
    fetcher: Fetcher,
    settings: Settings,
    now: datetime,
    tmp_path: Path,
) -> None:
    articles = generate(8, seed=21)
    feed = await serve_feed(server, store, articles)
    # The newest entry is the first task; its page hangs the first time it is asked for.
    newest = max(articles, key=lambda a: a.published)
    asked: list[float] = []
    page = render_page(newest, server.base_url)

    async def first_hangs(request: web.Request) -> web.StreamResponse:
        asked.append(time.monotonic())
        if len(asked) == 1:
            await asyncio.sleep(600)
        return web.Response(text=page, headers=HTML)

    server.set(newest.path, first_hangs)
    queue = TaskQueue(make_broker(queue_url, queue_name))
    await queue.start()
    try:
        poller = Ingestor(
            store, fetcher, encoder=None, on_new=None, settings=settings, tasks=queue
        )
        assert (await poller.poll_feeds(now)).queued == 8
    finally:
        await queue.close()

    log = tmp_path / "workers.log"
    first = start_worker(settings, queue_url, queue_name, log, concurrency=1)
    second: subprocess.Popen[bytes] | None = None
    try:

        async def hanging() -> bool:
            assert first.poll() is None, log.read_text()
            return bool(asked)

        await wait_for(hanging, 180, "the first worker to take the hanging task")
        first.kill()  # SIGKILL in the middle of the task: nothing acknowledged
        first.wait(10)
        assert await store.count_articles() == 0
        second = start_worker(settings, queue_url, queue_name, log, concurrency=2)

        async def all_seen() -> bool:
            assert second is not None
            assert second.poll() is None, log.read_text()
            return await store.count_articles() == 8 and len(asked) >= 2

        await wait_for(all_seen, 240, "the second worker to store every article")
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0, log.read_text()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
    stored = await store.list_articles(limit=50)
    assert len(stored) == 8
    assert len({a.url for a in stored}) == 8  # none doubled
    assert server.url(newest.path) in {a.url for a in stored}  # the killed task's article
    assert feed.id in {a.feed_id for a in stored}
