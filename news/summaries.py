"""Article summaries, computed once per (article, summarizer model, length) and kept in the store.

Missing summaries are computed in ONE batched summarizer call off the event loop, so a briefing
of five stories costs one forward pass, and a second request costs none.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from news.store import Store

__all__ = [
    "BRIEF_LENGTH",
    "LINK_LENGTH",
    "SummarizerLike",
    "SummaryLength",
    "SummaryLike",
    "SummaryService",
]

logger = logging.getLogger(__name__)

SummaryLength = tuple[int, int]  # (max_sentences, max_words)
BRIEF_LENGTH: SummaryLength = (2, 60)  # one or two sentences per briefing item
LINK_LENGTH: SummaryLength = (3, 90)  # a link someone sent deserves a little more


class SummaryLike(Protocol):
    """The part of ``summarizer.Summary`` this service reads."""

    @property
    def text(self) -> str: ...


class SummarizerLike(Protocol):
    """What this service needs from ``summarizer.Summarizer``."""

    @property
    def model_id(self) -> str: ...

    def summarize(
        self, texts: Sequence[str], *, max_sentences: int = 3, max_words: int = 120
    ) -> Sequence[SummaryLike]: ...


def cache_key(model_id: str, length: SummaryLength) -> str:
    """The store's model-id column for a summary: model plus the length it was cut to."""
    if length == BRIEF_LENGTH:
        return model_id
    return f"{model_id}|{length[0]}s{length[1]}w"


def _fallback(text: str, max_words: int) -> str:
    """The opening words of an article, when the summarizer returns nothing for it."""
    words = text.split()
    head = " ".join(words[:max_words])
    return head + ("…" if len(words) > max_words else "")


class SummaryService:
    """Cached summaries of stored articles."""

    def __init__(self, store: Store, summarizer: SummarizerLike) -> None:
        self.store = store
        self.summarizer = summarizer
        self._model_id: str | None = None

    async def model_id(self) -> str:
        """The summarizer's model id (read off the loop: a lazy summarizer loads on access)."""
        if self._model_id is None:
            self._model_id = await asyncio.to_thread(lambda: self.summarizer.model_id)
        return self._model_id

    async def summary_for(self, article_id: int, *, length: SummaryLength = BRIEF_LENGTH) -> str:
        """The summary of one stored article; LookupError when the article does not exist."""
        summaries = await self.summaries_for([article_id], length=length)
        if article_id not in summaries:
            raise LookupError(f"no article {article_id}")
        return summaries[article_id]

    async def summaries_for(
        self, article_ids: Sequence[int], *, length: SummaryLength = BRIEF_LENGTH
    ) -> dict[int, str]:
        """Summaries of many articles: cached ones read, missing ones made in one batch.

        Unknown article ids are left out of the result.
        """
        key = cache_key(await self.model_id(), length)
        result: dict[int, str] = {}
        missing: list[tuple[int, str]] = []
        for article_id in dict.fromkeys(article_ids):
            cached = await self.store.get_summary(article_id, key)
            if cached is not None:
                result[article_id] = cached
                continue
            article = await self.store.get_article(article_id)
            if article is not None:
                missing.append((article_id, article.text))
        if missing:
            max_sentences, max_words = length
            texts = [text for _, text in missing]
            summaries = await asyncio.to_thread(
                self.summarizer.summarize, texts, max_sentences=max_sentences, max_words=max_words
            )
            for (article_id, text), summary in zip(missing, summaries, strict=True):
                summary_text = summary.text.strip() or _fallback(text, max_words)
                await self.store.put_summary(article_id, key, summary_text)
                result[article_id] = summary_text
            logger.debug("summarized %d article(s) with %s", len(missing), key)
        return result
