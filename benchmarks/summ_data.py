"""Shared pieces of the summarizer benchmark and the scorer's training script: the evaluation
sets in ``../shared/data/summaries/`` (read in place, never copied), ROUGE scoring, and the
Lead-3 and LexRank baselines."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.text import split_sentences, words

__all__ = [
    "DATA",
    "CachedEncoder",
    "Example",
    "SentenceTokenizer",
    "lead",
    "lexrank",
    "load_examples",
    "rouge_scores",
]

DATA = Path(__file__).resolve().parents[1] / "../shared/data/summaries"
_GLUED = re.compile(r"([.!?][\"”’']?)(?=[A-Z“\"‘])")


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    reference: list[str]  # reference summary, one sentence per item


def _reference(row: dict[str, Any]) -> list[str]:
    if row.get("summary_sents"):
        return [str(s) for s in row["summary_sents"]]
    # BBC summaries glue sentences together ("…$10.9bn.For the full-year…")
    return split_sentences(_GLUED.sub(r"\1 ", str(row["summary"])))


def load_examples(name: str, limit: int | None = None, *, seed: int = 13) -> list[Example]:
    """Examples of ``cnndm_dev``, ``bbc`` or ``xsum``; ``limit`` takes a fixed random sample."""
    path = DATA / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    if limit is not None and limit < len(rows):
        import random

        rows = random.Random(seed).sample(rows, limit)
    return [Example(str(r["id"]), str(r["text"]), _reference(r)) for r in rows]


def rouge_scores(
    predictions: Sequence[Sequence[str]], references: Sequence[Sequence[str]]
) -> dict[str, float]:
    """Mean ROUGE-1/2/Lsum F1 x 100 (stemming on; Lsum over newline-joined sentences)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0}
    for prediction, reference in zip(predictions, references, strict=True):
        scores = scorer.score("\n".join(reference), "\n".join(prediction))
        for key in totals:
            totals[key] += scores[key].fmeasure
    n = max(len(predictions), 1)
    return {key: round(100 * value / n, 2) for key, value in totals.items()}


def lead(text: str, k: int = 3) -> list[str]:
    """Lead-k: the first k sentences as our splitter cuts them (no furniture filter)."""
    return split_sentences(text)[:k]


class SentenceTokenizer:
    """sumy tokenizer backed by our splitter (NLTK's punkt data cannot be downloaded here)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return split_sentences(paragraph)

    def to_words(self, sentence: str) -> list[str]:
        return words(sentence)


def lexrank(k: int = 3) -> Callable[[str], list[str]]:
    """LexRank (sumy, English stemmer and stop words) picking k sentences, in document order."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = SentenceTokenizer()
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def run(text: str) -> list[str]:
        document = PlaintextParser.from_string(text, tokenizer).document
        return [str(s) for s in summarizer(document, k)]

    return run


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class CachedEncoder:
    """An encoder wrapper that remembers sentence embeddings in a file (``path``, float32,
    keyed by the sentence's SHA-256), so repeated quality runs skip the encoder: benchmarks use it
    for quality numbers only, never for speed."""

    def __init__(self, encoder: Any, path: Path) -> None:
        import numpy as np

        self.encoder = encoder
        self.model_id = encoder.model_id
        self.path = path
        self._np = np
        self._known: dict[str, Any] = {}
        if path.exists():
            stored = np.load(path)
            self._known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def encode(self, texts: Sequence[str]) -> Any:
        import hashlib

        np = self._np
        keys = [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._known}
        if missing:
            vectors = self.encoder.encode(list(missing.values()))
            self._known.update(zip(missing, vectors, strict=True))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(
                self.path,
                keys=np.array(list(self._known)),
                vectors=np.stack(list(self._known.values())).astype(np.float32),
            )
        if not keys:
            return self.encoder.encode([])
        return np.stack([self._known[k] for k in keys]).astype(np.float32)
