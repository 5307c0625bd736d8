"""Story grouping policy: which recent story, if any, a new article joins.

Pure functions over plain values, so the policy is tested without a database. An article joins
the most similar story seen in the last ``STORY_WINDOW`` when its MinHash signature is a
near-duplicate of one of the story's articles (``news.stories.dedupe.NEAR_DUPLICATE``), or when its
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

from news.stories.dedupe import NEAR_DUPLICATE

__all__ = [
    "EMBEDDING_THRESHOLD",
    "STORY_WINDOW",
    "StoryCandidate",
    "StoryMatch",
    "choose_story",
    "cosine",
    "from_blob",
    "minhash_scores",
    "to_blob",
]

logger = logging.getLogger(__name__)

STORY_WINDOW = timedelta(hours=72)
EMBEDDING_THRESHOLD = 0.80

Vector = npt.NDArray[np.float32]
_EMPTY = 0xFFFFFFFF


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


def minhash_scores(signature: bytes, signatures: Sequence[bytes]) -> npt.NDArray[np.float64]:
    """``dedupe.similarity(signature, s)`` for every ``s`` at once (0.0 for a signature of
    another size): one array comparison instead of a call per stored article."""
    out = np.zeros(len(signatures), dtype=np.float64)
    same = [i for i, sig in enumerate(signatures) if len(sig) == len(signature)]
    if not same or not signature or len(signature) % 4:
        return out
    mine = np.frombuffer(signature, dtype="<u4")
    matrix = np.frombuffer(b"".join(signatures[i] for i in same), dtype="<u4")
    matrix = matrix.reshape(len(same), mine.size)
    scores = (matrix == mine).mean(axis=1)
    # dedupe marks the signature of an empty text with all bits set: it matches nothing
    scores[(matrix == _EMPTY).all(axis=1) | bool((mine == _EMPTY).all())] = 0.0
    out[same] = scores
    return out


def choose_story(
    candidates: Sequence[StoryCandidate],
    signature: bytes,
    embedding: Vector | None = None,
    *,
    near_duplicate: float = NEAR_DUPLICATE,
    embedding_threshold: float = EMBEDDING_THRESHOLD,
    similarity_fn: Callable[[bytes, bytes], float] | None = None,
) -> StoryMatch | None:
    """The most similar candidate that passes either threshold, else None (a new story).

    A candidate's score is the better of its best MinHash similarity (``similarity_fn``, by
    default ``dedupe.similarity`` computed in bulk) and its embedding cosine, counting only
    measures that pass their threshold. Ties go to the earlier candidate, so pass the most recent
    stories first.
    """
    if not candidates:
        return None
    flat = [sig for candidate in candidates for sig in candidate.signatures]
    if similarity_fn is None:
        scores = minhash_scores(signature, flat)
    else:
        scores = np.array(
            [similarity_fn(signature, sig) if len(sig) == len(signature) else 0.0 for sig in flat],
            dtype=np.float64,
        )
    owners = np.repeat(np.arange(len(candidates)), [len(c.signatures) for c in candidates])
    minhash = np.zeros(len(candidates), dtype=np.float64)
    np.maximum.at(minhash, owners, scores)

    cosines = np.zeros(len(candidates), dtype=np.float64)
    if embedding is not None:
        usable = [
            (i, c.embedding)
            for i, c in enumerate(candidates)
            if c.embedding is not None and c.embedding.shape == embedding.shape
        ]
        if usable:
            rows = [i for i, _ in usable]
            matrix = np.stack([vector for _, vector in usable]).astype(np.float64)
            norms = np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(embedding))
            dots = matrix @ embedding.astype(np.float64)
            cosines[rows] = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)

    best: StoryMatch | None = None
    for i, candidate in enumerate(candidates):
        match: StoryMatch | None = None
        if minhash[i] >= near_duplicate:
            match = StoryMatch(candidate.story_id, float(minhash[i]), "minhash")
        if cosines[i] >= embedding_threshold and (match is None or cosines[i] > match.score):
            match = StoryMatch(candidate.story_id, float(cosines[i]), "embedding")
        if match is not None and (best is None or match.score > best.score):
            best = match
    return best
