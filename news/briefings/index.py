"""What briefings derive from one ``StorySnapshot`` to rank it fast: per-story word sets, word
searches and the embedding matrix, made on first use, shared by every request until the snapshot
changes, and carried over to the next snapshot where nothing they depend on changed."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import TypeVar

import numpy as np

from news.briefings.ranking import coverage
from news.briefings.snapshot import StorySnapshot
from news.models import StoredArticle, StorySource, StoryView
from news.topic_match import TopicDoc, TopicQuery, doc_terms, relevance, word_variants
from news.topics import stem, tokenize, url_words

__all__ = ["SEARCH_CACHE", "StoryIndex"]

Relevance = dict[int, float]

T = TypeVar("T")

SEARCH_CACHE = 256  # word searches and topic similarities remembered per story snapshot


class StoryIndex:
    """What briefings derive from one ``StorySnapshot``: per-story word sets, word searches and
    the embedding matrix, made on first use and shared by every request until the snapshot
    changes. What depends only on immutable things (an article's text and URL, a story's title,
    the search scores of a story whose articles did not change) carries over to the next
    snapshot, so a new article costs work for its story only."""

    def __init__(self, snapshot: StorySnapshot, previous: StoryIndex | None) -> None:
        self.snapshot = snapshot
        self.views = {story.id: story for story in snapshot.stories}
        self.position = {story.id: n for n, story in enumerate(snapshot.stories)}
        embedded = [s.id for s in snapshot.stories if s.id in snapshot.embeddings]
        self.embedded_ids = embedded
        self.embedded_row = {story_id: row for row, story_id in enumerate(embedded)}
        self.embedded_pos = [self.position[story_id] for story_id in embedded]
        self.matrix: np.ndarray | None = None
        self.norms: np.ndarray | None = None
        # words -> (story id -> its score where not 0, story ids ranked)
        self.searches: OrderedDict[tuple[str, ...], tuple[dict[int, int], list[int]]] = (
            OrderedDict()
        )
        self.similarities: OrderedDict[str, np.ndarray] = OrderedDict()
        self._coverage: dict[int, float] = {}  # story id -> ranking.coverage (this snapshot)
        # (topic, meaning threshold, window) -> story id -> relevance (news.topic_match)
        self.topics: OrderedDict[tuple[str, float, int], Relevance] = OrderedDict()
        self._vocabulary: frozenset[str] | None = None
        articles = {a.id for story in snapshot.articles.values() for a in story}
        old = previous
        # Searches of the previous snapshot, valid for the stories whose articles are the same.
        self.previous_searches = old.searches if old else None
        old_articles = old.snapshot.articles if old else {}
        self.changed = {
            story_id
            for story_id, mine in snapshot.articles.items()
            if old_articles.get(story_id) is not mine
        }
        # article id -> casefolded "title\ntext" (word search), stems of "title\ntext", URL words
        self.folded: dict[int, str] = _carry(old.folded if old else {}, articles)
        self.text_stems: dict[int, frozenset[str]] = _carry(
            old.text_stems if old else {}, articles
        )
        self.url_stems: dict[int, frozenset[str]] = _carry(old.url_stems if old else {}, articles)
        # story id -> the words topics look at (lead article and source URLs: same articles,
        # same words)
        self.topic_docs: dict[int, TopicDoc] = _carry(
            old.topic_docs if old else {}, set(self.views) - self.changed
        )
        # story id -> stems of its title (a story's title never changes)
        self.title_stems: dict[int, frozenset[str]] = _carry(
            old.title_stems if old else {}, set(self.views)
        )

    def window(self, since: datetime) -> int:
        """How many of the snapshot's stories (newest first) were active since ``since``."""
        return self.snapshot.count_since(since)

    def search(self, words: tuple[str, ...]) -> list[int]:
        """Story ids of ``Store.search_stories(words)`` over the whole snapshot, in its order:
        most words found (as a case-insensitive substring of one article's title or text)
        first, then most recently active."""
        found = self.searches.get(words)
        if found is not None:
            self.searches.move_to_end(words)
            return found[1]
        terms = [w.strip().casefold() for w in words if w.strip()]
        before = self.previous_searches.get(words) if self.previous_searches else None
        scores: dict[int, int] = {}
        for story in self.snapshot.stories:
            if before is not None and story.id not in self.changed:
                best = before[0].get(story.id, 0)
            else:
                best = 0
                for article in self.snapshot.articles.get(story.id, ()):
                    folded = self.folded.get(article.id)
                    if folded is None:
                        text = f"{article.title}\n{article.text}"
                        folded = self.folded[article.id] = text.casefold()
                    best = max(best, sum(1 for term in terms if term in folded))
            if best:
                scores[story.id] = best
        ranked = sorted(scores, key=lambda story_id: (-scores[story_id], self.position[story_id]))
        self.searches[words] = (scores, ranked)
        while len(self.searches) > SEARCH_CACHE:
            self.searches.popitem(last=False)
        return ranked

    def similarity(self, topic: str, query: np.ndarray) -> np.ndarray:
        """Cosine of ``query`` to each embedded story (``embedded_ids`` order), per topic."""
        scores = self.similarities.get(topic)
        if scores is not None:
            self.similarities.move_to_end(topic)
            return scores
        if self.matrix is None or self.norms is None:
            vectors = [self.snapshot.embeddings[story_id] for story_id in self.embedded_ids]
            self.matrix = np.stack(vectors).astype(np.float32)
            self.norms = np.linalg.norm(self.matrix, axis=1)
        norms = self.norms * float(np.linalg.norm(query))
        scores = self.matrix @ query / np.where(norms == 0, 1.0, norms)
        self.similarities[topic] = scores
        while len(self.similarities) > SEARCH_CACHE:
            self.similarities.popitem(last=False)
        return scores

    def topic_doc(self, story_id: int) -> TopicDoc:
        """The story's words as topics read them: its lead article's title and lead, and the
        URL paths of all its sources (``news.topic_match.doc_terms``)."""
        doc = self.topic_docs.get(story_id)
        if doc is None:
            story = self.views[story_id]
            article = self.snapshot.lead(story_id)
            title, text = (article.title, article.text) if article else (story.title, "")
            doc = doc_terms(title, text, [source.url for source in story.sources])
            self.topic_docs[story_id] = doc
        return doc

    def vocabulary(self) -> frozenset[str]:
        """Every word of every story's ``topic_doc``: where a misspelt topic word finds its
        spelling (``news.topic_match.word_variants``)."""
        if self._vocabulary is None:
            words: set[str] = set()
            for story in self.snapshot.stories:
                words |= self.topic_doc(story.id).lead
            self._vocabulary = frozenset(words)
        return self._vocabulary

    def topic_relevance(
        self,
        query: TopicQuery,
        scores: list[np.ndarray],
        window: int,
        *,
        meaning_threshold: float,
    ) -> Relevance:
        """Story id -> relevance for every story of the first ``window`` on the topic
        (``news.topic_match.relevance``); ``scores`` are, per ``query.meanings``, the cosines
        to the embedded stories (``embedded_ids`` order; fewer rows or none without an
        encoder). Remembered per topic for this snapshot."""
        key = (query.text, meaning_threshold, window)
        found = self.topics.get(key)
        if found is not None:
            self.topics.move_to_end(key)
            return found
        variants = word_variants(query, self.vocabulary()) if query.concept is None else {}
        rows = min((len(s) for s in scores), default=0)
        out: Relevance = {}
        for story in self.snapshot.stories[:window]:
            row = self.embedded_row.get(story.id)
            sims = [float(s[row]) for s in scores] if row is not None and row < rows else None
            score = relevance(
                query,
                self.topic_doc(story.id),
                sims,
                variants,
                meaning_threshold=meaning_threshold,
            )
            if score is not None:
                out[story.id] = score
        self.topics[key] = out
        while len(self.topics) > SEARCH_CACHE:
            self.topics.popitem(last=False)
        return out

    def coverage(self, story: StoryView) -> float:
        """``news.briefings.ranking.coverage`` of a story of this snapshot, computed once."""
        found = self._coverage.get(story.id)
        if found is None or self.views.get(story.id) is not story:
            found = coverage(story)
            if self.views.get(story.id) is story:
                self._coverage[story.id] = found
        return found

    def title_words(self, story: StoryView) -> frozenset[str]:
        stems = self.title_stems.get(story.id)
        if stems is None:
            stems = self.title_stems[story.id] = frozenset(stem(w) for w in tokenize(story.title))
        return stems

    def text_words(self, article: StoredArticle) -> frozenset[str]:
        stems = self.text_stems.get(article.id)
        if stems is None:
            text = f"{article.title}\n{article.text}"
            stems = self.text_stems[article.id] = frozenset(stem(w) for w in tokenize(text))
        return stems

    def url_words(self, source: StorySource) -> frozenset[str]:
        stems = self.url_stems.get(source.article_id)
        if stems is None:
            stems = self.url_stems[source.article_id] = frozenset(url_words(source.url))
        return stems


def _carry(old: dict[int, T], keep: set[int]) -> dict[int, T]:
    return {key: value for key, value in old.items() if key in keep}
