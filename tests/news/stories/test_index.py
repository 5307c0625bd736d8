"""The grouping candidate index: near-copies found by LSH bands, same-event stories by
embedding neighbours, stories forgotten when they leave the window, and the decision over the
candidates equal to a scan of every story."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np

from news.stories.dedupe import signature
from news.stories.grouping import choose_story
from news.stories.index import NEIGHBOUR_FLOOR, CandidateIndex, Known

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WORDS = [f"w{n}" for n in range(400)]


def _text(rng: random.Random, n: int = 120) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _known(text: str, when: datetime = NOW, source: str = "a.example") -> Known:
    return Known(signature(text), np.empty(0, dtype=np.uint64), when, source)


def _unit(rng: np.random.Generator, dim: int = 16) -> np.ndarray:
    v = rng.normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def test_a_near_copy_is_found_by_its_bands_without_an_embedding() -> None:
    rng = random.Random(1)
    index = CandidateIndex()
    texts = [_text(rng) for _ in range(50)]
    for n, text in enumerate(texts):
        index.add(n + 1, n + 1, _known(text), NOW)
    copy = texts[7].replace("w1 ", "w2 ", 1) + " Read more on our site."
    assert 8 in index.similar(signature(copy))
    assert len(index.similar(signature(_text(rng)))) <= 2  # unrelated text: (almost) nothing
    match = choose_story(index.candidates(signature(copy), None), signature(copy))
    assert match is not None
    assert match.story_id == 8


def test_neighbours_are_the_stories_close_in_meaning_closest_first_bounded() -> None:
    rng = np.random.default_rng(2)
    index = CandidateIndex()
    base = _unit(rng)
    for n in range(20):
        index.add(n + 1, n + 1, _known(f"story {n}"), NOW)
        index.set_embedding(n + 1, _unit(rng))
    index.add(99, 99, _known("close"), NOW)
    index.set_embedding(99, base + 0.05 * _unit(rng))
    index.set_embedding(99, _unit(rng))  # set once: later calls are ignored
    found = index.neighbours(base)
    assert 99 in found
    cosines = {c.story_id: float(c.embedding @ base) for c in index.as_candidates(found)}
    assert all(c >= NEIGHBOUR_FLOOR - 1e-6 for c in cosines.values())
    assert index.neighbours(np.ones(5, dtype=np.float32)) == []  # another size: none


def test_stories_leave_the_index_when_they_leave_the_window_unless_seen_again() -> None:
    rng = np.random.default_rng(3)
    index = CandidateIndex()
    vector = _unit(rng)
    for n in range(3000):
        index.add(n + 1, n + 1, _known(f"text {n}"), NOW - timedelta(hours=80))
        index.set_embedding(n + 1, _unit(rng))
    index.add(1, 5000, _known("a later source"), NOW)  # story 1 active again
    index.add(7000, 7000, _known("new"), NOW)
    index.set_embedding(7000, vector)
    index.expire(NOW - timedelta(hours=72))
    assert set(index.stories) == {1, 7000}  # and the matrix was compacted
    assert index.neighbours(vector) == [7000]
    assert [c.story_id for c in index.everything()] == [7000, 1]  # most recent first


def test_deciding_over_the_candidates_equals_deciding_over_every_story() -> None:
    rng = random.Random(4)
    vectors = np.random.default_rng(4)
    index = CandidateIndex()
    texts, embeddings = [], []
    for n in range(300):
        text, vector = _text(rng), _unit(vectors)
        texts.append(text)
        embeddings.append(vector)
        index.add(n + 1, n + 1, _known(text, NOW - timedelta(minutes=n)), NOW)
        index.set_embedding(n + 1, vector)
    for n in range(60):
        if n % 3 == 0:  # a rewrite: most of the words, another outlet
            words = texts[n].split()
            text, vector = " ".join(words[5:] + words[:5]), embeddings[n]
        elif n % 3 == 1:  # the same event in other words: close in meaning
            text, vector = _text(rng), embeddings[n] + 0.1 * _unit(vectors)
        else:  # unrelated
            text, vector = _text(rng), _unit(vectors)
        sig = signature(text)
        picked = choose_story(index.candidates(sig, vector), sig, vector, when=NOW, source="b")
        full = choose_story(index.everything(), sig, vector, when=NOW, source="b")
        assert (picked and picked.story_id) == (full and full.story_id)
