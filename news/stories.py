"""Story grouping policy: which recent story, if any, a new article joins.

Pure functions over plain values, so the policy is tested without a database. An article joins
the most similar story seen in the last ``STORY_WINDOW`` when its MinHash signature is a
near-duplicate of one of the story's articles (``news.dedupe.NEAR_DUPLICATE``), or when its
embedding is close to the story's (cosine >= ``EMBEDDING_THRESHOLD``); otherwise it starts a new
story.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from news.dedupe import NEAR_DUPLICATE, similarity

__all__ = [
    "EMBEDDING_THRESHOLD",
    "STORY_WINDOW",
    "StoryCandidate",
    "StoryMatch",
    "choose_story",
    "cosine",
    "from_blob",
    "to_blob",
]

logger = logging.getLogger(__name__)

STORY_WINDOW = timedelta(hours=72)
EMBEDDING_THRESHOLD = 0.80

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """A recent story: the MinHash signatures of its articles and its embedding, if any."""

    story_id: int
    signatures: Sequence[bytes]
    embedding: Vector | None = None


@dataclass(frozen=True, slots=True)
class StoryMatch:
    story_id: int
    score: float
    by: Literal["minhash", "embedding"]


def to_blob(vector: npt.ArrayLike | None) -> bytes | None:
    """An embedding as float32 bytes for storage."""
    if vector is None:
        return None
    return np.ascontiguousarray(vector, dtype=np.float32).reshape(-1).tobytes()


def from_blob(blob: bytes | None) -> Vector | None:
    """Stored float32 bytes back as a (writable) 1-D float32 array."""
    if blob is None:
        return None
    return np.frombuffer(blob, dtype=np.float32).copy()


def cosine(a: Vector, b: Vector) -> float:
    """Cosine similarity; 0.0 for vectors of different sizes or zero length."""
    if a.shape != b.shape or a.size == 0:
        return 0.0
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    if norm == 0.0:
        return 0.0
    return float(np.dot(a, b) / norm)


def choose_story(
    candidates: Sequence[StoryCandidate],
    signature: bytes,
    embedding: Vector | None = None,
    *,
    near_duplicate: float = NEAR_DUPLICATE,
    embedding_threshold: float = EMBEDDING_THRESHOLD,
    similarity_fn: Callable[[bytes, bytes], float] = similarity,
) -> StoryMatch | None:
    """The most similar candidate that passes either threshold, else None (a new story).

    A candidate's score is the better of its best MinHash similarity and its embedding cosine,
    counting only measures that pass their threshold. Ties go to the earlier candidate, so pass
    the most recent stories first.
    """
    best: StoryMatch | None = None
    for candidate in candidates:
        match: StoryMatch | None = None
        minhash = max(
            (
                similarity_fn(signature, sig)
                for sig in candidate.signatures
                if len(sig) == len(signature)  # a signature from another MinHash size
            ),
            default=0.0,
        )
        if minhash >= near_duplicate:
            match = StoryMatch(candidate.story_id, minhash, "minhash")
        if embedding is not None and candidate.embedding is not None:
            cos = cosine(embedding, candidate.embedding)
            if cos >= embedding_threshold and (match is None or cos > match.score):
                match = StoryMatch(candidate.story_id, cos, "embedding")
        if match is not None and (best is None or match.score > best.score):
            best = match
    return best
