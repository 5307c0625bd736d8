"""``newsbrief demo``: try the bot in a browser, without Telegram or a bot token.

One command wires the real pieces together on 127.0.0.1: the bundled sample news site
(:mod:`demo.samples`, RSS + HTML pages), the local Bot API stand-in (:mod:`standin.server`), the
UNMODIFIED bot (``newsbrief run`` as a subprocess pointed at the stand-in through
``NEWSBRIEF_TELEGRAM_API_URL``), a fresh SQLite database in a temporary folder, and a small
Telegram-like chat page (``demo/web``) that talks to the stand-in's control API through this
server. The first sample batch is ingested before the page comes up; the second is published a
minute later, so a subscription made in the demo produces a real alert.

The page server is :mod:`demo.page`, the flags and fixed ids :mod:`demo.options`, the command
:mod:`demo.cli`; this module starts the pieces, waits for the bot, and stops everything again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any

from demo.options import DEMO_TOKEN, WARMUP_CHAT_ID, DemoOptions, say
from demo.page import DemoServer
from demo.samples import SampleSite
from news.store import Store
from standin.server import StandIn

__all__ = ["bot_environment", "run_demo"]

logger = logging.getLogger(__name__)

# Settings a user may pass through to the demo's bot (everything else is the demo's own).
_PASSTHROUGH = (
    "NEWSBRIEF_SUMMARIZER",
    "NEWSBRIEF_SUMMARIZER_MODEL",
    "NEWSBRIEF_SUMMARIZER_DEVICE",
    "NEWSBRIEF_TOPIC_THRESHOLD",
    "NEWSBRIEF_BRIEFING_STORIES",
    "NEWSBRIEF_TIMEZONE",
)


def bot_environment(
    base: Mapping[str, str],
    *,
    api_url: str,
    database_url: str,
    feed_url: str,
    options: DemoOptions,
) -> dict[str, str]:
    """The environment of the demo's bot: the user's NEWSBRIEF_* settings are dropped (a real
    token or webhook must not leak into the demo), except the summarizer choices."""
    env = {k: v for k, v in base.items() if not k.startswith("NEWSBRIEF_") or k in _PASSTHROUGH}
    env.update(
        NEWSBRIEF_TELEGRAM_TOKEN=DEMO_TOKEN,
        NEWSBRIEF_TELEGRAM_API_URL=api_url,
        NEWSBRIEF_DATABASE_URL=database_url,
        NEWSBRIEF_FEEDS=feed_url,
        NEWSBRIEF_POLL_INTERVAL=str(options.poll_interval),
        NEWSBRIEF_ALERT_INTERVAL="1",
        NEWSBRIEF_ALLOW_LOOPBACK="true",
        # The sample site is the demo's own server on 127.0.0.1: no per-host spacing for it.
        NEWSBRIEF_FETCH_HOST_INTERVAL="0",
        NEWSBRIEF_LOG_LEVEL=options.log_level,
        HF_HUB_OFFLINE=base.get("HF_HUB_OFFLINE", "1"),
        TRANSFORMERS_OFFLINE=base.get("TRANSFORMERS_OFFLINE", "1"),
        PYTHONUNBUFFERED="1",
    )
    return env


async def _wait_bot_ready(
    standin: StandIn, bot: asyncio.subprocess.Process, deadline: float
) -> None:
    """Until the bot long-polls the stand-in (getUpdates), or its process ends."""
    while time.monotonic() < deadline:
        if bot.returncode is not None:
            raise RuntimeError(f"the bot exited early with status {bot.returncode}")
        calls = {k.lower(): v for k, v in standin.stats()["methods"].items()}
        if calls.get("getupdates", 0) > 0:
            return
        await asyncio.sleep(0.3)
    raise RuntimeError("the bot did not start polling the stand-in in time")


async def _wait_stored(
    site: SampleSite, database_url: str, bot: asyncio.subprocess.Process, deadline: float
) -> int:
    """Until the bot's first feed poll has stored the released sample articles: all of them,
    or the poll finished (a page the extractor rejects must not hang the demo). Returns the
    number of stored articles."""
    wanted = len(site.articles())
    store = await Store.open(database_url)  # the bot has created the schema by now
    try:
        count = 0
        while time.monotonic() < deadline:
            if bot.returncode is not None:
                raise RuntimeError(f"the bot exited early with status {bot.returncode}")
            count = await store.count_articles()
            feeds = await store.list_feeds()
            polled = [f for f in feeds if f.last_checked_at is not None]
            if count >= wanted or (polled and count > 0):
                return count
            errors = [f.last_error for f in polled if f.last_error]
            if errors:
                raise RuntimeError(f"the bot could not read the sample feed: {errors[0]}")
            await asyncio.sleep(0.5)
        raise RuntimeError(f"the bot stored {count} of {wanted} sample articles in time")
    finally:
        await store.close()


async def _warm_up(standin: StandIn, deadline: float) -> None:
    """Ask for one briefing in a hidden chat, so the summarizer is loaded and the top stories'
    summaries are cached before the visitor's first /brief."""
    await standin.inject_message(WARMUP_CHAT_ID, "/brief", user_id=WARMUP_CHAT_ID)
    try:
        await standin.wait_for(WARMUP_CHAT_ID, timeout=max(1.0, deadline - time.monotonic()))
    except TimeoutError as exc:
        logger.warning("the warm-up briefing did not come back: %s", exc)


async def _unless_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run ``work`` unless ``stop`` is set first (then cancel it); True when it finished."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task.done():
        task.result()  # re-raise its error
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False


async def _stop_process(proc: asyncio.subprocess.Process, grace: float = 15.0) -> None:
    """SIGTERM the bot (it shuts its extract workers down), SIGKILL it after ``grace``; then
    end what is left of its process group (workers of a bot that died without closing them)."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            logger.warning("the bot did not stop within %.0f s; killing it", grace)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    await _end_group(proc.pid)


async def _end_group(pgid: int, grace: float = 3.0) -> None:
    """Wait up to ``grace`` seconds for process group ``pgid`` to empty, then SIGKILL it."""
    deadline = time.monotonic() + grace
    try:
        while time.monotonic() < deadline:
            os.killpg(pgid, 0)  # ProcessLookupError once no process is left in the group
            await asyncio.sleep(0.1)
        logger.warning("processes of the bot outlived it; killing them")
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def run_demo(options: DemoOptions, stop: asyncio.Event | None = None) -> int:
    """Run the demo until ``stop`` is set, SIGINT/SIGTERM, or the bot dies; returns the exit
    status (0 after a clean stop)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)

    started = time.monotonic()
    deadline = started + options.startup_timeout
    temp = options.data_dir is None
    workdir = Path(tempfile.mkdtemp(prefix="newsbrief-demo-")) if temp else options.data_dir
    assert workdir is not None
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "demo.db"
    for stale in workdir.glob("demo.db*"):  # a fresh database every run
        stale.unlink()

    site = SampleSite()
    server: DemoServer | None = None
    bot: asyncio.subprocess.Process | None = None
    release_task: asyncio.Task[None] | None = None
    status = 0
    try:
        async with contextlib.AsyncExitStack() as stack:
            await site.start()
            stack.push_async_callback(site.stop)
            standin = StandIn("127.0.0.1", 0, DEMO_TOKEN, True)
            await stack.enter_async_context(standin)
            server = DemoServer(site, standin.control_url, options)
            try:
                await server.start()
            except OSError as exc:
                say(
                    f"cannot listen on {options.host}:{options.port} ({exc.strerror}); "
                    "pass another --port"
                )
                return 2
            stack.push_async_callback(server.stop)
            say(f"starting at {server.url} (sample news, Bot API stand-in, the bot)…")

            database_url = f"sqlite:///{database}"
            env = bot_environment(
                os.environ,
                api_url=standin.base_url,
                database_url=database_url,
                feed_url=site.feed_url,
                options=options,
            )
            procs: list[asyncio.subprocess.Process] = []

            async def start_up() -> None:
                say("starting the bot; its feed poller ingests the first batch of sample news…")
                # Its own process group: Ctrl-C reaches the demo only, which stops the bot
                # (and the bot its workers) in order, and the group is cleaned up after it.
                bot = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot.cli", "run", env=env, process_group=0
                )
                procs.append(bot)
                await _wait_bot_ready(standin, bot, deadline)
                stored = await _wait_stored(site, database_url, bot, deadline)
                say(f"{stored} sample articles stored; a first briefing warms the summarizer up…")
                await _warm_up(standin, deadline)

            try:
                if not await _unless_stopped(start_up(), stop):
                    say("stopped while starting.")
                    return 0
            finally:
                if procs:
                    bot = procs[0]
                    stack.push_async_callback(_stop_process, bot)  # before the stand-in stops
            assert bot is not None

            server.ready = True
            if options.second_batch_delay >= 0:
                server.next_release_at = time.monotonic() + options.second_batch_delay
                release_task = asyncio.create_task(_release_later(server))
            say(
                f"ready in {time.monotonic() - started:.0f} s. Open {server.url} in your browser "
                "and try /start, /brief, /subscribe peace talks. Ctrl-C stops the demo."
            )
            bot_done = asyncio.create_task(bot.wait())
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({bot_done, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if bot_done.done():
                say(f"the bot stopped unexpectedly (status {bot.returncode})")
                status = 1
            else:
                bot_done.cancel()
                say("stopping…")
    except RuntimeError as exc:
        say(f"could not start: {exc}")
        status = 1
    finally:
        if release_task is not None:
            release_task.cancel()
        if bot is not None:
            await _stop_process(bot)
        if temp:
            shutil.rmtree(workdir, ignore_errors=True)
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
    if status == 0:
        say("stopped.")
    return status


async def _release_later(server: DemoServer) -> None:
    while server.next_release_at is not None:
        left = server.next_release_at - time.monotonic()
        if left <= 0:
            server.release_next()
            return
        await asyncio.sleep(min(left, 1.0))
