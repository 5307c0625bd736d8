"""Bot benchmark against the Bot API stand-in (issue 4, acceptance 3), in one run.

(a) Briefing load: 100 concurrent users (private chats) send briefing requests (``/brief``,
    ``/brief TOPIC`` and plain questions) to the real bot (``newsbrief run`` as a subprocess on
    a SQLite database seeded with ``newsbrief ingest`` of the bundled sample pages). Each user
    waits for the reply, thinks, and asks again. Measured: replies/s, p50/p99 latency (request
    injected -> first reply message), and the bot process's CPU seconds per request (psutil,
    children included). The same load, in the same run, drives a bare python-telegram-bot echo
    bot (benchmarks/echo_bot.py): target CPU/request <= 2x the echo bot's. Both bots run at
    once, each against its own stand-in, and take turns under load in short phases (echo, bot,
    bot, echo, ...), so drifts in the machine's speed hit both alike; the ratio is that of the
    medians over the phases. Flood control is off in this part (it measures the bots' own cost;
    the offered load stays near Telegram's 30/s).
(b) Alert fan-out: 3,000 chats subscribed through news.store.Store, one story queued for all of
    them in the outbox (what the topic matcher does when a matching article arrives), the same
    bot process delivers with the stand-in enforcing Telegram's flood limits. Target: all
    delivered, none twice, total time <= 1.15 x 3000/30 s.

Run: ``python -m benchmarks --only bot`` (``--quick``: 20 users, 300 chats), or standalone
``python -m benchmarks.bench_bot --target echo`` to check the harness with the echo bot alone.
``BENCH_BOT_PROFILE=bot.prof`` runs the bot under cProfile (slower; for finding hot spots).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from standin.models import SentMessage
from standin.server import StandIn

__all__ = ["BotProcess", "LoadResult", "run"]

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAFakeTokenForTheBenchmarkStandIn000"  # noqa: S105 - fake, stand-in only
TOPICS = ("peace talks", "markets", "climate", "football", "technology")
TELEGRAM_RATE = 30.0  # messages per second Telegram allows a bot overall
FANOUT_SLACK = 1.15
CPU_RATIO_TARGET = 2.0
ECHO_CHATS = 1_000_000
BOT_CHATS = 2_000_000
FANOUT_CHATS = 5_000_000
FANOUT_TOPIC = "fan-out benchmark"
IDLE_SAMPLE_S = 4.0


@dataclass
class LoadResult:
    """One bot under the briefing load."""

    name: str
    requests: int = 0
    replied: int = 0
    failed: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    messages: int = 0
    chat_actions: int = 0
    idle_cpu_per_s: float = 0.0  # background jobs, measured before the load
    kinds: Counter[str] = field(default_factory=Counter)
    phases: list[LoadResult] = field(default_factory=list)  # when merged from phases

    @property
    def cpu_ms_per_request(self) -> float | None:
        return self.cpu_s / self.replied * 1000 if self.replied else None

    @classmethod
    def merged(cls, name: str, phases: Sequence[LoadResult]) -> LoadResult:
        """Several phases of one bot as one result (counts and latencies pooled)."""
        total = cls(name, phases=list(phases))
        for phase in phases:
            total.requests += phase.requests
            total.replied += phase.replied
            total.failed += phase.failed
            total.wall_s += phase.wall_s
            total.cpu_s += phase.cpu_s
            total.latencies += phase.latencies
            total.messages += phase.messages
            total.chat_actions += phase.chat_actions
            total.kinds.update(phase.kinds)
        total.idle_cpu_per_s = phases[0].idle_cpu_per_s if phases else 0.0
        return total

    def median_cpu_ms(self) -> float | None:
        """Median over the phases of CPU ms per request (the pooled figure without phases)."""
        values = [p.cpu_ms_per_request for p in self.phases if p.cpu_ms_per_request is not None]
        if not values:
            return self.cpu_ms_per_request
        return statistics.median(values)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        return {
            "requests": self.requests,
            "replied": self.replied,
            "failed": self.failed,
            "replies_per_s": round(self.replied / self.wall_s, 2) if self.wall_s else 0.0,
            "latency_p50_ms": round(_percentile(lat, 50) * 1000, 1),
            "latency_p99_ms": round(_percentile(lat, 99) * 1000, 1),
            "latency_max_ms": round(lat[-1] * 1000, 1) if lat else 0.0,
            "cpu_s": round(self.cpu_s, 3),
            "cpu_ms_per_request": round(self.cpu_s / self.replied * 1000, 3)
            if self.replied
            else None,
            "cpu_ms_per_request_median": _round(self.median_cpu_ms()),
            "cpu_ms_per_request_phases": [_round(p.cpu_ms_per_request) for p in self.phases],
            "net_cpu_ms_per_request": round(
                max(self.cpu_s - self.idle_cpu_per_s * self.wall_s, 0.0) / self.replied * 1000, 3
            )
            if self.replied
            else None,
            "idle_cpu_ms_per_s": round(self.idle_cpu_per_s * 1000, 2),
            "messages_per_request": round(self.messages / self.replied, 2) if self.replied else 0,
            "chat_actions_per_request": round(self.chat_actions / self.replied, 2)
            if self.replied
            else 0,
            "wall_s": round(self.wall_s, 2),
            "request_kinds": dict(self.kinds),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    index = max(0, min(len(values) - 1, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]


class BotProcess:
    """A bot subprocess (the real bot or the echo baseline) with its CPU accounting."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self._ps: psutil.Process | None = None

    async def start(self, standin: StandIn, *, limit_s: float = 180.0) -> float:
        """Start and wait until it long-polls the stand-in; returns the start-up seconds."""
        polls_before = standin.stats()["methods"].get("getUpdates", 0)
        started = time.perf_counter()
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        self._ps = psutil.Process(self.process.pid)
        while time.perf_counter() - started < limit_s:
            if self.process.returncode is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.process.returncode}): {self.tail()}"
                )
            if standin.stats()["methods"].get("getUpdates", 0) > polls_before:
                return time.perf_counter() - started
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start polling within {limit_s}s: {self.tail()}")

    def cpu_seconds(self) -> float:
        """User+system CPU of the process and its children so far."""
        if self._ps is None:
            return 0.0
        total = 0.0
        with contextlib.suppress(psutil.Error):
            times = self._ps.cpu_times()
            total += times.user + times.system
            for child in self._ps.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    ctimes = child.cpu_times()
                    total += ctimes.user + ctimes.system
        return total

    def rss_mb(self) -> float:
        if self._ps is None:
            return 0.0
        with contextlib.suppress(psutil.Error):
            return round(self._ps.memory_info().rss / 2**20, 1)
        return 0.0

    def tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def _request(user: int, round_no: int) -> tuple[str, str]:
    """(kind, text) of a user's request: /brief, /brief TOPIC or a plain question."""
    topic = TOPICS[(user + round_no) % len(TOPICS)]
    kind = ("brief", "brief_topic", "question")[(user + 2 * round_no) % 3]
    text = {"brief": "/brief", "brief_topic": f"/brief {topic}", "question": ""}[kind]
    return kind, text or f"what's new on {topic}?"


async def drive_load(
    standin: StandIn,
    bot: BotProcess,
    *,
    first_chat: int,
    users: int,
    rounds: int,
    think_s: float,
    reply_timeout: float,
    seed: int = 7,
    idle_s: float = IDLE_SAMPLE_S,
) -> LoadResult:
    """``users`` closed-loop users, ``rounds`` requests each; CPU measured over the run."""
    result = LoadResult(bot.name)
    rng = random.Random(seed)
    starts = [rng.uniform(0, think_s) for _ in range(users)]
    thinks = [[rng.uniform(0.5, 1.5) * think_s for _ in range(rounds)] for _ in range(users)]
    mark_all = standin.last_id

    async def user(index: int) -> None:
        chat_id = first_chat + index
        await asyncio.sleep(starts[index])
        for round_no in range(rounds):
            kind, text = _request(index, round_no)
            result.requests += 1
            result.kinds[kind] += 1
            mark = standin.last_id
            sent_at = time.perf_counter()
            await standin.inject_message(chat_id, text, first_name=f"Bench {index}")
            try:
                await standin.wait_for(
                    chat_id, after_id=mark, timeout=reply_timeout, predicate=_not_edit
                )
            except TimeoutError:
                result.failed += 1
            else:
                result.replied += 1
                result.latencies.append(time.perf_counter() - sent_at)
            await asyncio.sleep(thinks[index][round_no])

    idle_from = bot.cpu_seconds()
    await asyncio.sleep(idle_s)
    result.idle_cpu_per_s = (bot.cpu_seconds() - idle_from) / idle_s if idle_s > 0 else 0.0
    cpu_before = bot.cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(users)))
    result.wall_s = time.perf_counter() - started
    result.cpu_s = bot.cpu_seconds() - cpu_before
    chats = range(first_chat, first_chat + users)
    result.messages = sum(
        1 for m in standin.sent(after_id=mark_all) if not m.edited and m.chat_id in chats
    )
    result.chat_actions = sum(
        1 for e in standin.events(mark_all, "sendChatAction") if e.ok and e.chat_id in chats
    )
    return result


def _not_edit(message: SentMessage) -> bool:
    return not message.edited


async def _warm_up(standin: StandIn, chat_id: int, texts: Sequence[str], wait_s: float) -> None:
    """One request of each kind, so models are loaded and summaries cached before measuring."""
    for text in texts:
        mark = standin.last_id
        await standin.inject_message(chat_id, text)
        with contextlib.suppress(TimeoutError):
            await standin.wait_for(chat_id, after_id=mark, timeout=wait_s, predicate=_not_edit)
        await asyncio.sleep(1.1)  # the bot paces itself at one message per second per chat


def _bot_env(standin: StandIn, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBRIEF_")}
    env.update(
        NEWSBRIEF_TELEGRAM_API_URL=standin.base_url,
        NEWSBRIEF_TELEGRAM_TOKEN=TOKEN,
        NEWSBRIEF_DATABASE_URL=db_url,
        NEWSBRIEF_LOG_LEVEL="WARNING",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONPATH=str(ROOT),
    )
    return env


async def _seed_articles(workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    """Write the sample pages to a folder and ``newsbrief ingest`` them (the real pipeline)."""
    from demo.samples.site import SampleSite

    site = SampleSite(released=(1, 2))
    pages = workdir / "pages"
    pages.mkdir()
    for article in site.articles():
        name = article.path.strip("/").replace("/", "_") or article.slug
        (pages / f"{name}.html").write_text(site.page_html(article, "https://news.example"))
    log = workdir / "ingest.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "ingest",
            "--no-progress",
            str(pages),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
        code = await process.wait()
    if code != 0:
        raise RuntimeError(f"newsbrief ingest failed ({code}): {log.read_text()[-2000:]}")
    return {"pages": len(site.articles()), "ingest_s": round(time.perf_counter() - started, 1)}


async def _fanout(
    standin: StandIn, bot: BotProcess, db_url: str, chats: int, *, limit_factor: float
) -> dict[str, Any]:
    """Queue one story for ``chats`` subscribed chats and time its delivery under flood limits."""
    from news.store import Store

    store = await Store.open(db_url)
    try:
        stories = await store.recent_stories(since=datetime.now(UTC) - timedelta(days=365))
        if not stories:
            raise RuntimeError("no story in the database to alert about")
        story = stories[0]
        chat_ids = [FANOUT_CHATS + i for i in range(1, chats + 1)]
        seeding = time.perf_counter()
        slots = asyncio.Semaphore(8)

        async def subscribe(chat_id: int) -> None:
            async with slots:
                await store.subscribe(chat_id, FANOUT_TOPIC, embedding=None, limit=50)

        await asyncio.gather(*(subscribe(c) for c in chat_ids))
        seeding_s = time.perf_counter() - seeding
        standin.set_limits(enforce=True, flood=True)
        throttled_before = standin.stats()["responses_429"]
        mark = standin.last_id
        cpu_before = bot.cpu_seconds()
        started = time.perf_counter()
        queued = await store.enqueue_alerts([(c, story.id, FANOUT_TOPIC) for c in chat_ids])
    finally:
        await store.close()
    target_s = limit_factor * chats / TELEGRAM_RATE
    deadline = started + max(2 * target_s, target_s + 30)
    wanted = set(chat_ids)
    first_at: float | None = None
    last_at = started
    seen = 0
    while time.perf_counter() < deadline:
        delivered = {m.chat_id for m in standin.sent(after_id=mark) if m.chat_id in wanted}
        if delivered and first_at is None:
            first_at = time.perf_counter()
        if len(delivered) > seen:
            seen, last_at = len(delivered), time.perf_counter()
        if seen >= chats:
            break
        await asyncio.sleep(0.05)
    elapsed = last_at - started
    await asyncio.sleep(3.0)  # anything sent twice would show up now
    counts = Counter(
        m.chat_id for m in standin.sent(after_id=mark) if m.chat_id in wanted and not m.edited
    )
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    delivered_n = len(counts)
    ok = delivered_n == chats and duplicates == 0 and elapsed <= target_s
    return {
        "chats": chats,
        "queued": queued,
        "delivered": delivered_n,
        "duplicates": duplicates,
        "seconds": round(elapsed, 2),
        "first_message_s": round(first_at - started, 2) if first_at else None,
        "target_s": round(target_s, 1),
        "ideal_s": round(chats / TELEGRAM_RATE, 1),
        "ratio_to_ideal": round(elapsed / (chats / TELEGRAM_RATE), 3),
        "messages_per_s": round(delivered_n / elapsed, 2) if elapsed else 0.0,
        "responses_429": standin.stats()["responses_429"] - throttled_before,
        "bot_cpu_s": round(bot.cpu_seconds() - cpu_before, 2),
        "seeding_s": round(seeding_s, 1),
        "story_id": story.id,
        "ok": ok,
    }


def _print_table(result: dict[str, Any]) -> None:
    load = result.get("load", {})
    rows = [(name, load[name]) for name in ("echo", "bot") if name in load]
    if rows:
        print(
            f"{'(a) briefing load':<22}{'req':>6}{'ok':>6}{'rep/s':>8}{'p50 ms':>9}"
            f"{'p99 ms':>9}{'CPU ms/req':>12}{'phases':>14}{'net ms/req':>12}{'msg/req':>9}"
        )
        for name, row in rows:
            spread = [v for v in row["cpu_ms_per_request_phases"] if v is not None]
            phases = f"{min(spread):.2f}-{max(spread):.2f}" if spread else "-"
            print(
                f"{name:<22}{row['requests']:>6}{row['replied']:>6}{row['replies_per_s']:>8}"
                f"{row['latency_p50_ms']:>9}{row['latency_p99_ms']:>9}"
                f"{row['cpu_ms_per_request_median']!s:>12}{phases:>14}"
                f"{row['net_cpu_ms_per_request']!s:>12}{row['messages_per_request']:>9}"
            )
        print("(CPU ms/req: median over the phases; net: less the idle background CPU)")
        if "cpu_ratio" in result:
            print(
                f"CPU per request, bot / echo: {result['cpu_ratio']} (target <= "
                f"{CPU_RATIO_TARGET}); phase by phase: {result.get('cpu_ratio_pairs')}; "
                f"pooled net of idle CPU: {result.get('net_cpu_ratio')}"
            )
    fan = result.get("fanout")
    if fan:
        print(
            f"(b) fan-out: {fan['delivered']}/{fan['chats']} delivered, {fan['duplicates']} twice,"
            f" {fan['seconds']} s (ideal {fan['ideal_s']} s, target <= {fan['target_s']} s), "
            f"{fan['messages_per_s']} msg/s, {fan['responses_429']} x 429"
        )
    for note in result.get("errors", []):
        print(f"error: {note}")


async def _interleaved_load(
    bots: Sequence[tuple[StandIn, BotProcess, int]],
    *,
    users: int,
    pairs: int,
    phase_rounds: int,
    think_s: float,
) -> dict[str, LoadResult]:
    """Each bot under the same load in turns, ``pairs`` times (ABBA order: each bot goes first
    as often as second); every phase uses fresh chats. Returns the phases merged per bot."""
    phases: dict[str, list[LoadResult]] = {bot.name: [] for _, bot, _ in bots}
    idle = {bot.name: 0.0 for _, bot, _ in bots}
    # Background CPU at rest (the bot's jobs), both bots measured at once.
    before = {bot.name: bot.cpu_seconds() for _, bot, _ in bots}
    await asyncio.sleep(IDLE_SAMPLE_S)
    for _, bot, _ in bots:
        idle[bot.name] = (bot.cpu_seconds() - before[bot.name]) / IDLE_SAMPLE_S
    for pair in range(pairs):
        order = bots if pair % 2 == 0 else list(reversed(bots))
        for standin, bot, first_chat in order:
            phase = await drive_load(
                standin,
                bot,
                first_chat=first_chat + pair * users,
                users=users,
                rounds=phase_rounds,
                think_s=think_s,
                reply_timeout=60,
                seed=7 + pair,
                idle_s=0,
            )
            phase.idle_cpu_per_s = idle[bot.name]
            phases[bot.name].append(phase)
    return {name: LoadResult.merged(name, runs) for name, runs in phases.items()}


async def _main(args: argparse.Namespace, profile: str | None = None) -> dict[str, Any]:
    quick = bool(getattr(args, "quick", False))
    target = getattr(args, "target", None) or "newsbrief"
    users = getattr(args, "users", None) or (20 if quick else 100)
    pairs = getattr(args, "pairs", None) or (2 if quick else 5)
    phase_rounds = getattr(args, "rounds", None) or 2
    fanout_chats = getattr(args, "fanout", None) or (300 if quick else 3000)
    # Offered load near Telegram's pace: users / (think + latency) ~ 25 requests/s.
    think_s = getattr(args, "think", None) or max(1.0, users / 25.0)
    result: dict[str, Any] = {
        "users": users,
        "pairs": pairs,
        "rounds_per_phase": phase_rounds,
        "think_s": think_s,
        "target": target,
        "load": {},
        "errors": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench_bot_") as tmp:
        workdir = Path(tmp)
        db_url = f"sqlite:///{workdir / 'bench.db'}"
        async with contextlib.AsyncExitStack() as stack:
            echo_standin = await stack.enter_async_context(StandIn(enforce_limits=True))
            standin = await stack.enter_async_context(StandIn(enforce_limits=True))
            for each in (echo_standin, standin):
                each.set_limits(flood=False)
            echo_argv = [sys.executable, "-m", "benchmarks.echo_bot", "--concurrent"]
            echo_env = _bot_env(echo_standin, db_url)
            echo = BotProcess("echo", echo_argv, echo_env, workdir / "echo.log")
            stack.push_async_callback(echo.stop)
            argv = [sys.executable, "-m", "bot.cli", "run"]
            if profile:  # diagnosis: run the bot under cProfile
                argv[1:1] = ["-m", "cProfile", "-o", profile]
            env = _bot_env(standin, db_url)
            bot = BotProcess("bot", argv, env, workdir / "bot.log")
            stack.push_async_callback(bot.stop)
            try:
                await echo.start(echo_standin)
                await _warm_up(echo_standin, ECHO_CHATS, ["warm", "up"], 10)
                bots = [(echo_standin, echo, ECHO_CHATS + 1)]
                if target != "echo":
                    result["seed"] = await _seed_articles(workdir, env)
                    result["bot_start_s"] = round(await bot.start(standin), 1)
                    # Steady state: every story's summary cached (/brief pages through them
                    # all), every request kind run once.
                    warm = ["/brief"] * 10 + [f"/brief {t}" for t in TOPICS]
                    warm += [f"what's new on {t}?" for t in TOPICS]
                    await _warm_up(standin, BOT_CHATS, warm, 120)
                    bots.append((standin, bot, BOT_CHATS + 1))
                loads = await _interleaved_load(
                    bots, users=users, pairs=pairs, phase_rounds=phase_rounds, think_s=think_s
                )
                for name, load in loads.items():
                    result["load"][name] = load.summary()
                result["load"]["echo"]["rss_mb"] = echo.rss_mb()
                if target == "echo":
                    result["ok"] = loads["echo"].failed == 0
                    _print_table(result)
                    return result
                result["load"]["bot"]["rss_mb"] = bot.rss_mb()
                echo_cpu = loads["echo"].median_cpu_ms()
                bot_cpu = loads["bot"].median_cpu_ms()
                if echo_cpu and bot_cpu:
                    result["cpu_ratio"] = round(bot_cpu / echo_cpu, 2)
                result["cpu_ratio_pairs"] = [
                    round(b.cpu_ms_per_request / e.cpu_ms_per_request, 2)
                    for e, b in zip(loads["echo"].phases, loads["bot"].phases, strict=True)
                    if e.cpu_ms_per_request and b.cpu_ms_per_request
                ]
                echo_net = result["load"]["echo"]["net_cpu_ms_per_request"]
                bot_net = result["load"]["bot"]["net_cpu_ms_per_request"]
                if echo_net and bot_net:
                    result["net_cpu_ratio"] = round(bot_net / echo_net, 2)
                result["fanout"] = await _fanout(
                    standin, bot, db_url, fanout_chats, limit_factor=FANOUT_SLACK
                )
            except Exception as exc:  # a benchmark reports failures instead of crashing
                logger.exception("bot benchmark failed")
                result["errors"].append(f"{type(exc).__name__}: {exc}")
                result["bot_log_tail"] = bot.tail(30)
            await bot.stop()
            result["bot_log_tail"] = result.get("bot_log_tail") or bot.tail(10)
    load_ok = (
        "bot" in result["load"]
        and result["load"]["bot"]["failed"] == 0
        and result.get("cpu_ratio", float("inf")) <= CPU_RATIO_TARGET
    )
    result["load_ok"] = load_ok
    result["fanout_ok"] = bool(result.get("fanout", {}).get("ok"))
    result["ok"] = load_ok and result["fanout_ok"] and not result["errors"]
    _print_table(result)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Entry point for ``python -m benchmarks``."""
    profile = os.environ.get("BENCH_BOT_PROFILE")
    return asyncio.run(_main(args, str(Path(profile).resolve()) if profile else None))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_bot", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--target", choices=("newsbrief", "echo"), default="newsbrief")
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="requests per user per phase")
    parser.add_argument("--pairs", type=int, default=None, help="phases per bot (default 5)")
    parser.add_argument("--think", type=float, default=None)
    parser.add_argument("--fanout", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = run(args)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
