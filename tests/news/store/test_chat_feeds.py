"""The feeds chats follow: shared feed rows, the per-chat cap in one transaction, leaving a
feed (forgotten when chats brought it and none follows it), and /sources mine|all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from news.store import Store
from tests.news.store.factories import make_article

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


async def test_follow_shares_one_feed_row_and_reports_duplicates(store: Store) -> None:
    first = await store.follow_feeds(
        1, [("https://a.example/rss", "A"), ("https://b.example/rss", None)], cap=10
    )
    assert [f.url for f in first.added] == ["https://a.example/rss", "https://b.example/rss"]
    assert first.added[0].title == "A"
    again = await store.follow_feeds(2, [("https://a.example/rss", None)], cap=10)
    assert [f.feed_id for f in again.added] == [first.added[0].feed_id]
    assert len(await store.list_feeds()) == 2  # one row per feed, however many chats
    dup = await store.follow_feeds(
        1, [("https://a.example/rss", None), ("https://a.example/rss", None)], cap=10
    )
    assert dup.added == []
    assert dup.duplicates == ["https://a.example/rss"]
    assert [f.url for f in await store.chat_feeds_of(1)] == [
        "https://a.example/rss",
        "https://b.example/rss",
    ]
    assert await store.count_chat_feeds(1) == 2
    assert await store.known_feed_urls(["https://a.example/rss", "https://c.example/rss"]) == {
        "https://a.example/rss"
    }


async def test_cap_stores_nothing_beyond_it(store: Store) -> None:
    urls = [(f"https://f{i}.example/rss", None) for i in range(5)]
    result = await store.follow_feeds(7, urls, cap=3)
    assert len(result.added) == 3
    assert result.over_cap == ["https://f3.example/rss", "https://f4.example/rss"]
    assert await store.count_chat_feeds(7) == 3
    more = await store.follow_feeds(7, [("https://g.example/rss", None)], cap=3)
    assert more.added == []
    assert more.over_cap == ["https://g.example/rss"]


async def test_unfollow_forgets_a_chat_feed_only_when_nobody_follows_it(store: Store) -> None:
    operator = await store.add_feed("https://op.example/rss")
    result = await store.follow_feeds(
        1, [("https://op.example/rss", None), ("https://x.example/rss", None)], cap=10
    )
    await store.follow_feeds(2, [("https://x.example/rss", None)], cap=10)
    x_id = result.added[1].feed_id
    added = await store.add_article(make_article(1), feed_id=x_id, now=NOW)
    assert await store.unfollow_feed(1, x_id)
    assert not await store.unfollow_feed(1, x_id)
    assert {f.url for f in await store.list_feeds()} == {
        "https://op.example/rss",
        "https://x.example/rss",
    }
    assert await store.unfollow_feed(2, x_id)
    assert {f.url for f in await store.list_feeds()} == {"https://op.example/rss"}
    article = await store.get_article(added.article.id)
    assert article is not None
    assert article.feed_id is None
    assert await store.unfollow_feed(1, operator.id)
    assert [f.id for f in await store.list_feeds()] == [operator.id]  # the operator's stays


async def test_own_sources_filters(store: Store) -> None:
    result = await store.follow_feeds(1, [("https://a.example/rss", None)], cap=10)
    feed_id = result.added[0].feed_id
    other = await store.add_feed("https://other.example/rss")
    assert await store.own_source_feeds(1) is None
    await store.set_own_sources(1, True)
    await store.set_own_sources(3, True)  # follows nothing
    assert await store.own_source_feeds(1) == {feed_id}
    assert await store.own_source_feeds(3) == frozenset()
    mine = await store.add_article(make_article(1), feed_id=feed_id, now=NOW)
    await store.add_article(make_article(2), feed_id=other.id, now=NOW)
    assert await store.stories_from_feeds([feed_id], NOW - timedelta(days=1)) == {mine.story_id}
    assert await store.stories_from_feeds([feed_id], NOW + timedelta(days=1)) == set()
    assert await store.chats_not_following([1, 2, 3], feed_id) == {3}
    assert await store.chats_not_following([1, 2, 3], other.id) == {1, 3}
    assert await store.chats_not_following([1, 2, 3], None) == {1, 3}
    await store.set_own_sources(1, False)
    assert await store.own_source_feeds(1) is None


async def test_an_article_listed_by_a_second_feed_counts_for_it(store: Store) -> None:
    first = await store.add_feed("https://all.example/rss")
    second = (await store.follow_feeds(1, [("https://one.example/rss", None)], cap=5)).added[0]
    added = await store.add_article(make_article(1), feed_id=first.id, now=NOW)
    since = NOW - timedelta(days=1)
    assert await store.stories_from_feeds([second.feed_id], since) == set()
    await store.link_article_feed(added.article.id, second.feed_id)
    await store.link_article_feed(added.article.id, second.feed_id)  # idempotent
    assert await store.stories_from_feeds([second.feed_id], since) == {added.story_id}
    assert await store.unfollow_feed(1, second.feed_id)  # the feed goes, the link with it
    assert await store.stories_from_feeds([second.feed_id], since) == set()


async def test_the_operator_adding_a_chat_feed_keeps_it(store: Store) -> None:
    followed = await store.follow_feeds(1, [("https://c.example/rss", None)], cap=5)
    await store.add_feed("https://c.example/rss")  # NEWSBRIEF_FEEDS or `newsbrief feeds add`
    assert await store.unfollow_feed(1, followed.added[0].feed_id)
    assert [f.url for f in await store.list_feeds()] == ["https://c.example/rss"]
