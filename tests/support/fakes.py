"""The one set of model fakes for every test: small honest stand-ins for the MiniLM encoder
and the summarizer, so the real news services run without a model.

- ``FakeEncoder``: a hashed bag of stemmed content words (stop words left out), so texts sharing
  words are close and unrelated texts are near orthogonal; records every call.
- ``FakeSummarizer``: the first sentences of each text, cut at ``max_words``; records every call.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from news.topics import STOP_WORDS, stem, tokenize
from summarizer.types import Summary

__all__ = ["DIM", "FakeEncoder", "FakeStorySummarizer", "FakeSummarizer"]

DIM = 384  # MiniLM's width


class FakeEncoder:
    """Deterministic unit vectors: hashed bag of stemmed content words (stop words left out).

    ``overrides`` pins the vector of an exact text, to test the meaning arm on its own.
    """

    model_id = "fake-bow:v1"

    def __init__(self, overrides: Mapping[str, np.ndarray] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.calls: list[list[str]] = []

    def vector(self, text: str) -> np.ndarray:
        if text in self.overrides:
            pinned = np.asarray(self.overrides[text], dtype=np.float32)
            return pinned / np.linalg.norm(pinned)
        out = np.zeros(DIM, dtype=np.float32)
        for word in tokenize(text):
            if word in STOP_WORDS:
                continue
            out[zlib.crc32(stem(word).encode()) % DIM] += 1.0
        norm = float(np.linalg.norm(out))
        return out / norm if norm else out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([self.vector(t) for t in texts])


@dataclass
class FakeSummarizer:
    """The first ``max_sentences`` sentences, cut at ``max_words``; records every call as
    ``(texts, max_sentences, max_words)``."""

    model_id: str = "fake-lead:v1"
    calls: list[tuple[list[str], int, int]] = field(default_factory=list)

    def summarize(
        self, texts: Sequence[str], *, max_sentences: int = 3, max_words: int = 120
    ) -> list[Summary]:
        self.calls.append((list(texts), max_sentences, max_words))
        out = []
        for text in texts:
            sentences = re.split(r"(?<=[.!?])\s+", text.strip())[:max_sentences]
            words = " ".join(sentences).split()[:max_words]
            out.append(Summary(" ".join(words), sentences, self.model_id, 0.0))
        return out


class FakeStorySummarizer(FakeSummarizer):
    """A fake that also summarizes a story: the first sentence of each source; records calls."""

    def __init__(self) -> None:
        super().__init__(model_id="fake-story:v1")
        self.story_calls: list[tuple[list[str], list[str | None]]] = []

    def summarize_story(
        self,
        texts: Sequence[str],
        *,
        max_sentences: int = 3,
        max_words: int = 120,
        titles: Sequence[str | None] | None = None,
    ) -> Summary:
        self.story_calls.append((list(texts), list(titles or [])))
        firsts = [t.split(". ")[0] + "." for t in texts][:max_sentences]
        return Summary(" ".join(firsts), firsts, self.model_id, 0.0)
