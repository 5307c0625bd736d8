"""Story grouping policy: which recent story, if any, a new article joins.

Pure functions over plain values, so the policy is tested without a database. Among the stories
seen in the last ``STORY_WINDOW`` an article joins

- the story holding a near-copy of it (MinHash of word 4-shingles at or above
  ``GroupingPolicy.near_duplicate``), whenever it was published; else
- the story that reports the same event, by a score that adds up three signals: the cosine of
  the title + lead embeddings (MiniLM), the share of names and numbers the two name alike
  (``news.stories.entities``), and the MiniLM-blind word overlap (MinHash). The score must reach
  ``GroupingPolicy.threshold`` and the article must be published within ``event_gap`` of one of
  the story's articles (a date that names only its day counts as the whole day): reports of
  one event come out together, while successive developments of one subject (two hearings of
  an inquiry, two matches of a club) are days apart. A story that already carries a report
  from the article's outlet takes only a near-copy from it: an outlet's second article on a
  subject is its follow-up, series item or next edition, not the same event told by someone
  else.

Otherwise the article starts a new story. The weights and threshold were chosen by
cross-validation on labelled same-event pairs of real pages (``benchmarks/bench_stories.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from news.published import apart
from news.stories.dedupe import NEAR_DUPLICATE
from news.stories.entities import Names, overlap

__all__ = [
    "EMBEDDING_THRESHOLD",
    "POLICY",
    "STORY_WINDOW",
    "GroupingPolicy",
    "StoryCandidate",
    "StoryMatch",
    "choose_story",
    "cosine",
    "event_scores",
    "from_blob",
    "minhash_scores",
    "to_blob",
]

logger = logging.getLogger(__name__)

STORY_WINDOW = timedelta(hours=72)

Vector = npt.NDArray[np.float32]
_EMPTY = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class GroupingPolicy:
    """The thresholds and weights of the same-event decision (see the module docstring)."""

    near_duplicate: float = NEAR_DUPLICATE  # MinHash at or above: a near-copy, one story
    threshold: float = 0.88  # cosine + entity_weight * names + minhash_weight * MinHash
    entity_weight: float = 0.2
    minhash_weight: float = 0.5
    event_gap: timedelta = timedelta(hours=24)  # same-event joins only between reports this close


POLICY = GroupingPolicy()
EMBEDDING_THRESHOLD = POLICY.threshold  # the score an embedding alone must reach to join


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """A recent story: per article its MinHash signature and, where known, its names
    (``entities``), publication time (``times``) and outlet (``sources``); and the story's
    embedding, if any."""

    story_id: int
    signatures: Sequence[bytes]
    embedding: Vector | None = None
    entities: Sequence[Names] = field(default_factory=tuple)
    times: Sequence[datetime] = field(default_factory=tuple)
    sources: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class StoryMatch:
    story_id: int
    score: float
    by: Literal["minhash", "event"]


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


def _cosines(candidates: Sequence[StoryCandidate], embedding: Vector | None) -> npt.NDArray:
    """Cosine of ``embedding`` to each candidate's (0.0 where missing or of another size), in
    one float32 matrix-vector product."""
    out = np.zeros(len(candidates), dtype=np.float64)
    if embedding is None or embedding.size == 0:
        return out
    size = embedding.size
    rows: list[int] = []
    vectors: list[Vector] = []
    for i, c in enumerate(candidates):
        if c.embedding is not None and c.embedding.ndim == 1 and c.embedding.size == size:
            rows.append(i)
            vectors.append(c.embedding)
    if rows:
        matrix = np.stack(vectors).astype(np.float32, copy=False)
        mine = embedding.astype(np.float32, copy=False)
        norms = np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(mine))
        # einsum's own loop, not BLAS: over a large window (a scan, as the benchmarks' check
        # does) OpenBLAS's second thread would go on spinning on the other core after it
        dots = np.einsum("ij,j->i", matrix, mine)
        out[rows] = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    return out


def _in_time(candidate: StoryCandidate, when: datetime | None, gap: timedelta) -> bool:
    """Whether the article may be the same event as the story: published within ``gap`` of one
    of its articles (unknown times never keep it apart; a date that names only a day counts as
    that whole day, :func:`news.published.apart`)."""
    if when is None or not candidate.times:
        return True
    return any(apart(when, t) <= gap for t in candidate.times)


def _has_source(candidate: StoryCandidate, source: str | None) -> bool:
    """Whether the story already carries an article from this outlet (case-insensitive)."""
    if not source or not source.strip():
        return False
    mine = source.strip().casefold()
    return any(s.strip().casefold() == mine for s in candidate.sources)


def event_scores(
    candidates: Sequence[StoryCandidate],
    embedding: Vector | None,
    minhash: npt.NDArray[np.float64],
    entities: Names | None,
    *,
    when: datetime | None = None,
    source: str | None = None,
    policy: GroupingPolicy = POLICY,
) -> npt.NDArray[np.float64]:
    """Each candidate's same-event score (0.0 where published too far apart, or where the story
    already has a report from ``source``).

    Names are compared only for candidates the two vectorised signals bring within reach of the
    threshold, so the set work stays small however many stories are recent.
    """
    base = _cosines(candidates, embedding) + policy.minhash_weight * minhash
    out = np.zeros(len(candidates), dtype=np.float64)
    mine = entities if entities is not None else np.empty(0, dtype=np.uint64)
    reach = base + (policy.entity_weight if mine.size else 0.0) >= policy.threshold
    for i in np.flatnonzero(reach):
        candidate = candidates[int(i)]
        if not _in_time(candidate, when, policy.event_gap) or _has_source(candidate, source):
            continue
        names = max((overlap(mine, e) for e in candidate.entities), default=0.0)
        out[i] = base[i] + policy.entity_weight * names
    return out


def choose_story(
    candidates: Sequence[StoryCandidate],
    signature: bytes,
    embedding: Vector | None = None,
    *,
    entities: Names | None = None,
    when: datetime | None = None,
    source: str | None = None,
    policy: GroupingPolicy = POLICY,
    near_duplicate: float | None = None,
    embedding_threshold: float | None = None,
    similarity_fn: Callable[[bytes, bytes], float] | None = None,
) -> StoryMatch | None:
    """The story the article joins, else None (a new story).

    A near-copy wins (the highest MinHash at or above ``near_duplicate``); else the highest
    same-event score at or above the threshold (``event_scores``). ``near_duplicate`` and
    ``embedding_threshold`` override the policy's. Ties go to the earlier candidate, so pass the
    most recent stories first. ``similarity_fn`` replaces the bulk MinHash comparison (tests).
    """
    if not candidates:
        return None
    if near_duplicate is not None:
        policy = replace(policy, near_duplicate=near_duplicate)
    if embedding_threshold is not None:
        policy = replace(policy, threshold=embedding_threshold)
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

    best = int(np.argmax(minhash))  # argmax: the first of equal maxima
    if minhash[best] >= policy.near_duplicate:
        return StoryMatch(candidates[best].story_id, float(minhash[best]), "minhash")
    events = event_scores(
        candidates, embedding, minhash, entities, when=when, source=source, policy=policy
    )
    best = int(np.argmax(events))
    if events[best] > 0.0 and events[best] >= policy.threshold:
        return StoryMatch(candidates[best].story_id, float(events[best]), "event")
    return None
