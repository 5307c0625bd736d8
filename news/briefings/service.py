"""Briefings: pick the 3-5 stories a chat should read now, with one- or two-sentence summaries.

- With a topic (``/brief ukraine`` or a plain question): stories of the last week on the topic
  by the retrieval alerts use too (``news.topic_match``: a broad topic by meaning and words of
  its field, a specific one by its words in the title, lead or URL path, or by close meaning),
  ranked by relevance weighted by recency. Stories not on the topic are never shown: an empty
  briefing means nothing found.
- Without a topic: the stories since the chat's last briefing (and at least the last two days)
  that it has not been shown yet, those most outlets carry and the newest first
  (``news.briefings.ranking``); when there is nothing new, the newest stories anyway. A second
  briefing is marked as more stories (``Briefing.more``) and says whether still more are left.

Cost per request (the bot answers many): the candidates come from the cached
``StorySnapshot`` of the last month's stories (``news.briefings.snapshot``: one small query
checks it is current; another process's new articles are read at the next request), topic
relevance and similarities are computed once per snapshot and topic
(``news.briefings.index``), summaries come from memory, and the briefing is recorded
in one write. Nothing lives only in memory except these caches.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from news.briefings.index import StoryIndex
from news.briefings.ranking import rank_new, story_time
from news.briefings.ranking import recency as _recency
from news.briefings.snapshot import StorySnapshots
from news.models import StoredArticle, StoryView
from news.sources.fetch import check_url
from news.summaries import BRIEF_LENGTH, LINK_LENGTH, SummaryService
from news.topic_match import parse_topic, question_topic
from news.topics import TextEncoder, normalize_topic

if TYPE_CHECKING:
    from config import Settings
    from news.ingest import Ingestor
    from news.store import Store

__all__ = [
    "Briefing",
    "BriefingItem",
    "BriefingService",
    "LinkSummary",
    "question_topic",
]

logger = logging.getLogger(__name__)

# A chat in /sources mine: the ids of the stories it may be shown, given (chat_id, since).
StoryFilter = Callable[[int, datetime], Awaitable[frozenset[int] | None]]

TOPIC_WINDOW = timedelta(days=7)  # how far back a topic briefing looks
NEWS_WINDOW = timedelta(days=2)  # "what's new" for a chat that never had a briefing
FALLBACK_WINDOW = timedelta(days=30)  # nothing new: the newest stories from this far back
RANK_POOL = 2_000  # unseen stories ranked for a briefing without a topic (most recent first)
TOPIC_VECTOR_CACHE = 512
MAX_QUERY_WORDS = 8  # words of a topic that count
STORY_SOURCES = 5  # articles of a story its briefing summary is drawn from


@dataclass(frozen=True, slots=True)
class BriefingItem:
    story: StoryView
    summary: str
    published: datetime | None = None  # when the story last moved (``ranking.story_time``)


@dataclass(frozen=True, slots=True)
class Briefing:
    """The stories of one briefing. Without a topic: ``more`` when the chat was shown other
    stories before and these are the next ones, ``has_more`` when unseen stories are left after
    these, ``repeated`` when nothing was new and these were shown before."""

    topic: str | None
    items: list[BriefingItem]
    more: bool = False
    has_more: bool = False
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class _Picked:
    stories: list[StoryView]
    more: bool = False
    has_more: bool = False
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class LinkSummary:
    article: StoredArticle
    story: StoryView
    summary: str


class BriefingService:
    """Chooses and summarizes briefing stories; also summarizes links people send.

    Stories are ranked in memory over a ``StorySnapshot`` (cached per process and
    checked against the database with one small query per request), so a briefing costs that
    query, one read of the chat's history (no topic), the cached summaries and one write.
    """

    def __init__(
        self,
        store: Store,
        summaries: SummaryService,
        encoder: TextEncoder | None,
        settings: Settings,
        *,
        ingestor: Ingestor | None = None,
        snapshots: StorySnapshots | None = None,
        story_filter: StoryFilter | None = None,
    ) -> None:
        self.store = store
        self.summaries = summaries
        self.encoder = encoder
        self.settings = settings
        self.ingestor = ingestor
        # The stories ranked, cached per process (news.briefings.snapshot).
        self.snapshots = snapshots if snapshots is not None else StorySnapshots(store)
        self._topic_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._index: StoryIndex | None = None
        # /sources mine: the stories a chat may be shown (None: all; news.chat_sources)
        self._story_filter = story_filter

    async def brief(
        self,
        chat_id: int,
        topic: str | None,
        *,
        limit: int = 5,
        now: datetime | None = None,
    ) -> Briefing:
        """The chat's briefing (topic None: what's new); recorded so it is not repeated.

        Raises news.topics.TopicError for a topic that is empty after cleaning or too long.
        """
        now = now or datetime.now(UTC)
        limit = max(1, min(limit, self.settings.briefing_stories))
        # Markup stripped, case folded, length capped: TopicError (user-facing) when unusable.
        topic = normalize_topic(topic) if topic and topic.strip() else None
        index = await self._current_index(now)
        allowed = None
        if self._story_filter is not None:
            allowed = await self._story_filter(chat_id, now - FALLBACK_WINDOW)
        if topic:
            picked = _Picked(await self._topic_stories(index, topic, limit, now, allowed))
        else:
            picked = await self._new_stories(index, chat_id, limit, now, allowed)
        items = await self._summarize(await self._whole(index, picked.stories))
        if items:
            await self.store.record_briefing(chat_id, [item.story.id for item in items], now)
        logger.info("briefing chat=%s topic=%r: %d stories", chat_id, topic, len(items))
        return Briefing(
            topic=topic,
            items=items,
            more=picked.more,
            has_more=picked.has_more,
            repeated=picked.repeated,
        )

    async def _current_index(self, now: datetime) -> StoryIndex:
        """The index of the store's current snapshot (rebuilt only when the snapshot changed)."""
        # Leads and embeddings are needed for the topic window only (news.briefings.snapshot).
        snapshot = await self.snapshots.get(
            since=now - FALLBACK_WINDOW, detail_since=now - TOPIC_WINDOW
        )
        index = self._index
        if index is None or index.snapshot is not snapshot:
            index = self._index = StoryIndex(snapshot, index)
        return index

    async def _new_stories(
        self,
        index: StoryIndex,
        chat_id: int,
        limit: int,
        now: datetime,
        allowed: frozenset[int] | None = None,
    ) -> _Picked:
        """The chat's unseen stories of the window, ranked (``news.briefings.ranking``): every
        unseen story of the window competes (up to RANK_POOL), not only the latest few, so a
        story many outlets carry is not crowded out by newer single-outlet items."""
        last, briefed = await self.store.briefing_history(chat_id, since=now - FALLBACK_WINDOW)
        # Everything since the last briefing, and at least NEWS_WINDOW back: stories the chat
        # was not shown yet are news to it even if they came in before its last briefing.
        since = now - NEWS_WINDOW if last is None else min(last, now - NEWS_WINDOW)
        wanted = len(briefed) + RANK_POOL  # enough left once the briefed ones go
        if since >= index.snapshot.since:
            recent = index.snapshot.recent(since=since, limit=wanted)
        else:  # a chat back after a long time: further back than the snapshot goes
            recent = await self.store.recent_stories(since=since, limit=wanted)
        fresh = [story for story in recent if story.id not in briefed]
        if allowed is not None:
            fresh = [story for story in fresh if story.id in allowed]
        if not fresh:  # nothing new: the newest stories anyway, rather than an empty reply
            again = index.snapshot.recent(since=now - FALLBACK_WINDOW, limit=RANK_POOL)
            if allowed is not None:
                again = [story for story in again if story.id in allowed]
            best = rank_new(again, now, index.coverage)[:limit]
            return _Picked(best, repeated=bool(best))
        more = bool(briefed) and last is not None and last >= now - NEWS_WINDOW
        ranked = rank_new(fresh, now, index.coverage)
        return _Picked(ranked[:limit], more=more, has_more=len(fresh) > limit)

    async def _topic_stories(
        self,
        index: StoryIndex,
        topic: str,
        limit: int,
        now: datetime,
        allowed: frozenset[int] | None = None,
    ) -> list[StoryView]:
        since = now - TOPIC_WINDOW
        # One retrieval for briefings, questions and alerts (news.topic_match).
        query = parse_topic(topic, max_words=MAX_QUERY_WORDS)
        vectors = []
        if self.encoder is not None and index.window(since):
            vectors = [await self._topic_vector(meaning) for meaning in query.meanings]
        relevance = index.topic_relevance(
            query, vectors, since, meaning_threshold=self.settings.topic_threshold
        )
        if allowed is not None:
            relevance = {sid: score for sid, score in relevance.items() if sid in allowed}
        views = index.views  # ties: the most recently active first, as the snapshot orders
        best = heapq.nlargest(
            limit * 3, relevance, key=lambda sid: (relevance[sid], views[sid].last_seen, sid)
        )
        ranked = sorted(
            (index.views[sid] for sid in best),
            key=lambda s: relevance[s.id] * _recency(s, now),
            reverse=True,
        )
        return ranked[:limit]

    async def _topic_vector(self, topic: str) -> np.ndarray:
        """The topic's embedding, remembered for the next few hundred distinct topics (many
        people ask about the same things; the encoder runs one request at a time)."""
        assert self.encoder is not None
        vector = self._topic_vectors.get(topic)
        if vector is None:
            vector = (await asyncio.to_thread(self.encoder.encode, [topic]))[0]
            self._topic_vectors[topic] = vector
            while len(self._topic_vectors) > TOPIC_VECTOR_CACHE:
                self._topic_vectors.popitem(last=False)
        else:
            self._topic_vectors.move_to_end(topic)
        return vector

    async def _whole(self, index: StoryIndex, stories: list[StoryView]) -> list[StoryView]:
        """The stories as shown: the older ones, whose views the snapshot keeps compact (no
        source titles or links), read whole in one query."""
        compact = [story.id for story in stories if not index.snapshot.detailed(story)]
        if not compact:
            return stories
        whole = {story.id: story for story in await self.store.get_stories(compact)}
        return [whole.get(story.id, story) for story in stories]

    async def _summarize(self, stories: Sequence[StoryView]) -> list[BriefingItem]:
        """One summary per story, drawn from its sources (the lead article and the newest
        others, ``STORY_SOURCES`` in all: a source joining makes it again), in one batch."""
        sources: dict[int, list[int]] = {}
        for story in stories:
            if story.sources:  # oldest first: the first is the story's lead article
                first, *others = (source.article_id for source in story.sources)
                sources[story.id] = [first, *others[-(STORY_SOURCES - 1) :]]
        summaries = await self.summaries.story_summaries_for(sources, length=BRIEF_LENGTH)
        return [
            BriefingItem(
                story=story,
                summary=summaries.get(story.id, ""),
                published=story_time(story),
            )
            for story in stories
            if story.id in sources
        ]

    async def story(self, story_id: int) -> StoryView | None:
        """One story with its sources (``/link ID``, the "Full article" button), or None."""
        return await self.store.get_story(story_id)

    async def summarize_link(self, url: str) -> LinkSummary:
        """Fetch (as user-supplied), extract, store and summarize a link someone sent.

        Raises news.sources.fetch.FetchError or news.sources.extract.NotAnArticle with
        user-facing reasons.
        A link already stored is not fetched again. Shared links do not trigger topic alerts.
        """
        checked = await check_url(url, allow_loopback=self.settings.allow_loopback)
        article = await self.store.find_article(checked)
        if article is None:
            if self.ingestor is None:
                raise RuntimeError("BriefingService needs an ingestor to summarize links")
            result = await self.ingestor.ingest_url(checked, user_supplied=True, notify=False)
            article = result.article
        story = await self.store.get_story(article.story_id)
        if story is None:  # pragma: no cover - the store just returned the article's story
            raise LookupError(f"story {article.story_id} vanished")
        summary = await self.summaries.summary_for(article.id, length=LINK_LENGTH)
        return LinkSummary(article=article, story=story, summary=summary)
