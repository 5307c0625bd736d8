"""The work queue: feed entries ingested and matched by one ``newsbrief worker --tasks-only``
process, then by two, in the same run, on the same real pages. Target: two workers >= 1.7 x one
worker's rate, no article stored twice, no alert doubled.

Pages: the first N ``gn1`` pages of ``../shared/data/extraction`` (real news pages of 408
sites; 300, 60 with --quick), served with an RSS feed by an aiohttp server in a child process.
Each configuration gets a fresh store (the one the workers share), a fresh queue, the
same 100 subscriptions (so every article is matched), and workers already started with their
model loaded; the clock runs from the first task queued to the last entry marked seen. Each
worker is one process extracting in threads (NEWSBRIEF_EXTRACT_WORKERS=0) with one torch thread,
pinned to a core of its own (worker n on core n), so one worker is one core's worth of work and
two workers two cores', as on two machines. The workers' CPU seconds are measured too: on a
machine other work keeps busy, the wall-clock ratio says how much CPU the run was given, and
the CPU per entry says whether two workers do more work per entry than one. The broker is
Redis (BENCH_QUEUE_BROKERS=amqp or redis,amqp for RabbitMQ); without a running broker the
benchmark says so and is skipped. The store: SQLite, and PostgreSQL where
NEWSBRIEF_TEST_POSTGRES_URL is set (BENCH_QUEUE_STORES=sqlite or postgresql picks one).
One worker then two is one round; a run measures three rounds back to back (one with --quick,
BENCH_QUEUE_ROUNDS sets it) and reports the median of the rounds' ratios, so a burst of other
work on the shared machine during one configuration does not decide the result.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import gzip
import json
import multiprocessing
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from benchmarks.bench_ingest import serve_folder

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "extraction"
TARGET_RATIO = 1.7
BROKERS = {
    "redis": ("redis://127.0.0.1:6379/0", 6379),
    "amqp": ("amqp://guest:guest@127.0.0.1:5672/", 5672),
}
TOPICS = 100  # subscriptions, each its own chat


def _reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pages(count: int) -> list[tuple[str, str, bytes]]:
    """(id, headline, html bytes) of the first ``count`` gn1 pages."""
    out = []
    with (DATA / "truth.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["set"] != "gn1":
                continue
            page = DATA / "pages" / f"{row['id']}.html.gz"
            if page.is_file():
                out.append(
                    (
                        row["id"],
                        row.get("headline") or row["id"],
                        gzip.decompress(page.read_bytes()),
                    )
                )
            if len(out) == count:
                break
    return out


def _write_site(folder: Path, pages: list[tuple[str, str, bytes]], base: str) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    items = []
    for n, (page_id, headline, html) in enumerate(pages):
        (folder / f"{page_id}.html").write_bytes(html)
        link = f"{base}/{page_id}.html"
        when = format_datetime(now - timedelta(minutes=n))
        items.append(
            f"<item><title>{escape(headline)}</title><link>{escape(link)}</link>"
            f"<guid>{escape(link)}</guid><pubDate>{when}</pubDate></item>"
        )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>gn1</title><link>{base}/</link><description>pages</description>"
        + "".join(items)
        + "</channel></rss>"
    )
    (folder / "feed.xml").write_text(feed, encoding="utf-8")


def _topics(pages: list[tuple[str, str, bytes]]) -> list[str]:
    """Subscription topics: capitalised words of the headlines (names, places), most common."""
    from collections import Counter

    words: Counter[str] = Counter()
    for _, headline, _html in pages:
        for word in headline.split():
            word = word.strip(".,:;'\"()!?")
            if len(word) > 3 and word[:1].isupper() and word[1:].islower():
                words[word] += 1
    return [w for w, _ in words.most_common(TOPICS)]


def _env(db: str, url: str, queue: str) -> dict[str, str]:
    return {
        **os.environ,
        "NEWSBRIEF_DATABASE_URL": db,
        "NEWSBRIEF_EXTRACT_TIMEOUT": "300",  # a loaded machine must not turn pages into rejects
        "NEWSBRIEF_QUEUE_URL": url,
        "NEWSBRIEF_QUEUE_NAME": queue,
        "NEWSBRIEF_EXTRACT_WORKERS": "0",
        "NEWSBRIEF_ALLOW_LOOPBACK": "true",
        "NEWSBRIEF_FETCH_HOST_INTERVAL": "0",
        "NEWSBRIEF_FETCH_PER_HOST": "20",
        "NEWSBRIEF_FETCH_TIMEOUT": "60",
        "NEWSBRIEF_LOG_LEVEL": "INFO",
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


async def _prepare(db: str, feed_url: str, topics: list[str]) -> int:
    from config import Settings
    from news.store import Store
    from news.topics import TopicService
    from summarizer import load_encoder

    settings = Settings(database_url=db, max_subscriptions=TOPICS)
    store = await Store.open(settings.database_url)
    try:
        feed = await store.add_feed(feed_url)
        service = TopicService(store, load_encoder(settings), settings)
        for n, topic in enumerate(topics):
            await service.subscribe(1000 + n, topic)
        return feed.id
    finally:
        await store.close()


async def _enqueue(db: str, url: str, queue: str, count: int) -> int:
    from config import Settings
    from news.ingest import Ingestor
    from news.sources.fetch import Fetcher
    from news.store import Store
    from news.tasks import TaskQueue, make_broker

    settings = Settings(database_url=db, allow_loopback=True, feed_max_new_entries=count)
    store = await Store.open(settings.database_url)
    fetcher = Fetcher(settings)
    tasks = TaskQueue(make_broker(url, queue))
    await tasks.start()
    try:
        poller = Ingestor(
            store, fetcher, encoder=None, on_new=None, settings=settings, tasks=tasks
        )
        report = await poller.poll_feeds()
        return report.queued
    finally:
        await tasks.close()
        await fetcher.aclose()
        await store.close()


def _counts(db: str, queries: dict[str, str]) -> dict[str, int]:
    """One number per query, read straight from the database (SQLite file or PostgreSQL)."""
    if db.startswith("sqlite"):
        path = db.split(":///", 1)[1]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
            return {k: int(conn.execute(q).fetchone()[0]) for k, q in queries.items()}

    async def pg() -> dict[str, int]:
        import asyncpg
        from sqlalchemy.engine import make_url

        url = make_url(db).set(drivername="postgresql").render_as_string(False)
        conn = await asyncpg.connect(url)
        try:
            return {k: int(await conn.fetchval(q)) for k, q in queries.items()}
        finally:
            await conn.close()

    return asyncio.run(pg())


def _seen(db: str) -> int:
    return _counts(db, {"seen": "SELECT count(*) FROM feed_entries"})["seen"]


def _tallies(db: str) -> dict[str, int]:
    return _counts(
        db,
        {
            "articles": "SELECT count(*) FROM articles",
            "duplicate_articles": "SELECT count(*) - count(DISTINCT url) FROM articles",
            "alerts": "SELECT count(*) FROM outbox",
            "duplicate_alerts": "SELECT count(*) FROM (SELECT chat_id, story_id FROM outbox"
            " WHERE article_id = 0 GROUP BY chat_id, story_id HAVING count(*) > 1) AS d",
        },
    )


def _stores() -> dict[str, str | None]:
    """sqlite always; postgresql where NEWSBRIEF_TEST_POSTGRES_URL names a server to make
    databases on (as the store tests use it). BENCH_QUEUE_STORES=sqlite or postgresql: one."""
    wanted = os.environ.get("BENCH_QUEUE_STORES", "sqlite,postgresql").split(",")
    admin = os.environ.get("NEWSBRIEF_TEST_POSTGRES_URL")
    out: dict[str, str | None] = {}
    if "sqlite" in wanted:
        out["sqlite"] = None
    if "postgresql" in wanted and admin:
        out["postgresql"] = admin
    return out


def _new_database(admin: str | None, folder: Path) -> str:
    if admin is None:
        return f"sqlite:///{folder / f'store-{uuid.uuid4().hex[:6]}.db'}"
    from tests.news.store.conftest import create_database

    return asyncio.run(create_database(admin, f"newsbrief_bench_{uuid.uuid4().hex[:10]}"))


def _drop_database(db: str, admin: str | None) -> None:
    if admin is None:
        return
    from sqlalchemy.engine import make_url

    from tests.news.store.conftest import drop_database

    asyncio.run(drop_database(admin, str(make_url(db).database)))


def _cpu(procs: list[subprocess.Popen[bytes]]) -> float:
    """CPU seconds (user + system, all threads) the worker processes have used so far."""
    import psutil

    total = 0.0
    for proc in procs:
        times = psutil.Process(proc.pid).cpu_times()
        total += times.user + times.system
    return total


def _pin(worker: int) -> Callable[[], None]:
    """Worker ``worker`` on CPU ``worker`` alone: one worker is one core's worth of work (its
    torch and extraction threads would otherwise spread over every core, and one worker alone
    would already use both cores of this machine)."""
    cores = sorted(os.sched_getaffinity(0))

    def pin() -> None:
        os.sched_setaffinity(0, {cores[worker % len(cores)]})

    return pin


def _one_config(
    workers: int,
    url: str,
    feed_url: str,
    topics: list[str],
    folder: Path,
    total: int,
    admin: str | None,
) -> dict[str, Any]:
    db = _new_database(admin, folder)
    queue = f"newsbrief-bench-{uuid.uuid4().hex[:8]}"
    asyncio.run(_prepare(db, feed_url, topics))
    env = _env(db, url, queue)
    logs = [folder / f"worker-{workers}-{n}.log" for n in range(workers)]
    procs = []
    for n, log in enumerate(logs):
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bot.cli",
                        "worker",
                        "--tasks-only",
                        "--concurrency",
                        "4",
                    ],
                    cwd=ROOT,
                    env=env,
                    preexec_fn=_pin(n),
                    stdout=out,
                    stderr=out,
                )
            )
    try:
        deadline = time.monotonic() + 180
        while not all("worker running" in log.read_text(errors="replace") for log in logs):
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                raise RuntimeError("a worker did not start: " + logs[0].read_text()[-2000:])
            time.sleep(0.2)
        cpu_before = _cpu(procs)
        started = time.perf_counter()
        queued = asyncio.run(_enqueue(db, url, queue, total))
        queued_s = time.perf_counter() - started
        deadline = time.monotonic() + 1800
        while _seen(db) < queued:
            stopped = [n for n, p in enumerate(procs) if p.poll() is not None]
            if stopped or time.monotonic() > deadline:
                n = stopped[0] if stopped else 0
                raise RuntimeError(
                    f"worker {n} stopped (exit {procs[n].returncode}): "
                    + logs[n].read_text(errors="replace")[-6000:]
                )
            time.sleep(0.25)
        seconds = time.perf_counter() - started
        cpu = _cpu(procs) - cpu_before
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        asyncio.run(_drop(url, queue))
    tallies = _tallies(db)
    _drop_database(db, admin)
    per_worker = []
    for log in logs:  # where each worker's time went (its last line: counts and seconds)
        stops = [x for x in log.read_text(errors="replace").splitlines() if "worker stopped" in x]
        last = stops[-1].split("worker stopped: ", 1)[-1] if stops else "?"
        print(f"  {workers} worker(s): {last}")
        counts = re.match(r"(\{[^}]*\})", last)  # the entries it took, by outcome
        per_worker.append(sum(ast.literal_eval(counts.group(1)).values()) if counts else 0)
    return {
        "workers": workers,
        "entries": queued,
        "seconds": round(seconds, 2),
        "queue_seconds": round(queued_s, 2),
        "rate": round(queued / seconds, 2),
        "worker_cpu_seconds": round(cpu, 2),
        "cpu_ms_per_entry": round(1000 * cpu / max(queued, 1), 1),
        "tasks_per_worker": per_worker,
        **tallies,
        "expected_entries": total,
    }


async def _drop(url: str, name: str) -> None:
    from tests.news.tasks.conftest import drop_queue

    try:
        await drop_queue(url, name)
    except Exception as exc:  # a leftover queue costs nothing here
        print(f"  (could not remove queue {name}: {exc})")


def _compare(
    broker: str,
    url: str,
    store: str,
    admin: str | None,
    feed_url: str,
    topics: list[str],
    folder: Path,
    total: int,
    rounds: int,
) -> dict[str, Any]:
    """One worker, then two, ``rounds`` times on ``broker`` and ``store``; prints the table."""
    rows = []
    for n in range(rounds):
        for w in (1, 2):
            rows.append(
                {"round": n + 1, **_one_config(w, url, feed_url, topics, folder, total, admin)}
            )
    pairs = [(rows[i], rows[i + 1]) for i in range(0, len(rows), 2)]
    ratios = [two["rate"] / one["rate"] for one, two in pairs]
    cpu_ratios = [two["cpu_ms_per_entry"] / one["cpu_ms_per_entry"] for one, two in pairs]
    ratio = statistics.median(ratios)
    cpu_ratio = statistics.median(cpu_ratios)
    clean = all(r["duplicate_articles"] == 0 and r["duplicate_alerts"] == 0 for r in rows) and (
        len({r["articles"] for r in rows}) == 1
    )
    print(f"\n{broker} + {store}: {total} gn1 pages, {len(topics)} subscriptions")
    print(
        f"{'round':>5} {'workers':>8} {'s':>7} {'art/s':>7} {'cpu ms':>7} {'stored':>7} "
        f"{'dup':>4} {'alerts':>7} {'dup':>4}  tasks per worker"
    )
    for r in rows:
        print(
            f"{r['round']:>5} {r['workers']:>8} {r['seconds']:>7.1f} {r['rate']:>7.2f} "
            f"{r['cpu_ms_per_entry']:>7.0f} "
            f"{r['articles']:>7} {r['duplicate_articles']:>4} {r['alerts']:>7} "
            f"{r['duplicate_alerts']:>4}  {r['tasks_per_worker']}"
        )
    load = os.getloadavg()[0]
    print(
        f"two workers / one: median {ratio:.2f}x over {rounds} round(s) "
        f"({', '.join(f'{x:.2f}' for x in ratios)}; target >= {TARGET_RATIO}x; "
        f"{os.cpu_count()} cores, load average {load:.1f})"
    )
    # Workers' CPU per entry, two against one: 1.0 means sharing the queue and the store costs
    # no extra work, so on free cores (one per worker) the rate would double.
    print(
        f"workers' CPU per entry, two / one: median {cpu_ratio:.2f}x (the rate on free cores "
        f"would be about {2 / cpu_ratio:.2f}x one worker's)"
    )
    return {
        "rows": rows,
        "ratio": round(ratio, 3),
        "ratios": [round(x, 3) for x in ratios],
        "cpu_ratio": round(cpu_ratio, 3),
        "clean": clean,
        "load": round(load, 1),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    count = 60 if args.quick else 300
    rounds = int(os.environ.get("BENCH_QUEUE_ROUNDS", 1 if args.quick else 3))
    if not (DATA / "truth.jsonl").is_file():
        print("skipped: ../shared/data/extraction is missing")
        return {"skipped": "no extraction data"}
    wanted = os.environ.get("BENCH_QUEUE_BROKERS", "redis").split(",")
    brokers = [b.strip() for b in wanted if b.strip() in BROKERS]
    pages = _pages(count)
    topics = _topics(pages)
    results: dict[str, Any] = {
        "pages": len(pages),
        "topics": len(topics),
        "rounds": rounds,
        "runs": {},
    }
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        folder = Path(tmp)
        site = folder / "site"
        site.mkdir()
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Queue()
        # pages without a charset header: the real pages' own declarations decide
        server = ctx.Process(
            target=serve_folder, args=(str(site), ready, "text/html"), daemon=True
        )
        server.start()
        try:
            port = ready.get(timeout=60)
            base = f"http://127.0.0.1:{port}"
            _write_site(site, pages, base)
            for broker in brokers:
                url, broker_port = BROKERS[broker]
                if not _reachable(broker_port):
                    print(f"{broker}: not running on 127.0.0.1:{broker_port}, skipped")
                    results["runs"][broker] = {"skipped": "not running"}
                    continue
                for store, admin in _stores().items():
                    row = _compare(
                        broker,
                        url,
                        store,
                        admin,
                        f"{base}/feed.xml",
                        topics,
                        folder,
                        len(pages),
                        rounds,
                    )
                    results["runs"][f"{broker}+{store}"] = row
                    ok = ok and row["clean"] and row["ratio"] >= TARGET_RATIO
        finally:
            server.terminate()
    results["ok"] = ok
    results["target_ratio"] = TARGET_RATIO
    return results
