"""Feeds: registration, due checks, poll bookkeeping and seen entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from news.store import Store
from tests.news.store.factories import make_article

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


async def test_add_feed_is_idempotent_and_fills_a_missing_title(store: Store) -> None:
    first = await store.add_feed("https://example.com/rss")
    assert first.title is None
    assert first.error_count == 0
    assert first.next_check_at is None
    again = await store.add_feed(" https://example.com/rss ", title="Example")
    assert again.id == first.id
    assert again.title == "Example"
    kept = await store.add_feed("https://example.com/rss", title="Other")
    assert kept.title == "Example"
    other = await store.add_feed("https://example.org/atom")
    assert [f.url for f in await store.list_feeds()] == [
        "https://example.com/rss",
        "https://example.org/atom",
    ]
    assert await store.get_feed(other.id) == other
    assert await store.get_feed(999) is None


async def test_due_feeds_and_update_feed(store: Store) -> None:
    a = await store.add_feed("https://a.example/feed")
    b = await store.add_feed("https://b.example/feed")
    assert {f.id for f in await store.due_feeds(NOW)} == {a.id, b.id}

    await store.update_feed(
        a.id,
        checked_at=NOW,
        next_check_at=NOW + timedelta(minutes=15),
        error_count=0,
        etag='"v1"',
        last_modified="Sat, 28 Nov 2026 11:00:00 GMT",
        title="Feed A",
    )
    assert [f.id for f in await store.due_feeds(NOW)] == [b.id]
    assert [f.id for f in await store.due_feeds(NOW + timedelta(minutes=15))] == [b.id, a.id]

    # A failed poll keeps the validators and title, records the error and backs off.
    await store.update_feed(
        a.id,
        checked_at=NOW + timedelta(minutes=15),
        next_check_at=NOW + timedelta(hours=1),
        error_count=1,
        last_error="timeout",
    )
    feed = (await store.list_feeds())[0]
    assert feed.etag == '"v1"'
    assert feed.last_modified == "Sat, 28 Nov 2026 11:00:00 GMT"
    assert feed.title == "Feed A"
    assert feed.error_count == 1
    assert feed.last_error == "timeout"
    assert feed.last_checked_at == NOW + timedelta(minutes=15)
    assert feed.next_check_at == NOW + timedelta(hours=1)
    assert feed.next_check_at.tzinfo is not None

    await store.update_feed(
        a.id, checked_at=NOW, next_check_at=NOW, error_count=0, etag='"v2"', last_error=None
    )
    feed = (await store.list_feeds())[0]
    assert feed.etag == '"v2"'
    assert feed.last_error is None
    assert feed.error_count == 0


async def test_seen_and_mark_entries(store: Store) -> None:
    a = await store.add_feed("https://a.example/feed")
    b = await store.add_feed("https://b.example/feed")
    assert await store.seen_entries(a.id, ["1", "2"]) == set()
    await store.mark_entries(a.id, ["1", "2", "2"])
    await store.mark_entries(a.id, ["2", "3"])  # idempotent
    await store.mark_entries(a.id, [])
    assert await store.seen_entries(a.id, ["1", "3", "4"]) == {"1", "3"}
    assert await store.seen_entries(b.id, ["1", "2", "3"]) == set()
    many = [f"id-{i}" for i in range(1200)]  # more than one statement's worth
    await store.mark_entries(b.id, many)
    assert await store.seen_entries(b.id, [*many, "new"]) == set(many)


async def test_remove_feed_by_url_or_id_keeps_articles(store: Store) -> None:
    a = await store.add_feed("https://a.example/feed")
    b = await store.add_feed("https://b.example/feed")
    await store.mark_entries(a.id, ["x"])
    result = await store.add_article(make_article(1), feed_id=a.id)
    assert result.article.feed_id == a.id

    assert await store.remove_feed("https://a.example/feed") is True
    assert await store.remove_feed("https://a.example/feed") is False
    assert await store.remove_feed(str(b.id)) is True
    assert await store.remove_feed(12345) is False
    assert await store.list_feeds() == []
    article = await store.get_article(result.article.id)
    assert article is not None
    assert article.feed_id is None

    again = await store.add_feed("https://a.example/feed")
    assert await store.seen_entries(again.id, ["x"]) == set()
