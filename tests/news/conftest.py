"""Fixtures for the news services: a real Store on a temporary SQLite file, and small honest
fakes for the models (a bag-of-words encoder, a lead-sentences summarizer that counts calls)."""

from __future__ import annotations

import re
import zlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from config import Settings
from news.models import Article
from news.store import Store
from news.topics import STOP_WORDS, stem, tokenize

DIM = 384


class FakeEncoder:
    """Deterministic unit vectors: hashed bag of stemmed content words (stop words left out),
    so texts sharing words are close and unrelated texts are near orthogonal.

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


@dataclass(frozen=True)
class FakeSummary:
    text: str
    sentences: list[str]
    model_id: str
    seconds: float = 0.0


@dataclass
class FakeSummarizer:
    """The first ``max_sentences`` sentences, cut at ``max_words``; records every call."""

    model_id: str = "fake-lead:v1"
    calls: list[tuple[list[str], int, int]] = field(default_factory=list)

    def summarize(
        self, texts: Sequence[str], *, max_sentences: int = 3, max_words: int = 120
    ) -> list[FakeSummary]:
        self.calls.append((list(texts), max_sentences, max_words))
        out = []
        for text in texts:
            sentences = re.split(r"(?<=[.!?])\s+", text.strip())[:max_sentences]
            words = " ".join(sentences).split()[:max_words]
            out.append(FakeSummary(" ".join(words), sentences, self.model_id))
        return out


def make_article(
    url: str,
    title: str,
    text: str,
    *,
    source: str = "Example News",
    published: datetime | None = None,
) -> Article:
    return Article(url=url, title=title, text=text, source=source, published=published)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'news.db'}",
        allow_loopback=True,
        fetch_timeout=1.0,
        feed_concurrency=4,
        poll_interval=600,
        max_subscriptions=3,
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    opened = await Store.open(settings.database_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def summarizer() -> FakeSummarizer:
    return FakeSummarizer()


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)
