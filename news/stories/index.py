"""The candidate index of grouping: which recent stories a new article could join, found by
index rather than by comparing it with every story of the window.

Two indexes over the stories active in the grouping window, both kept in memory and updated
per article (nothing of them changes once written, so they are caches of the database):

- **MinHash LSH** over each article's signature: ``BANDS`` bands of ``ROWS`` permutations; two
  articles that agree on a whole band are candidates. With 32 x 4 a pair at the near-copy
  Jaccard of 0.5 shares a band with probability 0.87, at 0.7 with 0.9996; unrelated news (under
  0.05) almost never does. Near-copies the bands miss are still found by meaning (below), as a
  rewrite keeps its embedding.
- **Embedding neighbours**: the stories' embeddings as rows of one normalised float32 matrix
  (grown in place, compacted when half its rows are gone); every story within
  ``NEIGHBOUR_FLOOR`` cosine is a candidate, the closest ``MAX_NEIGHBOURS`` of them. The floor is
  the cosine below which the same-event score cannot reach its threshold unless the MinHash is
  high enough for the bands to have found the pair (``grouping.GroupingPolicy``).

``choose_story`` then decides over these few candidates exactly as over the whole window: the
benchmark (``benchmarks/bench_scale.py``) counts how often a full scan would choose otherwise.
The matrix product is the one cost that grows with the window's stories (about 1 ms per 10k on
one core); the rest is constant per article.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from news.stories.dedupe import NUM_PERM
from news.stories.entities import Names
from news.stories.grouping import POLICY, StoryCandidate, Vector

__all__ = ["BANDS", "MAX_NEIGHBOURS", "NEIGHBOUR_FLOOR", "ROWS", "CandidateIndex", "Known"]

BANDS = 32
ROWS = 4  # BANDS * ROWS <= NUM_PERM
# A story below this cosine joins only with MinHash >= 0.4 (0.88 - 0.2 names - 0.5 x 0.4),
# which the bands find with probability 0.94 (0.9996 at 0.7).
NEIGHBOUR_FLOOR = POLICY.threshold - POLICY.entity_weight - POLICY.minhash_weight * 0.4
MAX_NEIGHBOURS = 64
_EMPTY = b"\xff" * (4 * NUM_PERM)


@dataclass(frozen=True, slots=True)
class Known:
    """What grouping compares of one stored article."""

    signature: bytes
    names: Names
    when: datetime  # published, else fetched
    source: str


@dataclass(slots=True)
class _Story:
    last_seen: datetime
    articles: dict[int, Known] = field(default_factory=dict)
    row: int = -1  # its row of the embedding matrix, -1 without one
    dim: int = 0  # the size of its embedding
    bands: list[int] = field(default_factory=list)


def _band_keys(signature: bytes) -> list[int]:
    if len(signature) != 4 * NUM_PERM or signature == _EMPTY:
        return []
    width = 4 * ROWS
    return [hash((b, signature[b * width : (b + 1) * width])) for b in range(BANDS)]


class _Rows:
    """Normalised embeddings of one size as rows of a matrix grown in place."""

    def __init__(self, dim: int) -> None:
        self.matrix = np.zeros((0, dim), dtype=np.float32)
        self.owner = np.zeros(0, dtype=np.int64)  # row -> story id (-1: free)
        self.used = 0  # rows in use (free ones included)
        self.free = 0

    def add(self, story_id: int, unit: Vector) -> int:
        if self.used == len(self.matrix):
            grown = max(1024, 2 * len(self.matrix))
            matrix = np.zeros((grown, self.matrix.shape[1]), dtype=np.float32)
            matrix[: self.used] = self.matrix[: self.used]
            owner = np.full(grown, -1, dtype=np.int64)
            owner[: self.used] = self.owner[: self.used]
            self.matrix, self.owner = matrix, owner
        self.matrix[self.used] = unit
        self.owner[self.used] = story_id
        self.used += 1
        return self.used - 1

    def drop(self, row: int) -> None:
        self.matrix[row] = 0.0
        self.owner[row] = -1
        self.free += 1

    def compact(self) -> dict[int, int]:
        """Free rows removed; story id -> its new row."""
        keep = np.flatnonzero(self.owner[: self.used] >= 0)
        self.matrix = np.ascontiguousarray(self.matrix[keep])
        self.owner = self.owner[keep].copy()
        self.used, self.free = len(keep), 0
        return {story_id: row for row, story_id in enumerate(self.owner.tolist())}


class CandidateIndex:
    """The stories of the grouping window with their articles' grouping data, and the LSH and
    embedding indexes over them (see the module docstring)."""

    def __init__(self) -> None:
        self.stories: dict[int, _Story] = {}
        self.max_article_id = 0
        self._bands: dict[int, set[int]] = {}  # band key -> story ids
        self._expiry: list[tuple[datetime, int]] = []  # (last_seen, story id), a heap
        self._rows: dict[int, _Rows] = {}  # embedding size -> its rows (one size in practice)

    def __len__(self) -> int:
        return len(self.stories)

    def has(self, story_id: int, article_id: int) -> bool:
        story = self.stories.get(story_id)
        return story is not None and article_id in story.articles

    def has_embedding(self, story_id: int) -> bool:
        story = self.stories.get(story_id)
        return story is not None and story.row >= 0

    def add(self, story_id: int, article_id: int, known: Known, last_seen: datetime) -> None:
        """Remember one article of a story active at ``last_seen``."""
        story = self.stories.get(story_id)
        if story is None:
            story = self.stories[story_id] = _Story(last_seen)
            heapq.heappush(self._expiry, (last_seen, story_id))
        elif last_seen > story.last_seen:
            story.last_seen = last_seen
            heapq.heappush(self._expiry, (last_seen, story_id))
        self.max_article_id = max(self.max_article_id, article_id)
        if article_id in story.articles:
            return
        story.articles[article_id] = known
        for key in _band_keys(known.signature):
            self._bands.setdefault(key, set()).add(story_id)
            story.bands.append(key)

    def set_embedding(self, story_id: int, vector: Vector | None) -> None:
        """The story's embedding (set once; later calls are ignored)."""
        story = self.stories.get(story_id)
        if story is None or story.row >= 0 or vector is None or vector.ndim != 1:
            return
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            return
        rows = self._rows.setdefault(vector.size, _Rows(vector.size))
        story.row = rows.add(story_id, (vector / norm).astype(np.float32))
        story.dim = vector.size

    def expire(self, since: datetime) -> None:
        """Forget the stories last seen before ``since``."""
        while self._expiry and self._expiry[0][0] < since:
            _, story_id = heapq.heappop(self._expiry)
            story = self.stories.get(story_id)
            if story is None or story.last_seen >= since:
                continue  # seen again since: a later heap entry stands for it
            self._drop(story_id, story)
        for rows in self._rows.values():
            if rows.free > 1024 and rows.free * 2 > rows.used:
                for story_id, row in rows.compact().items():
                    self.stories[story_id].row = row

    def _drop(self, story_id: int, story: _Story) -> None:
        del self.stories[story_id]
        for key in story.bands:
            holders = self._bands.get(key)
            if holders is not None:
                holders.discard(story_id)
                if not holders:
                    del self._bands[key]
        if story.row >= 0:
            self._rows[story.dim].drop(story.row)

    def neighbours(self, vector: Vector | None) -> list[int]:
        """Story ids whose embedding is within ``NEIGHBOUR_FLOOR`` cosine of ``vector``, the
        closest ``MAX_NEIGHBOURS``."""
        found = None if vector is None or vector.ndim != 1 else self._rows.get(vector.size)
        norm = 0.0 if found is None or vector is None else float(np.linalg.norm(vector))
        if found is None or vector is None or norm == 0.0:
            return []
        # einsum's own loop, not BLAS: OpenBLAS's second thread spins on the other core after
        # each product (at 100k articles a store burnt twice the CPU it used, 16 ms an add)
        query = vector.astype(np.float32) / norm
        scores = np.einsum("ij,j->i", found.matrix[: found.used], query)
        rows = np.flatnonzero(scores >= NEIGHBOUR_FLOOR)
        if len(rows) > MAX_NEIGHBOURS:
            rows = rows[np.argpartition(-scores[rows], MAX_NEIGHBOURS)[:MAX_NEIGHBOURS]]
        owners = found.owner[rows]
        return [int(s) for s in owners[owners >= 0]]

    def similar(self, signature: bytes) -> set[int]:
        """Story ids with an article sharing a whole LSH band with ``signature``."""
        found: set[int] = set()
        for key in _band_keys(signature):
            holders = self._bands.get(key)
            if holders:
                found |= holders
        return found

    def candidates(self, signature: bytes, vector: Vector | None) -> list[StoryCandidate]:
        """The stories the article could join, most recently active first (``choose_story``
        breaks ties towards the first)."""
        ids = self.similar(signature) | set(self.neighbours(vector))
        return self.as_candidates(ids)

    def as_candidates(self, ids: Iterable[int]) -> list[StoryCandidate]:
        """``StoryCandidate`` of each of these stories, most recently active first."""
        found = [(self.stories[i].last_seen, i) for i in ids if i in self.stories]
        found.sort(reverse=True)
        return [self._candidate(story_id) for _, story_id in found]

    def everything(self) -> list[StoryCandidate]:
        """Every story of the window (what a scan compares; for checks and benchmarks)."""
        return self.as_candidates(list(self.stories))

    def _candidate(self, story_id: int) -> StoryCandidate:
        story = self.stories[story_id]
        known: Sequence[Known] = list(story.articles.values())
        vector = self._rows[story.dim].matrix[story.row].copy() if story.row >= 0 else None
        return StoryCandidate(
            story_id,
            [k.signature for k in known],
            vector,
            entities=[k.names for k in known],
            times=[k.when for k in known],
            sources=[k.source for k in known],
        )
