"""Article summaries, computed once per (article, summarizer model, length) and kept in the store.

Missing summaries are computed in ONE batched summarizer call off the event loop, so a briefing
of five stories costs one forward pass, and a second request costs none. Cached summaries are read
in one query, and the most recently used ones are also kept in memory: a summary never changes
once made for an (article, model, length), so the memory copy needs no invalidation (a second
process that computes the same summary concurrently stores the same text).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from summarizer.types import StorySummarizer, Summarizer

if TYPE_CHECKING:
    from news.models import StoredArticle
    from news.store import Store

__all__ = [
    "BRIEF_LENGTH",
    "LINK_LENGTH",
    "SummaryLength",
    "SummaryService",
    "story_key",
]

logger = logging.getLogger(__name__)

SummaryLength = tuple[int, int]  # (max_sentences, max_words)
BRIEF_LENGTH: SummaryLength = (2, 60)  # one or two sentences per briefing item
LINK_LENGTH: SummaryLength = (3, 90)  # a link someone sent deserves a little more
MEMORY_CACHE = 4096  # summaries kept in memory (a few MB), most recently used


def cache_key(model_id: str, length: SummaryLength) -> str:
    """The store's model-id column for a summary: model plus the length it was cut to."""
    if length == BRIEF_LENGTH:
        return model_id
    return f"{model_id}|{length[0]}s{length[1]}w"


def story_key(model_id: str, length: SummaryLength, article_ids: Sequence[int]) -> str:
    """The model-id column for a story's summary: one article shares ``cache_key``; several
    add a digest of the set of articles, so a new source makes a new summary."""
    base = cache_key(model_id, length)
    if len(set(article_ids)) <= 1:
        return base
    digest = hashlib.sha256(",".join(map(str, sorted(set(article_ids)))).encode()).hexdigest()
    return f"{base}|story:{digest[:12]}"


def _fallback(text: str, max_words: int) -> str:
    """The opening words of an article, when the summarizer returns nothing for it."""
    words = text.split()
    head = " ".join(words[:max_words])
    return head + ("…" if len(words) > max_words else "")


class SummaryService:
    """Cached summaries of stored articles."""

    def __init__(self, store: Store, summarizer: Summarizer) -> None:
        self.store = store
        self.summarizer = summarizer
        self._model_id: str | None = None
        self._inflight: dict[tuple[int, str], asyncio.Future[str | None]] = {}
        self._memory: OrderedDict[tuple[int, str], str] = OrderedDict()

    def _remember(self, article_id: int, key: str, text: str) -> None:
        self._memory[(article_id, key)] = text
        self._memory.move_to_end((article_id, key))
        while len(self._memory) > MEMORY_CACHE:
            self._memory.popitem(last=False)

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

        A summary another request is computing right now is awaited, not computed again (a
        hundred people asking for the same briefing cost one summarizer call). Unknown
        article ids are left out of the result.
        """
        key = cache_key(await self.model_id(), length)
        result: dict[int, str] = {}
        waiting: list[tuple[int, asyncio.Future[str | None]]] = []
        mine: dict[int, asyncio.Future[str | None]] = {}
        missing: list[tuple[int, str]] = []
        todo: list[int] = []
        for article_id in dict.fromkeys(article_ids):
            known = self._memory.get((article_id, key))
            if known is None:
                todo.append(article_id)
            else:
                self._memory.move_to_end((article_id, key))
                result[article_id] = known
        if not todo:
            return result
        unread = [i for i in todo if (i, key) not in self._inflight]
        stored = await self.store.get_summaries(unread, key) if unread else {}
        loop = asyncio.get_running_loop()
        try:
            for article_id in todo:
                # (In memory: a computation that was in flight before the read finished.)
                cached = stored.get(article_id) or self._memory.get((article_id, key))
                if cached is not None:
                    result[article_id] = cached
                    self._remember(article_id, key, cached)
                    continue
                flight = self._inflight.get((article_id, key))  # maybe started meanwhile
                if flight is not None:
                    waiting.append((article_id, flight))
                    continue
                mine[article_id] = self._inflight[(article_id, key)] = loop.create_future()
                article = await self.store.get_article(article_id)
                if article is None:
                    mine.pop(article_id).set_result(None)
                    self._inflight.pop((article_id, key), None)
                else:
                    missing.append((article_id, article.text))
            if missing:
                result.update(await self._summarize(missing, key, length))
            for article_id, future in mine.items():
                if not future.done():
                    future.set_result(result.get(article_id))
        finally:
            for article_id, future in mine.items():
                self._inflight.pop((article_id, key), None)
                if not future.done():  # we failed: the requests waiting on us compute it
                    future.set_result(None)
        retry: list[tuple[int, str]] = []
        for article_id, future in waiting:
            text = await asyncio.shield(future)
            if text is not None:
                result[article_id] = text
                continue
            # The other request failed or the article is unknown: look for ourselves.
            article = await self.store.get_article(article_id)
            if article is not None:
                cached = await self.store.get_summary(article_id, key)
                if cached is not None:
                    result[article_id] = cached
                else:
                    retry.append((article_id, article.text))
        if retry:
            result.update(await self._summarize(retry, key, length))
        return result

    async def story_summaries_for(
        self, stories: Mapping[int, Sequence[int]], *, length: SummaryLength = BRIEF_LENGTH
    ) -> dict[int, str]:
        """One summary per story (story id -> its article ids, lead first), drawn from all of
        its sources by the summarizer's ``summarize_story`` when it has one.

        Stored once per story, model and length under the lead article, keyed by the set of
        its articles: a new source joining the story makes a new key, so the summary is made
        again. A story of one article shares ``summaries_for``'s cache; a summarizer without
        ``summarize_story`` summarizes the lead article. Unknown articles are left out.
        """
        result: dict[int, str] = {}
        summarizer = self.summarizer
        story_fn = summarizer.summarize_story if isinstance(summarizer, StorySummarizer) else None
        singles: dict[int, int] = {}
        multi: dict[int, list[int]] = {}
        for story_id, ids in stories.items():
            unique = list(dict.fromkeys(ids))
            if not unique:
                continue
            if len(unique) == 1 or story_fn is None:
                singles[story_id] = unique[0]
            else:
                multi[story_id] = unique
        if singles:
            made = await self.summaries_for(list(singles.values()), length=length)
            result.update({s: made[a] for s, a in singles.items() if a in made})
        if not multi:
            return result
        model = await self.model_id()
        todo: list[tuple[int, str, list[StoredArticle]]] = []
        for story_id, ids in multi.items():
            key = story_key(model, length, ids)
            known = self._memory.get((ids[0], key)) or await self.store.get_summary(ids[0], key)
            if known is not None:
                self._remember(ids[0], key, known)
                result[story_id] = known
                continue
            found = [a for a in [await self.store.get_article(i) for i in ids] if a is not None]
            if found:
                todo.append((story_id, key, found))
        if todo and story_fn is not None:
            max_sentences, max_words = length
            summarize_story = story_fn

            def work() -> list[str]:
                return [
                    summarize_story(
                        [a.text for a in articles],
                        max_sentences=max_sentences,
                        max_words=max_words,
                        titles=[a.title for a in articles],
                    ).text
                    for _, _, articles in todo
                ]

            texts = await asyncio.to_thread(work)
            for (story_id, key, articles), text in zip(todo, texts, strict=True):
                text = text.strip() or _fallback(articles[0].text, max_words)
                await self.store.put_summary(articles[0].id, key, text)
                self._remember(articles[0].id, key, text)
                result[story_id] = text
        return result

    async def _summarize(
        self, missing: list[tuple[int, str]], key: str, length: SummaryLength
    ) -> dict[int, str]:
        """One summarizer call for all ``missing`` (article id, text); stored under ``key``."""
        max_sentences, max_words = length
        texts = [text for _, text in missing]
        summaries = await asyncio.to_thread(
            self.summarizer.summarize, texts, max_sentences=max_sentences, max_words=max_words
        )
        made: dict[int, str] = {}
        for (article_id, text), summary in zip(missing, summaries, strict=True):
            summary_text = summary.text.strip() or _fallback(text, max_words)
            await self.store.put_summary(article_id, key, summary_text)
            made[article_id] = summary_text
            self._remember(article_id, key, summary_text)
        logger.debug("summarized %d article(s) with %s", len(missing), key)
        return made
