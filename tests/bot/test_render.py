"""Rendering: escaped HTML, Telegram's 4096-character limit, splits at story boundaries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser

import pytest

from bot import render
from bot.render import MAX_MESSAGE, telegram_length
from news.models import StoredArticle, StorySource, StoryView, SubscribeResult, Subscription

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ALLOWED_TAGS = {"b", "i", "a"}


@dataclass(frozen=True)
class Item:
    story: StoryView
    summary: str
    published: datetime | None = None


@dataclass(frozen=True)
class Briefing:
    topic: str | None
    items: list[Item]
    more: bool = False
    has_more: bool = False
    repeated: bool = False


@dataclass(frozen=True)
class Link:
    article: StoredArticle
    story: StoryView
    summary: str


def stored(story: StoryView, n: int) -> StoredArticle:
    source = story.sources[n]
    return StoredArticle(
        source.article_id, source.url, source.title, "Text.", source.source, NOW, None, None,
        "hash", story.id, None, NOW,
    )  # fmt: skip


def story(
    story_id: int,
    title: str = "Peace talks resume",
    sources: int = 1,
    url: str | None = None,
) -> StoryView:
    return StoryView(
        story_id,
        title,
        NOW,
        NOW,
        tuple(
            StorySource(
                story_id * 100 + n,
                f"Outlet {n}",
                url or f"https://outlet{n}.example/{story_id}",
                f"{title} ({n})",
                NOW,
            )
            for n in range(sources)
        ),
    )


class _Checker(HTMLParser):
    """Fails on tags Telegram would refuse and on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, tag
        assert self.stack.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(text: str) -> str:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert not checker.stack
    return "".join(checker.text)


def test_briefing_has_bold_titles_two_sentences_and_source_links() -> None:
    summary = "First sentence here. Second sentence there. Third one is dropped."
    [message] = render.render_briefing(
        Briefing("peace talks", [Item(story(1, sources=2), summary), Item(story(2), "Short.")])
    )
    assert "<b>Briefing: peace talks</b>" in message.text
    assert "<b>1. Peace talks resume</b>" in message.text
    assert "First sentence here. Second sentence there." in message.text
    assert "Third one" not in message.text
    assert '<a href="https://outlet1.example/1">Outlet 1</a>' in message.text
    assert message.keyboard is not None
    assert [row[0].callback_data for row in message.keyboard.inline_keyboard] == [
        "v1:full:1",
        "v1:full:2",
    ]
    assert message.story_ids == (1, 2)
    visible(message.text)


def test_user_and_article_text_is_escaped() -> None:
    evil = '<script>alert("x")</script> *bold* _it_ [l](http://x) & <b>'
    evil_url = 'https://e.example/?a=1&b="><i>'
    [message] = render.render_briefing(
        Briefing(evil, [Item(story(1, title=evil, url=evil_url), evil)])
    )
    assert "<script>" not in message.text
    assert "&lt;script&gt;" in message.text
    assert 'href="https://e.example/?a=1&amp;b=&quot;&gt;&lt;i&gt;"' in message.text
    text = visible(message.text)
    assert '<script>alert("x")</script>' in text  # shown literally to the user


def test_long_briefing_is_split_at_story_boundaries_under_the_limit() -> None:
    long_summary = ("Word " * 60 + ". ") * 3
    items = [Item(story(i, title="T" * 300, sources=6), long_summary) for i in range(1, 31)]
    messages = render.render_briefing(Briefing(None, items))
    assert len(messages) > 1
    seen: list[int] = []
    for message in messages:
        assert telegram_length(message.text) <= MAX_MESSAGE
        visible(message.text)
        numbers = [int(n) for n in re.findall(r"<b>(\d+)\. ", message.text)]
        assert message.keyboard is not None
        assert len(message.keyboard.inline_keyboard) == len(numbers)
        seen.extend(numbers)
    assert seen == list(range(1, 31))


def test_split_respects_a_small_limit_too() -> None:
    items = [Item(story(i), "One. Two.") for i in range(1, 6)]
    messages = render.render_briefing(Briefing("x", items), limit=300)
    assert len(messages) >= 2
    assert all(telegram_length(m.text) <= 300 for m in messages)


def test_telegram_length_counts_utf16_units() -> None:
    assert telegram_length("a\U0001f600") == 3


def test_empty_briefing_suggests_subscribing() -> None:
    [with_topic] = render.render_briefing(Briefing("<mars>", []))
    assert "Nothing found" in with_topic.text
    assert "/subscribe &lt;mars&gt;" in with_topic.text
    [without] = render.render_briefing(Briefing(None, []))
    assert "/subscribe" in without.text


def test_link_summary_has_title_summary_link_and_button() -> None:
    shown = story(5)
    message = render.render_link_summary(Link(stored(shown, 0), shown, "It happened. Then more."))
    assert message.text.startswith("<b>Peace talks resume (0)</b>")
    assert "It happened. Then more." in message.text
    assert '<a href="https://outlet0.example/5">Outlet 0</a>' in message.text
    assert "/link" not in message.text
    assert message.keyboard is not None
    assert message.keyboard.inline_keyboard[0][0].callback_data == "v1:full:5"


def test_link_summary_names_the_users_article_in_a_shared_story() -> None:
    shared = story(6, sources=3)
    message = render.render_link_summary(Link(stored(shared, 2), shared, "Summary."))
    assert message.text.startswith("<b>Peace talks resume (2)</b>")
    assert '<a href="https://outlet2.example/6">Outlet 2</a>' in message.text
    assert "3 sources carry this story: /link 6" in message.text


def test_story_links_list_canonical_url_and_other_sources() -> None:
    text = render.render_story_links(story(3, sources=3))
    assert '<a href="https://outlet0.example/3">https://outlet0.example/3</a>' in text
    assert "Also reported by" in text
    assert text.count("<a href=") == 3
    huge = render.render_story_links(story(4, sources=400))
    assert telegram_length(huge) <= MAX_MESSAGE
    assert "more" in huge
    visible(huge)


def test_non_web_urls_are_not_linked() -> None:
    text = render.render_story_links(story(3, url="javascript:alert(1)"))
    assert "<a " not in text


@pytest.mark.parametrize(
    ("status", "expected"),
    [("created", "Subscribed to"), ("exists", "already subscribed"), ("limit", "limit of 3")],
)
def test_subscribe_answers(status: str, expected: str) -> None:
    sub = Subscription(1, 100, "<b>x</b>", NOW)
    result = SubscribeResult(status, sub if status != "limit" else None, 3)  # type: ignore[arg-type]
    text = render.render_subscribe("<b>x</b>", result, limit=3)
    assert expected in text
    assert "<b>x</b>" not in text


def test_topics_list_with_buttons_and_digest_mode() -> None:
    subs = [Subscription(i, 100, f"topic <{i}>", NOW) for i in range(1, 4)]
    message = render.render_topics(subs, limit=50, digest_at=time(8, 0), timezone="Europe/Paris")
    assert "(3/50)" in message.text
    assert "Daily digest at 08:00 (Europe/Paris)" in message.text
    assert "topic &lt;1&gt;" in message.text
    assert message.keyboard is not None
    assert len(message.keyboard.inline_keyboard) == 3
    assert "no topics" in render.render_topics([], limit=50).text


def test_many_long_topics_fit_one_message() -> None:
    subs = [Subscription(i, 100, "t" * 64 + str(i), NOW) for i in range(1000)]
    message = render.render_topics(subs, limit=1000)
    assert telegram_length(message.text) <= MAX_MESSAGE
    assert message.keyboard is not None
    assert len(message.keyboard.inline_keyboard) <= 100


def test_alert_and_digest() -> None:
    alert = render.render_alert(story(8), "Big news. Details.", "peace & talks")
    assert "New on \u201cpeace &amp; talks\u201d" in alert.text
    assert alert.story_ids == (8,)
    entries = [(story(i, sources=5), "Summary sentence. " * 10) for i in range(1, 41)]
    digest = render.render_digest(entries)
    assert len(digest) > 1
    assert "Your daily digest</b> (40 stories)" in digest[0].text
    assert sorted(i for m in digest for i in m.story_ids) == list(range(1, 41))
    assert all(telegram_length(m.text) <= MAX_MESSAGE for m in digest)
    assert render.render_digest([]) == []


def test_help_mentions_every_command() -> None:
    text = render.render_help("newsbrief_bot")
    for command in ("/brief", "/summary", "/subscribe", "/unsubscribe", "/topics", "/digest"):
        assert command in text
    # /link is named where a reply shows its story number (a summarized link), not in /help:
    # briefing items carry numbers 1-5, not story numbers, and a "Full article" button.
    assert "/link" not in text
    assert "@newsbrief_bot" in text
    visible(render.render_start("<Ada>", "newsbrief_bot"))


# -- ages, further pages and the "More stories" button --------------------------------------------
@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (timedelta(seconds=-30), "just now"),  # a clock a little ahead
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=3, minutes=40), "3 h ago"),
        (timedelta(hours=23, minutes=59), "23 h ago"),
        (timedelta(days=2, hours=5), "2 d ago"),
        (timedelta(days=9), "19 Nov 2026"),
    ],
)
def test_age(ago: timedelta, shown: str) -> None:
    assert render.age(NOW - ago, NOW) == shown


@pytest.mark.parametrize(
    ("day", "shown"),
    [
        (datetime(2026, 11, 28, tzinfo=UTC), "today"),  # not "12 h ago": the hour is unknown
        (datetime(2026, 11, 29, tzinfo=UTC), "today"),  # a day ahead of UTC (time zones)
        (datetime(2026, 11, 27, tzinfo=UTC), "yesterday"),
        (datetime(2026, 11, 25, tzinfo=UTC), "3 d ago"),
        (datetime(2026, 11, 2, tzinfo=UTC), "2 Nov 2026"),
    ],
)
def test_age_of_a_date_that_names_only_its_day(day: datetime, shown: str) -> None:
    assert render.age(day, NOW) == shown


def test_every_item_shows_how_long_ago_it_was_published() -> None:
    items = [
        Item(story(1), "One.", NOW - timedelta(hours=3)),
        Item(story(2), "Two.", NOW - timedelta(minutes=5)),
        Item(story(3), "Three."),  # no time known: nothing shown
    ]
    [message] = render.render_briefing(Briefing(None, items), now=NOW)
    blocks = message.text.split("\n\n")[1:]
    assert blocks[0].endswith('">Outlet 0</a> · <i>3 h ago</i>')
    assert blocks[1].endswith('">Outlet 0</a> · <i>5 min ago</i>')
    assert blocks[2].endswith('">Outlet 0</a>')
    visible(message.text)


def test_a_further_briefing_says_more_and_the_last_message_has_the_more_button() -> None:
    long_summary = ("Word " * 60 + ". ") * 3
    items = [Item(story(i, title="T" * 300, sources=6), long_summary) for i in range(1, 31)]
    messages = render.render_briefing(Briefing(None, items, more=True, has_more=True), now=NOW)
    assert messages[0].text.startswith("<b>More stories</b>\n\n")
    for message in messages:
        assert message.keyboard is not None
        data = [row[0].callback_data for row in message.keyboard.inline_keyboard]
        if message is messages[-1]:
            assert data[-1] == "v1:more:0"
            assert message.keyboard.inline_keyboard[-1][0].text == "More stories"
            data = data[:-1]
        assert all(isinstance(d, str) and d.startswith("v1:full:") for d in data)
    [one] = render.render_briefing(Briefing(None, [Item(story(1), "One.")], has_more=True))
    assert one.text.startswith("<b>Top stories</b>")
    assert one.keyboard is not None
    assert [row[0].callback_data for row in one.keyboard.inline_keyboard] == [
        "v1:full:1",
        "v1:more:0",
    ]
    [last] = render.render_briefing(Briefing(None, [Item(story(1), "One.")], more=True))
    assert last.keyboard is not None
    assert [row[0].callback_data for row in last.keyboard.inline_keyboard] == ["v1:full:1"]


def test_a_topic_briefing_has_no_more_button_and_a_repeat_says_nothing_is_new() -> None:
    [topic] = render.render_briefing(Briefing("x", [Item(story(1), "One.")], has_more=True))
    assert topic.keyboard is not None
    assert [row[0].callback_data for row in topic.keyboard.inline_keyboard] == ["v1:full:1"]
    [again] = render.render_briefing(Briefing(None, [Item(story(1), "One.")], repeated=True))
    assert again.text.startswith(
        "<b>Nothing new since your last briefing: the top stories again</b>"
    )
