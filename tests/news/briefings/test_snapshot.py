"""news.briefings.snapshot (the cached picture of recent stories briefings rank) and the batched
reads of the briefing path: the snapshot always equals what the store's per-story methods
return, also after another process (another Store on the same database) adds articles."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np

from news.briefings.snapshot import SNAPSHOT_FRESH_S, StorySnapshot, StorySnapshots
from news.store import Store
from news.topic_match import LEAD_WORDS, article_lead
from tests.news.briefings.support import Clock
from tests.news.store import conftest as _store_fixtures
from tests.news.store.factories import make_article, make_text, statements

# The store's fixtures: these tests run on SQLite and, when configured, PostgreSQL too.
backend = _store_fixtures.backend
db_url = _store_fixtures.db_url
postgres_url = _store_fixtures.postgres_url
store = _store_fixtures.store

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(8).astype(np.float32)
    return vector / np.linalg.norm(vector)


async def _expected(store: Store, since: datetime) -> list[tuple[object, ...]]:
    """Per story, what the one-at-a-time methods say: view, first article, embedding."""
    embeddings = dict(await store.story_embeddings(since=since))
    rows: list[tuple[object, ...]] = []
    for story in await store.recent_stories(since=since, limit=10_000):
        vector = embeddings.get(story.id)
        lead = await store.story_text(story.id)
        if lead is not None:  # the snapshot keeps the words topics read of it
            lead = dataclasses.replace(lead, text=" ".join(lead.text.split()[:LEAD_WORDS]))
        rows.append((story, lead, None if vector is None else vector.tolist()))
    return rows


def _actual(snapshot: StorySnapshot, since: datetime) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for story in snapshot.recent(since=since):
        vector = snapshot.embedding(story.id)
        rows.append((story, snapshot.lead(story.id), None if vector is None else vector.tolist()))
    return rows


async def test_snapshot_equals_the_per_story_reads(store: Store) -> None:
    snapshots = StorySnapshots(store)
    for n in range(5):
        await store.add_article(
            make_article(n),
            embedding=_unit(n) if n % 2 else None,
            now=NOW - timedelta(days=n * 9),  # 0, 9, 18, 27 and 36 days old
        )
    repost = make_article(100, text=make_text(0) + " Read more on our site.", source="b.example")
    joined = await store.add_article(repost, now=NOW + timedelta(hours=1))
    assert joined.status == "new"
    assert not joined.story_is_new  # a second source of story 0

    snapshot = await snapshots.get(since=NOW - WINDOW)
    assert snapshot.since <= NOW - WINDOW
    assert len(snapshot.stories) == 4  # the 36-day-old story is outside the window
    assert _actual(snapshot, NOW - WINDOW) == await _expected(store, NOW - WINDOW)
    story = next(s for s in snapshot.stories if s.id == joined.story_id)
    assert [source.url for source in story.sources] == [make_article(0).url, repost.url]
    lead = snapshot.lead(story.id)  # the first article, its text cut to the opening
    assert lead is not None
    assert lead.id == story.sources[0].article_id
    assert snapshot.stories[0].id == joined.story_id  # most recently active first
    since = NOW - timedelta(days=10)
    assert snapshot.count_since(since) == 2
    assert snapshot.recent(since=since, limit=1) == [snapshot.stories[0]]
    assert snapshot.recent(since=since) == await store.recent_stories(since=since)
    for story in snapshot.stories:
        vector = snapshot.embedding(story.id)
        assert vector is None or not vector.flags.writeable


async def test_unchanged_database_gives_the_same_snapshot(store: Store) -> None:
    snapshots = StorySnapshots(store)
    await store.add_article(make_article(1), now=NOW)
    first = await snapshots.get(since=NOW - WINDOW)
    again = await snapshots.get(since=NOW - WINDOW + timedelta(minutes=5))
    assert again is first  # reused: the database did not change
    await store.add_article(make_article(2), now=NOW)
    third = await snapshots.get(since=NOW - WINDOW + timedelta(minutes=5))
    assert third is not first
    assert [s.title for s in third.stories] == ["Story number 2", "Story number 1"]
    assert [s.title for s in first.stories] == ["Story number 1"]  # old snapshots never change


async def test_a_checked_snapshot_is_trusted_briefly(store: Store, db_url: str) -> None:
    """Under load the version query runs at most every SNAPSHOT_FRESH_S; this process's own
    articles are seen at once, another process's once that time has passed."""
    clock = Clock()
    snapshots = StorySnapshots(store, clock=clock)
    await store.add_article(make_article(1), now=NOW)
    before = await snapshots.get(since=NOW - WINDOW)
    other = await Store.open(db_url)
    try:
        await other.add_article(make_article(2), now=NOW)
    finally:
        await other.close()
    with statements(store) as sql:
        assert await snapshots.get(since=NOW - WINDOW) is before  # within the window
    assert sql == []  # trusted: not even the version query
    await store.add_article(make_article(3), now=NOW)  # our own write: seen at once
    own = await snapshots.get(since=NOW - WINDOW)
    assert len(own.stories) == 3
    other = await Store.open(db_url)
    try:
        await other.add_article(make_article(4), now=NOW)
    finally:
        await other.close()
    clock.now += SNAPSHOT_FRESH_S + 0.1
    latest = await snapshots.get(since=NOW - WINDOW)
    assert len(latest.stories) == 4
    clock.now += SNAPSHOT_FRESH_S + 0.1  # nothing new: one small query says so
    with statements(store) as sql:
        assert await snapshots.get(since=NOW - WINDOW) is latest
    assert len(sql) == 1
    assert "max(articles.id)" in sql[0]


async def test_another_process_writes_are_seen(store: Store, db_url: str) -> None:
    clock = Clock()
    snapshots = StorySnapshots(store, clock=clock)
    await store.add_article(make_article(1), embedding=_unit(1), now=NOW - timedelta(days=2))
    await store.add_article(make_article(2), now=NOW - timedelta(days=1))
    before = await snapshots.get(since=NOW - WINDOW)
    other = await Store.open(db_url)  # another process on the same database
    try:
        await other.add_article(make_article(3), embedding=_unit(3), now=NOW)
        repost = make_article(101, text=make_text(1) + " More at our site.", source="c.example")
        joined = await other.add_article(
            repost, embedding=_unit(9), now=NOW + timedelta(minutes=1)
        )
    finally:
        await other.close()
    clock.now += SNAPSHOT_FRESH_S + 0.1
    after = await snapshots.get(since=NOW - WINDOW)
    assert after is not before
    assert len(after.stories) == 3
    assert after.stories[0].id == joined.story_id  # story 1 moved up: a new source today
    assert [s.url for s in after.stories[0].sources] == [make_article(1).url, repost.url]
    assert _actual(after, NOW - WINDOW) == await _expected(store, NOW - WINDOW)
    untouched = next(s for s in before.stories if s.title == "Story number 2")
    assert next(s for s in after.stories if s.title == "Story number 2") is untouched
    # The updated snapshot equals one read from scratch by a new store.
    fresh = await Store.open(db_url)
    try:
        scratch = await StorySnapshots(fresh).get(since=NOW - WINDOW)
    finally:
        await fresh.close()
    assert _actual(scratch, NOW - WINDOW) == _actual(after, NOW - WINDOW)


async def test_an_old_story_active_again_comes_back_with_all_its_sources(store: Store) -> None:
    snapshots = StorySnapshots(store)
    old = await store.add_article(make_article(1), now=NOW - timedelta(days=31))
    await store.add_article(make_article(2), now=NOW)
    before = await snapshots.get(since=NOW - WINDOW)
    assert [s.title for s in before.stories] == ["Story number 2"]
    # A new source (within the grouping window) brings the story back into the window.
    repost = make_article(102, text=make_text(1) + " Updated.", source="d.example")
    joined = await store.add_article(repost, now=NOW - timedelta(days=29))
    assert joined.story_id == old.story_id
    after = await snapshots.get(since=NOW - WINDOW)
    assert after.since == before.since  # brought up to date, not read again
    assert _actual(after, NOW - WINDOW) == await _expected(store, NOW - WINDOW)
    assert [len(s.sources) for s in after.stories] == [1, 2]
    wider = await snapshots.get(since=NOW - timedelta(days=45))  # read again
    assert wider.since <= NOW - timedelta(days=45)
    assert len(wider.stories) == 2


async def test_stories_from_the_middle_of_the_order_move_to_the_front(store: Store) -> None:
    """An update cuts the changed stories out of the old order wherever they stand (and
    keeps every other story once, in order)."""
    snapshots = StorySnapshots(store)
    stored = [
        await store.add_article(make_article(n), now=NOW - timedelta(hours=10 - n))
        for n in range(8)
    ]
    before = await snapshots.get(since=NOW - WINDOW)
    assert [s.title for s in before.stories][:2] == ["Story number 7", "Story number 6"]
    for n in (2, 5):  # second sources of two stories in the middle, then one of the newest
        repost = make_article(200 + n, text=make_text(n) + " Updated.", source="e.example")
        joined = await store.add_article(repost, now=NOW + timedelta(minutes=n))
        assert joined.story_id == stored[n].story_id
    after = await snapshots.get(since=NOW - WINDOW)
    assert after.changed == {stored[2].story_id, stored[5].story_id}  # updated, not read again
    assert _actual(after, NOW - WINDOW) == await _expected(store, NOW - WINDOW)
    assert [s.title for s in after.stories] == [
        f"Story number {n}" for n in (5, 2, 7, 6, 4, 3, 1, 0)
    ]


async def test_a_window_moving_on_drops_old_stories(store: Store) -> None:
    snapshots = StorySnapshots(store)
    await store.add_article(make_article(1), now=NOW - timedelta(days=29))
    await store.add_article(make_article(2), now=NOW)
    first = await snapshots.get(since=NOW - WINDOW)
    later = NOW + timedelta(days=3)
    snapshot = await snapshots.get(since=later - WINDOW)
    assert snapshot is not first  # more than a day later: read again, the old story gone
    assert [s.title for s in snapshot.recent(since=later - WINDOW)] == ["Story number 2"]
    assert [s.title for s in snapshot.stories] == ["Story number 2"]


async def test_batched_briefing_reads(store: Store) -> None:
    ids = [(await store.add_article(make_article(n), now=NOW)).article.id for n in range(3)]
    await store.put_summary(ids[0], "model", "first")
    await store.put_summary(ids[2], "model", "third")
    await store.put_summary(ids[2], "other", "not this model")
    assert await store.get_summaries([*ids, 999], "model") == {ids[0]: "first", ids[2]: "third"}
    assert await store.get_summaries([], "model") == {}

    assert await store.briefing_history(42, since=NOW - WINDOW) == (None, set())
    stories = [s.id for s in await store.recent_stories(since=NOW - WINDOW)]
    await store.record_briefing(42, stories[:2], NOW - timedelta(days=1))
    await store.record_briefing(42, [stories[2], stories[2]], NOW)
    last, shown = await store.briefing_history(42, since=NOW - WINDOW)
    assert last == NOW
    assert shown == set(stories)
    assert (await store.briefing_history(42, since=NOW - timedelta(hours=1)))[1] == {stories[2]}
    chat = await store.get_chat(42)
    assert chat is not None
    assert (chat.last_briefing_at, chat.kind) == (NOW, "private")


async def test_leads_and_embeddings_only_for_the_stories_topics_look_at(store: Store) -> None:
    """A month of stories, the details (lead, embedding) of the last week only: read without
    the older stories' texts and embeddings, and given them when one is active again."""
    snapshots = StorySnapshots(store)
    week = NOW - timedelta(days=7)
    stored = [
        await store.add_article(make_article(n), embedding=_unit(n), now=NOW - timedelta(days=d))
        for n, d in enumerate((0, 3, 8, 25))
    ]
    _, records, sources, leads = await store.active_stories(since=NOW - WINDOW, detail_since=week)
    assert [len(sources[s.story_id]) for s in stored] == [1, 1, 1, 1]  # every source...
    assert sorted(leads) == [stored[0].story_id, stored[1].story_id]  # ...the week's leads
    with_vectors = {record.id for record in records if record.embedding is not None}
    assert with_vectors == {stored[0].story_id, stored[1].story_id}

    snapshot = await snapshots.get(since=NOW - WINDOW, detail_since=week)
    assert len(snapshot.stories) == 4  # every story of the month is ranked
    assert _actual(snapshot, week) == await _expected(store, week)
    for old in stored[2:]:
        assert snapshot.lead(old.story_id) is None
        assert snapshot.embedding(old.story_id) is None
    assert len(snapshot.vectors) == 2  # one copy, of the week's stories only

    # The 8-day-old story active again (a second source two days later): its details are read.
    repost = make_article(300, text=make_text(2) + " Updated.", source="f.example")
    joined = await store.add_article(repost, now=NOW - timedelta(days=6))
    assert joined.story_id == stored[2].story_id
    after = await snapshots.get(since=NOW - WINDOW, detail_since=week)
    assert after.changed == {stored[2].story_id}  # brought up to date, not read again
    assert _actual(after, week) == await _expected(store, week)
    lead = after.lead(stored[2].story_id)
    assert lead is not None
    assert lead.id == stored[2].article.id
    assert after.embedding(stored[2].story_id) is not None
    assert after.vectors is snapshot.vectors  # the rows are shared, appended to
    # Details further back than the snapshot holds: read again.
    wider = await snapshots.get(since=NOW - WINDOW, detail_since=NOW - timedelta(days=20))
    assert wider is not after
    assert wider.embedding(stored[3].story_id) is None  # 25 days: still outside
    assert _actual(wider, NOW - timedelta(days=20)) == await _expected(
        store, NOW - timedelta(days=20)
    )


async def test_a_lead_keeps_the_words_topics_read(store: Store) -> None:
    long = make_article(7, text="  ".join(f"word{n}\n" for n in range(400)))
    stored = await store.add_article(long, now=NOW)
    snapshot = await StorySnapshots(store).get(since=NOW - WINDOW)
    lead = snapshot.lead(stored.story_id)
    assert lead is not None
    assert lead.id == stored.article.id
    assert len(lead.text.split()) == LEAD_WORDS  # of the 400
    assert article_lead(lead.title, lead.text) == article_lead(long.title, long.text)
