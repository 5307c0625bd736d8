"""news.stories.grouping: which recent story a new article joins, by MinHash or as the same event.

(``to_blob``, ``from_blob`` and ``cosine`` are tested in tests/news/store/test_stories.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from news.stories.dedupe import signature, similarity
from news.stories.entities import names_key
from news.stories.grouping import (
    EMBEDDING_THRESHOLD,
    POLICY,
    GroupingPolicy,
    StoryCandidate,
    StoryMatch,
    choose_story,
    cosine,
    event_scores,
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
    assert match == StoryMatch(2, pytest.approx(cosine(article, _unit(1.0, 0.12, 0.0))), "event")


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


# -- the same event from another outlet ---------------------------------------------------------
NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SHARED = names_key(["choi", "sony open", "honolulu", "#3"])


def _event(**kwargs: Any) -> StoryCandidate:
    """A story from Reuters at noon whose embedding has cosine 0.80 to ``_ARTICLE``."""
    fields: dict[str, Any] = {
        "entities": [SHARED],
        "times": [NOON],
        "sources": ["Reuters"],
        "embedding": _unit(0.8, 0.6, 0.0),
    }
    fields.update(kwargs)
    return StoryCandidate(1, [signature(_text(20))], **fields)


_ARTICLE = _unit(1.0, 0.0, 0.0)


def test_shared_names_carry_a_rewrite_the_embedding_alone_would_miss() -> None:
    # cosine 0.80 is under the threshold alone; the same names add entity_weight
    assert 0.80 < POLICY.threshold <= 0.80 + POLICY.entity_weight
    story = [_event()]
    sig = signature(_text(21))
    assert choose_story(story, sig, _ARTICLE) is None  # no names given
    match = choose_story(story, sig, _ARTICLE, entities=SHARED, when=NOON, source="AP")
    assert match == StoryMatch(1, pytest.approx(0.80 + POLICY.entity_weight, abs=0.02), "event")
    other = names_key(["mickelson", "pebble beach", "#5"])  # same subject, another event
    assert choose_story(story, sig, _ARTICLE, entities=other, when=NOON, source="AP") is None


def test_reports_days_apart_are_different_events_but_near_copies_still_join() -> None:
    story = [_event()]
    later = NOON + POLICY.event_gap + timedelta(minutes=1)
    sig = signature(_text(21))
    assert choose_story(story, sig, _ARTICLE, entities=SHARED, when=later, source="AP") is None
    just = NOON - POLICY.event_gap
    assert choose_story(story, sig, _ARTICLE, entities=SHARED, when=just, source="AP")
    copy = signature(_text(20))
    match = choose_story(story, copy, _ARTICLE, entities=SHARED, when=later, source="AP")
    assert match == StoryMatch(1, 1.0, "minhash")


def test_a_date_that_names_only_its_day_counts_as_the_whole_day() -> None:
    """A page dated the 28th (no hour) and a report at 23:00 on the 29th may be 23 h apart."""
    day = NOON.replace(hour=0)  # how a day-only page date is stored
    story = [_event(times=[day])]
    sig = signature(_text(21))
    evening = day + timedelta(days=1, hours=23)
    assert evening - day > POLICY.event_gap  # read as an instant it would be kept apart
    assert choose_story(story, sig, _ARTICLE, entities=SHARED, when=evening, source="AP")
    two_days_on = day + timedelta(days=2)  # the 30th, day only: at least 24 h after the 28th
    assert choose_story(story, sig, _ARTICLE, entities=SHARED, when=two_days_on, source="AP")
    later = day + timedelta(days=2, hours=1)  # 25 h after the 28th ended
    assert choose_story(story, sig, _ARTICLE, entities=SHARED, when=later, source="AP") is None


def test_an_outlets_second_report_joins_only_as_a_near_copy() -> None:
    story = [_event(sources=["Reuters", "BBC"], entities=[SHARED, SHARED], times=[NOON, NOON])]
    sig = signature(_text(21))
    for outlet in ("Reuters", " reuters ", "BBC"):
        assert choose_story(story, sig, _ARTICLE, entities=SHARED, source=outlet) is None
    assert choose_story(story, sig, _ARTICLE, entities=SHARED, source="AP") is not None
    assert choose_story(story, sig, _ARTICLE, entities=SHARED, source=None) is not None
    assert choose_story(story, signature(_text(20)), _ARTICLE, source="Reuters") == StoryMatch(
        1, 1.0, "minhash"
    )


def test_a_near_copy_wins_over_a_closer_embedding() -> None:
    text = _text(22)
    candidates = [
        StoryCandidate(1, [signature(_text(23))], _ARTICLE, entities=[SHARED]),
        StoryCandidate(2, [signature(text)], _unit(0.0, 1.0, 0.0)),
    ]
    match = choose_story(candidates, signature(text + " more"), _ARTICLE, entities=SHARED)
    assert match is not None
    assert (match.story_id, match.by) == (2, "minhash")


def test_event_scores_add_the_three_signals() -> None:
    candidates = [_event(), _event(entities=[]), _event(embedding=None)]
    minhash = np.array([0.2, 0.2, 0.2])
    scores = event_scores(candidates, _ARTICLE, minhash, SHARED, when=NOON, source="AP")
    weighted = POLICY.minhash_weight * 0.2
    assert scores[0] == pytest.approx(0.80 + POLICY.entity_weight + weighted, abs=1e-6)
    assert scores[1] == pytest.approx(0.80 + weighted, abs=1e-6)
    assert scores[2] == 0.0  # out of reach of the threshold: names not even compared
    loose = GroupingPolicy(threshold=0.0)
    scores = event_scores(candidates, _ARTICLE, minhash, SHARED, policy=loose)
    assert scores[2] == pytest.approx(POLICY.entity_weight + weighted, abs=1e-6)
