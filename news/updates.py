"""Story updates: when a story a chat was told about (by an alert, an update or a briefing) gains
a source that says something new, the chat gets one short update with only those sentences and
the new source's link (issue 16).

What a chat knows of a story is every source of it stored by the time it was last told about it
(its links were in the message). A sentence of the new source is new when it is about the story
(close in meaning to the story's opening) and either far in meaning from every sentence the chat
knows (MiniLM cosine below ``NoveltyPolicy.similar``) or a close paraphrase naming a figure or a
name the known sources never mention ("15 dead" after "12 dead"). A copy or a rewrite has no
such sentence and sends nothing. Updates go through the outbox like alerts (flood limits, nothing
lost, nothing doubled), at most one per chat and story per ``settings.update_interval`` hours and
none while something of the story still waits to be sent; ``/updates off`` stops them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from news.models import AddResult, StoredArticle
from news.stories.entities import entities
from news.stories.figures import disagreements
from summarizer.text import is_boilerplate, split_sentences, word_count

if TYPE_CHECKING:
    from config import Settings
    from news.store import Store
    from news.topics import TextEncoder

__all__ = [
    "POLICY",
    "NoveltyPolicy",
    "Scored",
    "UpdateService",
    "chain_hooks",
    "new_facts",
    "new_sentences",
    "pick",
    "score_sentences",
]

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[\w'’-]+")
_CACHE = 512  # articles whose sentences and embeddings are kept in memory
_MAX_SENTENCES = 60  # sentences of one article looked at


@dataclass(frozen=True, slots=True)
class NoveltyPolicy:
    """When a sentence is news to a chat (see the module docstring)."""

    similar: float = 0.55  # cosine to the closest known sentence below this: a new statement
    repeat: float = 0.9  # at or above: the same statement, whatever names it adds (a new
    # figure still counts: "15 injured" after "12 injured" is news however alike the words)
    on_topic: float = 0.2  # cosine to the story's opening at least (furniture, other stories)
    min_words: int = 7
    max_words: int = 70
    names: bool = False  # a new name alone makes a close sentence new (noisy on real pages)
    min_new: int = 2  # sentences new by meaning needed when no new figure is named
    max_sentences: int = 3  # an update carries at most this many sentences
    max_chars: int = 700


POLICY = NoveltyPolicy()


def _words(text: str) -> set[str]:
    return {w.casefold().strip("'’-") for w in _WORD.findall(text)}


_NOISE = re.compile(
    r"\S+@\S+|https?://\S+|www\.\S+"  # addresses
    r"|\+?\d[\d ()-]{6,}\d"  # phone numbers
    r"|\b\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"  # clock times
    r"|\b\d{1,4}/\d{1,2}/\d{2,4}\b"  # dates in figures
    r"|(?i:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?\s\d{1,2}"
    r"(?:st|nd|rd|th)?\b)"
    r"|(?i:\b\d{1,2}(?:st|nd|rd|th)?\s(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec))"
    r"|\b(?:1[89]|20)\d\d\b"  # years
    r"|^[A-Z][A-Z .,'-]+(?:\([^)]*\))?\s*(?:--|—|–|-)+(?:\([^)]*\)--)?\s*"  # a dateline
)
_FURNITURE = re.compile(
    r"\b(?:file )?photo\b|\bpictured\b|\bcaption\b|getty images|\bcopyright\b"
    r"|all rights reserved|click here|sign up|newsletter|don'?t miss|follow us|subscribe"
    r"|\bupdated\b \d|\bposted\b (?:by|on)|read more|related:|\bcomments?\b"
    r"|\bvideo\b|learn more|\bremember\b|\bclick\b",
    re.IGNORECASE,
)


def new_facts(sentence: str, known_names: frozenset[str], known_words: set[str]) -> set[str]:
    """Figures ("#15") and names the sentence mentions that the known text never does (a name is
    known when all its words appear in the known text, in any case). Addresses, phone numbers,
    clock times and datelines are no facts; the sentence's first word is no name."""
    cleaned = _NOISE.sub(" ", sentence).strip()
    if cleaned[:2].istitle():
        cleaned = cleaned[0].lower() + cleaned[1:]
    found = set()
    for name in entities("", cleaned, words=10_000):
        if name in known_names:
            continue
        if not name.startswith("#") and set(name.split()) <= known_words:
            continue
        found.add(name)
    return found


def candidate_sentences(text: str, policy: NoveltyPolicy = POLICY) -> list[str]:
    """The sentences of an article that could carry a fact: not furniture, of sentence length."""
    kept = []
    for sentence in split_sentences(text)[: _MAX_SENTENCES * 2]:
        n = word_count(sentence)
        if (
            policy.min_words <= n <= policy.max_words
            and not is_boilerplate(sentence)
            and not _FURNITURE.search(sentence)
            and not sentence[0].islower()  # a fragment the layout cut off
        ):
            kept.append(sentence)
        if len(kept) >= _MAX_SENTENCES:
            break
    return kept


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def _lexical(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    """Without an encoder: the share of each sentence's words found in each other sentence."""
    sets_a, sets_b = [_words(s) for s in a], [_words(s) for s in b]
    out = np.zeros((len(a), len(b)), dtype=np.float32)
    for i, wa in enumerate(sets_a):
        for j, wb in enumerate(sets_b):
            if wa:
                out[i, j] = len(wa & wb) / len(wa)
    return out


class _Sentences:
    """Candidate sentences and their unit embeddings per article, a bounded LRU cache."""

    def __init__(self, encoder: TextEncoder | None, size: int = _CACHE) -> None:
        self.encoder = encoder
        self.size = size
        self._cache: OrderedDict[int, tuple[list[str], np.ndarray | None]] = OrderedDict()

    def of(self, key: int, text: str) -> tuple[list[str], np.ndarray | None]:
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        sentences = candidate_sentences(text)
        vectors = None
        if self.encoder is not None and sentences:
            vectors = _unit(self.encoder.encode(sentences))
        value = (sentences, vectors)
        if key >= 0:
            self._cache[key] = value
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return value


@dataclass(frozen=True, slots=True)
class Scored:
    """One sentence of a new source: its closest cosine to a known sentence, its cosine to the
    story's opening, and the figures and names it adds."""

    sentence: str
    closest: float
    topical: float
    facts: frozenset[str]


def score_sentences(
    known: Sequence[tuple[int, str, str]],
    new: tuple[int, str, str],
    encoder: TextEncoder | None,
    *,
    cache: _Sentences | None = None,
) -> list[Scored]:
    """Every candidate sentence of ``new`` (id, title, text) scored against the ``known``
    articles (id, title, text; the first is the story's opening). Blocking (runs the encoder);
    without an encoder, word overlap stands in for the cosines."""
    if not known:
        return []
    cache = cache or _Sentences(encoder)
    sentences, vectors = cache.of(new[0], new[2])
    if not sentences:
        return []
    titles = [title for _, title, _ in known if title]
    known_sents: list[str] = list(titles)
    known_vecs: list[np.ndarray] = []
    for key, _title, text in known:
        ks, kv = cache.of(key, text)
        known_sents.extend(ks)
        if kv is not None:
            known_vecs.append(kv)
    known_text = " ".join(f"{title}. {text}" for _, title, text in known)
    known_names = entities("", known_text, words=100_000)
    known_words = _words(known_text)
    opening = " ".join([known[0][1], *candidate_sentences(known[0][2])[:2]])
    if encoder is not None and vectors is not None:
        extra = _unit(encoder.encode([*titles, opening]))
        known_matrix = np.vstack([extra[: len(titles)], *known_vecs])
        closest = (vectors @ known_matrix.T).max(axis=1)
        topical = vectors @ extra[-1]
    else:
        closest = _lexical(sentences, known_sents).max(axis=1)
        topical = _lexical(sentences, [opening])[:, 0]
    return [
        Scored(
            sentence, float(c), float(t), frozenset(new_facts(sentence, known_names, known_words))
        )
        for sentence, c, t in zip(sentences, closest, topical, strict=True)
    ]


def pick(scored: Sequence[Scored], policy: NoveltyPolicy = POLICY) -> list[str]:
    """The sentences that are news (see the module docstring), in document order, at most
    ``policy.max_sentences`` and about ``policy.max_chars``."""
    picked: list[str] = []
    figured = by_meaning = 0
    for item in scored:
        if item.topical < policy.on_topic:
            continue
        figures = any(fact.startswith("#") for fact in item.facts)
        names = policy.names and bool(item.facts) and item.closest < policy.repeat
        meaning = item.closest < policy.similar
        if meaning or figures or names:
            picked.append(item.sentence)
            figured += figures or names
            by_meaning += meaning and not (figures or names)
    if not figured and by_meaning < policy.min_new:
        return []
    picked = picked[: policy.max_sentences]
    while len(picked) > 1 and sum(len(s) + 1 for s in picked) > policy.max_chars:
        picked.pop()
    return picked


def new_sentences(
    known: Sequence[tuple[int, str, str]],
    new: tuple[int, str, str],
    encoder: TextEncoder | None,
    *,
    policy: NoveltyPolicy = POLICY,
    cache: _Sentences | None = None,
) -> list[str]:
    """The sentences of ``new`` (id, title, text) that the ``known`` articles do not say; empty
    for a copy or a rewrite. Blocking (runs the encoder)."""
    return pick(score_sentences(known, new, encoder, cache=cache), policy)


@dataclass(frozen=True, slots=True)
class _Group:
    known: tuple[int, ...]
    chats: tuple[int, ...]


class UpdateService:
    """Queues story updates for the chats following a story when a new source joins it."""

    def __init__(
        self,
        store: Store,
        encoder: TextEncoder | None,
        settings: Settings,
        *,
        policy: NoveltyPolicy = POLICY,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.settings = settings
        self.policy = policy
        self._sentences = _Sentences(encoder)

    @property
    def interval(self) -> timedelta:
        return timedelta(hours=self.settings.update_interval)

    async def set_updates(self, chat_id: int, on: bool) -> None:
        """``/updates on|off``."""
        await self.store.set_updates(chat_id, on)

    async def updates_on(self, chat_id: int) -> bool:
        return (await self.store.alert_settings(chat_id)).updates

    async def disagreements(self, story_id: int) -> list[str]:
        """Where the story's outlets give different figures ("AP: 12 dead; Reuters: 15"), for
        its "Full article" reply; empty when they agree or it is unsure."""
        articles = (await self.store.story_articles([story_id])).get(story_id, [])
        if len({a.source for a in articles}) < 2:
            return []
        sources = [(a.source, f"{a.title}. {a.text}") for a in articles]
        found = await asyncio.to_thread(disagreements, sources)
        return [d.line() for d in found]

    async def on_new_article(
        self, result: AddResult, embedding: object = None, *, now: datetime | None = None
    ) -> int:
        """Queue updates for a new source of a known story; returns the new outbox rows."""
        if result.status != "new" or result.story_is_new:
            return 0
        at = now or datetime.now(UTC)
        watchers = [
            w
            for w in await self.store.story_watchers(result.story_id)
            if not w.pending
            and (w.last_update_at is None or at - w.last_update_at >= self.interval)
        ]
        if not watchers:
            return 0
        articles = (await self.store.story_articles([result.story_id])).get(result.story_id, [])
        new = result.article
        groups: dict[tuple[int, ...], list[int]] = {}
        for watcher in watchers:
            known = tuple(
                a.id for a in articles if a.id != new.id and a.fetched_at <= watcher.known_at
            )
            if known:
                groups.setdefault(known, []).append(watcher.chat_id)
        by_id = {a.id: a for a in articles}
        items: list[tuple[int, int, int, str]] = []
        for known, chats in groups.items():
            sentences = await asyncio.to_thread(
                self._new_sentences, [by_id[i] for i in known], new
            )
            if sentences:
                body = " ".join(sentences)
                items.extend((chat_id, result.story_id, new.id, body) for chat_id in chats)
        if not items:
            return 0
        queued = await self.store.enqueue_updates(items)
        logger.info("story %s: %d update(s) queued (article %s)", result.story_id, queued, new.id)
        return queued

    def _new_sentences(self, known: Sequence[StoredArticle], new: StoredArticle) -> list[str]:
        return new_sentences(
            [(a.id, a.title, a.text) for a in known],
            (new.id, new.title, new.text),
            self.encoder,
            policy=self.policy,
            cache=self._sentences,
        )


Hook = Callable[[AddResult, "np.ndarray | None"], Awaitable[object]]


def chain_hooks(*hooks: Hook) -> Hook:
    """One ``on_new`` hook running ``hooks`` in turn; one failing never stops the next."""

    async def run(result: AddResult, embedding: np.ndarray | None) -> int:
        total = 0
        for hook in hooks:
            try:
                value = await hook(result, embedding)
            except Exception:
                logger.exception("new-article hook %s failed", getattr(hook, "__qualname__", hook))
                continue
            total += value if isinstance(value, int) else 0
        return total

    return run
