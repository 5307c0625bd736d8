"""Extractive summarizer: pick the article's most telling sentences with MiniLM embeddings.

preprocess (split, drop furniture) -> _forward (one encoder call for every candidate sentence of
every article in the batch) -> postprocess (score, MMR pick, document order, limits).

A sentence's score is a logistic scorer over a few robust features: centrality (cosine to the
article's centroid), similarity to the lead, position, length, quotation and digits. Its weights
(``scorer_weights.json``, about 1.5 KB) come from ``benchmarks/train_scorer.py``, trained on the
shared dev data; without the file, hand-set weights with the same shape are used. The weights file
also carries the picking knobs chosen in the same cross-validation: the MMR trade-off, the lead
window, and the cosine above which two sentences count as one (0.8 since v3: scraped pages often
glue a photo caption that restates the lead onto the next sentence, at 0.80-0.85 cosine).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from summarizer.encoder import Encoder
from summarizer.text import STOP_WORDS, is_boilerplate, is_caption, split_lines, word_count, words
from summarizer.types import Summary

__all__ = [
    "FEATURES",
    "MODEL_VERSION",
    "ExtractiveSummarizer",
    "Prepared",
    "ScorerWeights",
    "sentence_features",
]

logger = logging.getLogger(__name__)

# Bump when the ranking changes so summaries cached under the old id are recomputed.
MODEL_VERSION = "v3"

FEATURES = (
    "centrality",  # cosine to the centroid of the article's candidate sentences
    "lead_similarity",  # cosine to the first sentence
    "lead3_similarity",  # cosine to the centroid of the first three
    "inverse_position",
    "relative_position",
    "first",
    "second",
    "third",
    "length",  # words, capped at 60, / 60
    "short",  # under 8 words
    "long",  # over 45 words
    "quote",  # starts with or carries a quotation
    "digits",
    "word_frequency",  # mean in-article frequency of its content words (SumBasic)
    "capitalized",  # share of capitalized words after the first (names, places)
    "anaphora",  # opens with a pronoun or connective that leans on the previous sentence
)

_QUOTES = "\"“”‘’'"
_ANAPHORA_WORDS = "he she it they this that these those his her its their but and however so yet"
_ANAPHORA = frozenset(_ANAPHORA_WORDS.split())
_WEIGHTS_FILE = "scorer_weights.json"


@dataclass(frozen=True)
class ScorerWeights:
    """A linear scorer over ``FEATURES`` (standardized by ``mean``/``scale``) and the MMR
    trade-off."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    mmr_lambda: float = 0.7
    duplicate_threshold: float = 0.85
    # only the first max(lead_window, max_sentences + 2) candidates may be picked (0: all);
    # news puts its point up front, and a window makes the ranking far more robust
    lead_window: int = 6
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def default(cls) -> ScorerWeights:
        """Hand-set weights: a lead prior, then centrality and a preference for mid-length."""
        n = len(FEATURES)
        coef = dict.fromkeys(FEATURES, 0.0)
        coef.update(
            centrality=2.0,
            lead_similarity=1.0,
            inverse_position=2.0,
            first=1.0,
            length=1.0,
            short=-1.0,
            long=-0.5,
            quote=-0.5,
            word_frequency=1.0,
            anaphora=-0.5,
        )
        return cls(
            mean=np.zeros(n),
            scale=np.ones(n),
            coef=np.array([coef[name] for name in FEATURES]),
            intercept=0.0,
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScorerWeights:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"scorer weights are for features {data['features']}, not {FEATURES}")
        return cls(
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
            mmr_lambda=float(data.get("mmr_lambda", 0.7)),
            duplicate_threshold=float(data.get("duplicate_threshold", 0.85)),
            lead_window=int(data.get("lead_window", 0)),
            meta=dict(data.get("meta", {})),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "coef": [round(float(x), 6) for x in self.coef],
            "intercept": round(self.intercept, 6),
            "mmr_lambda": self.mmr_lambda,
            "duplicate_threshold": self.duplicate_threshold,
            "lead_window": self.lead_window,
            "meta": self.meta,
        }

    @classmethod
    def packaged(cls) -> ScorerWeights:
        """The shipped weights file, else the hand-set defaults."""
        try:
            text = resources.files("summarizer").joinpath(_WEIGHTS_FILE).read_text("utf-8")
        except FileNotFoundError:
            logger.warning("no %s shipped; using hand-set ranking weights", _WEIGHTS_FILE)
            return cls.default()
        return cls.from_json(json.loads(text))

    def score(self, features: np.ndarray) -> np.ndarray:
        """Logits, one per row of ``features``."""
        z = (features - self.mean) / self.scale
        result: np.ndarray = z @ self.coef + self.intercept
        return result


@dataclass
class Prepared:
    """One article after preprocessing: its sentences and which of them may be picked."""

    sentences: list[str]
    candidates: list[int]  # indices into sentences, in document order

    @property
    def candidate_texts(self) -> list[str]:
        return [self.sentences[i] for i in self.candidates]


def _is_heading(sentence: str) -> bool:
    """A line with no closing punctuation: a headline, caption or label, not running text."""
    return sentence[-1] not in ".!?\"'”’)…"


def prepare(text: str) -> Prepared:
    """Split an article and keep the sentences that may appear in its summary."""
    sentences: list[str] = []
    furniture: set[int] = set()
    for line in split_lines(text):
        if is_caption(line):
            furniture.update(range(len(sentences), len(sentences) + len(line)))
        sentences.extend(line)
    body = [i for i, s in enumerate(sentences) if i not in furniture and not is_boilerplate(s)]
    running = [i for i in body if not _is_heading(sentences[i])]
    # headings are a fallback for pages that are all headings (a list of links, a live blog)
    candidates = running if len(running) >= min(3, len(body)) else body
    return Prepared(sentences=sentences, candidates=candidates)


def sentence_features(sentences: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
    """The ``FEATURES`` matrix (one row per candidate sentence, in document order)."""
    n = len(sentences)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return out
    positions = np.arange(n, dtype=np.float64)
    tokens = [words(s) for s in sentences]
    counts = np.array([len(t) for t in tokens], dtype=np.float64)
    content = [[w for w in t if w not in STOP_WORDS and not w.isdigit()] for t in tokens]
    frequency = Counter(w for c in content for w in set(c))
    out[:, 0] = embeddings @ _unit(embeddings.mean(axis=0))
    out[:, 1] = embeddings @ embeddings[0]
    out[:, 2] = embeddings @ _unit(embeddings[:3].mean(axis=0))
    out[:, 3] = 1.0 / (positions + 1.0)
    out[:, 4] = positions / max(n - 1, 1)
    out[:, 5] = positions == 0
    out[:, 6] = positions == 1
    out[:, 7] = positions == 2
    out[:, 8] = np.minimum(counts, 60.0) / 60.0
    out[:, 9] = counts < 8
    out[:, 10] = counts > 45
    out[:, 11] = [s[0] in _QUOTES or sum(ch in _QUOTES for ch in s) >= 2 for s in sentences]
    out[:, 12] = [any(ch.isdigit() for ch in s) for s in sentences]
    out[:, 13] = [sum(frequency[w] for w in c) / len(c) / n if c else 0.0 for c in content]
    out[:, 14] = [_capitalized(s) for s in sentences]
    out[:, 15] = [bool(t) and t[0] in _ANAPHORA for t in tokens]
    return out


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _capitalized(sentence: str) -> float:
    pieces = sentence.split()[1:]
    if not pieces:
        return 0.0
    return sum(p[:1].isupper() for p in pieces) / len(pieces)


def select(
    scores: np.ndarray,
    embeddings: np.ndarray,
    word_counts: Sequence[int],
    *,
    max_sentences: int,
    max_words: int,
    mmr_lambda: float,
    duplicate_threshold: float,
) -> list[int]:
    """MMR: take the best-scoring sentence, then the best trade-off of score against similarity
    to what is already picked; near-duplicates are never taken. Returns picked indices sorted."""
    n = len(scores)
    if n == 0 or max_sentences <= 0:
        return []
    # squash logits into (0, 1) so the redundancy penalty is on the same scale
    relevance = 1.0 / (1.0 + np.exp(-np.clip(scores, -30, 30)))
    similarity = embeddings @ embeddings.T
    picked: list[int] = []
    words = 0
    available = np.ones(n, dtype=bool)
    while len(picked) < max_sentences and available.any():
        if picked:
            redundancy = similarity[:, picked].max(axis=1)
            value = mmr_lambda * relevance - (1.0 - mmr_lambda) * redundancy
        else:
            redundancy = np.zeros(n)
            value = relevance.copy()
        value[~available] = -np.inf
        best = int(np.argmax(value))
        available[best] = False
        if picked and redundancy[best] >= duplicate_threshold:
            continue
        if words + word_counts[best] > max_words:
            continue
        picked.append(best)
        words += word_counts[best]
    return sorted(picked)


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


class ExtractiveSummarizer:
    """MiniLM-ranked extractive summaries. Thread-safe: no mutable state here, and the encoder
    serializes its own forward passes."""

    def __init__(self, encoder: Encoder, weights: ScorerWeights | None = None) -> None:
        self.encoder = encoder
        self.weights = weights if weights is not None else ScorerWeights.packaged()
        self.model_id = f"extractive:{encoder.model_id}:{MODEL_VERSION}"

    def preprocess(self, texts: Sequence[str]) -> list[Prepared]:
        return [prepare(text) for text in texts]

    def _forward(self, prepared: Sequence[Prepared]) -> list[np.ndarray]:
        """Embed every candidate sentence of every article in one encoder call."""
        flat = [s for item in prepared for s in item.candidate_texts]
        vectors = self.encoder.encode(flat)
        out: list[np.ndarray] = []
        start = 0
        for item in prepared:
            end = start + len(item.candidates)
            out.append(vectors[start:end])
            start = end
        return out

    def postprocess(
        self, item: Prepared, embeddings: np.ndarray, *, max_sentences: int, max_words: int
    ) -> list[str]:
        texts = item.candidate_texts
        counts = [word_count(s) for s in texts]
        if len(texts) <= max_sentences:
            chosen = list(range(len(texts)))
            # short article: whole, minus what does not fit the word budget
            kept: list[int] = []
            total = 0
            for i in chosen:
                if total + counts[i] <= max_words:
                    kept.append(i)
                    total += counts[i]
            chosen = kept
            best = 0
        else:
            scores = self.weights.score(sentence_features(texts, embeddings))
            window = len(texts)
            if self.weights.lead_window > 0:
                window = min(window, max(self.weights.lead_window, max_sentences + 2))
            best = int(np.argmax(scores[:window]))
            chosen = select(
                scores[:window],
                embeddings[:window],
                counts[:window],
                max_sentences=max_sentences,
                max_words=max_words,
                mmr_lambda=self.weights.mmr_lambda,
                duplicate_threshold=self.weights.duplicate_threshold,
            )
        picked = [texts[i] for i in chosen]
        if not picked and texts and max_sentences > 0:
            # every sentence is over the word budget: cut the best one
            cut = _truncate(texts[best], max_words)
            picked = [cut] if cut else []
        return picked

    def summarize(
        self, texts: Sequence[str], *, max_sentences: int = 3, max_words: int = 120
    ) -> list[Summary]:
        """Summaries of ``texts``, in order; ``seconds`` is the batch time shared per article."""
        started = time.perf_counter()
        prepared = self.preprocess(texts)
        embeddings = self._forward(prepared)
        picked = [
            self.postprocess(item, vectors, max_sentences=max_sentences, max_words=max_words)
            for item, vectors in zip(prepared, embeddings, strict=True)
        ]
        each = (time.perf_counter() - started) / max(len(texts), 1)
        return [
            Summary(text=" ".join(s), sentences=s, model_id=self.model_id, seconds=each)
            for s in picked
        ]
