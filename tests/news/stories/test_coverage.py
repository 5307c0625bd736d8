"""Issue 12, acceptance 2, through grouping and ranking together: when rewrites of the same
events by other outlets are stored (another text, so no near-copy; a close title + lead
embedding and the same names), they join one story each, and the first briefing leads with
those stories although newer single-outlet stories exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from config import Settings
from news.briefings import BriefingService
from news.store import Store
from news.stories.dedupe import NEAR_DUPLICATE, signature, similarity
from news.summaries import SummaryService
from tests.news.conftest import FakeSummarizer, make_article
from tests.news.stories.conftest import random_text

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DIM = 16
EVENTS = [
    ("Karlsson resigns as Valdoria finance minister", "Valdoria's Karlsson quits finance post"),
    ("Orsk dam breach floods 300 homes", "300 homes flooded in Orsk as dam gives way"),
    ("Kestria United sack coach Moreau", "Moreau out as Kestria United coach"),
    ("Brightline recalls 40,000 Vela cars", "Vela cars recalled by Brightline: 40,000 affected"),
]


def _unit(index: int, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[index] = 1.0
    if noise:
        vector += noise * np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


async def test_rewrites_join_and_the_first_briefing_leads_with_them(
    store: Store, settings: Settings
) -> None:
    covered = []
    for n, (title_a, title_b) in enumerate(EVENTS):
        at = NOW - timedelta(hours=20 - 4 * n)
        text_a, text_b = random_text(400 + n, 200), random_text(500 + n, 200)
        assert similarity(signature(text_a), signature(text_b)) < NEAR_DUPLICATE
        first = await store.add_article(
            make_article(f"https://a.example/{n}", title_a, text_a, source="Outlet A"),
            embedding=_unit(n),
            now=at,
        )
        second = await store.add_article(
            make_article(f"https://b.example/{n}", title_b, text_b, source="Outlet B"),
            embedding=_unit(n, noise=0.08, seed=n),
            now=at + timedelta(hours=2),
        )
        assert second.story_id == first.story_id, title_b
        covered.append(first.story_id)
    single = []
    for n in range(8):  # newer, one outlet each, about other things
        result = await store.add_article(
            make_article(f"https://c.example/{n}", f"Local item {n}", random_text(600 + n, 200)),
            embedding=_unit(4 + n),
            now=NOW - timedelta(minutes=90 - 10 * n),
        )
        assert result.story_id not in covered
        single.append(result.story_id)
    assert len(set(single)) == 8

    service = BriefingService(store, SummaryService(store, FakeSummarizer()), None, settings)
    first_brief = await service.brief(1, None, limit=5, now=NOW)
    carried = [len({s.source for s in item.story.sources}) >= 2 for item in first_brief.items]
    assert len(carried) == 5
    assert sum(carried) >= 4, [item.story.title for item in first_brief.items]
    assert {item.story.id for item in first_brief.items} >= set(covered)
