"""Ingestion: feeds, pages, files and folders in -> clean, deduplicated, embedded articles stored,
with topic alerts queued for each new one.

The shape of a run: feeds are polled concurrently under a bound (conditional GET, per-feed
backoff); each unseen entry's page is fetched under a second bound and extracted off the event
loop; one writer task embeds ready articles in batches (off the loop), stores them one by one,
marks their entries seen and calls ``on_new``. So the loop overlaps network, extraction and the
store, and an entry is marked seen only once its article is stored or definitively rejected: a
crash mid-run loses nothing (the feed's new ETag is saved only when every entry was settled).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import numpy as np

from news.models import AddResult, Article, FeedEntry, FeedRecord
from news.sources.extract import NotAnArticle, extract
from news.sources.feeds import FeedError, next_check_at, parse_feed
from news.sources.fetch import FetchError
from news.topics import TextEncoder, article_lead

if TYPE_CHECKING:
    from config import Settings
    from news.sources.feeds import ParsedFeed
    from news.sources.fetch import Fetcher
    from news.store import Store

__all__ = [
    "FULL_TEXT_MIN_WORDS",
    "IngestReport",
    "Ingestor",
    "OnNew",
    "Progress",
    "article_from_entry",
    "feed_full_texts",
    "html_to_text",
]

logger = logging.getLogger(__name__)

OnNew = Callable[[AddResult, "np.ndarray | None"], Awaitable[object]]
Progress = Callable[[int, int], None]  # (done, total) as entries or files are settled

FULL_TEXT_MIN_WORDS = 120  # a feed entry this long carries the article itself
EMBED_BATCH = 32
_HTML_FILES = frozenset({".html", ".htm", ".xhtml"})
_BLOCK_END = re.compile(r"(?i)</(p|div|li|h[1-6]|blockquote)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]*>")
_BLANKS = re.compile(r"[ \t\r\f\v]+")


@dataclass
class IngestReport:
    """What a run did: articles new and duplicate, entries rejected (url, reason), feeds."""

    new: int = 0
    duplicate: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    feeds_checked: int = 0
    feeds_failed: int = 0
    feed_errors: list[tuple[str, str]] = field(default_factory=list)  # (feed url, reason)
    retry_later: int = 0  # entries left unseen after a passing failure; tried again next poll

    def merge(self, other: IngestReport) -> None:
        self.new += other.new
        self.duplicate += other.duplicate
        self.rejected.extend(other.rejected)
        self.feeds_checked += other.feeds_checked
        self.feeds_failed += other.feeds_failed
        self.feed_errors.extend(other.feed_errors)
        self.retry_later += other.retry_later

    def line(self) -> str:
        """One line for people: "12 new, 3 duplicate, 2 rejected: reason (×2)"."""
        parts = [
            f"{self.new} new",
            f"{self.duplicate} duplicate",
            f"{len(self.rejected)} rejected",
        ]
        text = ", ".join(parts)
        if self.rejected:
            counts: dict[str, int] = defaultdict(int)
            for _, reason in self.rejected:
                counts[reason] += 1
            text += ": " + "; ".join(
                reason if n == 1 else f"{reason} (×{n})" for reason, n in counts.items()
            )
        if self.feeds_checked:
            text += f" | feeds: {self.feeds_checked} checked, {self.feeds_failed} failed"
            if self.feed_errors:
                text += " (" + "; ".join(f"{u}: {r}" for u, r in self.feed_errors) + ")"
        if self.retry_later:
            text += f" | {self.retry_later} to retry next poll"
        return text


def html_to_text(fragment: str) -> str:
    """Plain text of a feed's HTML description: paragraphs kept, tags and entities gone."""
    text = _BLOCK_END.sub("\n", fragment)
    text = html.unescape(_TAG.sub(" ", text))
    lines = (_BLANKS.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or "unknown source"


def feed_full_texts(body: bytes) -> dict[str, str]:
    """Each entry's longest HTML body (content:encoded, Atom content or description), keyed by
    its guid and by its link. ``news.sources.feeds`` keeps only a short plain summary per entry;
    this
    is read only when a page fails and the feed may carry the article itself."""
    import feedparser

    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=True)
    texts: dict[str, str] = {}
    for raw in parsed.get("entries") or []:
        candidates = [str(c.get("value") or "") for c in raw.get("content") or []]
        candidates.append(str(raw.get("summary") or ""))
        best = max(candidates, key=len)
        for key in (raw.get("id"), raw.get("link")):
            if key:
                texts[str(key).strip()] = best
    return texts


def article_from_entry(
    entry: FeedEntry, feed_title: str | None, full_html: str | None = None
) -> Article | None:
    """The entry itself as an article when the feed carries the full text, else None."""
    text = html_to_text(full_html if full_html is not None else entry.summary)
    if len(text.split()) < FULL_TEXT_MIN_WORDS or not entry.link:
        return None
    return Article(
        url=entry.link,
        title=entry.title.strip() or text.split("\n", 1)[0][:120],
        text=text,
        source=(feed_title or "").strip() or _host(entry.link),
        published=entry.published,
    )


class _FeedBodies:
    """The feed's full entry texts, parsed once (off the loop) on first need."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._texts: dict[str, str] | None = None
        self._lock = asyncio.Lock()

    async def full_html(self, entry: FeedEntry) -> str | None:
        async with self._lock:
            if self._texts is None:
                try:
                    self._texts = await asyncio.to_thread(feed_full_texts, self._body)
                except Exception:
                    logger.exception("reading full texts of a feed failed")
                    self._texts = {}
        return self._texts.get(entry.entry_id) or self._texts.get(entry.link)


def _file_url(file: Path) -> str:
    return file.absolute().as_uri()


def _html_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in _HTML_FILES and p.is_file())


def _is_transient(error: FetchError) -> bool:
    """A failure worth retrying on the next poll (as opposed to a definitive answer)."""
    if error.kind in ("timeout", "unreachable"):
        return True
    status = error.status or 0
    return error.kind == "http_status" and (status in (408, 425, 429) or status >= 500)


@dataclass
class _Item:
    """One entry/page/file on its way to the store; ``done`` tells its feed how it settled."""

    url: str
    feed_id: int | None
    entry_id: str | None
    article: Article | None = None
    reason: str | None = None  # set when rejected definitively
    done: asyncio.Future[Literal["stored", "rejected", "failed"]] | None = None


class _Run:
    """One ingestion run: the report, the progress counter and the single writer task."""

    def __init__(self, ingestor: Ingestor, progress: Progress | None) -> None:
        self.ingestor = ingestor
        self.report = IngestReport()
        self.progress = progress
        self.total = 0
        self.settled = 0
        self.queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self.page_slots = asyncio.Semaphore(max(4, ingestor.settings.feed_concurrency))
        self.pages: dict[str, asyncio.Future[Article]] = {}
        self.writer = asyncio.create_task(self._write_loop(), name="ingest-writer")

    def page(self, url: str) -> asyncio.Future[Article]:
        """The article at ``url``, fetched and extracted once per run (feeds share links)."""
        future = self.pages.get(url)
        if future is None:
            future = self.pages[url] = asyncio.ensure_future(self._page(url))
        return future

    async def _page(self, url: str) -> Article:
        async with self.page_slots:
            page = await self.ingestor.fetcher.fetch_page(url, user_supplied=False)
        article = await self.ingestor.extract(page.text, page.url)
        return article if article.url else replace(article, url=page.url)

    def expect(self, count: int) -> None:
        self.total += count
        self._tick(0)

    def _tick(self, count: int) -> None:
        self.settled += count
        if self.progress is not None:
            self.progress(self.settled, self.total)

    async def finish(self) -> IngestReport:
        await self.queue.put(None)
        await self.writer
        return self.report

    async def cancel(self) -> None:
        for future in self.pages.values():
            future.cancel()
        self.writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.writer

    async def _write_loop(self) -> None:
        """Drain the queue in batches until the end marker; never dies of one bad batch."""
        while True:
            first = await self.queue.get()
            if first is None:
                return
            batch = [first]
            finished = False
            while len(batch) < EMBED_BATCH and not self.queue.empty():
                item = self.queue.get_nowait()
                if item is None:
                    finished = True
                    break
                batch.append(item)
            try:
                await self._write(batch)
            except Exception:  # a bug: the feeds waiting on these items must still go on
                logger.exception("writing a batch of %d failed", len(batch))
                for item in batch:
                    if item.done is not None and not item.done.done():
                        item.done.set_result("failed")
            if finished:
                return

    async def _write(self, batch: list[_Item]) -> None:
        ingestor = self.ingestor
        ready = [item for item in batch if item.article is not None]
        embeddings: np.ndarray | None = None
        if ready and ingestor.encoder is not None:
            try:
                embeddings = await ingestor.embed([item.article for item in ready if item.article])
            except Exception:
                logger.exception("embedding %d article(s) failed; storing without", len(ready))
        settled: dict[int, list[str]] = defaultdict(list)
        row = 0
        for item in batch:
            outcome: Literal["stored", "rejected", "failed"]
            if item.article is None:
                self.report.rejected.append((item.url, item.reason or "rejected"))
                outcome = "rejected"
            else:
                embedding = embeddings[row] if embeddings is not None else None
                row += 1
                try:
                    result = await ingestor.store_article(item.article, item.feed_id, embedding)
                except Exception:
                    logger.exception("storing %s failed; it will be retried", item.url)
                    outcome = "failed"
                else:
                    if result.status == "new":
                        self.report.new += 1
                    else:
                        self.report.duplicate += 1
                    outcome = "stored"
            if outcome != "failed" and item.feed_id is not None and item.entry_id is not None:
                settled[item.feed_id].append(item.entry_id)
            if outcome == "failed":
                self.report.retry_later += 1
            if item.done is not None and not item.done.done():
                item.done.set_result(outcome)
        for feed_id, entry_ids in settled.items():
            try:
                await ingestor.store.mark_entries(feed_id, entry_ids)
            except Exception:  # not marked: seen again next poll, deduplicated by the store
                logger.exception("marking %d entries of feed %s failed", len(entry_ids), feed_id)
        self._tick(len(batch))


class Ingestor:
    """Turns feeds, URLs, files and folders into stored articles (see the module docstring).

    ``extract_executor``: where extraction runs; None uses ``asyncio.to_thread``'s pool. A
    ``ProcessPoolExecutor`` lets extraction use every core.
    """

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        *,
        encoder: TextEncoder | None,
        on_new: OnNew | None,
        settings: Settings,
        extract_executor: Executor | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.encoder = encoder
        self.on_new = on_new
        self.settings = settings
        self.extract_executor = extract_executor

    # -- building blocks -----------------------------------------------------------------------
    async def extract(self, body: str | bytes, url: str | None) -> Article:
        """Run the extractor off the event loop."""
        if self.extract_executor is None:
            return await asyncio.to_thread(extract, body, url)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.extract_executor, extract, body, url)

    async def embed(self, articles: Sequence[Article]) -> np.ndarray | None:
        """Title + lead embeddings of ``articles`` in one batch, off the loop."""
        if self.encoder is None or not articles:
            return None
        texts = [article_lead(a.title, a.text) for a in articles]
        return await asyncio.to_thread(self.encoder.encode, texts)

    async def store_article(
        self,
        article: Article,
        feed_id: int | None,
        embedding: np.ndarray | None,
        *,
        notify: bool = True,
    ) -> AddResult:
        """Store one article, then let topics see it (their failure never loses the article)."""
        result = await self.store.add_article(article, feed_id=feed_id, embedding=embedding)
        if notify and result.status == "new" and self.on_new is not None:
            try:
                await self.on_new(result, embedding)
            except Exception:
                logger.exception("on_new failed for article %s", result.article.id)
        return result

    # -- single pages and files ------------------------------------------------------------------
    async def ingest_url(
        self, url: str, *, user_supplied: bool = True, notify: bool = True
    ) -> AddResult:
        """Fetch, extract, embed and store one page. Raises FetchError or NotAnArticle.

        ``notify=False`` stores without alerting subscribers (a link one user shared in a chat).
        """
        page = await self.fetcher.fetch_page(url, user_supplied=user_supplied)
        article = await self.extract(page.text, page.url)
        if not article.url:
            article = replace(article, url=page.url)
        embeddings = await self.embed([article])
        return await self.store_article(
            article, None, embeddings[0] if embeddings is not None else None, notify=notify
        )

    async def ingest_file(self, path: str | Path) -> AddResult:
        """Extract and store a saved .html page. Raises NotAnArticle or OSError."""
        file = Path(path)
        article = await self._extract_file(file)
        embeddings = await self.embed([article])
        return await self.store_article(
            article, None, embeddings[0] if embeddings is not None else None
        )

    async def _extract_file(self, file: Path) -> Article:
        body = await asyncio.to_thread(file.read_bytes)
        article = await self.extract(body, None)
        if not article.url:
            article = replace(article, url=await asyncio.to_thread(_file_url, file))
        return article

    async def ingest_folder(
        self, folder: str | Path, *, progress: Progress | None = None
    ) -> IngestReport:
        """Every .html/.htm file under ``folder`` (recursively), extracted concurrently."""
        files = await asyncio.to_thread(_html_files, Path(folder))
        return await self.ingest_files(files, progress=progress)

    async def ingest_files(
        self, files: Iterable[Path], *, progress: Progress | None = None
    ) -> IngestReport:
        """Extract and store many files; rejects are reported, never raised."""
        paths = list(files)
        run = _Run(self, progress)
        run.expect(len(paths))
        slots = asyncio.Semaphore(max(2, self.settings.feed_concurrency))

        async def one(path: Path) -> None:
            async with slots:
                item = _Item(url=str(path), feed_id=None, entry_id=None)
                try:
                    item.article = await self._extract_file(path)
                except NotAnArticle as exc:
                    item.reason = exc.reason
                except OSError as exc:
                    item.reason = f"cannot read the file ({exc.strerror or exc})"
            await run.queue.put(item)

        try:
            await asyncio.gather(*(one(p) for p in paths))
        except BaseException:
            await run.cancel()
            raise
        return await run.finish()

    # -- feeds ---------------------------------------------------------------------------------
    async def poll_feeds(
        self,
        now: datetime | None = None,
        *,
        feeds: Sequence[FeedRecord] | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Poll the due feeds (or ``feeds``) concurrently and store their unseen entries."""
        now = now or datetime.now(UTC)
        due = list(feeds) if feeds is not None else await self.store.due_feeds(now)
        run = _Run(self, progress)
        if not due:
            return await run.finish()
        slots = asyncio.Semaphore(self.settings.feed_concurrency)

        async def bounded(feed: FeedRecord) -> None:
            async with slots:
                try:
                    await self._poll_feed(feed, now, run)
                except Exception as exc:  # e.g. the store failing: the other feeds go on
                    logger.exception("polling %s failed", feed.url)
                    run.report.feeds_failed += 1
                    run.report.feed_errors.append((feed.url, f"internal error ({exc!r:.80})"))
                    with contextlib.suppress(Exception):  # back off, if the store allows
                        await self._feed_failed(feed, now, "internal error")

        try:
            await asyncio.gather(*(bounded(feed) for feed in due))
        except BaseException:
            await run.cancel()
            raise
        report = await run.finish()
        logger.info("poll: %s", report.line())
        return report

    async def _poll_feed(self, feed: FeedRecord, now: datetime, run: _Run) -> None:
        run.report.feeds_checked += 1
        interval = self.settings.poll_interval
        try:
            response = await self.fetcher.fetch_feed(
                feed.url, etag=feed.etag, last_modified=feed.last_modified
            )
            parsed = None
            if response.status != 304:
                parsed = await asyncio.to_thread(parse_feed, response.body, response.url)
        except (FetchError, FeedError) as exc:
            await self._feed_failed(feed, now, exc.reason)
            run.report.feed_errors.append((feed.url, exc.reason))
            run.report.feeds_failed += 1
            return
        if parsed is None:  # 304 Not Modified: nothing to store
            await self.store.update_feed(
                feed.id,
                checked_at=now,
                next_check_at=next_check_at(now, interval, 0),
                error_count=0,
                etag=response.etag,
                last_modified=response.last_modified,
            )
            return
        all_settled = await self._feed_entries(feed, parsed, _FeedBodies(response.body), run)
        # Save the new validators only when every entry is settled: otherwise the next poll
        # would get a 304 and never retry the entries that failed for a passing reason.
        await self.store.update_feed(
            feed.id,
            checked_at=now,
            next_check_at=next_check_at(now, interval, 0),
            error_count=0,
            etag=response.etag if all_settled else feed.etag,
            last_modified=response.last_modified if all_settled else feed.last_modified,
            title=parsed.title or feed.title,
        )

    async def _feed_failed(self, feed: FeedRecord, now: datetime, reason: str) -> None:
        errors = feed.error_count + 1
        logger.warning("feed %s failed (%d in a row): %s", feed.url, errors, reason)
        await self.store.update_feed(
            feed.id,
            checked_at=now,
            next_check_at=next_check_at(now, self.settings.poll_interval, errors),
            error_count=errors,
            etag=feed.etag,
            last_modified=feed.last_modified,
            last_error=reason,
        )

    async def _feed_entries(
        self, feed: FeedRecord, parsed: ParsedFeed, bodies: _FeedBodies, run: _Run
    ) -> bool:
        """Fetch and queue the unseen entries; True when all of them were settled."""
        entries = list({e.entry_id: e for e in parsed.entries}.values())
        seen = await self.store.seen_entries(feed.id, [e.entry_id for e in entries])
        fresh = [e for e in entries if e.entry_id not in seen]
        if not fresh:
            return True
        run.expect(len(fresh))
        loop = asyncio.get_running_loop()
        items = [
            _Item(url=e.link or e.entry_id, feed_id=feed.id, entry_id=e.entry_id,
                  done=loop.create_future())
            for e in fresh
        ]  # fmt: skip
        await asyncio.gather(
            *(
                self._entry(entry, item, parsed.title, bodies, run)
                for entry, item in zip(fresh, items, strict=True)
            )
        )
        outcomes = await asyncio.gather(*(item.done for item in items if item.done))
        return all(outcome != "failed" for outcome in outcomes)

    async def _entry(
        self,
        entry: FeedEntry,
        item: _Item,
        feed_title: str | None,
        bodies: _FeedBodies,
        run: _Run,
    ) -> None:
        """Fetch and extract one entry's page (falling back to the feed's full text)."""
        transient = False
        try:
            if not entry.link:
                raise NotAnArticle("The feed entry has no link.")
            article = await run.page(entry.link)
            if article.published is None and entry.published is not None:
                article = replace(article, published=entry.published)
            item.article = article
        except (NotAnArticle, FetchError) as exc:
            transient = isinstance(exc, FetchError) and _is_transient(exc)
            fallback = article_from_entry(entry, feed_title, await bodies.full_html(entry))
            if fallback is not None:
                item.article = fallback
            elif transient:
                logger.info("entry %s: %s; retrying next poll", item.url, exc.reason)
                run.report.retry_later += 1
                run._tick(1)
                assert item.done is not None
                item.done.set_result("failed")
                return
            else:
                item.reason = exc.reason
        except Exception as exc:  # an extractor bug on one page must not stop the feed
            logger.exception("entry %s failed", item.url)
            item.reason = f"could not be processed ({type(exc).__name__})"
        await run.queue.put(item)
