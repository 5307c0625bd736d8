"""Messages of groups, channels, forum topics and operators (issue 15): refusals, linked
channels, topics per forum topic, ``/stats`` and the /help section. HTML, escaped, short."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from datetime import time

from bot.keyboards import topics_keyboard
from bot.render import MAX_MESSAGE, Rendered, telegram_length
from news.models import Subscription
from news.roles import LinkedChannel, StoreStats

__all__ = [
    "help_section",
    "render_channel_linked",
    "render_channel_not_linked",
    "render_channel_refused",
    "render_channel_unlinked",
    "render_channels",
    "render_not_admin",
    "render_not_channel_admin",
    "render_not_operator",
    "render_stats",
    "render_topics_by_thread",
]

_TOPIC_CHARS = 80


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _clip(text: str, limit: int = _TOPIC_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _channel(channel: LinkedChannel) -> str:
    title = f"{_esc(_clip(channel.title))} " if channel.title else ""
    return f"{title}({_esc(channel.name)})"


def render_not_admin() -> str:
    return (
        "Sorry, only this group's administrators can change its topics, sources and digest. "
        "Anyone can ask for /brief."
    )


def render_not_operator() -> str:
    return "Sorry, /stats is for the bot's operators."


def render_channel_not_linked(name: str) -> str:
    return (
        f"You have not linked {_esc(name)} yet. Add me to the channel as an administrator "
        f"allowed to post, then send /channel {_esc(name)} here."
    )


def render_not_channel_admin(channel: LinkedChannel) -> str:
    return f"You are no longer an administrator of {_channel(channel)}, so I can't change it."


def render_channel_refused(name: str, reason: str) -> str:
    """``/channel @name`` could not link it; ``reason`` says why (plain text)."""
    return f"I can't link {_esc(name)}: {_esc(reason)}"


def render_channel_linked(channel: LinkedChannel) -> str:
    name = _esc(channel.name)
    return (
        f"\u2705 Linked {_channel(channel)}. I will post its alerts there.\n"
        f"/subscribe {name} TOPIC — alerts on a topic in the channel\n"
        f"/topics {name}, /unsubscribe {name} TOPIC — its topics\n"
        f"/digest {name} HH:MM — one daily digest instead\n"
        f"/channel remove {name} — unlink it"
    )


def render_channel_unlinked(name: str, removed: bool) -> str:
    if not removed:
        return f"{_esc(name)} was not linked."
    return f"Unlinked {_esc(name)}. Its topics stay; link it again to change them."


def render_channels(channels: Sequence[LinkedChannel]) -> str:
    if not channels:
        return (
            "No channels linked. Add me to your channel as an administrator allowed to post, "
            "then send /channel @name here."
        )
    lines = ["<b>Your channels</b>"] + [f"• {_channel(c)}" for c in channels]
    lines.append("Manage one with /subscribe @name TOPIC, /topics @name, /digest @name HH:MM.")
    return "\n".join(lines)


def render_topics_by_thread(
    subscriptions: Sequence[Subscription],
    *,
    limit: int,
    here: int,
    digest_at: time | None = None,
    timezone: str = "UTC",
    keyboard: bool = True,
) -> Rendered:
    """A forum's topics grouped by forum topic (``here``: the one asked from, listed first)."""
    if not subscriptions:
        return Rendered("No topics yet. Add one with /subscribe TOPIC inside a forum topic.")
    by_thread: dict[int, list[Subscription]] = defaultdict(list)
    for sub in subscriptions:
        by_thread[sub.thread_id].append(sub)
    mode = (
        f"Daily digest at {digest_at:%H:%M} ({_esc(timezone)})."
        if digest_at is not None
        else "Alerts are sent as soon as a story appears."
    )
    lines = [f"<b>Topics</b> ({len(subscriptions)}/{limit})", mode]
    for thread in sorted(by_thread, key=lambda t: (t != here, t)):
        name = "General" if thread == 0 else f"Forum topic #{thread}"
        lines.append(f"\n<b>{name}</b>{' (this one)' if thread == here else ''}")
        lines.extend(f"• {_esc(_clip(sub.topic))}" for sub in by_thread[thread])
    text = "\n".join(lines)
    while telegram_length(text) > MAX_MESSAGE - 60:
        text = text[: len(text) // 2].rsplit("\n", 1)[0] + "\n…"
    return Rendered(text, topics_keyboard(list(subscriptions)[:100]) if keyboard else None)


def render_stats(stats: StoreStats, *, timezone: str = "UTC") -> str:
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(stats.chats.items())) or "none"
    lines = [
        "<b>newsbrief stats</b>",
        f"Chats: {stats.active_chats} active ({_esc(kinds)}), {stats.inactive_chats} inactive",
        f"Subscriptions: {stats.subscriptions}",
        f"Feeds: {stats.feeds}, {stats.failing_feeds} failing",
        f"Outbox backlog: {stats.outbox_backlog}",
        f"Alerts today (UTC): {stats.alerts_sent_today} sent, "
        f"{stats.alerts_retried_today} retried, {stats.alerts_dropped_today} dropped",
    ]
    for problem in stats.worst_feeds:
        error = f": {_esc(_clip(problem.last_error, 100))}" if problem.last_error else ""
        lines.append(f"• {_esc(_clip(problem.url, 100))} ({problem.errors} errors){error}")
    return "\n".join(lines)


def help_section() -> str:
    """The /help lines of groups, channels and forum topics."""
    return "\n".join(
        [
            "<b>Groups, channels and forum topics</b>",
            "In a group, only its administrators change topics, sources and the digest; "
            "anyone can /brief.",
            "In a forum, /subscribe inside a topic sends its alerts to that topic; /topics "
            "lists them per topic.",
            "/channel @name — link a channel where I am an administrator allowed to post "
            "(send it here, in our private chat); /channel lists them, /channel remove @name",
            "/subscribe @name TOPIC, /unsubscribe @name TOPIC, /topics @name, "
            "/digest @name HH:MM — a linked channel's alerts",
            "/stats — figures for the bot's operators",
        ]
    )
