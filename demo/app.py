"""``newsbrief demo``: try the bot in a browser, without Telegram or a bot token.

One command wires the real pieces together on 127.0.0.1: the bundled sample news site
(:mod:`demo.samples`, RSS + HTML pages), the local Bot API stand-in (:mod:`standin.server`), the
UNMODIFIED bot (``newsbrief run`` as a subprocess pointed at the stand-in through
``NEWSBRIEF_TELEGRAM_API_URL``), a fresh SQLite database in a temporary folder, and a small
Telegram-like chat page (``demo/web``) that talks to the stand-in's control API through this
server. The first sample batch is ingested before the page comes up; the second is published a
minute later, so a subscription made in the demo produces a real alert.
"""

from __future__ import annotations

import argparse
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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

if TYPE_CHECKING:
    from config import Settings
    from demo.samples import SampleSite
    from standin.server import StandIn

__all__ = ["DEMO_CHAT_ID", "DemoOptions", "DemoServer", "register", "run_demo"]

logger = logging.getLogger(__name__)

DEMO_CHAT_ID = 4242  # the private chat (and user) the page speaks as
DEMO_USER = {"user_id": DEMO_CHAT_ID, "first_name": "Demo", "username": "demo_user"}
WARMUP_CHAT_ID = 4243  # a chat the demo itself uses to warm the bot up (never shown)
# Not a secret: the stand-in accepts only this token, and it never leaves 127.0.0.1.
DEMO_TOKEN = "4242:local-demo-token"  # noqa: S105
# Settings a user may pass through to the demo's bot (everything else is the demo's own).
_PASSTHROUGH = (
    "NEWSBRIEF_SUMMARIZER",
    "NEWSBRIEF_SUMMARIZER_MODEL",
    "NEWSBRIEF_SUMMARIZER_DEVICE",
    "NEWSBRIEF_TOPIC_THRESHOLD",
    "NEWSBRIEF_BRIEFING_STORIES",
    "NEWSBRIEF_TIMEZONE",
)
# Control API calls the page may make (through this server, for the demo chat only).
_PROXIED_GET = ("sent", "wait", "events")


@dataclass(frozen=True)
class DemoOptions:
    """How to run the demo (the ``newsbrief demo`` flags)."""

    host: str = "127.0.0.1"
    port: int = 8088
    second_batch_delay: float = 60.0  # seconds after the page comes up; < 0: only by button
    poll_interval: float = 5.0  # the bot's feed poll interval
    data_dir: Path | None = None  # None: a temporary folder, removed at the end
    startup_timeout: float = 170.0
    log_level: str = "WARNING"  # the bot subprocess's log level


def register(subparsers: Any) -> None:  # argparse._SubParsersAction
    """Add ``newsbrief demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="try newsbrief in the browser: sample news, local Bot API stand-in, chat page",
        description=(__doc__ or "").split("\n\n")[1].replace("\n", " "),
    )
    parser.add_argument("--host", default="127.0.0.1", help="chat page address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8088, help="chat page port (8088; 0 = any)")
    parser.add_argument(
        "--second-batch-delay",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="publish the second sample batch this long after the page is up (default 60; "
        "negative: only when the page's button is pressed)",
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often the bot polls the sample feed (default 5)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep the demo database here (default: a temporary folder, deleted on exit)",
    )
    parser.add_argument(
        "--bot-log-level", default="WARNING", help="log level of the bot process (WARNING)"
    )
    parser.set_defaults(func=_command)


def _command(settings: Settings, args: argparse.Namespace) -> int:
    del settings  # the demo makes its own settings for the bot it starts
    options = DemoOptions(
        host=args.host,
        port=args.port,
        second_batch_delay=args.second_batch_delay,
        poll_interval=args.poll_interval,
        data_dir=args.data_dir,
        log_level=args.bot_log_level,
    )
    return asyncio.run(run_demo(options))


def _say(message: str) -> None:
    """Progress for the person running the demo (stdout, flushed: it may be a pipe)."""
    print(f"newsbrief demo: {message}", flush=True)


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
        NEWSBRIEF_LOG_LEVEL=options.log_level,
        HF_HUB_OFFLINE=base.get("HF_HUB_OFFLINE", "1"),
        TRANSFORMERS_OFFLINE=base.get("TRANSFORMERS_OFFLINE", "1"),
        PYTHONUNBUFFERED="1",
    )
    return env


@web.middleware
async def _headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


class DemoServer:
    """The chat page and its small API: static files, the sample batches, and a proxy to the
    stand-in's control API restricted to the demo chat."""

    def __init__(self, site: SampleSite, control_url: str, options: DemoOptions) -> None:
        self.site = site
        self.control_url = control_url.rstrip("/")
        self.options = options
        self.ready = False
        self.next_release_at: float | None = None
        self._web_root = resources.files("demo") / "web"
        self._client: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[_headers])
        app.router.add_get("/", self._index)
        app.router.add_get("/app.js", self._static)
        app.router.add_get("/style.css", self._static)
        app.router.add_get("/api/demo", self._demo_state)
        app.router.add_post("/api/demo/release", self._release)
        app.router.add_post("/api/message", self._message)
        app.router.add_post("/api/callback", self._callback)
        for name in _PROXIED_GET:
            app.router.add_get(f"/api/{name}", self._proxy_get)
        return app

    async def start(self) -> str:
        self._client = ClientSession(timeout=ClientTimeout(total=150))
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.options.host, self.options.port).start()
        except OSError:
            await runner.cleanup()
            await self._client.close()
            raise
        self._runner = runner
        port = runner.addresses[0][1]
        self.url = f"http://{self.options.host}:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    # --- batches -------------------------------------------------------------------------
    def release_next(self) -> int | None:
        """Publish the next unreleased sample batch; returns its number (None: all out)."""
        pending = [b for b in self.site.batches if b not in self.site.released]
        if not pending:
            return None
        articles = self.site.release(pending[0])
        self.next_release_at = None
        _say(f"published sample batch {pending[0]} ({len(articles)} new articles in the feed)")
        return pending[0]

    def state(self) -> dict[str, Any]:
        left = None
        if self.next_release_at is not None:
            left = max(0.0, self.next_release_at - time.monotonic())
        return {
            "ready": self.ready,
            "chat_id": DEMO_CHAT_ID,
            "bot_name": "newsbrief",
            "batches": list(self.site.batches),
            "released": list(self.site.released),
            "next_release_in": left,
            "articles": len(self.site.articles()),
            "feed_url": self.site.feed_url if self.site.base_url else None,
        }

    # --- handlers ------------------------------------------------------------------------
    async def _index(self, request: web.Request) -> web.StreamResponse:
        if not self.ready:
            return web.Response(text=_STARTING_PAGE, content_type="text/html")
        text = (self._web_root / "index.html").read_text(encoding="utf-8")
        return web.Response(text=text, content_type="text/html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.path.lstrip("/")
        kind = "application/javascript" if name.endswith(".js") else "text/css"
        text = (self._web_root / name).read_text(encoding="utf-8")
        return web.Response(text=text, content_type=kind)

    async def _demo_state(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.state())

    async def _release(self, request: web.Request) -> web.StreamResponse:
        self.release_next()
        return web.json_response(self.state())

    async def _json_body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="the body must be JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the body must be a JSON object")
        return body

    async def _message(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        text = str(body.get("text") or "").strip()
        if not text:
            raise web.HTTPBadRequest(text="empty message")
        payload = {"chat_id": DEMO_CHAT_ID, "text": text[:10_000], **DEMO_USER}
        return await self._forward("POST", "message", json=payload)

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        try:
            message_id = int(body["message_id"])
            data = str(body["data"])
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="message_id and data are required") from None
        payload = {
            "chat_id": DEMO_CHAT_ID,
            "message_id": message_id,
            "data": data,
            "user_id": DEMO_CHAT_ID,
        }
        return await self._forward("POST", "callback", json=payload)

    async def _proxy_get(self, request: web.Request) -> web.StreamResponse:
        name = request.path.rsplit("/", 1)[-1]
        params = {"chat_id": str(DEMO_CHAT_ID)}
        for key in ("after_id", "timeout", "limit"):
            if key in request.query:
                params[key] = request.query[key]
        if name == "events":
            params.pop("chat_id")  # events are filtered by the page (chat_id per event)
        return await self._forward("GET", name, params=params)

    async def _forward(
        self,
        method: str,
        name: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> web.StreamResponse:
        if not self.ready:
            raise web.HTTPServiceUnavailable(text="the demo is still starting")
        assert self._client is not None
        try:
            async with self._client.request(
                method, f"{self.control_url}/{name}", json=json, params=params
            ) as response:
                body = await response.read()
                return web.Response(
                    body=body, status=response.status, content_type="application/json"
                )
        except (ClientError, TimeoutError):
            raise web.HTTPBadGateway(text="the Bot API stand-in is not answering") from None


_STARTING_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="2"><title>newsbrief demo: starting</title></head>
<body style="font-family:sans-serif;text-align:center;margin-top:20vh;color:#333">
<h1>newsbrief demo is starting…</h1><p>Loading the summarizer model and ingesting the sample
news. This page reloads by itself.</p></body></html>"""


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
    from news.store import Store

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
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), grace)
    except TimeoutError:
        logger.warning("the bot did not stop within %.0f s; killing it", grace)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


async def run_demo(options: DemoOptions, stop: asyncio.Event | None = None) -> int:
    """Run the demo until ``stop`` is set, SIGINT/SIGTERM, or the bot dies; returns the exit
    status (0 after a clean stop)."""
    from demo.samples import SampleSite
    from standin.server import StandIn

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
                _say(
                    f"cannot listen on {options.host}:{options.port} ({exc.strerror}); "
                    "pass another --port"
                )
                return 2
            stack.push_async_callback(server.stop)
            _say(f"starting at {server.url} (sample news, Bot API stand-in, the bot)…")

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
                _say("starting the bot; its feed poller ingests the first batch of sample news…")
                bot = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot.cli", "run", env=env
                )
                procs.append(bot)
                await _wait_bot_ready(standin, bot, deadline)
                stored = await _wait_stored(site, database_url, bot, deadline)
                _say(f"{stored} sample articles stored; a first briefing warms the summarizer up…")
                await _warm_up(standin, deadline)

            try:
                if not await _unless_stopped(start_up(), stop):
                    _say("stopped while starting.")
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
            _say(
                f"ready in {time.monotonic() - started:.0f} s. Open {server.url} in your browser "
                "and try /start, /brief, /subscribe peace talks. Ctrl-C stops the demo."
            )
            bot_done = asyncio.create_task(bot.wait())
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({bot_done, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if bot_done.done():
                _say(f"the bot stopped unexpectedly (status {bot.returncode})")
                status = 1
            else:
                bot_done.cancel()
                _say("stopping…")
    except RuntimeError as exc:
        _say(f"could not start: {exc}")
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
        _say("stopped.")
    return status


async def _release_later(server: DemoServer) -> None:
    while server.next_release_at is not None:
        left = server.next_release_at - time.monotonic()
        if left <= 0:
            server.release_next()
            return
        await asyncio.sleep(min(left, 1.0))
