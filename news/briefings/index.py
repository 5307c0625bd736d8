"""What briefings derive from a ``StorySnapshot`` to answer ``/brief TOPIC`` fast, carried from
one snapshot to the next so a new article costs work for its story only.

- the stories' embeddings: the snapshot's own matrix (``news.briefings.embeddings``), with each
  topic meaning's cosines to every row remembered and extended by the new rows only.
- per topic, the relevance of each story of the topic window (``news.topic_match.relevance``),
  kept and updated for the stories that changed: a story's relevance depends only on its own
  words, sources and embedding, and, for a specific topic, on the typo variants the vocabulary
  offers (extended with the new words only; when they change, the topic is scored again).
- per story of the topic window, the words topics read (``TopicDoc``); every word of them is in
  the vocabulary where a misspelt topic finds its spelling.

All of it is bounded by the stories of the snapshot's month (the words and vectors of a story,
no article text), and rebuilt when a snapshot is read from scratch.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from news.briefings.heap import release_free_memory
from news.briefings.ranking import coverage
from news.briefings.snapshot import StorySnapshot
from news.models import StoryView
from news.topic_match import (
    MIN_FUZZY_LENGTH,
    TopicDoc,
    TopicQuery,
    doc_terms,
    known_words,
    relevance,
)

__all__ = ["SEARCH_CACHE", "StoryIndex"]

Relevance = dict[int, float]

SEARCH_CACHE = 256  # topics remembered
RELEASE_AFTER = 2_000  # stories' words built at once after which freed memory is given back
CHANGES = 512  # snapshots whose changed stories are remembered (a topic asked less often is
# scored again)


@dataclass(slots=True)
class _Topic:
    """One topic's relevance over the stories, and the typo variants it was computed with."""

    scores: Relevance
    variants: dict[str, frozenset[str]]
    vocabulary_done: int  # words of the vocabulary the variants were searched in
    max_article_id: int  # the snapshot it reflects
    since: datetime  # the topic window it covers (stories active since)


@dataclass(slots=True)
class _Shared:
    """What one index hands to the next (see the module docstring)."""

    docs: dict[int, TopicDoc] = field(default_factory=dict)  # story id -> its words
    vocabulary: set[str] = field(default_factory=set)
    words: list[str] = field(default_factory=list)  # the vocabulary in the order added
    topics: OrderedDict[tuple[str, float], _Topic] = field(default_factory=OrderedDict)
    # (max_article_id, stories changed to reach it) per snapshot carried, oldest first
    changes: list[tuple[int, frozenset[int]]] = field(default_factory=list)

    def changed_since(self, max_article_id: int) -> set[int] | None:
        """The stories changed by the snapshots after the one of ``max_article_id`` (None: not
        known that far back)."""
        if self.changes and self.changes[0][0] > max_article_id and len(self.changes) == CHANGES:
            return None
        out: set[int] = set()
        for newest, changed in reversed(self.changes):
            if newest <= max_article_id:
                break
            out |= changed
        return out


class StoryIndex:
    """What briefings derive from one ``StorySnapshot`` (see the module docstring)."""

    def __init__(self, snapshot: StorySnapshot, previous: StoryIndex | None) -> None:
        self.snapshot = snapshot
        self.views = snapshot.by_id
        carry = previous is not None and snapshot.changed is not None
        self._shared: _Shared = previous._shared if carry and previous is not None else _Shared()
        # The stories this index scores afresh: all of them, unless carried.
        self.changed: AbstractSet[int] = (
            snapshot.changed if carry and snapshot.changed is not None else self.views.keys()
        )
        shared = self._shared
        for story_id in self.changed if carry else ():
            shared.docs.pop(story_id, None)
        if carry:
            shared.changes.append((snapshot.max_article_id, frozenset(self.changed)))
            del shared.changes[:-CHANGES]
        self._coverage: dict[int, float] = {}  # story id -> ranking.coverage (this snapshot)

    def window(self, since: datetime) -> int:
        """How many of the snapshot's stories (newest first) were active since ``since``."""
        return self.snapshot.count_since(since)

    def topic_doc(self, story_id: int) -> TopicDoc:
        """The story's words as topics read them: its lead article's title and lead, and the
        URL paths of all its sources (``news.topic_match.doc_terms``)."""
        shared = self._shared
        doc = shared.docs.get(story_id)
        if doc is None:
            story = self.views[story_id]
            article = self.snapshot.lead(story_id)
            title, text = (article.title, article.text) if article else (story.title, "")
            doc = doc_terms(title, text, [source.url for source in story.sources])
            # A week of stories is kept: each word once for all of them (interned), each
            # story's words as tuples (a fifth of a set's memory; the rules only test them).
            doc = TopicDoc(
                title=tuple(map(sys.intern, doc.title)),
                lead=tuple(map(sys.intern, doc.lead)),
                sections=tuple(map(sys.intern, doc.sections)),
                sequence=doc.sequence,
            )
            shared.docs[story_id] = doc
            vocabulary = shared.vocabulary
            for word in doc.lead:
                if word not in vocabulary:
                    vocabulary.add(word)
                    shared.words.append(word)
        return doc

    def _variants(
        self, query: TopicQuery, found: _Topic | None
    ) -> tuple[dict[str, frozenset[str]], int]:
        """``news.topic_match.word_variants`` over every word the stories carry, searched only
        in the words added since ``found`` was."""
        words = self._shared.words
        if query.concept is not None:
            return {}, len(words)
        start = 0 if found is None else found.vocabulary_done
        out = dict(found.variants) if found is not None else {}
        known = known_words()
        fresh = words[start:]
        for word in query.words:
            variants = set(out.get(word, frozenset((word,))))
            if len(word) >= MIN_FUZZY_LENGTH and word not in known and fresh:
                hits = extract(word, fresh, scorer=OSA.distance, score_cutoff=1, limit=None)
                variants |= {
                    other
                    for other, _, _ in hits
                    if other[:1] == word[:1] and OSA.distance(word, other, score_cutoff=1) <= 1
                }
            out[word] = frozenset(variants)
        return out, len(words)

    def topic_relevance(
        self,
        query: TopicQuery,
        vectors: Sequence[np.ndarray],
        since: datetime,
        *,
        meaning_threshold: float,
    ) -> Relevance:
        """Story id -> relevance for every story active since ``since`` that is on the topic
        (``news.topic_match.relevance``); ``vectors`` are the embeddings of
        ``query.meanings`` (none without an encoder)."""
        shared = self._shared
        window = self.snapshot.stories[: self.window(since)]
        built = 0
        for story in window:  # the vocabulary holds every word of the window
            if story.id not in shared.docs:
                self.topic_doc(story.id)
                built += 1
        if built >= RELEASE_AFTER:
            release_free_memory()  # what building the words dropped
        key = (query.text, meaning_threshold)
        found = shared.topics.get(key)
        if found is not None and (
            found.since > since or found.max_article_id > self.snapshot.max_article_id
        ):
            found = None  # a wider window, or an older snapshot, than it covers
        if found is not None and found.max_article_id == self.snapshot.max_article_id:
            shared.topics.move_to_end(key)
            return self._within(found.scores, since)
        variants, done = self._variants(query, found)
        if found is not None and variants != found.variants:
            found = None  # a new spelling in the stories: score the topic again
        embeddings = self.snapshot.vectors
        cosines = [embeddings.cosines(m, v) for m, v in zip(query.meanings, vectors, strict=False)]
        changed = None if found is None else shared.changed_since(found.max_article_id)
        if found is None or changed is None:
            todo = [story.id for story in window]
            scores: Relevance = {}
        else:
            todo = [i for i in changed if i in self.views and self.views[i].last_seen >= since]
            scores = found.scores
        rows = embeddings.rows
        for story_id in todo:
            row = rows.get(story_id)
            sims = [float(c[row]) for c in cosines] if row is not None and cosines else None
            score = relevance(
                query,
                self.topic_doc(story_id),
                sims,
                variants,
                meaning_threshold=meaning_threshold,
            )
            if score is None:
                scores.pop(story_id, None)
            else:
                scores[story_id] = score
        shared.topics[key] = _Topic(scores, variants, done, self.snapshot.max_article_id, since)
        shared.topics.move_to_end(key)
        while len(shared.topics) > SEARCH_CACHE:
            shared.topics.popitem(last=False)
        return self._within(scores, since)

    def _within(self, scores: Relevance, since: datetime) -> Relevance:
        """The scores of the stories of this snapshot active since ``since``."""
        views = self.views
        return {
            story_id: score
            for story_id, score in scores.items()
            if story_id in views and views[story_id].last_seen >= since
        }

    def coverage(self, story: StoryView) -> float:
        """``news.briefings.ranking.coverage`` of a story of this snapshot, computed once."""
        found = self._coverage.get(story.id)
        if found is None or self.views.get(story.id) is not story:
            found = coverage(story)
            if self.views.get(story.id) is story:
                self._coverage[story.id] = found
        return found
