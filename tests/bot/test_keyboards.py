"""Callback data: compact, versioned, under 64 bytes, and forged data never trusted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.keyboards import (
    MAX_CALLBACK_BYTES,
    Callback,
    full_article_data,
    more_data,
    parse_callback,
    stories_keyboard,
    story_keyboard,
    topics_keyboard,
    unsubscribe_data,
)
from news.models import StorySource, StoryView, Subscription

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _story(story_id: int, title: str = "A title") -> StoryView:
    source = StorySource(story_id * 10, "Example", f"https://example.com/{story_id}", title, NOW)
    return StoryView(story_id, title, NOW, NOW, (source,))


@pytest.mark.parametrize("item_id", [0, 1, 12345, 2**63 - 1])
def test_round_trip_and_size(item_id: int) -> None:
    for data, action in (
        (full_article_data(item_id), "full"),
        (unsubscribe_data(item_id), "unsub"),
    ):
        assert data.startswith("v1:")
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
        assert parse_callback(data) == Callback(action, item_id)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "full:12",  # no version
        "v0:full:12",  # an old version
        "v2:full:12",
        "v1:delete:12",  # unknown action
        "v1:full:",
        "v1:full:-3",
        "v1:full:12x",
        "v1:full:1" + "0" * 30,  # out of range
        "v1:full:99999999999999999999",  # 20 digits
        "v1:unsub:12;DROP TABLE",
        "x" * 200,
    ],
)
def test_forged_or_stale_data_is_rejected(data: str | None) -> None:
    assert parse_callback(data) is None


def test_ids_out_of_range_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="out of range"):
        full_article_data(-1)


def test_story_keyboard_has_one_full_article_button() -> None:
    markup = story_keyboard(_story(7))
    [[button]] = markup.inline_keyboard
    assert button.text == "Full article"
    assert button.callback_data == "v1:full:7"


def test_stories_keyboard_numbers_buttons_from_first_number() -> None:
    markup = stories_keyboard([_story(3, "Alpha"), _story(9, "Beta " * 20)], first_number=4)
    assert markup is not None
    rows = markup.inline_keyboard
    assert [row[0].callback_data for row in rows] == ["v1:full:3", "v1:full:9"]
    assert rows[0][0].text.startswith("4. Full article")
    assert rows[1][0].text.startswith("5. Full article")
    assert len(rows[1][0].text) < 60
    assert stories_keyboard([]) is None


def test_topics_keyboard_has_an_unsubscribe_button_per_topic() -> None:
    subs = [Subscription(i, 100, f"topic {i}", NOW) for i in (5, 6)]
    markup = topics_keyboard(subs)
    assert markup is not None
    assert [row[0].callback_data for row in markup.inline_keyboard] == ["v1:unsub:5", "v1:unsub:6"]
    assert markup.inline_keyboard[0][0].text == "Unsubscribe: topic 5"
    assert topics_keyboard([]) is None


def test_the_more_button_is_one_exact_string() -> None:
    assert more_data() == "v1:more:0"
    assert parse_callback("v1:more:0") == Callback("more", 0)
    for forged in ("v1:more:1", "v1:more:00", "v1:more:", "v1:more:0 ", "v1:more", "V1:more:0"):
        assert parse_callback(forged) is None
    markup = stories_keyboard([_story(1), _story(2)], more=True)
    assert markup is not None
    assert [row[0].callback_data for row in markup.inline_keyboard] == [
        "v1:full:1",
        "v1:full:2",
        "v1:more:0",
    ]
