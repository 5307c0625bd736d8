"""The story grouping policy, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from news.models import Article
from news.store import Store
from news.stories.dedupe import NEAR_DUPLICATE, signature, similarity
from news.stories.grouping import (
    EMBEDDING_THRESHOLD,
    StoryCandidate,
    choose_story,
    cosine,
    from_blob,
    minhash_scores,
    to_blob,
)
from tests.news.store.factories import make_text


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_blob_round_trip_is_float32_and_writable() -> None:
    vector = np.array([0.25, -1.5, 3.0], dtype=np.float64)
    blob = to_blob(vector)
    assert blob is not None
    assert len(blob) == 12
    back = from_blob(blob)
    assert back is not None
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, vector.astype(np.float32))
    back[0] = 7.0  # a copy, not a view of the bytes
    assert to_blob(None) is None
    assert from_blob(None) is None


def test_cosine() -> None:
    assert cosine(unit(1, 0), unit(1, 0)) == pytest.approx(1.0)
    assert cosine(unit(1, 0), unit(0, 1)) == pytest.approx(0.0)
    assert cosine(unit(1, 1), unit(1, 0)) == pytest.approx(2**-0.5)
    assert cosine(unit(1, 0), unit(1, 0, 0)) == 0.0  # other model, other size
    assert cosine(np.zeros(2, np.float32), unit(1, 0)) == 0.0


def test_no_candidates_means_a_new_story() -> None:
    assert choose_story([], signature(make_text(1))) is None


def test_near_duplicate_text_joins_by_minhash() -> None:
    text = make_text(1)
    repost = text + " Sign up for our newsletter to read more."
    candidates = [
        StoryCandidate(10, [signature(make_text(2))]),
        StoryCandidate(11, [signature(make_text(3)), signature(text)]),
    ]
    match = choose_story(candidates, signature(repost))
    assert match is not None
    assert (match.story_id, match.by) == (11, "minhash")
    assert match.score >= NEAR_DUPLICATE


def test_unrelated_text_starts_a_new_story() -> None:
    candidates = [StoryCandidate(i, [signature(make_text(i))]) for i in range(10, 15)]
    assert choose_story(candidates, signature(make_text(99))) is None


def test_embedding_joins_when_close_enough() -> None:
    story = unit(1, 0.2, 0)
    close = unit(1, 0.3, 0.05)
    far = unit(0.2, 1, 0)
    assert cosine(close, story) >= EMBEDDING_THRESHOLD > cosine(far, story)
    candidates = [StoryCandidate(5, [signature(make_text(5))], story)]
    match = choose_story(candidates, signature(make_text(6)), close)
    assert match is not None
    assert (match.story_id, match.by) == (5, "event")
    assert choose_story(candidates, signature(make_text(6)), far) is None
    # no embedding on either side: only MinHash counts
    assert choose_story(candidates, signature(make_text(6)), None) is None
    assert choose_story([StoryCandidate(5, [signature(make_text(5))])], b"", close) is None


def test_the_most_similar_story_wins() -> None:
    candidates = [
        StoryCandidate(1, [signature(make_text(1))], unit(1, 0.45, 0)),
        StoryCandidate(2, [signature(make_text(2))], unit(1, 0.1, 0)),
        StoryCandidate(3, [signature(make_text(3))], unit(1, 0.3, 0)),
    ]
    match = choose_story(candidates, signature(make_text(9)), unit(1, 0.05, 0))
    assert match is not None
    assert match.story_id == 2


def test_thresholds_are_inclusive_and_configurable() -> None:
    sig = signature(make_text(1))
    candidates = [StoryCandidate(1, [sig])]

    def fixed(_: bytes, __: bytes) -> float:
        return 0.5

    assert choose_story(candidates, sig, similarity_fn=fixed, near_duplicate=0.5) is not None
    assert choose_story(candidates, sig, similarity_fn=fixed, near_duplicate=0.51) is None


def test_signatures_of_another_size_are_ignored() -> None:
    sig = signature(make_text(1))
    candidates = [StoryCandidate(1, [sig[:256]])]
    assert choose_story(candidates, sig) is None


def test_bulk_minhash_scores_equal_dedupe_similarity() -> None:
    base = make_text(1, words=200)
    texts = [base, base + " extra words at the end", base[: len(base) // 2], make_text(2), "", "a"]
    sigs = [signature(t) for t in texts]
    mine = signature(base + " and a different ending here")
    scores = minhash_scores(mine, sigs)
    assert scores.tolist() == [similarity(mine, s) for s in sigs]
    assert scores[0] > 0.5
    assert scores[4] == 0.0  # the empty text matches nothing
    empty = minhash_scores(signature(""), sigs)
    assert empty.tolist() == [0.0] * len(sigs)
    assert minhash_scores(mine, [sigs[0][:256], sigs[0]]).tolist() == [0.0, scores[0]]
    assert minhash_scores(mine, []).size == 0


# -- through the store: the same event from another outlet --------------------------------------
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
REPORT = (
    "Choi Kyung-ju won the Sony Open in Honolulu on Sunday, three shots clear of Rory Sabbatini."
)


def _report(
    n: int, source: str, text: str, published: datetime | None = None, title: str = "Choi wins"
) -> Article:
    return Article(
        url=f"https://{source}/golf/{n}",
        title=title,
        text=text + " " + make_text(n, words=120),
        source=source,
        published=published,
    )


@pytest.mark.parametrize("cold", [False, True], ids=["warm cache", "cold cache"])
async def test_another_outlets_report_of_the_event_joins_its_story(
    store: Store, db_url: str, cold: bool
) -> None:
    lead = unit(0.8, 0.6, 0)  # cosine 0.80 to the rewrite: under the threshold without names
    first = await store.add_article(_report(1, "reuters.com", REPORT), embedding=lead, now=NOW)
    other = store
    if cold:  # another process: its grouping data read back from the database
        other = await Store.open(db_url)
    try:
        rewrite = "Korean golfer Choi Kyung-ju took the Sony Open in Honolulu by three shots."
        joined = await other.add_article(
            _report(2, "apnews.com", rewrite), embedding=unit(1, 0, 0), now=NOW
        )
        # Reuters already carries the story: its second report stays apart, however close
        follow_up = await other.add_article(
            _report(5, "reuters.com", rewrite), embedding=lead, now=NOW
        )
        unnamed = "A golfer won a tournament in the sun by a few shots at the weekend."
        apart = await other.add_article(
            _report(3, "bbc.co.uk", unnamed, title="a win in the sun"),
            embedding=unit(1, 0, 0),
            now=NOW,
        )
        days = NOW + timedelta(days=2)
        later = await other.add_article(
            _report(4, "cnn.com", rewrite, published=days), embedding=unit(1, 0, 0), now=days
        )
    finally:
        if cold:
            await other.close()
    assert (joined.story_id, joined.story_is_new) == (first.story_id, False)
    assert apart.story_is_new  # the same subject without the names: another event
    assert later.story_is_new  # the same names two days on: another event
    assert follow_up.story_is_new
