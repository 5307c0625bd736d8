"""Story embeddings as rows of one float32 matrix: the only copy a serving process holds, shared
by the story snapshots of one load (``news.briefings.snapshot``) and the indexes made from them
(``news.briefings.index``).

A story's embedding never changes once set (the store writes it only where none is), so rows are
only appended: a later snapshot adds the rows of its new stories to the matrix its base shares,
and what an older snapshot reads stays true. Each meaning's cosines to the rows are remembered
and extended by the new rows only.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import numpy.typing as npt

__all__ = ["SEARCH_CACHE", "Embeddings"]

SEARCH_CACHE = 256  # meanings whose cosines to the rows are remembered

Vector = npt.NDArray[np.float32]


class Embeddings:
    """Story id -> embedding, kept as rows of one matrix grown in place (as given, not
    normalised: ``vector`` returns what the store holds), with the rows' norms beside them."""

    def __init__(self) -> None:
        self.rows: dict[int, int] = {}  # story id -> row
        self._matrix: Vector = np.zeros((0, 0), dtype=np.float32)
        self._norms: Vector = np.zeros(0, dtype=np.float32)
        self.used = 0
        self._scores: OrderedDict[str, Vector] = OrderedDict()  # meaning -> cosines

    def __len__(self) -> int:
        return self.used

    def __contains__(self, story_id: object) -> bool:
        return story_id in self.rows

    def add(self, story_id: int, vector: npt.ArrayLike) -> None:
        """The story's embedding, unless it has one (it never changes) or it is of another
        model's size than the rows (not comparable)."""
        if story_id in self.rows:
            return
        values = np.asarray(vector, dtype=np.float32)
        if values.ndim != 1 or not values.size:
            return
        if self.used and values.size != self._matrix.shape[1]:
            return
        if self.used == len(self._matrix) or self._matrix.shape[1] != values.size:
            self.reserve(max(1024, len(self._matrix) * 5 // 4), values.size)
        self._matrix[self.used] = values
        self._norms[self.used] = np.linalg.norm(values)
        self.rows[story_id] = self.used
        self.used += 1

    def reserve(self, rows: int, size: int) -> None:
        """Room for ``rows`` rows of ``size`` floats (a snapshot read at once: its size)."""
        if rows <= len(self._matrix) and (not len(self._matrix) or size == self._matrix.shape[1]):
            return
        grown = np.zeros((rows, size), dtype=np.float32)
        norms = np.zeros(rows, dtype=np.float32)
        if self.used:
            grown[: self.used] = self._matrix[: self.used]
            norms[: self.used] = self._norms[: self.used]
        self._matrix, self._norms = grown, norms

    def vector(self, story_id: int) -> Vector | None:
        """The story's embedding (a read-only view of its row), or None."""
        row = self.rows.get(story_id)
        if row is None:
            return None
        view = self._matrix[row]
        view.flags.writeable = False
        return view

    def cosines(self, meaning: str, query: npt.ArrayLike) -> Vector:
        """Cosine of ``query`` (the embedding of ``meaning``) to every row (0 for a zero row)."""
        scores = self._scores.get(meaning)
        done = 0 if scores is None else len(scores)
        if scores is None or done < self.used:
            values = np.asarray(query, dtype=np.float32)
            norm = float(np.linalg.norm(values))
            if self.used and values.size == self._matrix.shape[1] and norm:
                dots = self._matrix[done : self.used] @ (values / norm)
                norms = self._norms[done : self.used]
                fresh = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
            else:
                fresh = np.zeros(self.used - done, dtype=np.float32)
            scores = fresh if scores is None else np.concatenate([scores, fresh])
            self._scores[meaning] = scores
        self._scores.move_to_end(meaning)
        while len(self._scores) > SEARCH_CACHE:
            self._scores.popitem(last=False)
        return scores
