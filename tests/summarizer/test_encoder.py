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


def test_plain_torch_bert_matches_transformers(encoder: Encoder) -> None:
    """The fast path (summarizer.bert + tokenizers, no transformers import) gives the ids and
    vectors of transformers' AutoTokenizer + AutoModel on the same checkpoint."""
    from summarizer.encoder import default_model_path

    texts = [
        "Mr. Smith, 45, told the U.S. Senate on Tuesday that rates would rise 3.5%.",
        "Ünïcödé café — 東京 “quotes” and an emoji 🙂 in one line",
        "",
        "word " * 400,  # truncated at max_length
        "Rescue teams searched the coast for a missing fishing boat overnight.",
    ]
    reference = Encoder.__new__(Encoder)
    reference.__dict__.update(encoder.__dict__)
    reference._load_transformers(default_model_path())
    assert encoder._ids(texts) == reference._ids(texts)
    assert max(len(ids) for ids in encoder._ids(texts)) == encoder.max_length
    np.testing.assert_allclose(encoder.encode(texts), reference.encode(texts), atol=1e-5)


def test_load_does_not_import_transformers() -> None:
    """transformers' import is most of a cold load; the MiniLM encoder does without it."""
    import subprocess
    import sys

    code = (
        "import sys; from summarizer import Encoder; Encoder(); "
        "print('transformers' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip() == "False"
