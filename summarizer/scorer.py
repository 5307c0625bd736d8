"""The extractive summarizer's sentence scorer: a few robust features per candidate sentence
(centrality, similarity to the lead, position, length, quotation, digits, word frequency, capitals,
anaphora) and a linear model over them.

The weights (``scorer_weights.json``, about 1.5 KB) come from ``benchmarks/train_scorer.py``;
without the file, hand-set weights with the same shape are used. The weights file also carries
the picking knobs chosen in the same cross-validation: the MMR trade-off, the lead window, and the
cosine above which two sentences count as one.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from summarizer.text import STOP_WORDS, words

__all__ = ["FEATURES", "ScorerWeights", "sentence_features"]

logger = logging.getLogger(__name__)

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
