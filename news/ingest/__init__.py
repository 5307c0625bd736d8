"""Ingestion: feeds, pages, files and folders in -> clean, deduplicated, embedded articles stored,
with topic alerts queued for each new one.

The shape of a run: feeds are polled concurrently under a bound (conditional GET, per-feed
backoff, at most ``feed_max_new_entries`` new entries per feed and poll, newest first;
:mod:`news.ingest.polling`); each taken entry's page is fetched under a second bound, paced per
host, and extracted off the event loop within the page bounds (:mod:`news.ingest.steps`,
:mod:`news.sources.limits`); one writer task embeds ready articles in batches (off the loop),
stores them one by one, marks their entries seen and calls ``on_new``
(:mod:`news.ingest.run`). So the loop overlaps network, extraction and the store, and an entry is
marked seen only once its article is stored or definitively rejected: a crash mid-run loses
nothing (the feed's new ETag is saved only when every entry was settled).
"""

from __future__ import annotations

from news.ingest.entries import FULL_TEXT_MIN_WORDS, article_from_entry, feed_full_texts
from news.ingest.report import IngestReport, Progress
from news.ingest.service import Ingestor
from news.ingest.steps import OnNew

__all__ = [
    "FULL_TEXT_MIN_WORDS",
    "IngestReport",
    "Ingestor",
    "OnNew",
    "Progress",
    "article_from_entry",
    "feed_full_texts",
]
