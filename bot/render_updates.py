"""Messages of issue 16 as pure functions: a story update, the alerts held through quiet hours,
and the answers to /updates, /quiet and /timezone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from bot.keyboards import story_keyboard
from bot.render import MAX_MESSAGE, Rendered, _clip, _esc, _link, _pack, _story_block
from news.models import OutboxItem, StorySource, StoryView

__all__ = [
    "HeldEntry",
    "render_held",
    "render_quiet_set",
    "render_timezone_set",
    "render_update",
    "render_updates_set",
]

_TITLE_CHARS = 200
_BODY_CHARS = 900

HeldEntry = tuple[StoryView, str, Sequence[OutboxItem]]  # story, summary, its held rows


def _source_of(story: StoryView, article_id: int) -> StorySource | None:
    return next((s for s in story.sources if s.article_id == article_id), None)


def _update_lines(story: StoryView, item: OutboxItem) -> list[str]:
    lines = [_esc(_clip(item.body or "", _BODY_CHARS))]
    source = _source_of(story, item.article_id)
    if source is not None:
        name = _clip(source.source or source.url, 60)
        lines.append(f"New from {_link(source.url, name)}")
    return lines


def render_update(story: StoryView, item: OutboxItem) -> Rendered:
    """A story update: the story's title, only the new sentences, the new source's link."""
    title = _esc(_clip(story.title, _TITLE_CHARS))
    text = "\n\n".join([f"\U0001f504 <b>Update: {title}</b>", *_update_lines(story, item)])
    return Rendered(text, story_keyboard(story), (story.id,))


def render_held(entries: Sequence[HeldEntry], *, limit: int = MAX_MESSAGE) -> list[Rendered]:
    """What came during quiet hours, one block per story (its alert, and its updates' new
    sentences), split at story boundaries under ``limit``."""
    if not entries:
        return []
    count = len(entries)
    header = (
        f"\U0001f319 <b>While your quiet hours were on</b> "
        f"({count} {'story' if count == 1 else 'stories'})"
    )
    blocks = []
    for number, (story, summary, items) in enumerate(entries, start=1):
        updates = [item for item in items if item.kind == "update"]
        if any(item.kind != "update" for item in items) or not updates:
            block = _story_block(number, story, summary)
        else:
            block = f"<b>{number}. Update: {_esc(_clip(story.title, _TITLE_CHARS))}</b>"
        for item in updates:
            block += "\n" + "\n".join(_update_lines(story, item))
        blocks.append((block, story))
    return _pack(header, blocks, limit=limit)


def render_updates_set(on: bool) -> str:
    """Answer to /updates on|off."""
    if on:
        return (
            "Story updates on: when a story you were sent gets a new source with new facts, "
            "I send just what is new. /updates off to stop them."
        )
    return "Story updates off: one alert per story. /updates on to get them again."


def render_quiet_set(start: time | None, end: time | None, timezone: str) -> str:
    """Answer to /quiet HH:MM-HH:MM and /quiet off."""
    if start is None or end is None:
        return "Quiet hours off: alerts arrive as soon as a story appears."
    return (
        f"Quiet hours {start:%H:%M}\u2013{end:%H:%M} ({_esc(timezone)}): alerts in that time "
        "are held and come together in one message when it ends. /quiet off to stop, "
        "/timezone Area/City to change the time zone."
    )


def render_timezone_set(timezone: str) -> str:
    """Answer to /timezone NAME."""
    return f"Time zone set to {_esc(timezone)}: quiet hours follow its clock."
