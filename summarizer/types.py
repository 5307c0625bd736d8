"""The summarizer's public data types: what a summary is and what every backend offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["StorySummarizer", "Summarizer", "Summary"]


@dataclass(frozen=True)
class Summary:
    """One article's summary. ``model_id`` names the backend, model and ranking version, so a
    stored summary is recomputed when it changes; ``seconds`` is this article's share of the
    batch's wall time."""

    text: str
    sentences: list[str]
    model_id: str
    seconds: float


@runtime_checkable
class Summarizer(Protocol):
    """Blocking and thread-safe; callers run it off the event loop (``asyncio.to_thread``)."""

    model_id: str

    def summarize(
        self, texts: Sequence[str], *, max_sentences: int = 3, max_words: int = 120
    ) -> list[Summary]: ...


@runtime_checkable
class StorySummarizer(Summarizer, Protocol):
    """A summarizer that can also condense one story from several articles (its sources)."""

    def summarize_story(
        self,
        texts: Sequence[str],
        *,
        max_sentences: int = 3,
        max_words: int = 120,
        titles: Sequence[str | None] | None = None,
    ) -> Summary: ...
