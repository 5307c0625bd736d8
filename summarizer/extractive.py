"""Extractive summarizer: pick the article's most telling sentences with MiniLM embeddings.

preprocess (split, drop furniture) -> _forward (one encoder call for every candidate sentence and
headline of every article in the batch) -> postprocess (score, pick, order, limits).

Sentences are scored by a small linear scorer (``summarizer.scorer``) and picked by
``summarizer.picking``: the summary opens with the sentence that states the main fact (the lead,
unless the headline points at another of the first sentences), never carries two sentences that
say the same thing, and never a sentence that leans on one left out ("He said…" comes with the
sentence before it). ``summarize_story`` does the same across several articles of one story.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from summarizer.encoder import Encoder
from summarizer.picking import antecedents, main_sentence, select
from summarizer.scorer import FEATURES, ScorerWeights, sentence_features
from summarizer.text import is_boilerplate, is_caption, split_lines, word_count
from summarizer.types import Summary

__all__ = [
    "FEATURES",
    "MODEL_VERSION",
    "ExtractiveSummarizer",
    "Prepared",
    "ScorerWeights",
    "prepare",
    "select",
    "sentence_features",
]

logger = logging.getLogger(__name__)

# Bump when the ranking changes so summaries cached under the old id are recomputed.
MODEL_VERSION = "v5"
_MAX_TITLE_WORDS = 30
# Only the first sentences of an article are ranked: news puts its point up front, and a long
# page (a live blog, a transcript) must not cost a hundred encoder rows.
MAX_CANDIDATES = 40


@dataclass
class Prepared:
    """One article after preprocessing: its sentences, which of them may be picked, and its
    headline when one is known (given, or the article's first line when that is a heading)."""

    sentences: list[str]
    candidates: list[int]  # indices into sentences, in document order
    title: str | None = None

    @property
    def candidate_texts(self) -> list[str]:
        return [self.sentences[i] for i in self.candidates]


def _is_heading(sentence: str) -> bool:
    """A line with no closing punctuation: a headline, caption or label, not running text."""
    return sentence[-1] not in ".!?\"'”’)…"


def prepare(text: str, title: str | None = None) -> Prepared:
    """Split an article and keep the sentences that may appear in its summary."""
    sentences: list[str] = []
    furniture: set[int] = set()
    lines = split_lines(text)
    for line in lines:
        if is_caption(line):
            furniture.update(range(len(sentences), len(sentences) + len(line)))
        sentences.extend(line)
    body = [i for i, s in enumerate(sentences) if i not in furniture and not is_boilerplate(s)]
    running = [i for i in body if not _is_heading(sentences[i])]
    # headings are a fallback for pages that are all headings (a list of links, a live blog)
    candidates = (running if len(running) >= min(3, len(body)) else body)[:MAX_CANDIDATES]
    if title is None and lines and len(lines[0]) == 1 and 0 not in candidates:
        first = lines[0][0]
        if _is_heading(first) and 3 <= word_count(first) <= _MAX_TITLE_WORDS and 0 in body:
            title = first
    title = title.strip() if title else None
    return Prepared(sentences=sentences, candidates=candidates, title=title or None)


def _truncate(sentence: str, max_words: int) -> str:
    """Cut a sentence to ``max_words`` words at a word boundary, marked with an ellipsis."""
    pieces = sentence.split()
    kept: list[str] = []
    for piece in pieces:
        if word_count(" ".join([*kept, piece])) > max_words:
            break
        kept.append(piece)
    if not kept:
        return ""
    return " ".join(kept).rstrip(",;:–—-") + "…"


@dataclass
class _Scored:
    """One article's candidates ready to pick: scores, embeddings and dependencies."""

    texts: list[str]
    embeddings: np.ndarray
    scores: np.ndarray
    counts: list[int]
    requires: list[int | None]
    main: int
    window: int


def _lead_first(picked: Sequence[int], main: int, requires: Sequence[int | None]) -> list[int]:
    """Picked indices with the main sentence (and what it leans on) first, then document order."""
    head = [main]
    while requires[head[0]] is not None and requires[head[0]] in picked:
        head.insert(0, int(requires[head[0]]))  # type: ignore[arg-type]
    return head + [i for i in sorted(picked) if i not in head]


class ExtractiveSummarizer:
    """MiniLM-ranked extractive summaries. Thread-safe: no mutable state here, and the encoder
    serializes its own forward passes."""

    def __init__(self, encoder: Encoder, weights: ScorerWeights | None = None) -> None:
        self.encoder = encoder
        self.weights = weights if weights is not None else ScorerWeights.packaged()
        self.model_id = f"extractive:{encoder.model_id}:{MODEL_VERSION}"

    def preprocess(
        self, texts: Sequence[str], titles: Sequence[str | None] | None = None
    ) -> list[Prepared]:
        names = titles if titles is not None else [None] * len(texts)
        return [prepare(text, title) for text, title in zip(texts, names, strict=True)]

    def _forward(self, prepared: Sequence[Prepared]) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Embed every candidate sentence and headline of every article in one encoder call."""
        flat: list[str] = []
        for item in prepared:
            flat.extend(item.candidate_texts)
            if item.title:
                flat.append(item.title)
        vectors = self.encoder.encode(flat)
        out: list[tuple[np.ndarray, np.ndarray | None]] = []
        start = 0
        for item in prepared:
            end = start + len(item.candidates)
            title = vectors[end] if item.title else None
            out.append((vectors[start:end], title))
            start = end + (1 if item.title else 0)
        return out

    def _score(
        self, item: Prepared, embeddings: np.ndarray, title: np.ndarray | None, max_sentences: int
    ) -> _Scored:
        texts = item.candidate_texts
        n = len(texts)
        window = n
        if self.weights.lead_window > 0:
            window = min(n, max(self.weights.lead_window, max_sentences + 2))
        if n <= max_sentences:
            scores = np.zeros(n)  # the whole text fits: nothing to rank
        else:
            scores = self.weights.score(sentence_features(texts, embeddings))
        requires = antecedents(texts)
        title_similarity = embeddings @ title if title is not None and n else None
        main = main_sentence(texts, requires, title_similarity)
        counts = [word_count(s) for s in texts]
        return _Scored(texts, embeddings, scores, counts, requires, main, window)

    def _pick(
        self,
        scored: _Scored,
        *,
        max_sentences: int,
        max_words: int,
    ) -> list[str]:
        w = scored.window
        chosen = select(
            scored.scores[:w],
            scored.embeddings[:w],
            scored.counts[:w],
            max_sentences=max_sentences,
            max_words=max_words,
            mmr_lambda=self.weights.mmr_lambda,
            duplicate_threshold=self.weights.duplicate_threshold,
            requires=scored.requires[:w],
            first=scored.main,
        )
        if scored.main not in chosen:
            # the main sentence (and what it leans on) is over the word budget: cut it
            cut = _truncate(scored.texts[scored.main], max_words)
            return [cut] if cut else []
        return [scored.texts[i] for i in _lead_first(chosen, scored.main, scored.requires)]

    def postprocess(
        self,
        item: Prepared,
        embeddings: np.ndarray,
        *,
        max_sentences: int,
        max_words: int,
        title: np.ndarray | None = None,
    ) -> list[str]:
        if not item.candidates or max_sentences <= 0:
            return []
        scored = self._score(item, embeddings, title, max_sentences)
        return self._pick(scored, max_sentences=max_sentences, max_words=max_words)

    def summarize(
        self,
        texts: Sequence[str],
        *,
        max_sentences: int = 3,
        max_words: int = 120,
        titles: Sequence[str | None] | None = None,
    ) -> list[Summary]:
        """Summaries of ``texts``, in order; ``titles`` (optional) are their headlines, the
        strongest hint of which sentence states the news. ``seconds`` is the batch time shared
        per article."""
        started = time.perf_counter()
        prepared = self.preprocess(texts, titles)
        embedded = self._forward(prepared)
        picked = [
            self.postprocess(
                item, vectors, max_sentences=max_sentences, max_words=max_words, title=title
            )
            for item, (vectors, title) in zip(prepared, embedded, strict=True)
        ]
        each = (time.perf_counter() - started) / max(len(texts), 1)
        return [
            Summary(text=" ".join(s), sentences=s, model_id=self.model_id, seconds=each)
            for s in picked
        ]

    def summarize_story(
        self,
        texts: Sequence[str],
        *,
        max_sentences: int = 3,
        max_words: int = 120,
        titles: Sequence[str | None] | None = None,
    ) -> Summary:
        """One summary of a story carried by several articles (``texts``, the story's sources in
        the caller's order of preference): the best sentences across all of them, never two
        that say the same thing. It opens with the main sentence of the source whose main
        sentence the other sources agree with most; one text gives ``summarize``'s summary."""
        started = time.perf_counter()
        prepared = self.preprocess(texts, titles)
        embedded = self._forward(prepared)
        sources = [
            self._score(item, vectors, title, max_sentences)
            for item, (vectors, title) in zip(prepared, embedded, strict=True)
            if item.candidates
        ]
        sentences = (
            self._pick_story(sources, max_sentences=max_sentences, max_words=max_words)
            if sources and max_sentences > 0
            else []
        )
        return Summary(
            text=" ".join(sentences),
            sentences=sentences,
            model_id=self.model_id,
            seconds=time.perf_counter() - started,
        )

    def _pick_story(
        self, sources: list[_Scored], *, max_sentences: int, max_words: int
    ) -> list[str]:
        if len(sources) == 1:
            return self._pick(sources[0], max_sentences=max_sentences, max_words=max_words)
        mains = np.stack([s.embeddings[s.main] for s in sources])
        agreement = mains @ mains.mean(axis=0)
        lead = int(np.argmax(agreement))  # first source wins ties
        texts: list[str] = []
        vectors: list[np.ndarray] = []
        scores: list[float] = []
        counts: list[int] = []
        requires: list[int | None] = []
        place: list[tuple[float, int]] = []  # (relative position in its source, source)
        main = 0
        for k, source in enumerate(sources):
            offset = len(texts)
            w = source.window
            if k == lead:
                main = offset + source.main
            texts.extend(source.texts[:w])
            vectors.append(source.embeddings[:w])
            scores.extend(source.scores[:w].tolist())
            counts.extend(source.counts[:w])
            requires.extend(None if r is None else r + offset for r in source.requires[:w])
            place.extend((i / max(w, 1), k) for i in range(w))
        chosen = select(
            np.asarray(scores),
            np.concatenate(vectors),
            counts,
            max_sentences=max_sentences,
            max_words=max_words,
            mmr_lambda=self.weights.mmr_lambda,
            duplicate_threshold=self.weights.duplicate_threshold,
            requires=requires,
            first=main,
        )
        if main not in chosen:
            cut = _truncate(texts[main], max_words)
            return [cut] if cut else []
        head = _lead_first(chosen, main, requires)
        head = head[: head.index(main) + 1]
        rest = sorted((i for i in chosen if i not in head), key=lambda i: (place[i], i))
        return [texts[i] for i in head + rest]
