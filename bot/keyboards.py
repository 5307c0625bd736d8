"""Inline keyboards and their callback data: pure functions, no Telegram calls.

Callback data is compact and versioned (``v1:full:<story_id>``, ``v1:unsub:<sub_id>``,
``v1:more:0`` for a briefing's "More stories", ``v1:why:<story_id>`` for an alert's "Why this?"
and ``v1:mute:<story_id>`` to mute the source of that alert) and carries ids only, so buttons
keep working after a restart and never exceed Telegram's 64 bytes.
Anything that does not parse (old versions, forged data) yields ``None``; handlers answer it
gracefully instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from news.models import StoryView, Subscription

__all__ = [
    "CALLBACK_VERSION",
    "MAX_CALLBACK_BYTES",
    "Callback",
    "alert_keyboard",
    "full_article_data",
    "more_data",
    "mute_data",
    "parse_callback",
    "stories_keyboard",
    "story_keyboard",
    "topics_keyboard",
    "unsubscribe_data",
    "why_data",
    "why_keyboard",
]

CALLBACK_VERSION = "v1"
MAX_CALLBACK_BYTES = 64
# Telegram shows about this many characters of a button label on a phone.
_LABEL_CHARS = 40
_MAX_ID = 2**63 - 1
_PATTERN = re.compile(r"v1:(full|unsub|more|why|mute):([0-9]{1,19})")
_MORE = "v1:more:0"  # the next stories of the chat's briefing: no id needed (its history says)

Action = Literal["full", "unsub", "more", "why", "mute"]
_ACTIONS: dict[str, Action] = {"full": "full", "unsub": "unsub", "why": "why", "mute": "mute"}


@dataclass(frozen=True, slots=True)
class Callback:
    """A parsed button press: what to do and to which id."""

    action: Action
    id: int


def _data(action: Action, item_id: int) -> str:
    if not 0 <= item_id <= _MAX_ID:
        raise ValueError(f"id out of range: {item_id}")
    return f"{CALLBACK_VERSION}:{action}:{item_id}"  # at most 3 + 6 + 19 = 28 bytes


def full_article_data(story_id: int) -> str:
    """Callback data of a story's "Full article" button."""
    return _data("full", story_id)


def unsubscribe_data(subscription_id: int) -> str:
    """Callback data of a topic's "Unsubscribe" button."""
    return _data("unsub", subscription_id)


def why_data(story_id: int) -> str:
    """Callback data of an alert's "Why this?" button (the chat's alert on that story)."""
    return _data("why", story_id)


def mute_data(story_id: int) -> str:
    """Callback data of "Mute <source>" under a "Why this?" answer."""
    return _data("mute", story_id)


def more_data() -> str:
    """Callback data of a briefing's "More stories" button."""
    return _MORE


def parse_callback(data: str | None) -> Callback | None:
    """The action a button carries, or ``None`` for stale, foreign or forged data."""
    if not data or len(data) > MAX_CALLBACK_BYTES:
        return None
    match = _PATTERN.fullmatch(data)
    if match is None:
        return None
    item_id = int(match.group(2))
    if item_id > _MAX_ID:
        return None
    name = match.group(1)
    if name == "more":
        return Callback(action="more", id=0) if data == _MORE else None
    return Callback(action=_ACTIONS[name], id=item_id)


def _label(text: str, limit: int = _LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def story_keyboard(story: StoryView) -> InlineKeyboardMarkup:
    """One "Full article" button for one story (alerts, link summaries)."""
    button = InlineKeyboardButton("Full article", callback_data=full_article_data(story.id))
    return InlineKeyboardMarkup([[button]])


def alert_keyboard(story: StoryView) -> InlineKeyboardMarkup:
    """An alert's buttons: "Full article" and "Why this?"."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Full article", callback_data=full_article_data(story.id)),
                InlineKeyboardButton("Why this?", callback_data=why_data(story.id)),
            ]
        ]
    )


def why_keyboard(
    story_id: int, subscription_id: int, topic: str, source: str | None
) -> InlineKeyboardMarkup:
    """Under a "Why this?" answer: unsubscribe from the topic, mute the source."""
    rows = [
        [
            InlineKeyboardButton(
                f"Unsubscribe: {_label(topic, 28)}",
                callback_data=unsubscribe_data(subscription_id),
            )
        ]
    ]
    if source:
        rows.append(
            [InlineKeyboardButton(f"Mute {_label(source, 30)}", callback_data=mute_data(story_id))]
        )
    return InlineKeyboardMarkup(rows)


def stories_keyboard(
    stories: Sequence[StoryView], *, first_number: int = 1, more: bool = False
) -> InlineKeyboardMarkup | None:
    """A numbered "Full article" button per story of a briefing or digest message, and with
    ``more`` a last "More stories" button."""
    if not stories:
        return None
    if len(stories) == 1 and first_number == 1:
        only = full_article_data(stories[0].id)
        rows = [[InlineKeyboardButton("Full article", callback_data=only)]]
    else:
        rows = [
            [
                InlineKeyboardButton(
                    f"{number}. Full article: {_label(story.title, 28)}",
                    callback_data=full_article_data(story.id),
                )
            ]
            for number, story in enumerate(stories, start=first_number)
        ]
    if more:
        rows.append([InlineKeyboardButton("More stories", callback_data=more_data())])
    return InlineKeyboardMarkup(rows)


def topics_keyboard(subscriptions: Sequence[Subscription]) -> InlineKeyboardMarkup | None:
    """An "Unsubscribe" button per topic, for /topics."""
    if not subscriptions:
        return None
    rows = [
        [
            InlineKeyboardButton(
                f"Unsubscribe: {_label(sub.topic, 28)}", callback_data=unsubscribe_data(sub.id)
            )
        ]
        for sub in subscriptions
    ]
    return InlineKeyboardMarkup(rows)
