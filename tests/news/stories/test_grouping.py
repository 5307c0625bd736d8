"""news.stories.grouping: which recent story a new article joins, by MinHash or by embedding.

(``to_blob``, ``from_blob`` and ``cosine`` are tested in tests/news/store/test_stories.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from news.stories.dedupe import signature, similarity
from news.stories.grouping import (
    EMBEDDING_THRESHOLD,
    StoryCandidate,
    StoryMatch,
    choose_story,
    cosine,
    minhash_scores,
)
from tests.news.stories.conftest import random_text


def _text(seed: int) -> str:
    return random_text(seed, 300)


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_minhash_scores_match_similarity_one_by_one() -> None:
    texts = [_text(1), _text(1) + " extra words here", _text(2), ""]
    mine = signature(texts[0])
    sigs = [signature(t) for t in texts] + [b"\x00" * 8]  # the last: another size
    scores = minhash_scores(mine, sigs)
    assert scores.tolist() == [similarity(mine, s) for s in sigs[:4]] + [0.0]
    assert scores[0] == 1.0
    assert scores[3] == 0.0  # an empty text's signature matches nothing


def test_no_candidates_is_a_new_story() -> None:
    assert choose_story([], signature(_text(1))) is None


def test_a_near_duplicate_joins_its_story() -> None:
    base = _text(3)
    candidates = [
        StoryCandidate(1, [signature(_text(4))]),
        StoryCandidate(2, [signature(_text(5)), signature(base)]),
    ]
    match = choose_story(candidates, signature(base + " update: more at noon"))
    assert match is not None
    assert (match.story_id, match.by) == (2, "minhash")
    assert match.score == similarity(signature(base + " update: more at noon"), signature(base))


def test_a_close_embedding_joins_and_the_better_score_wins() -> None:
    article = _unit(1.0, 0.1, 0.0)
    candidates = [
        StoryCandidate(1, [signature(_text(6))], _unit(1.0, 0.3, 0.0)),  # cos ~0.98
        StoryCandidate(2, [signature(_text(7))], _unit(1.0, 0.12, 0.0)),  # cos ~1.0
        StoryCandidate(3, [signature(_text(8))], _unit(0.0, 1.0, 0.0)),
    ]
    match = choose_story(candidates, signature(_text(9)), article)
    assert match == StoryMatch(
        2, pytest.approx(cosine(article, _unit(1.0, 0.12, 0.0))), "embedding"
    )


def test_below_both_thresholds_starts_a_new_story() -> None:
    far = _unit(1.0, 1.0, 0.0)  # cos 0.71 to the article, under the threshold
    assert cosine(_unit(1.0, 0.0, 0.0), far) < EMBEDDING_THRESHOLD
    candidates = [StoryCandidate(1, [signature(_text(10))], far)]
    assert choose_story(candidates, signature(_text(11)), _unit(1.0, 0.0, 0.0)) is None


def test_ties_go_to_the_earlier_candidate_and_thresholds_are_options() -> None:
    text = _text(12)
    candidates = [StoryCandidate(7, [signature(text)]), StoryCandidate(8, [signature(text)])]
    assert choose_story(candidates, signature(text)) == StoryMatch(7, 1.0, "minhash")
    other = signature(_text(13))
    assert choose_story(candidates, other) is None
    loose = choose_story(candidates, other, near_duplicate=0.0)
    assert loose is not None
    assert (loose.story_id, loose.by) == (7, "minhash")


def test_similarity_fn_replaces_the_bulk_minhash() -> None:
    calls: list[tuple[bytes, bytes]] = []

    def always(a: bytes, b: bytes) -> float:
        calls.append((a, b))
        return 0.9

    sig = signature(_text(14))
    candidates = [StoryCandidate(1, [signature(_text(15)), b"short"])]
    assert choose_story(candidates, sig, similarity_fn=always) == StoryMatch(1, 0.9, "minhash")
    assert calls == [(sig, signature(_text(15)))]  # a signature of another size is not compared
