"""Messages of issue 16 (bot.render_updates): an update shows only the new sentences and the new
source's link; alerts held through quiet hours come as one message; all of it escaped."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.render_updates import render_held, render_quiet_set, render_update
from news.models import OutboxItem, StorySource, StoryView

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def _story() -> StoryView:
    sources = (
        StorySource(1, "AP", "https://ap.example/a", "Ferry aground", NOW),
        StorySource(2, "Bay <Times>", "https://bay.example/b", "15 hurt", NOW),
    )
    return StoryView(7, "Ferry runs aground", NOW, NOW, sources)


def _item(kind: str, article_id: int = 0, body: str | None = None) -> OutboxItem:
    return OutboxItem(1, 5, 7, None, 0, NOW, NOW, kind=kind, article_id=article_id, body=body)


def test_update_has_only_the_new_sentences_and_the_source() -> None:
    rendered = render_update(_story(), _item("update", 2, "The toll rose to 15 <today>."))
    assert rendered.text.startswith("\U0001f504 <b>Update: Ferry runs aground</b>")
    assert "The toll rose to 15 &lt;today&gt;." in rendered.text
    assert 'New from <a href="https://bay.example/b">Bay &lt;Times&gt;</a>' in rendered.text
    assert rendered.story_ids == (7,)


def test_held_alerts_come_as_one_message() -> None:
    story = _story()
    other = StoryView(8, "Lighthouse lit", NOW, NOW, (story.sources[0],))
    [message] = render_held(
        [
            (story, "A ferry ran aground.", [_item("alert"), _item("update", 2, "15 hurt.")]),
            (other, "The lamp is lit.", [_item("alert")]),
        ]
    )
    assert "While your quiet hours were on</b> (2 stories)" in message.text
    assert "Ferry runs aground" in message.text
    assert "15 hurt." in message.text
    assert "Lighthouse lit" in message.text
    assert message.story_ids == (7, 8)


def test_quiet_answer() -> None:
    assert "22:00\u201307:00 (Europe/Berlin)" in render_quiet_set(
        time(22), time(7), "Europe/Berlin"
    )
    assert "off" in render_quiet_set(None, None, "UTC")
