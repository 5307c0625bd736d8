"""Topic subscriptions: clean a user's topic, store it with its embedding, and match every new
article against all subscriptions, queueing one alert per (chat, story).

Matching (``TopicService.match``) is the retrieval of ``news.topic_match``, the same rule
``/brief TOPIC`` and plain questions use: a broad topic ("sport", "economy", "tech") by the
meaning of its lexicon description plus words of its field in the article's title or lead; a
specific one ("peace talks", "Yukos") by all its words in the title, lead or URL path (a small
typo forgiven), or by meaning alone at ``settings.topic_threshold``. A subscription stores the
embedding of that meaning text (``TopicQuery.meaning``), so matching an article costs one
matrix product over all subscriptions.
"""

from __future__ import annotations

import asyncio
import builtins
import html
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from news.models import AddResult, StoredArticle, SubscribeResult, Subscription
from news.topic_match import (
    STOP_WORDS,
    article_lead,
    doc_terms,
    parse_topic,
    relevance,
    stem,
    tokenize,
    topic_words,
    url_words,
    word_variants,
    words_match,
    wordset,
)

if TYPE_CHECKING:
    from config import Settings
    from news.store import Store

__all__ = [
    "MAX_TOPIC_CHARS",
    "STOP_WORDS",
    "TextEncoder",
    "TopicError",
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


def _similarities(
    embedding: np.ndarray | None, vectors: Sequence[np.ndarray | None]
) -> builtins.list[float]:
    """Cosine of ``embedding`` to each vector (-1.0 where either is missing), in one product."""
    scores = [-1.0] * len(vectors)
    if embedding is None:
        return scores
    query = np.asarray(embedding, dtype=np.float32).reshape(-1)
    rows = [i for i, v in enumerate(vectors) if v is not None and v.shape == query.shape]
    if not rows or not float(np.linalg.norm(query)):
        return scores
    matrix = np.stack([np.asarray(vectors[i], dtype=np.float32) for i in rows])
    norms = np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(query))
    values = matrix @ query / np.where(norms == 0, 1.0, norms)
    for i, value in zip(rows, values, strict=True):
        scores[i] = float(value)
    return scores


# Chats to leave out of an article's alerts (news.chat_sources: /sources mine).
AlertFilter = Callable[[StoredArticle, Sequence[int]], Awaitable[set[int]]]


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

    async def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """Embeddings off the event loop, or None without an encoder."""
        if self.encoder is None or not texts:
            return None
        return await asyncio.to_thread(self.encoder.encode, list(texts))

    async def subscribe(self, chat_id: int, topic: str, *, thread_id: int = 0) -> SubscribeResult:
        """Subscribe a chat to a (normalized) topic; capped at settings.max_subscriptions.
        ``thread_id``: the forum topic its alerts go to (0: none).

        The stored embedding is that of the topic's meaning text (a broad topic's lexicon
        description), the vector briefings compare stories with.
        """
        key = normalize_topic(topic)
        vectors = await self.embed([parse_topic(key).meaning])
        embedding = None if vectors is None else vectors[0]
        result = await self.store.subscribe(
            chat_id,
            key,
            embedding=embedding,
            limit=self.settings.max_subscriptions,
            thread_id=thread_id,
        )
        logger.info("chat %s subscribe %r -> %s", chat_id, key, result.status)
        return result

    async def unsubscribe(self, chat_id: int, topic_or_id: str | int) -> bool:
        """Remove a subscription by id or by topic (normalized the same way as subscribe)."""
        if isinstance(topic_or_id, int):
            return await self.store.unsubscribe(chat_id, topic_or_id)
        try:
            key = normalize_topic(topic_or_id)
        except TopicError:
            return False
        return await self.store.unsubscribe(chat_id, key)

    async def list(self, chat_id: int) -> builtins.list[Subscription]:
        """The chat's subscriptions."""
        return await self.store.list_subscriptions(chat_id)

    async def match(
        self, article: StoredArticle, embedding: np.ndarray | None
    ) -> builtins.list[tuple[int, str]]:
        """(chat_id, topic) for every chat with a subscription matching the article (one each)."""
        return [(chat, topic) for chat, topic, _ in await self.match_threads(article, embedding)]

    async def match_threads(
        self, article: StoredArticle, embedding: np.ndarray | None
    ) -> builtins.list[tuple[int, str, int]]:
        """``match`` with the forum topic (thread id, 0: none) of each matching subscription."""
        subscriptions = await self.store.active_subscriptions()
        if not subscriptions:
            return []
        doc = doc_terms(article.title, article.text, [article.url])
        stored = _similarities(embedding, [vector for _, vector in subscriptions])
        queries = [parse_topic(subscription.topic) for subscription, _ in subscriptions]
        concept_sims = await self._concept_similarities(
            embedding, {m for q in queries if q.concepts for m in q.meanings}
        )
        matched: dict[int, tuple[str, int]] = {}
        for (subscription, _), query, sim in zip(subscriptions, queries, stored, strict=True):
            if subscription.chat_id in matched:
                continue
            sims: list[float] | None
            if query.concepts:
                sims = [concept_sims[m] for m in query.meanings] if concept_sims else None
            else:
                sims = [sim] if sim > -1.0 else None
            score = relevance(
                query,
                doc,
                sims,
                word_variants(query, doc.lead),
                meaning_threshold=self.settings.topic_threshold,
            )
            if score is not None:
                matched[subscription.chat_id] = (subscription.topic, subscription.thread_id)
        return [(chat, topic, thread) for chat, (topic, thread) in matched.items()]

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
        """Queue alerts for a newly stored article; returns the number of new outbox rows.

        A duplicate (the same article again) alerts nobody; a new source of a known story is
        matched again, and the store's unique (chat, story) key keeps it to one alert per chat.
        """
        if result.status != "new":
            return 0
        matches = await self.match_threads(result.article, embedding)
        if matches and self.alert_filter is not None:  # /sources mine (news.chat_sources)
            excluded = await self.alert_filter(result.article, [m[0] for m in matches])
            matches = [m for m in matches if m[0] not in excluded]
        if not matches:
            return 0
        queued = await self.store.enqueue_alerts(
            [(chat_id, result.story_id, topic, thread) for chat_id, topic, thread in matches]
        )
        logger.info("story %s: %d alert(s) queued", result.story_id, queued)
        return queued
