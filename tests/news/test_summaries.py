"""Summaries are computed once per (article, model, length), in one batch, then reused."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from news.store import Store
from news.summaries import BRIEF_LENGTH, LINK_LENGTH, SummaryService
from tests.news.conftest import FakeSummarizer, FakeSummary, make_article
from tests.support.fakes import FakeStorySummarizer

TEXT = (
    "The city council approved a new cycling plan on Tuesday. It adds forty kilometres of "
    "protected lanes by 2027. Shop owners worried about parking during the works. The mayor "
    "said the plan would cut traffic deaths. Construction starts in spring."
)


async def _articles(store: Store, count: int) -> list[int]:
    ids = []
    for n in range(count):
        result = await store.add_article(
            make_article(f"https://s.example/{n}", f"Story {n}", f"Item {n} of the day. {TEXT}")
        )
        ids.append(result.article.id)
    return ids


def _leads(ids: Sequence[int]) -> dict[int, str]:
    """What the fake summarizer makes of ``_articles``' articles at BRIEF_LENGTH."""
    first = "The city council approved a new cycling plan on Tuesday."
    return {article_id: f"Item {n} of the day. {first}" for n, article_id in enumerate(ids)}


async def test_missing_summaries_are_made_in_one_batch_and_cached(store: Store) -> None:
    summarizer = FakeSummarizer()
    service = SummaryService(store, summarizer)
    ids = await _articles(store, 3)
    first = await service.summaries_for(ids)
    assert len(summarizer.calls) == 1  # one batched call for the three articles
    texts, max_sentences, max_words = summarizer.calls[0]
    assert texts == [f"Item {n} of the day. {TEXT}" for n in range(3)]
    assert (max_sentences, max_words) == BRIEF_LENGTH
    assert first[ids[0]] == (
        "Item 0 of the day. The city council approved a new cycling plan on Tuesday."
    )
    again = await service.summaries_for(ids)
    assert again == first
    assert len(summarizer.calls) == 1  # all three came from the store's cache
    assert await service.summary_for(ids[1]) == first[ids[1]]
    assert len(summarizer.calls) == 1


async def test_only_the_missing_ones_are_summarized(store: Store) -> None:
    summarizer = FakeSummarizer()
    service = SummaryService(store, summarizer)
    ids = await _articles(store, 3)
    await service.summary_for(ids[0])
    await service.summaries_for(ids)
    assert [len(call[0]) for call in summarizer.calls] == [1, 2]


async def test_a_new_model_id_recomputes(store: Store) -> None:
    ids = await _articles(store, 1)
    old = FakeSummarizer(model_id="lead:v1")
    made = await SummaryService(store, old).summary_for(ids[0])
    new = FakeSummarizer(model_id="lead:v2")
    await SummaryService(store, new).summary_for(ids[0])
    assert len(new.calls) == 1  # v1's summary is not v2's
    await SummaryService(store, FakeSummarizer(model_id="lead:v1")).summary_for(ids[0])
    assert len(old.calls) == 1
    assert await store.get_summary(ids[0], "lead:v1") == made


async def test_link_length_is_cached_separately(store: Store) -> None:
    summarizer = FakeSummarizer()
    service = SummaryService(store, summarizer)
    ids = await _articles(store, 1)
    short = await service.summary_for(ids[0])
    longer = await service.summary_for(ids[0], length=LINK_LENGTH)
    assert summarizer.calls[1][1:] == LINK_LENGTH
    assert short == "Item 0 of the day. The city council approved a new cycling plan on Tuesday."
    assert longer == short + " It adds forty kilometres of protected lanes by 2027."
    await service.summary_for(ids[0], length=LINK_LENGTH)
    assert len(summarizer.calls) == 2


async def test_unknown_article(store: Store) -> None:
    service = SummaryService(store, FakeSummarizer())
    assert await service.summaries_for([12345]) == {}
    with pytest.raises(LookupError):
        await service.summary_for(12345)


async def test_concurrent_requests_share_one_computation(store: Store) -> None:
    summarizer = FakeSummarizer()
    service = SummaryService(store, summarizer)
    ids = await _articles(store, 4)
    results = await asyncio.gather(
        *(service.summaries_for(ids[:3]) for _ in range(10)), service.summaries_for(ids)
    )
    expected = _leads(ids)
    assert all(r == {i: expected[i] for i in ids[:3]} for r in results[:10])
    assert results[10] == expected
    computed = [article for call in summarizer.calls for article in call[0]]
    assert sorted(computed) == [f"Item {n} of the day. {TEXT}" for n in range(4)]  # once each


async def test_a_failed_computation_is_retried_by_the_waiters(store: Store) -> None:
    class Flaky(FakeSummarizer):
        def summarize(
            self, texts: Sequence[str], *, max_sentences: int = 3, max_words: int = 120
        ) -> list[FakeSummary]:
            if not self.calls:
                self.calls.append((list(texts), max_sentences, max_words))
                raise RuntimeError("out of memory")
            return super().summarize(texts, max_sentences=max_sentences, max_words=max_words)

    summarizer = Flaky()
    service = SummaryService(store, summarizer)
    ids = await _articles(store, 2)
    outcomes = await asyncio.gather(
        service.summaries_for(ids), service.summaries_for(ids), return_exceptions=True
    )
    # Which request computes which article depends on which of their reads returns first;
    # the one whose computation failed reports it, the other computes what it waited for.
    failed = [o for o in outcomes if isinstance(o, RuntimeError)]
    done = [o for o in outcomes if isinstance(o, dict)]
    assert [str(error) for error in failed] == ["out of memory"]
    assert done == [_leads(ids)]
    assert await service.summaries_for(ids) == done[0]


async def test_a_story_is_summarized_from_all_its_sources_once(store: Store) -> None:
    summarizer = FakeStorySummarizer()
    service = SummaryService(store, summarizer)
    ids = await _articles(store, 3)
    made = await service.story_summaries_for({7: ids[:2], 8: [ids[2]]})
    assert made[7] == "Item 0 of the day. Item 1 of the day."
    assert summarizer.story_calls == [
        ([f"Item 0 of the day. {TEXT}", f"Item 1 of the day. {TEXT}"], ["Story 0", "Story 1"])
    ]
    assert made[8] == _leads(ids)[ids[2]]  # one source: the article's own summary
    # stored once per story and model: a fresh service reads it back without summarizing
    fresh = SummaryService(store, summarizer)
    assert await fresh.story_summaries_for({7: ids[:2]}) == {7: made[7]}
    assert len(summarizer.story_calls) == 1
    # a new source joins: the story is summarized again, from all three
    grown = await fresh.story_summaries_for({7: ids})
    assert grown[7] == "Item 0 of the day. Item 1 of the day."
    assert len(summarizer.story_calls) == 2
    assert len(summarizer.story_calls[1][0]) == 3


async def test_a_summarizer_without_stories_summarizes_the_lead(store: Store) -> None:
    summarizer = FakeSummarizer()
    service = SummaryService(store, summarizer)
    ids = await _articles(store, 2)
    assert await service.story_summaries_for({1: ids}) == {1: _leads(ids)[ids[0]]}
