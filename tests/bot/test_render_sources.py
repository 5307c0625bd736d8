"""The own-sources messages: escaped, numbered, split to fit Telegram's limit."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.render import telegram_length
from bot.render_sources import render_feeds, render_import_report
from news.chat_sources import ChatFeed, ImportReport

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _feed(n: int, title: str | None = None) -> ChatFeed:
    return ChatFeed(n, f"https://site{n}.example/{'x' * 120}/feed.xml", title, NOW)


def test_a_hundred_feeds_split_into_messages_that_fit() -> None:
    feeds = [_feed(n, f"Feed <{n}> & co " + "word " * 15) for n in range(1, 101)]
    messages = render_feeds(feeds, limit=100, own=False)
    assert len(messages) > 1
    assert all(telegram_length(m) <= 4096 for m in messages)
    joined = "\n".join(messages)
    assert "1. <a href=" in joined
    assert "\n100. " in joined
    assert "&lt;7&gt; &amp; co" in joined
    assert "<7>" not in joined


def test_empty_listing_and_report_name_refusals() -> None:
    assert "/feeds add URL" in render_feeds([], limit=100, own=False)[0]
    report = ImportReport(
        added=[_feed(1)],
        duplicates=["https://d.example/rss"],
        refused=[("http://10.0.0.1/<x>", "private address")] * 60,
    )
    messages = render_import_report(report, count=1, limit=100)
    text = "\n".join(messages)
    assert text.startswith("<b>OPML import</b>: 1 feed added, 1 already followed, 60 refused")
    assert "http://10.0.0.1/&lt;x&gt; — private address" in text
    assert "… and 10 more." in text
    assert all(telegram_length(m) <= 4096 for m in messages)
