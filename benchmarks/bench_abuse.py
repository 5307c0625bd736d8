"""Abuse benchmark (issue 13, acceptance 1): does the bot keep answering everyone under abuse?

The real bot (``newsbrief run`` as a subprocess, as in bench_bot) runs against the Bot API
stand-in with Telegram's flood limits on, on a SQLite store seeded with ``newsbrief ingest`` of
the bundled sample pages, and ``NEWSBRIEF_ALLOW_LOOPBACK=true`` so it may fetch a local hostile
web server whose pages drip a byte every half second, hang before any header, stream 50 MB, or
are gzip bombs (about 1 MB on the wire, 1 GiB decompressed). One run, three phases:

(a) baseline: a prober sends ``/brief`` once a second (each request from its own chat, so the
    per-chat 1 msg/s pace and per-chat ordering do not enter); its reply latency and the bot's
    peak RSS (psutil: the bot process and all its children, sampled every 0.25 s).
(b) abuse: the same prober while 40 chats (10 per hostile kind) each send a link to a hostile
    page, and another as soon as the bot answers the last one. Goals: the prober's p99 < 1 s
    and the bot's peak RSS < 1200 MB. Then the hostile server stops and the bot settles.
(c) burst: 1,000 chats send ``/start`` at once while a user asks ``/brief`` every 2 s (10
    samples, each from its own chat). Goals: that user's p99 < 2 s and no 429 from the stand-in.

A request with no reply within its timeout counts at the timeout (the p99 is then a lower
bound, marked ">=") and fails its goal. Run: ``python -m benchmarks --only abuse`` (``--quick``:
shorter phases, 300 burst chats), or ``python -m benchmarks.bench_abuse``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import struct
import sys
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

import psutil
from aiohttp import web

from benchmarks.bot_harness import (
    BotProcess,
    Latencies,
    ask,
    bot_env,
    cli_main,
    newsbrief_argv,
    peak_rss,
    percentile,
    seed_articles,
    warm_up,
    workspace,
)
from standin.server import StandIn
from standin.thread import ServerThread, start_app

__all__ = ["HostileServer", "gzip_bomb", "run"]

logger = logging.getLogger(__name__)

KINDS = ("drip", "hang", "big", "bomb")
ABUSE_CHATS = 40
BIG_BYTES = 50_000_000
BOMB_CHUNK = b"a" * (1 << 20)
BOMB_CHUNKS = 1024  # 1 GiB decompressed
DRIP_EVERY_S = 0.5
DRIP_FOR_S = 300.0
P99_ABUSE_GOAL_MS = 1000.0
RSS_GOAL_MB = 1200.0
P99_BURST_GOAL_MS = 2000.0
WARM_CHAT = 8_000_000
PROBE_BASE = 8_100_000
ABUSE_BASE = 8_200_000
PROBE_ABUSE = 8_300_000
BURST_BASE = 8_400_000
BURST_USER = 8_500_000
ARTICLE = (
    "<!doctype html><html><head><title>Harbour bridge reopens</title></head><body><article>"
    "<h1>Harbour bridge reopens after repairs</h1>"
    + "".join(
        f"<p>The harbour bridge reopened on Monday after {n} months of repairs that cost the "
        "city more than forty million euros, officials said at a ceremony on the quay.</p>"
        for n in range(3, 9)
    )
    + "</article></body></html>"
)


def gzip_bomb(prefix: bytes, chunk: bytes, repeats: int) -> bytes:
    """A gzip stream of ``prefix + chunk * repeats`` built in about a second: the chunk is
    compressed once after a full flush (no reference crosses it) and its bytes repeated."""
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = raw.compress(prefix) + raw.flush(zlib.Z_FULL_FLUSH)
    block = raw.compress(chunk) + raw.flush(zlib.Z_FULL_FLUSH)
    tail = raw.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    size = len(prefix) + len(chunk) * repeats
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, unix
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
    return header + head + block * repeats + tail + trailer


class HostileServer:
    """Pages that cost their reader, served from their own thread (so their writes do not slow
    the loop that measures): ``/drip/N``, ``/hang/N``, ``/big/N``, ``/bomb/N``, and a plain
    ``/article/N`` for warming up."""

    def __init__(self) -> None:
        self.port = 0
        self.requests: Counter[str] = Counter()
        self._bomb = b""
        self._runner: web.AppRunner | None = None
        self._thread = ServerThread(self._start, self._stop, name="hostile", timeout=60)

    def url(self, kind: str, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/{kind}/{n}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()

    async def _start(self) -> None:
        self._bomb = await asyncio.to_thread(
            gzip_bomb, b"<html><body><article><p>", BOMB_CHUNK, BOMB_CHUNKS
        )
        app = web.Application()
        for kind, handler in (
            ("drip", self._drip),
            ("hang", self._hang),
            ("big", self._big),
            ("bomb", self._bomb_page),
            ("article", self._article),
        ):
            app.router.add_get(f"/{kind}/{{n}}", handler)
        self._runner, self.port = await start_app(
            app, handler_cancellation=True, shutdown_timeout=1.0, backlog=256
        )

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _drip(self, request: web.Request) -> web.StreamResponse:
        self.requests["drip"] += 1
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        with contextlib.suppress(ConnectionError):
            await response.prepare(request)
            await response.write(b"<html><body><article><p>")
            for _ in range(int(DRIP_FOR_S / DRIP_EVERY_S)):
                await asyncio.sleep(DRIP_EVERY_S)
                await response.write(b"a")
            await response.write_eof()
        return response

    async def _hang(self, request: web.Request) -> web.StreamResponse:
        self.requests["hang"] += 1
        await asyncio.sleep(3600)  # no status line, no header: until the client gives up
        return web.Response(text="too late")

    async def _big(self, request: web.Request) -> web.StreamResponse:
        self.requests["big"] += 1
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        chunk = b"<p>" + b"x" * (65536 - 7) + b"</p>\n"
        with contextlib.suppress(ConnectionError):
            await response.prepare(request)  # chunked: no Content-Length to refuse it by
            await response.write(b"<html><body><article>")
            for _ in range(BIG_BYTES // len(chunk) + 1):
                await response.write(chunk)
            await response.write_eof()
        return response

    async def _bomb_page(self, request: web.Request) -> web.StreamResponse:
        self.requests["bomb"] += 1
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
        return web.Response(body=self._bomb, headers=headers)

    async def _article(self, request: web.Request) -> web.StreamResponse:
        self.requests["article"] += 1
        return web.Response(text=ARTICLE, content_type="text/html")


async def probe(
    standin: StandIn, first_chat: int, count: int, every_s: float, reply_s: float
) -> Latencies:
    """``count`` ``/brief`` requests, one every ``every_s`` s, each from its own chat."""

    async def one(index: int) -> float | None:
        await asyncio.sleep(index * every_s)
        return await ask(standin, first_chat + index, "/brief", reply_s)

    values = await asyncio.gather(*(one(i) for i in range(count)))
    return Latencies(list(values), reply_s)


async def _abuse(
    standin: StandIn,
    hostile: HostileServer,
    bot: psutil.Process,
    *,
    seconds: int,
    reply_s: float,
    settle_s: float,
) -> dict[str, Any]:
    """Phase (b): the prober while 40 chats keep sending hostile links; then the server stops."""
    stop = asyncio.Event()
    links: list[tuple[str, float | None]] = []
    serial = iter(range(1, 10**9))

    async def attacker(index: int) -> None:
        kind = KINDS[index % len(KINDS)]
        while not stop.is_set():
            url = hostile.url(kind, next(serial))
            links.append((kind, await ask(standin, ABUSE_BASE + index, url, seconds + reply_s)))

    throttled = standin.stats()["responses_429"]
    async with peak_rss(bot) as peak:
        attackers = [asyncio.create_task(attacker(i)) for i in range(ABUSE_CHATS)]
        probes = await probe(standin, PROBE_ABUSE, seconds, 1.0, reply_s)
        stop.set()
        await asyncio.to_thread(hostile.stop)  # hanging and dripping connections end here
        _, pending = await asyncio.wait(attackers, timeout=settle_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    answered = [(k, v) for k, v in links if v is not None]
    per_kind = {
        kind: {
            "sent": sum(1 for k, _ in links if k == kind),
            "answered": sum(1 for k, _ in answered if k == kind),
            "answer_p50_s": round(
                percentile(sorted(v for k, v in answered if k == kind and v is not None), 50), 1
            ),
        }
        for kind in KINDS
    }
    return {
        "brief": probes.summary(),
        "peak_rss_mb": round(peak[0], 1),
        "links": per_kind,
        "links_unanswered": len(pending),
        "server_requests": dict(hostile.requests),
        "responses_429": standin.stats()["responses_429"] - throttled,
    }


async def _burst(
    standin: StandIn, bot: psutil.Process, *, chats: int, samples: int, reply_s: float
) -> dict[str, Any]:
    """Phase (c): ``chats`` chats send /start at once while a user asks /brief every 2 s."""
    throttled = standin.stats()["responses_429"]
    mark = standin.last_id
    wanted = range(BURST_BASE, BURST_BASE + chats)
    async with peak_rss(bot) as peak:
        started = time.perf_counter()
        await asyncio.gather(*(standin.inject_message(c, "/start") for c in wanted))
        asking = asyncio.create_task(probe(standin, BURST_USER, samples, 2.0, reply_s))
        deadline = started + max(reply_s, 3 * chats / 30)
        answered: set[int | str] = set()
        while time.perf_counter() < deadline and len(answered) < chats:
            answered = {m.chat_id for m in standin.sent(after_id=mark) if m.chat_id in wanted}
            await asyncio.sleep(0.5)
        drained_s = time.perf_counter() - started
        user = await asking
    return {
        "brief": user.summary(),
        "chats": chats,
        "answered": len(answered),
        "drain_s": round(drained_s, 1),
        "peak_rss_mb": round(peak[0], 1),
        "responses_429": standin.stats()["responses_429"] - throttled,
    }


def _goal(goal: str, value: float, passed: bool) -> dict[str, Any]:
    return {"goal": goal, "value": value, "pass": passed}


def _p99_goal(phase: str, brief: dict[str, Any], goal_ms: float) -> dict[str, Any]:
    """The prober's p99 under ``goal_ms``, every request answered."""
    passed = brief["timeouts"] == 0 and brief["p99_ms"] < goal_ms
    return _goal(f"{phase}: /brief p99 < {goal_ms:.0f} ms", brief["p99_ms"], passed)


def _goals(result: dict[str, Any]) -> list[dict[str, Any]]:
    abuse, burst = result.get("abuse"), result.get("burst")
    goals: list[dict[str, Any]] = []
    if abuse:
        goals.append(_p99_goal("abuse", abuse["brief"], P99_ABUSE_GOAL_MS))
        rss = abuse["peak_rss_mb"]
        goals.append(_goal(f"abuse: peak RSS < {RSS_GOAL_MB:.0f} MB", rss, rss < RSS_GOAL_MB))
    if burst:
        goals.append(_p99_goal("burst", burst["brief"], P99_BURST_GOAL_MS))
        throttled = burst["responses_429"]
        goals.append(_goal("burst: zero 429s", throttled, throttled == 0))
    return goals


def _print_table(result: dict[str, Any]) -> None:
    print(
        f"{'phase':<30}{'req':>5}{'ok':>5}{'p50 ms':>10}{'p99 ms':>11}{'max ms':>10}"
        f"{'peak RSS MB':>13}{'429s':>6}"
    )
    for key, label in (
        ("baseline", "(a) baseline, no abuse"),
        ("abuse", f"(b) {ABUSE_CHATS} chats, hostile links"),
        ("burst", f"(c) burst, {result.get('burst', {}).get('chats', '?')} chats"),
    ):
        phase = result.get(key)
        if not phase:
            continue
        b = phase["brief"]
        bound = ">=" if b["timeouts"] else ""
        print(
            f"{label:<30}{b['requests']:>5}{b['replied']:>5}{b['p50_ms']:>10}"
            f"{bound + str(b['p99_ms']):>11}{b['max_ms']:>10}{phase['peak_rss_mb']:>13}"
            f"{phase['responses_429']:>6}"
        )
    abuse = result.get("abuse")
    if abuse:
        kinds = ", ".join(
            f"{k} {v['answered']}/{v['sent']} (p50 {v['answer_p50_s']} s)"
            for k, v in abuse["links"].items()
        )
        print(f"hostile links answered: {kinds}; pages served: {abuse['server_requests']}")
    burst = result.get("burst")
    if burst:
        print(
            f"burst: {burst['answered']}/{burst['chats']} chats answered in {burst['drain_s']} s"
        )
    for goal in result.get("goals", []):
        verdict = "PASS" if goal["pass"] else "FAIL"
        print(f"{verdict}  {goal['goal']}: {goal['value']}")
    for note in result.get("errors", []):
        print(f"error: {note}")


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    quick = bool(getattr(args, "quick", False))
    baseline_s, abuse_s = (8, 10) if quick else (20, 30)
    timeout = 30.0 if quick else 60.0
    burst_chats = getattr(args, "burst", None) or (300 if quick else 1000)
    result: dict[str, Any] = {"quick": quick, "errors": []}
    hostile = HostileServer()
    with workspace("bench_abuse_") as (workdir, db_url):
        async with contextlib.AsyncExitStack() as stack:
            standin = await stack.enter_async_context(StandIn(enforce_limits=True))
            await asyncio.to_thread(hostile.start)
            stack.callback(hostile.stop)
            env = bot_env(standin, db_url) | {"NEWSBRIEF_ALLOW_LOOPBACK": "true"}
            bot = BotProcess("bot", newsbrief_argv(), env, workdir / "bot.log")
            stack.push_async_callback(bot.stop)
            try:
                result["seed"] = await seed_articles(workdir, env)
                result["bot_start_s"] = round(await bot.start(standin), 1)
                tree = bot.ps
                warm = [hostile.url("article", 0), "/brief", "/brief"]  # the new article first
                await warm_up(standin, WARM_CHAT, warm, 120)
                await asyncio.sleep(3.0)  # let the warm-up's background work finish
                async with peak_rss(tree) as peak:
                    throttled = standin.stats()["responses_429"]
                    base = await probe(standin, PROBE_BASE, baseline_s, 1.0, timeout)
                result["baseline"] = {
                    "brief": base.summary(),
                    "peak_rss_mb": round(peak[0], 1),
                    "responses_429": standin.stats()["responses_429"] - throttled,
                }
                result["abuse"] = await _abuse(
                    standin, hostile, tree, seconds=abuse_s, reply_s=timeout, settle_s=30.0
                )
                result["burst"] = await _burst(
                    standin, tree, chats=burst_chats, samples=10, reply_s=timeout
                )
            except Exception as exc:  # a benchmark reports failures instead of crashing
                logger.exception("abuse benchmark failed")
                result["errors"].append(f"{type(exc).__name__}: {exc}")
            await bot.stop()
            result["bot_log_tail"] = bot.tail(20)
    result["goals"] = _goals(result)
    result["ok"] = (
        not result["errors"]
        and len(result["goals"]) == 4
        and all(g["pass"] for g in result["goals"])
    )
    _print_table(result)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Entry point for ``python -m benchmarks``."""
    return asyncio.run(_main(args))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_abuse", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--burst", type=int, default=None, help="chats in the burst (1000)")
    return cli_main(parser, run, argv)


if __name__ == "__main__":
    sys.exit(main())
