"""``newsbrief ingest | feeds | articles | db``: operate the news store from a shell.

Light to import (bot/cli.py imports every command module to build the parser): the composition
root (``bot.app``), the news modules, trafilatura and tqdm are imported when a command runs, so
``newsbrief --help`` stays fast; every service comes from ``bot.app``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.logs import redact_url

# The services, the news modules and tqdm are imported when a command runs: each import inside a
# function below is lazy only to keep `newsbrief --help` fast (trafilatura and torch are slow).

if TYPE_CHECKING:
    from bot.context import NewsServices
    from config import Settings
    from news.ingest import IngestReport

__all__ = ["register"]

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:  # argparse._SubParsersAction
    """Add ``ingest``, ``feeds``, ``articles`` and ``db`` to the ``newsbrief`` parser."""
    ingest = subparsers.add_parser(
        "ingest",
        help="ingest feeds, pages, saved .html files or folders of them",
        description="Ingest each TARGET: a feed URL (added to the polled feeds), a page URL, "
        "a saved .html file or a folder of them. Loopback URLs need NEWSBRIEF_ALLOW_LOOPBACK.",
    )
    ingest.add_argument("targets", nargs="+", metavar="FEED_URL|PAGE_URL|FILE.html|FOLDER")
    ingest.add_argument(
        "--no-embed", action="store_true", help="skip embeddings (faster; no meaning matching)"
    )
    ingest.add_argument("--no-progress", action="store_true", help="no progress bar")
    ingest.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="extract in N worker processes; 0: threads (default: NEWSBRIEF_EXTRACT_WORKERS, "
        "else one process per core, up to 4)",
    )
    ingest.set_defaults(func=_run_ingest)

    feeds = subparsers.add_parser("feeds", help="add, list or remove polled feeds")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    add = feeds_sub.add_parser("add", help="add a feed URL")
    add.add_argument("url")
    add.add_argument("--title", default=None)
    add.set_defaults(func=_run_feeds_add)
    feeds_sub.add_parser("list", help="list feeds and their state").set_defaults(
        func=_run_feeds_list
    )
    remove = feeds_sub.add_parser("remove", help="remove a feed by URL or id")
    remove.add_argument("feed", metavar="URL|ID")
    remove.set_defaults(func=_run_feeds_remove)

    articles = subparsers.add_parser("articles", help="list stored articles or show one")
    articles_sub = articles.add_subparsers(
        dest="articles_command", metavar="ACTION", required=True
    )
    listing = articles_sub.add_parser("list", help="newest articles first")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--offset", type=int, default=0)
    listing.set_defaults(func=_run_articles_list)
    show = articles_sub.add_parser("show", help="one article with its story's sources")
    show.add_argument("id", type=int)
    show.set_defaults(func=_run_articles_show)

    db = subparsers.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser(
        "analyze",
        help="refresh the query planner's statistics after a bulk load (PostgreSQL: VACUUM"
        " (ANALYZE), which also sets the visibility map)",
    ).set_defaults(func=_run_db_analyze)
    db_sub.add_parser("upgrade", help="create or upgrade the schema (Alembic head)").set_defaults(
        func=_run_db_upgrade
    )


# -- helpers -----------------------------------------------------------------------------------
def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else "-"


def _looks_like_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


class _Bar:
    """A tqdm progress bar fed by the ingestor's (done, total) callback."""

    def __init__(self, enabled: bool) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=0, unit="item", desc="ingest", disable=not enabled, leave=False)

    def __call__(self, done: int, total: int) -> None:
        if total != self._bar.total:
            self._bar.total = total
            self._bar.refresh()
        if done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


# -- ingest ------------------------------------------------------------------------------------
def _run_ingest(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_ingest(settings, args))


async def _ingest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import open_services  # lazy: keeps `newsbrief --help` fast
    from news.ingest import IngestReport

    services = await open_services(
        settings,
        sync_feeds=False,
        extract_workers=None if args.workers is None else max(0, args.workers),
    )
    bar = _Bar(enabled=not args.no_progress)
    report = IngestReport()
    try:
        if args.no_embed:
            services.ingestor.encoder = None
        for target in args.targets:
            report.merge(await _ingest_target(services, target, bar))
        # A bulk load leaves PostgreSQL planning for the tables as they were: re-analyze.
        if await services.store.ingested(report.new):
            logger.info("analyzed the store after %d new articles", report.new)
    finally:
        bar.close()
        await services.close()
    print(report.line())
    nothing_stored = report.new + report.duplicate == 0
    return 1 if nothing_stored and (report.rejected or report.feeds_failed) else 0


async def _ingest_target(services: NewsServices, target: str, bar: _Bar) -> IngestReport:
    from news.ingest import IngestReport
    from news.sources.extract import NotAnArticle
    from news.sources.feeds import FeedError, parse_feed
    from news.sources.fetch import FetchError

    ingestor = services.ingestor
    report = IngestReport()
    path = Path(target)
    if not _looks_like_url(target):
        if await asyncio.to_thread(path.is_dir):
            return await ingestor.ingest_folder(path, progress=bar)
        if await asyncio.to_thread(path.is_file):
            return await ingestor.ingest_files([path], progress=bar)
        report.rejected.append((target, "not a URL, a file or a folder"))
        return report
    # A URL: a feed when it parses as one, else a page.
    try:
        response = await services.fetcher.fetch_feed(target)
        parsed = await asyncio.to_thread(parse_feed, response.body, response.url)
    except FeedError:
        parsed = None  # fetched, but not a feed: try it as a page
    except FetchError as exc:
        if exc.kind != "not_html":  # refused, unreachable, timeout...: a page fetch fails too
            report.rejected.append((target, exc.reason))
            return report
        parsed = None
    if parsed is not None and parsed.entries:
        feed = await services.store.add_feed(target, parsed.title)
        logger.info("%s is a feed with %d entries", target, len(parsed.entries))
        return await ingestor.poll_feeds(feeds=[feed], progress=bar)
    try:
        result = await ingestor.ingest_url(target, user_supplied=True)
    except (FetchError, NotAnArticle) as exc:
        report.rejected.append((target, exc.reason))
        return report
    if result.status == "new":
        report.new += 1
    else:
        report.duplicate += 1
    return report


# -- feeds -------------------------------------------------------------------------------------
async def _with_store(settings: Settings, action: Any) -> int:
    from bot.app import open_store  # lazy: keeps `newsbrief --help` fast

    store = await open_store(settings)
    try:
        return int(await action(store))
    finally:
        await store.close()


def _run_feeds_add(settings: Settings, args: argparse.Namespace) -> int:
    async def action(store: Any) -> int:
        from news.sources.fetch import FetchError, check_url

        try:
            url = await check_url(args.url, allow_loopback=settings.allow_loopback)
        except FetchError as exc:
            print(f"newsbrief: {args.url}: {exc.reason}", file=sys.stderr)
            return 1
        feed = await store.add_feed(url, args.title)
        print(f"feed {feed.id}: {feed.url}")
        return 0

    return asyncio.run(_with_store(settings, action))


def _run_feeds_list(settings: Settings, args: argparse.Namespace) -> int:
    async def action(store: Any) -> int:
        feeds = await store.list_feeds()
        if not feeds:
            print("no feeds (add one: newsbrief feeds add URL)")
        for feed in feeds:
            state = f"errors {feed.error_count}: {feed.last_error}" if feed.error_count else "ok"
            if feed.over_cap_polls:  # a flooding feed: entries wait beyond the per-poll cap
                state += f"  over the new-entry cap {feed.over_cap_polls} poll(s) in a row"
            print(
                f"{feed.id:>4}  {feed.url}  {feed.title or '-'}  "
                f"checked {_when(feed.last_checked_at)}  next {_when(feed.next_check_at)}  {state}"
            )
        return 0

    return asyncio.run(_with_store(settings, action))


def _run_feeds_remove(settings: Settings, args: argparse.Namespace) -> int:
    async def action(store: Any) -> int:
        feed: str = args.feed.strip()
        key: str | int = int(feed) if re.fullmatch(r"[0-9]{1,18}", feed) else feed  # ASCII ids
        if await store.remove_feed(key):
            print(f"removed feed {args.feed}")
            return 0
        print(f"newsbrief: no feed {args.feed}", file=sys.stderr)
        return 1

    return asyncio.run(_with_store(settings, action))


# -- articles ----------------------------------------------------------------------------------
def _run_articles_list(settings: Settings, args: argparse.Namespace) -> int:
    async def action(store: Any) -> int:
        articles = await store.list_articles(limit=args.limit, offset=args.offset)
        total = await store.count_articles()
        for article in articles:
            print(
                f"{article.id:>5}  {_when(article.published or article.fetched_at)}  "
                f"{article.source[:24]:<24}  {article.title[:80]}"
            )
        shown = f"{args.offset + 1}-{args.offset + len(articles)}" if articles else "none"
        print(f"({shown} of {total} articles)")
        return 0

    return asyncio.run(_with_store(settings, action))


def _run_articles_show(settings: Settings, args: argparse.Namespace) -> int:
    async def action(store: Any) -> int:
        article = await store.get_article(args.id)
        if article is None:
            print(f"newsbrief: no article {args.id}", file=sys.stderr)
            return 1
        story = await store.get_story(article.story_id)
        print(article.title)
        print(f"source:    {article.source}")
        print(f"url:       {article.url}")
        print(f"published: {_when(article.published)}   fetched: {_when(article.fetched_at)}")
        if article.author:
            print(f"author:    {article.author}")
        print(f"story:     {article.story_id}")
        others = [s for s in (story.sources if story else ()) if s.article_id != article.id]
        for source in others:
            print(f"  also:    {source.source}  {source.url}")
        print()
        print(article.text)
        return 0

    return asyncio.run(_with_store(settings, action))


# -- db ----------------------------------------------------------------------------------------
def _run_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    async def action(store: Any) -> int:
        print(f"database schema is at the latest revision ({redact_url(settings.database_url)})")
        return 0

    return asyncio.run(_with_store(settings, action))


def _run_db_analyze(settings: Settings, args: argparse.Namespace) -> int:
    async def action(store: Any) -> int:
        started = time.perf_counter()
        await store.analyze()
        seconds = time.perf_counter() - started
        print(f"analyzed {redact_url(settings.database_url)} in {seconds:.1f} s")
        return 0

    return asyncio.run(_with_store(settings, action))
