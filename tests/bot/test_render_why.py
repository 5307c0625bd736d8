"""'Why this?' (issue 16): the answer's words for each kind of match, its buttons, and the
callback data of an alert's buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.keyboards import MAX_CALLBACK_BYTES, Callback, mute_data, parse_callback, why_data
from bot.render import render_alert
from bot.render_why import render_muted, render_why
from news.models import StorySource, StoryView
from news.topics import AlertReason

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _labels(rendered: object) -> list[tuple[str, str]]:
    keyboard = getattr(rendered, "keyboard", None)
    assert keyboard is not None
    return [(b.text, b.callback_data) for row in keyboard.inline_keyboard for b in row]


def test_a_words_match_names_the_words_and_where() -> None:
    reason = AlertReason(
        topic="peace talks",
        subscription_id=12,
        how="words",
        words=("peace", "talks"),
        where="headline",
        source="Wire <A>",
    )
    rendered = render_why(reason, story_id=40)
    assert rendered.text.splitlines() == [
        "<b>Why this?</b>",
        "It matched your topic \u201cpeace talks\u201d: the words \u201cpeace\u201d and "
        "\u201ctalks\u201d are in its headline.",
        "Source: \u201cWire &lt;A&gt;\u201d.",
    ]
    assert _labels(rendered) == [
        ("Unsubscribe: peace talks", "v1:unsub:12"),
        ("Mute Wire <A>", "v1:mute:40"),
    ]


def test_a_meaning_match_says_what_it_is_close_to() -> None:
    reason = AlertReason(
        topic="diplomacy",
        subscription_id=3,
        how="meaning",
        like="diplomacy",
        score=0.712,
        filters='"third round" -sport',
        kept=("third round",),
    )
    text = render_why(reason, story_id=5).text
    assert "similar in meaning to \u201cdiplomacy\u201d (closeness 0.71)" in text
    assert 'It passed your filters "third round" -sport; found \u201cthird round\u201d.' in text
    assert _labels(render_why(reason, story_id=5)) == [("Unsubscribe: diplomacy", "v1:unsub:3")]


def test_a_field_match_gives_its_meaning_and_words() -> None:
    reason = AlertReason(
        topic="sport", subscription_id=1, how="field", field="sport", words=("goal",), score=0.4
    )
    text = render_why(reason, story_id=1).text
    assert "the story is on \u201csport\u201d: its meaning is close to \u201csport\u201d" in text
    assert "it uses words of the field: \u201cgoal\u201d" in text
    one_word = AlertReason(topic="yukos", subscription_id=1, how="words", words=("yukos",))
    assert "the word \u201cyukos\u201d is in its opening" in render_why(one_word, 1).text


def test_mute_answers() -> None:
    assert render_muted("Coast Daily") == (
        "Muted \u201cCoast Daily\u201d: its stories will not alert you again."
    )
    assert "no longer known" in render_muted(None)


def test_alert_buttons_and_their_data() -> None:
    story = StoryView(
        id=9,
        title="Storm closes the port",
        first_seen=NOW,
        last_seen=NOW,
        sources=(StorySource(1, "Coast Daily", "https://c.example/storm", "Storm", NOW),),
    )
    assert [t for t, _ in _labels(render_alert(story, "", "storm"))] == [
        "Full article",
        "Why this?",
    ]
    assert [t for t, _ in _labels(render_alert(story, "", None))] == ["Full article"]
    assert parse_callback(why_data(9)) == Callback(action="why", id=9)
    assert parse_callback(mute_data(2**63 - 1)) == Callback(action="mute", id=2**63 - 1)
    assert len(mute_data(2**63 - 1)) <= MAX_CALLBACK_BYTES
    assert parse_callback("v1:why:-1") is None
    assert parse_callback("v1:why:1:2") is None
