"""The ingestion service: feeds, URLs, files and folders in -> clean, deduplicated, embedded
articles stored, with topic alerts queued for each new one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from news.ingest.polling import poll_feeds as poll_due_feeds
from news.ingest.report import IngestReport, Progress
from news.ingest.run import Item, Run
from news.ingest.steps import IngestSteps
from news.models import AddResult, Article, FeedRecord
from news.sources.extract import NotAnArticle

__all__ = ["Ingestor"]

_HTML_FILES = frozenset({".html", ".htm", ".xhtml"})


def _file_url(file: Path) -> str:
    return file.absolute().as_uri()


def _html_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in _HTML_FILES and p.is_file())


class Ingestor(IngestSteps):
    """Turns feeds, URLs, files and folders into stored articles (see :mod:`news.ingest`)."""

    # -- single pages and files ------------------------------------------------------------------
    async def ingest_url(
        self, url: str, *, user_supplied: bool = True, notify: bool = True
    ) -> AddResult:
        """Fetch, extract, embed and store one page. Raises FetchError or NotAnArticle.

        ``notify=False`` stores without alerting subscribers (a link one user shared in a chat).
        """
        article = await self.fetch_article(url, user_supplied=user_supplied)
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
        run = Run(self, progress)
        run.expect(len(paths))
        slots = asyncio.Semaphore(max(2, self.settings.feed_concurrency))

        async def one(path: Path) -> None:
            async with slots:
                item = Item(url=str(path), feed_id=None, entry_id=None)
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
        return await poll_due_feeds(self, now, feeds=feeds, progress=progress)
