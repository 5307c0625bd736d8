"""The briefing hot path's caches: stories ranked over the store's snapshot (which another
process's writes invalidate), topic relevance carried to the next snapshot equal to a fresh
one, summaries read in one query then kept in memory, and a briefing costing a handful of SQL
statements."""

from __future__ import annotations

from datetime import datetime, timedelta

from config import Settings
from news.briefings import BriefingService
from news.briefings.index import StoryIndex
from news.briefings.snapshot import SNAPSHOT_FRESH_S, StorySnapshots
from news.store import Store
from news.summaries import SummaryService
from news.topic_match import parse_topic
from news.topics import article_lead
from tests.news.briefings.support import Clock
from tests.news.conftest import FakeEncoder, FakeSummarizer, make_article
from tests.news.store.factories import statements

STORIES = [
    ("Peace talks resume in Geneva", "Negotiators met for a new round of peace talks."),
    ("Markets fall on rate fears", "Stock markets fell as traders priced in higher rates."),
    ("Climate summit opens in Paris", "Delegates gathered for talks on climate policy."),
    ("Rovers win the derby", "A late header settled the football derby at the stadium."),
    ("Gadget maker unveils new phone", "The technology firm showed a faster phone."),
]


async def _seed(store: Store, encoder: FakeEncoder, now: datetime) -> list[int]:
    ids = []
    for n, (title, text) in enumerate(STORIES):
        result = await store.add_article(
            make_article(f"https://p.example/{n}", title, text),
            embedding=encoder.encode([article_lead(title, text)])[0],
            now=now - timedelta(hours=len(STORIES) - n),
        )
        ids.append(result.story_id)
    return ids


def _service(
    store: Store,
    encoder: FakeEncoder,
    settings: Settings,
    snapshots: StorySnapshots | None = None,
) -> BriefingService:
    summaries = SummaryService(store, FakeSummarizer())
    return BriefingService(store, summaries, encoder, settings, snapshots=snapshots)


async def test_briefings_see_what_another_process_stored(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    ids = await _seed(store, encoder, now)
    clock = Clock()
    service = _service(store, encoder, settings, StorySnapshots(store, clock=clock))
    first = await service.brief(1, "peace talks", now=now)
    assert [item.story.id for item in first.items] == [ids[0]]
    other = await Store.open(settings.database_url)  # the worker process, say
    try:
        title, text = "Peace talks collapse", "The peace talks in Geneva ended without a deal."
        fresh = await other.add_article(
            make_article("https://q.example/collapse", title, text),
            embedding=encoder.encode([article_lead(title, text)])[0],
            now=now + timedelta(minutes=1),
        )
        title, text = STORIES[0][0], "Both delegations called the session productive."
        repost = await other.add_article(  # the same story from another source
            make_article("https://r.example/0", title, text, source="Other News"),
            embedding=encoder.encode([article_lead(*STORIES[0])])[0],
            now=now + timedelta(minutes=2),
        )
    finally:
        await other.close()
    assert (repost.status, repost.story_id) == ("new", ids[0])
    within = await service.brief(2, "peace talks", now=now + timedelta(minutes=3))
    assert [item.story.id for item in within.items] == [ids[0]]  # trusted for a moment
    clock.now += SNAPSHOT_FRESH_S + 1  # past the snapshot's freshness window
    later = await service.brief(4, "peace talks", now=now + timedelta(minutes=3))
    stories = {item.story.id: item.story for item in later.items}
    assert set(stories) == {ids[0], fresh.story_id}
    assert [s.source for s in stories[ids[0]].sources] == ["Example News", "Other News"]
    news = await service.brief(3, None, now=now + timedelta(minutes=3))
    assert fresh.story_id in {item.story.id for item in news.items}


async def test_topic_relevance_carried_to_the_next_snapshot_equals_a_fresh_index(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    await _seed(store, encoder, now)
    await store.add_article(
        make_article("https://s.example/old", "Talks on rates", "Old talks."),
        now=now - timedelta(days=9),  # outside the topic window
    )
    snapshots = StorySnapshots(store)
    since = now - timedelta(days=7)
    topics = ["peace talks", "markets", "sport", "volcano", "talks", "footbal", "technology"]

    def relevances(index: StoryIndex) -> dict[str, dict[int, float]]:
        out = {}
        for topic in topics:
            query = parse_topic(topic)
            vectors = [encoder.encode([meaning])[0] for meaning in query.meanings]
            out[topic] = index.topic_relevance(query, vectors, since, meaning_threshold=0.55)
        return out

    first = StoryIndex(await snapshots.get(since=now - timedelta(days=30)), None)
    before = relevances(first)
    assert before["peace talks"]
    assert before == relevances(first)
    # New articles: a second source of the markets story (with other words) and a new story.
    joined = await store.add_article(
        make_article(
            "https://s.example/markets", STORIES[1][0], "Peace in Europe lifts the markets."
        ),
        embedding=encoder.encode([article_lead(*STORIES[1])])[0],
        now=now,
    )
    volcano = await store.add_article(
        make_article("https://s.example/volcano", "Volcano erupts", "Talks were moved."),
        now=now,
    )
    second = StoryIndex(await snapshots.get(since=now - timedelta(days=30)), first)
    assert second.snapshot is not first.snapshot  # the new articles were read
    assert second.changed == {joined.story_id, volcano.story_id}  # only they are scored again
    after = relevances(second)
    assert after == relevances(StoryIndex(second.snapshot, None))  # as if scored from scratch
    assert volcano.story_id in after["volcano"]
    assert volcano.story_id not in before["volcano"]
    assert all(story_id in second.views for found in after.values() for story_id in found)


async def test_a_chat_back_after_a_long_time_sees_older_stories(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    old = await store.add_article(
        make_article("https://t.example/old", "Harbour reopens", "The harbour reopened."),
        now=now - timedelta(days=35),  # older than the snapshot's window
    )
    new = await store.add_article(
        make_article("https://t.example/new", "Bridge closes", "The bridge closed today."),
        now=now,
    )
    await store.record_briefing(7, [], now - timedelta(days=40))
    service = _service(store, encoder, settings)
    briefing = await service.brief(7, None, now=now)
    assert [item.story.id for item in briefing.items] == [new.story_id, old.story_id]
    # A chat seen recently gets only recent news.
    recent = await service.brief(8, None, now=now)
    assert [item.story.id for item in recent.items] == [new.story_id]


async def test_summaries_read_in_one_query_then_kept_in_memory(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    await _seed(store, encoder, now)
    articles = [a.id for a in await store.list_articles(limit=10)]
    summarizer = FakeSummarizer()
    await SummaryService(store, summarizer).summaries_for(articles)  # made and stored
    assert len(summarizer.calls) == 1
    service = SummaryService(store, summarizer)  # another process, say: nothing in memory
    with statements(store) as sql:
        first = await service.summaries_for(articles)
    assert sum("summaries" in s for s in sql) == 1  # one batched read
    with statements(store) as sql:
        again = await service.summaries_for(articles)
    assert sql == []  # from memory
    assert first == again
    assert set(first) == set(articles)
    assert len(summarizer.calls) == 1


async def test_a_warm_briefing_costs_a_few_statements(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    ids = await _seed(store, encoder, now)
    clock = Clock()
    service = _service(store, encoder, settings, StorySnapshots(store, clock=clock))
    await service.brief(1, "climate summit", now=now)  # warm: summaries made, snapshot read
    await service.brief(1, None, now=now)

    def queries(sql: list[str]) -> list[str]:
        return [s for s in sql if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]

    clock.now += SNAPSHOT_FRESH_S + 1  # the snapshot is checked again (one query)
    with statements(store) as sql:
        topic = await service.brief(2, "climate summit", now=now)
    assert [item.story.id for item in topic.items] == [ids[2]]  # the climate summit
    check, chat, shown = queries(sql)  # snapshot check, chat upsert, briefing rows
    assert "max(articles.id)" in check
    assert "INSERT INTO chats" in chat
    assert "INSERT INTO briefings" in shown
    assert not any("articles.text" in s for s in sql)  # no article read per request
    with statements(store) as sql:  # within the freshness window: no snapshot check
        news = await service.brief(3, None, now=now)
    assert sorted(item.story.id for item in news.items) == sorted(ids)  # all five are new
    history, chat, shown = queries(sql)  # the chat's last briefing and shown stories
    assert "briefings" in history
    assert "INSERT INTO chats" in chat
    assert "INSERT INTO briefings" in shown


async def test_an_older_story_is_shown_whole_although_ranked_compact(
    store: Store, settings: Settings, now: datetime
) -> None:
    """Stories older than the topic week are ranked from compact views (outlets and times, no
    source titles or links); the ones a briefing shows are read whole."""
    old = [
        await store.add_article(
            make_article(f"https://{site}/old", title, "The harbour reopened after repairs."),
            now=now - timedelta(days=days),
        )
        for site, title, days in (
            ("p.example", "Old news of the harbour", 12),
            ("q.example", "The ferry is back", 10),
        )
    ]
    service = _service(store, FakeEncoder(), settings)
    briefing = await service.brief(1, None, now=now)  # nothing new: the newest anyway
    assert briefing.repeated
    shown = {item.story.id: item.story for item in briefing.items}
    assert set(shown) == {result.story_id for result in old}
    for result in old:
        [source] = shown[result.story_id].sources
        assert (source.url, source.title) == (result.article.url, result.article.title)
    snapshot = await service.snapshots.get(
        since=now - timedelta(days=30), detail_since=now - timedelta(days=7)
    )
    for result in old:  # what was ranked: the compact view, its outlet kept
        [ranked] = snapshot.by_id[result.story_id].sources
        assert (ranked.url, ranked.title, ranked.source) == ("", "", result.article.source)
        assert not snapshot.detailed(snapshot.by_id[result.story_id])
