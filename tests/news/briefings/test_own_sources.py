"""/sources mine: a chat's briefings (with and without a topic) show only its feeds' stories."""

from __future__ import annotations

from datetime import datetime, timedelta

from config import Settings
from news.briefings import BriefingService
from news.store import Store
from news.summaries import SummaryService
from news.topics import article_lead
from tests.news.conftest import FakeEncoder, FakeSummarizer, make_article


async def test_briefings_limited_to_the_chats_own_feeds(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    mine = (await store.follow_feeds(1, [("https://mine.example/rss", None)], cap=10)).added[0]
    other = await store.add_feed("https://other.example/rss")
    texts = [
        (
            "Harbour bridge reopens",
            "The harbour bridge reopened after long repairs.",
            mine.feed_id,
        ),
        ("Harbour ferry strike", "Harbour ferry crews went on strike on Monday.", other.id),
        ("Central bank raises rates", "The central bank raised its interest rate.", other.id),
    ]
    ids = []
    for n, (title, text, feed_id) in enumerate(texts):
        result = await store.add_article(
            make_article(f"https://n.example/{n}", title, text),
            feed_id=feed_id,
            embedding=encoder.encode([article_lead(title, text)])[0],
            now=now - timedelta(hours=3 - n),
        )
        ids.append(result.story_id)

    async def story_filter(chat_id: int, since: datetime) -> frozenset[int] | None:
        feeds = await store.own_source_feeds(chat_id)
        if feeds is None:
            return None
        return frozenset(await store.stories_from_feeds(sorted(feeds), since))

    service = BriefingService(
        store,
        SummaryService(store, FakeSummarizer()),
        encoder,
        settings,
        story_filter=story_filter,
    )
    everything = await service.brief(1, None, now=now)
    assert {i.story.id for i in everything.items} == set(ids)
    await store.set_own_sources(1, True)
    assert [i.story.id for i in (await service.brief(1, "harbour", now=now)).items] == [ids[0]]
    assert [i.story.id for i in (await service.brief(2, "harbour", now=now)).items] != [ids[0]]
    repeat = await service.brief(1, None, now=now)  # nothing new: its own story again
    assert [i.story.id for i in repeat.items] == [ids[0]]
    await store.set_own_sources(3, True)  # follows nothing
    assert (await service.brief(3, None, now=now)).items == []
