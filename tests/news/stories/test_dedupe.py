"""news.stories.dedupe: content hashes and MinHash near-duplicate estimates."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from news.stories.dedupe import (
    NEAR_DUPLICATE,
    NUM_PERM,
    content_hash,
    shingles,
    signature,
    similarity,
)
from tests.news.stories.conftest import random_text as _text


def _jaccard(a: str, b: str) -> float:
    sa, sb = set(shingles(a).tolist()), set(shingles(b).tolist())
    return len(sa & sb) / len(sa | sb)


def test_content_hash_ignores_case_and_whitespace() -> None:
    assert content_hash("The  Cat\nsat.") == content_hash("the cat sat.")
    assert content_hash("the cat sat.") != content_hash("the cat sat!")
    assert len(content_hash("x")) == 64
    int(content_hash("x"), 16)


def test_signature_shape_and_identity() -> None:
    text = _text(1)
    sig = signature(text)
    assert len(sig) == NUM_PERM * 4
    assert similarity(sig, signature(text)) == 1.0
    assert similarity(sig, signature(text.upper().replace(" ", "  \n"))) == 1.0


def test_syndicated_copy_is_a_near_duplicate() -> None:
    body = _text(2, 600)
    syndicated = "By Staff Reporter. Updated 10:42. " + body + " Sign up for our newsletter."
    edited = body.replace(body.split()[300], "changed", 1)
    for other in (syndicated, edited):
        assert similarity(signature(body), signature(other)) >= NEAR_DUPLICATE


def test_different_articles_are_not() -> None:
    scores = [similarity(signature(_text(i)), signature(_text(i + 100))) for i in range(10)]
    assert max(scores) < 0.1


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.85])
def test_estimate_tracks_true_jaccard(keep: float) -> None:
    words = _text(3, 1000).split()
    cut = int(len(words) * keep)
    a = " ".join(words)
    b = " ".join(words[:cut] + _text(4, len(words) - cut).split())
    estimate = similarity(signature(a), signature(b))
    assert abs(estimate - _jaccard(a, b)) < 0.12


def test_short_and_empty_texts() -> None:
    assert similarity(signature("Breaking news"), signature("breaking  NEWS")) == 1.0
    assert similarity(signature("Breaking news"), signature("Other words")) < 0.5
    assert similarity(signature(""), signature("")) == 0.0
    assert similarity(signature("..."), signature("hello world")) == 0.0


def test_mismatched_signatures_raise() -> None:
    with pytest.raises(ValueError, match="differ"):
        similarity(signature("a b c d"), b"\x00" * 8)


def test_signatures_are_stable_across_processes() -> None:
    text = _text(5, 50)
    code = (
        "import sys; from news.stories.dedupe import signature; "
        "sys.stdout.write(signature(sys.argv[1]).hex())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, text],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PYTHONPATH": "."},
    ).stdout
    assert out == signature(text).hex()


def test_signature_is_fast() -> None:
    texts = [_text(i, 800) for i in range(100)]
    started = time.perf_counter()
    for text in texts:
        signature(text)
    assert time.perf_counter() - started < 2.0  # ~a few ms each; ingestion relies on it
