"""Feed polling: the due feeds fetched concurrently under a bound (conditional GET, per-feed
backoff); at most ``feed_max_new_entries`` unseen entries taken per feed and poll, newest first,
the rest left for the next polls; each taken entry's page fetched (paced per host) and extracted
(falling back to the feed's own full text); the feed's new validators saved only once every
entry is settled and none is left waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from news.ingest.entries import FeedBodies, article_from_entry
from news.ingest.report import IngestReport, Progress
from news.ingest.run import Item, Run
from news.ingest.steps import IngestSteps
from news.models import FeedEntry, FeedRecord
from news.published import publication_time
from news.sources.extract import NotAnArticle
from news.sources.feeds import FeedError, next_check_at, parse_feed
from news.sources.fetch import FetchError
from news.sources.limits import Overtime, WorkerCrashed, run_bounded

if TYPE_CHECKING:
    from news.sources.feeds import ParsedFeed

__all__ = ["fresh_entries", "is_transient", "newest_first", "poll_feeds"]

logger = logging.getLogger(__name__)

_SEEN_BATCH = 500  # entry ids looked up at once
_UNDATED = datetime.min.replace(tzinfo=UTC)


def is_transient(error: FetchError) -> bool:
    """A failure worth retrying on the next poll (as opposed to a definitive answer)."""
    if error.kind in ("timeout", "unreachable"):
        return True
    status = error.status or 0
    return error.kind == "http_status" and (status in (408, 425, 429) or status >= 500)


async def poll_feeds(
    steps: IngestSteps,
    now: datetime | None = None,
    *,
    feeds: Sequence[FeedRecord] | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Poll the due feeds (or ``feeds``) concurrently and store their unseen entries."""
    now = now or datetime.now(UTC)
    due = list(feeds) if feeds is not None else await steps.store.due_feeds(now)
    run = Run(steps, progress)
    if not due:
        return await run.finish()
    slots = asyncio.Semaphore(steps.settings.feed_concurrency)

    async def bounded(feed: FeedRecord) -> None:
        async with slots:
            try:
                await _poll_feed(steps, feed, now, run)
            except Exception as exc:  # e.g. the store failing: the other feeds go on
                logger.exception("polling %s failed", feed.url)
                run.report.feeds_failed += 1
                run.report.feed_errors.append((feed.url, f"internal error ({exc!r:.80})"))
                with contextlib.suppress(Exception):  # back off, if the store allows
                    await _feed_failed(steps, feed, now, "internal error")

    try:
        await asyncio.gather(*(bounded(feed) for feed in due))
    except BaseException:
        await run.cancel()
        raise
    report = await run.finish()
    logger.info("poll: %s", report.line())
    return report


async def _poll_feed(steps: IngestSteps, feed: FeedRecord, now: datetime, run: Run) -> None:
    run.report.feeds_checked += 1
    interval = steps.settings.poll_interval
    try:
        response = await steps.fetcher.fetch_feed(
            feed.url, etag=feed.etag, last_modified=feed.last_modified
        )
        parsed = None
        if response.status != 304:
            parsed = await _parse(steps, response.body, response.url)
    except (FetchError, FeedError) as exc:
        await _feed_failed(steps, feed, now, exc.reason)
        run.report.feed_errors.append((feed.url, exc.reason))
        run.report.feeds_failed += 1
        return
    if parsed is None:  # 304 Not Modified: nothing to store
        await steps.store.update_feed(
            feed.id,
            checked_at=now,
            next_check_at=next_check_at(now, interval, 0),
            error_count=0,
            etag=response.etag,
            last_modified=response.last_modified,
            over_cap_polls=0,
        )
        return
    all_settled, over_cap = await _feed_entries(
        steps, feed, parsed, FeedBodies(response.body, steps.settings.extract_timeout), run
    )
    if over_cap:
        run.report.feeds_over_cap.append(feed.url)
        logger.warning(
            "feed %s has more than %d new entries (%d polls in a row); the rest wait",
            feed.url,
            steps.settings.feed_max_new_entries,
            feed.over_cap_polls + 1,
        )
    # Save the new validators only when every entry is settled and none is left waiting:
    # otherwise the next poll would get a 304 and never take the entries that failed for a
    # passing reason or were left for later.
    keep = all_settled and not over_cap
    await steps.store.update_feed(
        feed.id,
        checked_at=now,
        next_check_at=next_check_at(now, interval, 0),
        error_count=0,
        etag=response.etag if keep else feed.etag,
        last_modified=response.last_modified if keep else feed.last_modified,
        title=parsed.title or feed.title,
        over_cap_polls=feed.over_cap_polls + 1 if over_cap else 0,
    )


async def _parse(steps: IngestSteps, body: bytes, url: str) -> ParsedFeed:
    """Parse feed bytes off the loop (in the extraction workers, if any) within the time one
    page's extraction may take: a huge feed costs a worker for a bounded time."""
    try:
        return await run_bounded(
            steps.settings.extract_timeout, steps.extract_executor, parse_feed, body, url
        )
    except Overtime:
        raise FeedError("The feed is too large to read in time.") from None
    except WorkerCrashed:
        raise FeedError("The feed could not be read (the reader stopped on it).") from None


async def _feed_failed(steps: IngestSteps, feed: FeedRecord, now: datetime, reason: str) -> None:
    errors = feed.error_count + 1
    logger.warning("feed %s failed (%d in a row): %s", feed.url, errors, reason)
    await steps.store.update_feed(
        feed.id,
        checked_at=now,
        next_check_at=next_check_at(now, steps.settings.poll_interval, errors),
        error_count=errors,
        etag=feed.etag,
        last_modified=feed.last_modified,
        last_error=reason,
    )


def newest_first(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """The feed's entries once each, newest first by date; undated ones after, in feed order
    (feeds list their newest first)."""
    unique = list({e.entry_id: e for e in entries}.values())
    return sorted(unique, key=lambda e: e.published or _UNDATED, reverse=True)  # stable


async def fresh_entries(
    steps: IngestSteps, feed: FeedRecord, entries: Sequence[FeedEntry]
) -> tuple[list[FeedEntry], bool]:
    """The newest ``feed_max_new_entries`` unseen entries, and whether more are waiting.

    Seen ids are looked up a batch at a time, newest first, stopping once one more than the cap
    is found: a feed of 100,000 entries costs a few lookups, not one per entry.
    """
    cap = steps.settings.feed_max_new_entries
    fresh: list[FeedEntry] = []
    ordered = newest_first(entries)
    for start in range(0, len(ordered), _SEEN_BATCH):
        batch = ordered[start : start + _SEEN_BATCH]
        seen = await steps.store.seen_entries(feed.id, [e.entry_id for e in batch])
        fresh.extend(e for e in batch if e.entry_id not in seen)
        if len(fresh) > cap:
            return fresh[:cap], True
    return fresh, False


async def _feed_entries(
    steps: IngestSteps, feed: FeedRecord, parsed: ParsedFeed, bodies: FeedBodies, run: Run
) -> tuple[bool, bool]:
    """Fetch and queue the unseen entries, at most ``feed_max_new_entries`` of them, newest
    first; returns whether all taken were settled, and whether more are left for later polls."""
    fresh, over_cap = await fresh_entries(steps, feed, parsed.entries)
    if not fresh:
        return True, over_cap
    if steps.tasks is not None:  # the work queue: workers fetch, store and mark them
        pairs = [(entry, await bodies.full_html(entry)) for entry in fresh]
        run.report.queued += await steps.tasks.enqueue_entries(feed, parsed.title, pairs)
        return True, over_cap
    run.expect(len(fresh))
    loop = asyncio.get_running_loop()
    items = [
        Item(url=e.link or e.entry_id, feed_id=feed.id, entry_id=e.entry_id,
              done=loop.create_future())
        for e in fresh
    ]  # fmt: skip
    await asyncio.gather(
        *(
            _entry(entry, item, parsed.title, bodies, run)
            for entry, item in zip(fresh, items, strict=True)
        )
    )
    outcomes = await asyncio.gather(*(item.done for item in items if item.done))
    return all(outcome != "failed" for outcome in outcomes), over_cap


async def _entry(
    entry: FeedEntry,
    item: Item,
    feed_title: str | None,
    bodies: FeedBodies,
    run: Run,
) -> None:
    """Fetch and extract one entry's page (falling back to the feed's full text)."""
    transient = False
    try:
        if not entry.link:
            raise NotAnArticle("The feed entry has no link.")
        article = await run.page(entry.link)
        published = publication_time(article.published, entry.published)
        # the feed's own headline: the page's title may be the site's name or carry its section
        title = " ".join(entry.title.split()) or article.title
        if (published, title) != (article.published, article.title):
            article = replace(article, published=published, title=title)
        item.article = article
    except (NotAnArticle, FetchError) as exc:
        transient = isinstance(exc, FetchError) and is_transient(exc)
        fallback = article_from_entry(entry, feed_title, await bodies.full_html(entry))
        if fallback is not None:
            item.article = fallback
        elif transient:
            logger.info("entry %s: %s; retrying next poll", item.url, exc.reason)
            run.report.retry_later += 1
            run.tick(1)
            assert item.done is not None
            item.done.set_result("failed")
            return
        else:
            item.reason = exc.reason
    except Exception as exc:  # an extractor bug on one page must not stop the feed
        logger.exception("entry %s failed", item.url)
        item.reason = f"could not be processed ({type(exc).__name__})"
    await run.queue.put(item)
