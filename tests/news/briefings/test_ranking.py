"""Briefing ranking: stories many outlets carry and new ones first, nothing repeated, and a
second briefing marked as more stories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config import Settings
from news.briefings import BriefingService
from news.briefings.ranking import coverage, outlets, rank_new, recency, story_time
from news.models import StorySource, StoryView
from news.store import Store
from news.summaries import SummaryService
from tests.news.conftest import FakeSummarizer, make_article
from tests.news.stories.conftest import random_text

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _view(story_id: int, hours_ago: float, *sources: str) -> StoryView:
    at = NOW - timedelta(hours=hours_ago)
    return StoryView(
        id=story_id,
        title=f"story {story_id}",
        first_seen=at,
        last_seen=at,
        sources=tuple(
            StorySource(story_id * 10 + n, name, f"https://{n}.example/{story_id}", "t", at)
            for n, name in enumerate(sources)
        ),
    )


def test_outlets_are_distinct_sources_case_folded_with_the_host_for_a_blank_one() -> None:
    assert outlets(_view(1, 0, "Reuters")) == 1
    assert outlets(_view(1, 0, "Reuters", " reuters", "AP")) == 2
    assert outlets(_view(1, 0, "", "")) == 2  # no names: the hosts 0.example and 1.example
    assert outlets(_view(1, 0)) == 1
    assert coverage(_view(1, 0, "A")) == 1.0
    assert coverage(_view(1, 0, "A", "B")) == 2.0
    assert coverage(_view(1, 0, "A", "B", "C", "D")) == 3.0


def test_recency_halves_per_day_towards_one_half() -> None:
    assert recency(_view(1, 0, "A"), NOW) == 1.0
    assert recency(_view(1, 24, "A"), NOW) == 0.75
    assert recency(_view(1, 24 * 30, "A"), NOW) > 0.5
    assert story_time(_view(1, 5, "A")) == NOW - timedelta(hours=5)


def test_two_outlets_two_days_old_outrank_one_outlet_now() -> None:
    single_new = _view(1, 0, "A")
    pair_old = _view(2, 47, "A", "B")
    pair_new = _view(3, 1, "C", "D")
    many_old = _view(4, 44, "A", "B", "C", "D")
    ranked = rank_new([single_new, pair_old, pair_new, many_old], NOW)
    assert [s.id for s in ranked] == [3, 4, 2, 1]
    # equal scores: the newer id first, so the order never depends on the input order
    assert [s.id for s in rank_new([_view(5, 2, "A"), _view(6, 2, "B")], NOW)] == [6, 5]


async def _seed(store: Store, now: datetime) -> tuple[list[int], list[int]]:
    """Four stories two outlets carry (1-30 hours old, the second report a near-copy from
    another outlet) and eight newer ones only one outlet carries."""
    covered = []
    for n in range(4):
        text = random_text(100 + n, 200)
        at = now - timedelta(hours=30 - 8 * n)
        first = await store.add_article(
            make_article(f"https://a.example/{n}", f"Covered {n}", text, source="Outlet A"),
            now=at,
        )
        second = await store.add_article(
            make_article(f"https://b.example/{n}", f"Covered {n}", text + " (AP)", source="B"),
            now=at + timedelta(minutes=5),
        )
        assert second.story_id == first.story_id
        covered.append(first.story_id)
    single = []
    for n in range(8):
        result = await store.add_article(
            make_article(f"https://c.example/{n}", f"Single {n}", random_text(200 + n, 200)),
            now=now - timedelta(minutes=60 - n),
        )
        single.append(result.story_id)
    return covered, single


async def test_the_first_briefing_leads_with_the_stories_most_outlets_carry(
    store: Store, settings: Settings
) -> None:
    covered, single = await _seed(store, NOW)
    service = BriefingService(store, SummaryService(store, FakeSummarizer()), None, settings)
    first = await service.brief(1, None, limit=5, now=NOW)
    ids = [item.story.id for item in first.items]
    # newest of the covered first; then the newest single-outlet story
    assert ids == [covered[3], covered[2], covered[1], covered[0], single[7]]
    assert (first.more, first.has_more, first.repeated) == (False, True, False)
    assert [item.published for item in first.items] == [
        NOW - timedelta(hours=6, minutes=-5),
        NOW - timedelta(hours=14, minutes=-5),
        NOW - timedelta(hours=22, minutes=-5),
        NOW - timedelta(hours=30, minutes=-5),
        NOW - timedelta(minutes=53),
    ]

    second = await service.brief(1, None, limit=5, now=NOW + timedelta(minutes=1))
    assert [item.story.id for item in second.items] == single[6:1:-1]
    assert (second.more, second.has_more, second.repeated) == (True, True, False)
    third = await service.brief(1, None, limit=5, now=NOW + timedelta(minutes=2))
    assert [item.story.id for item in third.items] == single[1::-1]
    assert (third.more, third.has_more, third.repeated) == (True, False, False)
    # nothing unseen left: the best stories again, said so
    fourth = await service.brief(1, None, limit=5, now=NOW + timedelta(minutes=3))
    assert [item.story.id for item in fourth.items] == ids
    assert (fourth.more, fourth.has_more, fourth.repeated) == (False, False, True)
    # another chat starts from the top
    other = await service.brief(2, None, limit=5, now=NOW + timedelta(minutes=3))
    assert [item.story.id for item in other.items] == ids
    assert not other.more


async def test_a_chat_back_after_days_gets_top_stories_not_more(
    store: Store, settings: Settings
) -> None:
    await _seed(store, NOW)
    service = BriefingService(store, SummaryService(store, FakeSummarizer()), None, settings)
    await service.brief(1, None, limit=2, now=NOW)
    later = NOW + timedelta(days=3)
    newer = await store.add_article(
        make_article("https://d.example/1", "Later", random_text(300, 200)), now=later
    )
    back = await service.brief(1, None, limit=2, now=later)
    assert back.items[0].story.id == newer.story_id
    assert not back.more
