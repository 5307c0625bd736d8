"""Topic subscriptions: clean a user's topic and its keyword filters, store it with its
embedding, and match every new article against all subscriptions, queueing one alert per
(chat, story) that carries how its topic matched ("Why this?").

Matching is the retrieval of ``news.topic_match``, the same rule ``/brief TOPIC`` and plain
questions use: a broad topic ("sport", "economy", "tech") by the meaning of its lexicon
description plus words of its field in the article's title or lead; a specific one ("peace
talks", "Yukos") by all its words in the title, lead or URL path (a small typo forgiven), or by
meaning alone at ``settings.topic_threshold``; then each subscription's keyword filters
(``news.topic_filters``). Every subscription lives in one ``news.topic_index.TopicIndex`` per
process, filled once and then kept up to date from the rows changed since (a subscribe or
unsubscribe anywhere changes one entry, never a reload); matching runs in a thread.
"""

from __future__ import annotations

import asyncio
import builtins
import html
import json
import logging
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from news.models import (
    AddResult,
    StoredArticle,
    SubscribeResult,
    Subscription,
    SubscriptionChanges,
)
from news.topic_filters import FilterError, parse_filters, split_request
from news.topic_index import IndexedSubscription, TopicIndex, TopicMatch
from news.topic_match import (
    STOP_WORDS,
    article_lead,
    doc_terms,
    parse_topic,
    stem,
    tokenize,
    topic_words,
    url_words,
    words_match,
    wordset,
)

if TYPE_CHECKING:
    from config import Settings
    from news.store import Store

__all__ = [
    "MAX_TOPIC_CHARS",
    "STOP_WORDS",
    "AlertReason",
    "TextEncoder",
    "TopicError",
    "TopicMatch",
    "TopicService",
    "article_lead",
    "normalize_topic",
    "stem",
    "tokenize",
    "topic_words",
    "url_words",
    "words_match",
    "wordset",
]

logger = logging.getLogger(__name__)

MAX_TOPIC_CHARS = 64
MUTED_CACHE = 1024  # sources whose muting chats a process remembers


_TAG = re.compile(r"<[^>]*>")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_CHARS = re.compile(r"[*_`~#>|\[\]{}\\]+")
_SPACE = re.compile(r"\s+")


class TopicError(ValueError):
    """A topic that cannot be used; ``reason`` is one user-facing sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TextEncoder(Protocol):
    """What topics and briefings need from the MiniLM encoder (``summarizer.Encoder``)."""

    @property
    def model_id(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def normalize_topic(text: str) -> str:
    """The stored form of a topic: HTML and markdown stripped, whitespace collapsed, lower case.

    Raises TopicError when nothing usable is left or the topic is longer than MAX_TOPIC_CHARS.
    """
    cleaned = text
    for _ in range(2):  # twice: entity-escaped tags ("&lt;b&gt;") are tags too
        cleaned = _TAG.sub(" ", html.unescape(cleaned))
    cleaned = _MD_LINK.sub(r"\1", cleaned)
    cleaned = _MD_CHARS.sub(" ", cleaned)
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch)[0] != "C" or ch.isspace())
    cleaned = _SPACE.sub(" ", cleaned).strip(" \t\n.,;:!?-–—'\"").casefold()
    if not tokenize(cleaned):
        raise TopicError("Please name a topic, for example: /subscribe climate policy")
    if len(cleaned) > MAX_TOPIC_CHARS:
        raise TopicError(
            f"That topic is too long ({len(cleaned)} characters); "
            f"please keep it under {MAX_TOPIC_CHARS}."
        )
    return cleaned


def _similarities(embedding: np.ndarray | None, vectors: Sequence[np.ndarray]) -> list[float]:
    """Cosine of ``embedding`` to each vector (-1.0 where a shape differs), in one product."""
    if embedding is None or not vectors:
        return [-1.0] * len(vectors)
    query = np.asarray(embedding, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(query))
    if not norm or any(v.shape != query.shape for v in vectors):
        return [-1.0] * len(vectors)
    matrix = np.stack(vectors).astype(np.float32, copy=False)
    norms = np.linalg.norm(matrix, axis=1) * norm
    return [float(v) for v in matrix @ query / np.where(norms == 0, 1.0, norms)]


@dataclass(frozen=True, slots=True)
class AlertReason:
    """Why an alert came ("Why this?"): the topic that matched and how."""

    topic: str
    subscription_id: int
    how: str  # "words" (all the topic's words found), "meaning", or "field" (a broad topic)
    words: tuple[str, ...] = ()  # the story's words that matched (or words of the field)
    where: str | None = None  # "headline" or "opening", for a words match
    like: str | None = None  # the meaning it is close to, for a meaning match
    field: str | None = None  # the broad topic's concept
    score: float | None = None  # the cosine of the meaning, when there was one
    source: str | None = None  # the outlet of the article that matched
    filters: str | None = None  # the subscription's keyword filters
    kept: tuple[str, ...] = ()  # the required words and phrases found

    @classmethod
    def from_json(cls, text: str | None) -> AlertReason | None:
        """The reason stored with an alert, or None when there is none (or it is unreadable)."""
        if not text:
            return None
        try:
            data = json.loads(text)
            return cls(
                topic=str(data["topic"]),
                subscription_id=int(data["sub"]),
                how=str(data["how"]),
                words=tuple(str(w) for w in data.get("words", ())),
                where=data.get("where"),
                like=data.get("like"),
                field=data.get("field"),
                score=data.get("score"),
                source=data.get("source"),
                filters=data.get("filters"),
                kept=tuple(str(w) for w in data.get("kept", ())),
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("unreadable alert reason: %.200r", text)
            return None


def _reasons(
    matches: Sequence[TopicMatch], story_id: int, source: str
) -> dict[tuple[int, int], str]:
    """(chat, story) -> the JSON an alert keeps of how it matched (``AlertReason``)."""
    return {
        (m.chat_id, story_id): json.dumps(
            {**m.why, "sub": m.subscription_id, "topic": m.topic, "source": source}
        )
        for m in matches
    }


# Chats to leave out of an article's alerts (news.chat_sources: /sources mine).
AlertFilter = Callable[[StoredArticle, Sequence[int]], Awaitable[set[int]]]


def _indexed(sub: Subscription, vector: np.ndarray | None) -> IndexedSubscription:
    """A stored subscription as the topic index holds it (its filters parsed)."""
    return IndexedSubscription(
        id=sub.id,
        chat_id=sub.chat_id,
        topic=sub.topic,
        thread_id=sub.thread_id,
        filters=parse_filters(sub.filters),
        vector=vector,
    )


class TopicService:
    """Subscriptions and matching of new articles to them (one outbox row per chat and story)."""

    def __init__(
        self,
        store: Store,
        encoder: TextEncoder | None,
        settings: Settings,
        *,
        alert_filter: AlertFilter | None = None,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.settings = settings
        # (article, matched chat ids) -> the chats not to alert (their own sources only)
        self.alert_filter = alert_filter
        # Embeddings of the lexicon's concept descriptions (a fixed, small set), made once.
        self._concept_vectors: dict[str, np.ndarray] = {}
        self._index = TopicIndex()
        self._version: int | None = None  # the subscriptions version the index is at
        self._sync_lock = asyncio.Lock()
        # source -> the chats that muted it; emptied whenever the subscriptions' counter moves
        # (muting moves it too), at most MUTED_CACHE sources
        self._muted: OrderedDict[str, frozenset[int]] = OrderedDict()

    async def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """Embeddings off the event loop, or None without an encoder."""
        if self.encoder is None or not texts:
            return None
        return await asyncio.to_thread(self.encoder.encode, list(texts))

    async def subscribe(self, chat_id: int, topic: str, *, thread_id: int = 0) -> SubscribeResult:
        """Subscribe a chat to a topic with optional keyword filters (``news.topic_filters``:
        ``climate -sport "heat pump"``); capped at settings.max_subscriptions. The same topic
        again with other filters replaces them (``updated``). ``thread_id``: the forum topic
        its alerts go to (0: none).

        The stored embedding is that of the topic's meaning text (a broad topic's lexicon
        description), the vector briefings compare stories with.
        """
        try:
            plain, filters = split_request(topic)
        except FilterError as exc:
            raise TopicError(exc.reason) from exc
        key = normalize_topic(plain)
        vectors = await self.embed([parse_topic(key).meaning])
        embedding = None if vectors is None else vectors[0]
        result = await self.store.subscribe(
            chat_id,
            key,
            embedding=embedding,
            limit=self.settings.max_subscriptions,
            thread_id=thread_id,
            filters=filters.canonical() or None,
        )
        logger.info("chat %s subscribe %r -> %s", chat_id, key, result.status)
        if result.status in ("created", "updated"):
            await self._sync(result, embedding)
        return result

    async def unsubscribe(self, chat_id: int, topic_or_id: str | int) -> bool:
        """Remove a subscription by id or by topic (normalized the same way as subscribe;
        filters typed after it are ignored)."""
        if isinstance(topic_or_id, int):
            removed = await self.store.unsubscribe(chat_id, topic_or_id)
        else:
            try:
                key = normalize_topic(split_request(topic_or_id)[0])
            except (TopicError, FilterError):
                return False
            removed = await self.store.unsubscribe(chat_id, key)
        if removed:
            await self._sync()
        return removed

    async def list(self, chat_id: int) -> builtins.list[Subscription]:
        """The chat's subscriptions."""
        return await self.store.list_subscriptions(chat_id)

    async def _sync(
        self, own: SubscribeResult | None = None, vector: np.ndarray | None = None
    ) -> None:
        """Bring the index up to the store: every subscription the first time, then only the
        rows changed since (by this process or any other). Before the first match, nothing:
        the first match loads it. ``own``: this process's subscribe just stored, with its
        ``vector``; when it is the only change since the index's version (its stamp the next
        one), it is applied as it is, without reading the changes back."""
        if self._version is None:
            return
        async with self._sync_lock:
            mine = None if own is None else own.subscription
            if mine is not None and own is not None and own.version == self._version + 1:
                changes = SubscriptionChanges(own.version, ((mine, True, vector),))
            else:
                changes = await self.store.subscription_changes(self._version)
            if changes.rows:
                upserts = [_indexed(sub, vector) for sub, active, vector in changes.rows if active]
                removals = [sub.id for sub, active, _ in changes.rows if not active]
                # a few rows: here, unless a match holds the index; else in a thread
                few = len(changes.rows) <= 50
                if not (few and self._index.try_apply(upserts, removals)):
                    await asyncio.to_thread(self._index.apply, upserts, removals)
            if changes.version != self._version:
                self._muted.clear()
            self._version = changes.version

    async def _load(self) -> None:
        async with self._sync_lock:
            if self._version is not None:
                return
            changes = await self.store.subscription_changes(None)
            upserts = [_indexed(sub, vector) for sub, _active, vector in changes.rows]
            await asyncio.to_thread(self._index.apply, upserts, ())
            self._version = changes.version
            logger.info(
                "topic index: %d subscriptions, %d distinct topics",
                len(self._index),
                self._index.distinct_topics,
            )

    async def match(
        self, article: StoredArticle, embedding: np.ndarray | None
    ) -> builtins.list[tuple[int, str]]:
        """(chat_id, topic) for every chat with a subscription matching the article (one each)."""
        return [(m.chat_id, m.topic) for m in await self.match_explained(article, embedding)]

    async def match_threads(
        self, article: StoredArticle, embedding: np.ndarray | None
    ) -> builtins.list[tuple[int, str, int]]:
        """``match`` with the forum topic (thread id, 0: none) of each matching subscription."""
        found = await self.match_explained(article, embedding)
        return [(m.chat_id, m.topic, m.thread_id) for m in found]

    async def match_explained(
        self, article: StoredArticle, embedding: np.ndarray | None
    ) -> builtins.list[TopicMatch]:
        """Every chat with a subscription the article matches (its first by id), how it
        matched, leaving out chats that muted the article's source."""
        if self._version is None:
            await self._load()
        else:
            await self._sync()
        if not len(self._index):
            return []
        concept_sims = await self._concept_similarities(embedding, self._index.concept_meanings())
        muted = await self._muted_chats(article.source)
        return await asyncio.to_thread(self._match, article, embedding, concept_sims, muted)

    async def _muted_chats(self, source: str) -> frozenset[int]:
        known = self._muted.get(source)
        if known is None:
            known = frozenset(await self.store.muted_chats(source))
            self._muted[source] = known
            while len(self._muted) > MUTED_CACHE:
                self._muted.popitem(last=False)
        return known

    def _match(
        self,
        article: StoredArticle,
        embedding: np.ndarray | None,
        concept_sims: dict[str, float],
        muted: frozenset[int],
    ) -> builtins.list[TopicMatch]:
        """The index's matches for the article, one per chat (its subscription with the
        lowest id), chats that muted the source left out: in a thread, all of it."""
        doc = doc_terms(article.title, article.text, [article.url])
        return self._index.match(
            doc,
            title=article.title,
            text=article.text,
            embedding=embedding,
            concept_sims=concept_sims,
            threshold=self.settings.topic_threshold,
            muted=muted,
        )

    async def _concept_similarities(
        self, embedding: np.ndarray | None, meanings: set[str]
    ) -> dict[str, float]:
        """Cosine of the article to each concept description (empty without an encoder or an
        embedding); descriptions are embedded once per process."""
        if embedding is None or self.encoder is None or not meanings:
            return {}
        missing = sorted(meanings - set(self._concept_vectors))
        vectors = await self.embed(missing)
        if vectors is not None:
            self._concept_vectors.update(zip(missing, vectors, strict=True))
        ordered = sorted(meanings)
        scores = _similarities(embedding, [self._concept_vectors[m] for m in ordered])
        return dict(zip(ordered, scores, strict=True))

    async def on_new_article(self, result: AddResult, embedding: np.ndarray | None) -> int:
        """Queue alerts for a newly stored article, each with how its topic matched; returns
        the number of new outbox rows.

        A duplicate (the same article again) alerts nobody; a new source of a known story is
        matched again, and the store's unique (chat, story) key keeps it to one alert per chat.
        """
        if result.status != "new":
            return 0
        matches = await self.match_explained(result.article, embedding)
        if matches and self.alert_filter is not None:  # /sources mine (news.chat_sources)
            excluded = await self.alert_filter(result.article, [m.chat_id for m in matches])
            matches = [m for m in matches if m.chat_id not in excluded]
        if not matches:
            return 0
        why = await asyncio.to_thread(_reasons, matches, result.story_id, result.article.source)
        queued = await self.store.enqueue_alerts(
            [(m.chat_id, result.story_id, m.topic, m.thread_id) for m in matches], why=why
        )
        logger.info("story %s: %d alert(s) queued", result.story_id, queued)
        return queued

    async def explain(self, chat_id: int, story_id: int) -> AlertReason | None:
        """Why the chat got its alert on this story ("Why this?"), or None."""
        return AlertReason.from_json(await self.store.alert_why(chat_id, story_id))

    async def mute_source(self, chat_id: int, story_id: int) -> str | None:
        """Mute the source of the chat's alert on this story: the source's name, or None
        when the alert is unknown (already muted: the name too)."""
        reason = await self.explain(chat_id, story_id)
        if reason is None or not reason.source:
            return None
        await self.store.mute_source(chat_id, reason.source)
        logger.info("chat %s muted a source", chat_id)
        return reason.source
