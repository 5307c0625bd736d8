"""The answer to an alert's "Why this?" button (issue 16): which topic matched and how, with
buttons to unsubscribe from the topic or mute the source. Pure functions, no Telegram calls."""

from __future__ import annotations

import html

from bot.keyboards import why_keyboard
from bot.render import Rendered
from news.topics import AlertReason

__all__ = ["render_muted", "render_why", "render_why_missing"]

_SHOWN = 60  # characters of a topic, a phrase or a source name shown


def _q(text: str) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
    return f"\u201c{html.escape(text, quote=False)}\u201d"


def _words(words: tuple[str, ...]) -> str:
    quoted = [_q(w) for w in words[:8]]
    if len(quoted) < 2:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _how(reason: AlertReason) -> str:
    if reason.how == "words":
        place = "headline" if reason.where == "headline" else "opening"
        one = len(reason.words) == 1
        noun, verb = ("word", "is") if one else ("words", "are")
        return f"the {noun} {_words(reason.words)} {verb} in its {place}"
    if reason.how == "meaning":
        close = f" (closeness {reason.score:.2f})" if reason.score is not None else ""
        return f"the story is similar in meaning to {_q(reason.like or reason.topic)}{close}"
    field = _q(reason.field or reason.topic)
    parts = []
    if reason.score is not None:
        parts.append(f"its meaning is close to {field} (closeness {reason.score:.2f})")
    if reason.words:
        parts.append(f"it uses words of the field: {_words(reason.words)}")
    return f"the story is on {field}: " + ("; ".join(parts) or "its site files it there")


def render_why(reason: AlertReason, story_id: int) -> Rendered:
    """Why an alert came: the topic, how it matched, the filters it passed, its source."""
    lines = [
        "<b>Why this?</b>",
        f"It matched your topic {_q(reason.topic)}: {_how(reason)}.",
    ]
    if reason.filters:
        found = f"; found {_words(reason.kept)}" if reason.kept else ""
        lines.append(f"It passed your filters {html.escape(reason.filters, quote=False)}{found}.")
    if reason.source:
        lines.append(f"Source: {_q(reason.source)}.")
    keyboard = why_keyboard(story_id, reason.subscription_id, reason.topic, reason.source)
    return Rendered("\n".join(lines), keyboard)


def render_why_missing() -> str:
    return "I no longer know why that alert came (it may be older than this feature)."


def render_muted(source: str | None) -> str:
    """Answer to "Mute <source>"."""
    if source is None:
        return "That alert is no longer known, so there is nothing to mute."
    return f"Muted {_q(source)}: its stories will not alert you again."
