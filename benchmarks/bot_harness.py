"""What the bot benchmarks share: the bot as a subprocess against the Bot API stand-in, its
environment and seeded store, CPU and memory read with psutil, reply latencies, and the CLI tail.

``bench_bot`` (CPU per request, fan-out) and ``bench_abuse`` (latency and memory under hostile
links and bursts) both run ``newsbrief run`` this way; the pieces here are the same for both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from standin.models import SentMessage
from standin.server import StandIn

__all__ = [
    "ROOT",
    "TOKEN",
    "BotProcess",
    "Latencies",
    "LoadResult",
    "ask",
    "bot_env",
    "cli_main",
    "newsbrief_argv",
    "not_edit",
    "peak_rss",
    "percentile",
    "seed_articles",
    "tree_rss_mb",
    "warm_up",
    "workspace",
]

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAFakeTokenForTheBenchmarkStandIn000"  # noqa: S105 - fake, stand-in only


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile of sorted ``values`` (0.0 when empty)."""
    if not values:
        return 0.0
    index = max(0, min(len(values) - 1, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@contextlib.contextmanager
def workspace(prefix: str) -> Iterator[tuple[Path, str]]:
    """A temporary folder and the URL of a SQLite store in it, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        workdir = Path(tmp)
        yield workdir, f"sqlite:///{workdir / 'bench.db'}"


def newsbrief_argv(profile: str | None = None) -> list[str]:
    """``newsbrief run`` as a subprocess command (``profile``: under cProfile, to that file)."""
    argv = [sys.executable, "-m", "bot.cli", "run"]
    if profile:
        argv[1:1] = ["-m", "cProfile", "-o", profile]
    return argv


class BotProcess:
    """A bot subprocess (the real bot or the echo baseline) with its CPU accounting."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self._ps: psutil.Process | None = None

    @property
    def ps(self) -> psutil.Process:
        """The running process for psutil (after :meth:`start`)."""
        if self._ps is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._ps

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
        """Resident memory of the process itself (not its children), in MiB."""
        if self._ps is None:
            return 0.0
        with contextlib.suppress(psutil.Error):
            return round(self._ps.memory_info().rss / 2**20, 1)
        return 0.0

    def tail(self, lines: int = 15) -> str:
        """The last lines of its log (stdout and stderr)."""
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s; nothing when it is not running."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def bot_env(standin: StandIn, db_url: str) -> dict[str, str]:
    """The environment of a bot subprocess: this one's, less any NEWSBRIEF_ setting, pointed
    at ``standin`` and ``db_url``, offline."""
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


async def seed_articles(workdir: Path, env: dict[str, str]) -> dict[str, Any]:
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


def not_edit(message: SentMessage) -> bool:
    """A new message, not an edit of an earlier one (what counts as a reply)."""
    return not message.edited


@dataclass
class Latencies:
    """Reply latencies of one phase's requests (None: no reply within ``timeout_s``)."""

    values: list[float | None]
    timeout_s: float

    def summary(self) -> dict[str, Any]:
        """Counts and p50/p99/max, a missing reply counted at the timeout."""
        counted = sorted(v if v is not None else self.timeout_s for v in self.values)
        timeouts = sum(1 for v in self.values if v is None)
        return {
            "requests": len(self.values),
            "replied": len(self.values) - timeouts,
            "timeouts": timeouts,
            "p50_ms": round(percentile(counted, 50) * 1000, 1),
            "p99_ms": round(percentile(counted, 99) * 1000, 1),
            "max_ms": round(counted[-1] * 1000, 1) if counted else 0.0,
            "timeout_s": self.timeout_s,
            "latencies_ms": [None if v is None else round(v * 1000, 1) for v in self.values],
        }


async def ask(standin: StandIn, chat_id: int, text: str, reply_s: float) -> float | None:
    """Send ``text`` from ``chat_id``; seconds until the bot's first new message there."""
    mark = standin.last_id
    sent = time.perf_counter()
    await standin.inject_message(chat_id, text)
    try:
        await standin.wait_for(chat_id, after_id=mark, timeout=reply_s, predicate=not_edit)
    except TimeoutError:
        return None
    return time.perf_counter() - sent


async def warm_up(standin: StandIn, chat_id: int, texts: Sequence[str], wait_s: float) -> None:
    """One request of each kind, so models are loaded and summaries cached before measuring."""
    for text in texts:
        await ask(standin, chat_id, text, wait_s)
        await asyncio.sleep(1.1)  # the bot paces itself at one message per second per chat


def tree_rss_mb(process: psutil.Process) -> float:
    """Resident memory of ``process`` and all its descendants, in MB (10^6 bytes)."""
    total = 0
    with contextlib.suppress(psutil.Error):
        total += process.memory_info().rss
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
    return total / 1e6


@contextlib.asynccontextmanager
async def peak_rss(process: psutil.Process, every_s: float = 0.25) -> AsyncIterator[list[float]]:
    """Samples :func:`tree_rss_mb` while the block runs; yields a one-item list: the peak."""
    peak = [tree_rss_mb(process)]

    async def sample() -> None:
        while True:
            peak[0] = max(peak[0], tree_rss_mb(process))
            await asyncio.sleep(every_s)

    task = asyncio.create_task(sample())
    try:
        yield peak
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        peak[0] = max(peak[0], tree_rss_mb(process))


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
        """The JSON row of the benchmark's table."""
        lat = sorted(self.latencies)
        return {
            "requests": self.requests,
            "replied": self.replied,
            "failed": self.failed,
            "replies_per_s": round(self.replied / self.wall_s, 2) if self.wall_s else 0.0,
            "latency_p50_ms": round(percentile(lat, 50) * 1000, 1),
            "latency_p99_ms": round(percentile(lat, 99) * 1000, 1),
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


def cli_main(
    parser: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace], dict[str, Any]],
    argv: Sequence[str] | None = None,
) -> int:
    """A benchmark's standalone command: parse, run (it prints its table), print the JSON."""
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = run(args)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result.get("ok") else 1
