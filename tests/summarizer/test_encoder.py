"""The shared MiniLM encoder: shape, normalization, order and batching invariance."""

from __future__ import annotations

import numpy as np
import pytest

from summarizer import Encoder

pytestmark = pytest.mark.slow


def test_shape_dtype_and_unit_norm(encoder: Encoder) -> None:
    texts = ["The central bank raised rates.", "A storm hit the coast.", "Rates went up."]
    vectors = encoder.encode(texts)
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.model_id == "all-MiniLM-L6-v2"
    # meaning: the two sentences about rates are closer than either is to the storm
    similarity = vectors @ vectors.T
    assert similarity[0, 2] > similarity[0, 1]
    assert similarity[0, 2] > similarity[1, 2]


def test_order_and_batching_do_not_change_vectors(encoder: Encoder) -> None:
    texts = [f"Sentence number {i} " + "with more words " * (i % 7) for i in range(40)]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts[:5]])
    np.testing.assert_allclose(together[:5], alone, atol=1e-5)
    reversed_ = encoder.encode(texts[::-1])[::-1]
    np.testing.assert_allclose(together, reversed_, atol=1e-5)


def test_empty_input(encoder: Encoder) -> None:
    assert encoder.encode([]).shape == (0, 384)
