"""A feed entry as the article itself, when the feed carries its full text."""

from __future__ import annotations

from news.ingest import FULL_TEXT_MIN_WORDS, article_from_entry, feed_full_texts
from news.models import FeedEntry


def test_article_from_entry_needs_the_full_text() -> None:
    short = FeedEntry(entry_id="1", link="https://e.example/1", title="T", summary="<p>Hi</p>")
    assert article_from_entry(short, "Feed") is None
    long_text = "<p>" + "word " * 200 + "</p>"
    entry = FeedEntry(entry_id="2", link="https://e.example/2", title="Long", summary=long_text)
    article = article_from_entry(entry, None)
    assert article is not None
    assert (article.url, article.title, article.source) == (
        "https://e.example/2",
        "Long",
        "e.example",
    )
    assert article.text == " ".join(["word"] * 200)
    just_short = "<p>" + "word " * (FULL_TEXT_MIN_WORDS - 1) + "</p>"
    assert article_from_entry(entry, "Feed", just_short) is None  # the full text counts
    from_full = article_from_entry(short, " Daily Example ", long_text)
    assert from_full is not None
    assert (from_full.title, from_full.source) == ("T", "Daily Example")


def test_feed_full_texts_keeps_the_longest_body_by_guid_and_link() -> None:
    body = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>F</title>
<item><guid>g-1</guid><link>https://e.example/1</link><description>Short.</description>
<content:encoded><![CDATA[<p>The whole article.</p>]]></content:encoded></item>
<item><link>https://e.example/2</link><description>Only this.</description></item>
</channel></rss>"""
    assert feed_full_texts(body) == {
        "g-1": "<p>The whole article.</p>",
        "https://e.example/1": "<p>The whole article.</p>",
        "https://e.example/2": "Only this.",
    }
