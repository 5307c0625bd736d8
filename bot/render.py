"""Every message the bot sends, as pure functions: data in, Telegram HTML out.

Everything user- or article-derived goes through ``html.escape``; every message fits Telegram's
4096-character limit (counted in UTF-16 code units, as Telegram does), and long briefings and
digests are split at story boundaries. Link previews are turned off by the application defaults.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Protocol

from telegram import InlineKeyboardMarkup

from bot.keyboards import alert_keyboard, stories_keyboard, story_keyboard, topics_keyboard
from news.models import StoredArticle, StoryView, SubscribeResult, Subscription
from news.published import is_day_only

__all__ = [
    "MAX_MESSAGE",
    "Rendered",
    "render_alert",
    "render_briefing",
    "render_digest",
    "render_digest_set",
    "render_error",
    "render_help",
    "render_link_summary",
    "render_start",
    "render_story_links",
    "render_subscribe",
    "render_topics",
    "render_unsubscribe",
    "telegram_length",
]

MAX_MESSAGE = 4096
_TITLE_CHARS = 200
_SUMMARY_CHARS = 420
_LINK_SUMMARY_CHARS = 1500
_TOPIC_CHARS = 80
_SOURCES_SHOWN = 4
_STORIES_PER_MESSAGE = 10
_MAX_URL = 1000  # longer links are shown as plain names so a message always fits
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+")


class BriefingItemLike(Protocol):
    """What render needs of ``news.briefings.BriefingItem``."""

    @property
    def story(self) -> StoryView: ...
    @property
    def summary(self) -> str: ...
    @property
    def published(self) -> datetime | None: ...


class BriefingLike(Protocol):
    """What render needs of ``news.briefings.Briefing``."""

    @property
    def topic(self) -> str | None: ...
    @property
    def items(self) -> Sequence[BriefingItemLike]: ...
    @property
    def more(self) -> bool: ...
    @property
    def has_more(self) -> bool: ...
    @property
    def repeated(self) -> bool: ...


class LinkSummaryLike(Protocol):
    """What render needs of ``news.briefings.LinkSummary``."""

    @property
    def article(self) -> StoredArticle: ...
    @property
    def story(self) -> StoryView: ...
    @property
    def summary(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Rendered:
    """One message: HTML text, its inline keyboard if any, and the stories it shows."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    story_ids: tuple[int, ...] = ()


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _clip(text: str, limit: int) -> str:
    """Whitespace-normalized ``text`` cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def _first_sentences(text: str, count: int = 2, limit: int = _SUMMARY_CHARS) -> str:
    sentences = [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]
    return _clip(" ".join(sentences[:count]), limit)


def _is_web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _link(url: str, label: str) -> str:
    if not _is_web_url(url) or len(url) > _MAX_URL:
        return _esc(label)
    return f'<a href="{_esc(url)}">{_esc(label)}</a>'


def _sources_line(story: StoryView, shown: int = _SOURCES_SHOWN) -> str:
    seen: set[str] = set()
    links: list[str] = []
    for source in story.sources:
        name = _clip(source.source or source.url, 40)
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        links.append(_link(source.url, name))
    if not links:
        return ""
    extra = len(links) - shown
    line = " · ".join(links[:shown])
    return line + (f" (+{extra} more)" if extra > 0 else "")


def age(published: datetime, now: datetime) -> str:
    """How long ago, as a reader glances at it: "just now", "12 min ago", "3 h ago",
    "2 d ago", then the date ("28 Nov 2026"). A date that names only its day
    (:func:`news.published.is_day_only`) reads "today", "yesterday", "3 d ago": its hour is
    unknown, so no hour count."""
    if is_day_only(published):
        days = (now.astimezone(UTC).date() - published.astimezone(UTC).date()).days
        if days <= 0:
            return "today"
        if days == 1:
            return "yesterday"
        if days < 7:
            return f"{days} d ago"  # a week or more: the date, below
    seconds = (now - published).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)} d ago"
    return f"{published.day} {published:%b %Y}"


def _story_block(
    number: int | None, story: StoryView, summary: str, when: str | None = None
) -> str:
    prefix = f"{number}. " if number is not None else ""
    lines = [f"<b>{prefix}{_esc(_clip(story.title, _TITLE_CHARS))}</b>"]
    sentences = _first_sentences(summary)
    if sentences:
        lines.append(_esc(sentences))
    sources = _sources_line(story)
    if when:
        sources = f"{sources} · <i>{_esc(when)}</i>" if sources else f"<i>{_esc(when)}</i>"
    if sources:
        lines.append(sources)
    return "\n".join(lines)


def _pack(
    header: str,
    blocks: Sequence[tuple[str, StoryView]],
    *,
    limit: int = MAX_MESSAGE,
    per_message: int = _STORIES_PER_MESSAGE,
    more: bool = False,
) -> list[Rendered]:
    """Pack story blocks into messages under ``limit``, splitting only between stories; with
    ``more`` the last message gets a "More stories" button."""
    messages: list[Rendered] = []
    text, stories = header, list[StoryView]()
    first = 1

    def flush(last: bool = False) -> None:
        nonlocal text, stories, first
        if stories:
            keyboard = stories_keyboard(stories, first_number=first, more=more and last)
            messages.append(Rendered(text, keyboard, tuple(story.id for story in stories)))
            first += len(stories)
        text, stories = "", []

    for block, story in blocks:
        candidate = f"{text}\n\n{block}" if text else block
        if stories and (telegram_length(candidate) > limit or len(stories) >= per_message):
            flush()
            candidate = block
        stories.append(story)
        text = candidate
    flush(last=True)
    return messages


def render_start(first_name: str | None, bot_username: str | None) -> str:
    """Greeting for /start: who the bot is, then the help."""
    name = f", {_esc(_clip(first_name, 64))}" if first_name else ""
    return f"Hi{name}! I turn the news into short briefings.\n\n" + render_help(bot_username)


def render_help(bot_username: str | None = None) -> str:
    """The command list (/help), a few lines."""
    lines = [
        "<b>What I can do</b>",
        "/brief [topic] — the top stories, or the latest on a topic; "
        "\u201cMore stories\u201d shows the next ones",
        "Send a question (\u201cwhat's new on the peace talks?\u201d) for a briefing",
        "Send a link, or /summary URL — a short summary of the article",
        "/subscribe TOPIC — alerts on a topic, as for /brief: a field (sport, economy, tech) "
        'or a subject (peace talks); filter it with +word, -word and "exact phrase" '
        '(/subscribe climate -sport "heat pump"); an alert\'s \u201cWhy this?\u201d says how '
        "it matched",
        "/unsubscribe TOPIC, /topics — manage your topics",
        "/digest HH:MM — one daily digest instead of instant alerts; /digest off",
        "/updates on|off — when a story you were sent gets new facts, just what is new",
        "/quiet 22:00-07:00 — hold alerts at night, then one message; /quiet off; "
        "/timezone Europe/Berlin",
        "/feeds — your own sources: /feeds add URL (a feed or a site), /feeds remove N; "
        "send an .opml file to import feeds, /export to get yours; /sources mine|all",
    ]
    if bot_username:
        lines.append(
            f"In groups, address commands as /brief@{_esc(bot_username)} or mention "
            f"@{_esc(bot_username)}."
        )
    return "\n".join(lines)


def render_briefing(
    briefing: BriefingLike, *, limit: int = MAX_MESSAGE, now: datetime | None = None
) -> list[Rendered]:
    """A briefing: bold title, one or two summary sentences, source links and how long ago it
    was published (as of ``now``) per story; "More stories" for a further page, with a button
    for the next one while unseen stories remain.

    An empty briefing becomes one message saying so and suggesting /subscribe.
    """
    topic = briefing.topic
    if not briefing.items:
        if topic:
            shown = _esc(_clip(topic, _TOPIC_CHARS))
            return [
                Rendered(
                    f"Nothing found on \u201c{shown}\u201d yet. Try /subscribe {shown} "
                    "to get an alert when a story appears."
                )
            ]
        return [
            Rendered(
                "No new stories since your last briefing. Try /subscribe TOPIC to get alerts."
            )
        ]
    now = now or datetime.now(UTC)
    if topic:
        header = f"<b>Briefing: {_esc(_clip(topic, _TOPIC_CHARS))}</b>"
    elif briefing.repeated:
        header = "<b>Nothing new since your last briefing: the top stories again</b>"
    elif briefing.more:
        header = "<b>More stories</b>"
    else:
        header = "<b>Top stories</b>"
    blocks = [
        (
            _story_block(
                number,
                item.story,
                item.summary,
                age(item.published, now) if item.published is not None else None,
            ),
            item.story,
        )
        for number, item in enumerate(briefing.items, start=1)
    ]
    return _pack(header, blocks, limit=limit, more=briefing.has_more and not topic)


def render_link_summary(link: LinkSummaryLike) -> Rendered:
    """The summary of a link the user sent (its own title, source and canonical URL, even when
    it joined a story first reported elsewhere), with the story's "Full article" button."""
    article, story = link.article, link.story
    lines = [f"<b>{_esc(_clip(article.title or story.title, _TITLE_CHARS))}</b>"]
    summary = _clip(link.summary, _LINK_SUMMARY_CHARS)
    lines.append(_esc(summary) if summary else "<i>No summary could be made of this page.</i>")
    lines.append(_link(article.url, _clip(article.source or article.url, 60)))
    if len({source.source for source in story.sources}) > 1:
        lines.append(f"{len(story.sources)} sources carry this story: /link {story.id}")
    return Rendered("\n\n".join(lines), story_keyboard(story), (story.id,))


def render_story_links(story: StoryView, differences: Sequence[str] = ()) -> str:
    """Reply to "Full article" and /link ID: the canonical URL and the other sources, and
    where the sources give different figures ("AP: 12 dead; Reuters: 15")."""
    if not story.sources:
        return f"<b>{_esc(_clip(story.title, _TITLE_CHARS))}</b>\nNo source is known for it."
    primary, others = story.sources[0], story.sources[1:]
    text = (
        f"<b>{_esc(_clip(story.title, _TITLE_CHARS))}</b>\n"
        f"{_link(primary.url, _clip(primary.url, 200))}\n"
        f"Source: {_esc(_clip(primary.source, 60))}"
    )
    if others:
        text += "\n\n<b>Also reported by</b>"
        for index, source in enumerate(others):
            line = (
                f"\n• {_link(source.url, _clip(source.source or source.url, 60))}: "
                f"{_esc(_clip(source.title, 120))}"
            )
            rest = len(others) - index
            if telegram_length(text + line) > MAX_MESSAGE - 40:
                text += f"\n… and {rest} more"
                break
            text += line
    if differences:
        note = "\n\n<b>Sources differ</b>" + "".join(
            f"\n• {_esc(_clip(line, 300))}" for line in differences[:5]
        )
        if telegram_length(text + note) <= MAX_MESSAGE:
            text += note
    return text


def render_subscribe(topic: str, result: SubscribeResult, *, limit: int) -> str:
    """Answer to /subscribe: created, already there, or the cap reached."""
    shown = _esc(_clip(topic, _TOPIC_CHARS))
    if result.status == "created":
        kept = result.subscription.filters if result.subscription is not None else None
        only = f", only stories with {_esc(kept)}" if kept else ""
        return (
            f"Subscribed to \u201c{shown}\u201d{only}. I will send an alert when a matching "
            f"story appears. ({result.count}/{limit} topics)"
        )
    if result.status == "exists":
        return f"You are already subscribed to \u201c{shown}\u201d."
    if result.status == "updated":
        kept = result.subscription.filters if result.subscription is not None else None
        return f"Updated \u201c{shown}\u201d: " + (
            f"filters {_esc(kept)}." if kept else "no keyword filters now."
        )
    return (
        f"You have reached the limit of {limit} topics. Remove one with /unsubscribe TOPIC "
        "(see /topics) before adding another."
    )


def render_unsubscribe(topic: str, removed: bool) -> str:
    """Answer to /unsubscribe and its button."""
    shown = _esc(_clip(topic, _TOPIC_CHARS))
    if removed:
        return f"Unsubscribed from \u201c{shown}\u201d."
    return f"You were not subscribed to \u201c{shown}\u201d. See /topics."


def render_topics(
    subscriptions: Sequence[Subscription],
    *,
    limit: int,
    digest_at: time | None = None,
    timezone: str = "UTC",
) -> Rendered:
    """The chat's topics (/topics), each with an unsubscribe button."""
    if not subscriptions:
        return Rendered("You have no topics yet. Add one with /subscribe TOPIC.")
    mode = (
        f"Daily digest at {digest_at:%H:%M} ({_esc(timezone)})."
        if digest_at is not None
        else "Alerts are sent as soon as a story appears."
    )
    header = f"<b>Your topics</b> ({len(subscriptions)}/{limit})\n{mode}\n"
    lines: list[str] = []
    shown_subs: list[Subscription] = []
    for sub in subscriptions:
        line = f"• {_esc(_clip(sub.topic, _TOPIC_CHARS))}"
        if sub.filters:
            line += f" <i>{_esc(sub.filters)}</i>"
        if telegram_length(header + "\n".join([*lines, line])) > MAX_MESSAGE - 60:
            lines.append(f"… and {len(subscriptions) - len(shown_subs)} more")
            break
        lines.append(line)
        shown_subs.append(sub)
    # Telegram allows 100 buttons per keyboard.
    return Rendered(header + "\n".join(lines), topics_keyboard(shown_subs[:100]))


def render_alert(story: StoryView, summary: str, topic: str | None) -> Rendered:
    """One instant alert: the matched topic, then the story with its "Full article" button
    and, for a topic's alert, "Why this?"."""
    about = f" on \u201c{_esc(_clip(topic, _TOPIC_CHARS))}\u201d" if topic else ""
    text = f"\U0001f514 <b>New{about}</b>\n\n{_story_block(None, story, summary)}"
    keyboard = alert_keyboard(story) if topic else story_keyboard(story)
    return Rendered(text, keyboard, (story.id,))


def render_digest(
    items: Sequence[tuple[StoryView, str]], *, limit: int = MAX_MESSAGE
) -> list[Rendered]:
    """The daily digest of pending alerts, split at story boundaries under ``limit``."""
    if not items:
        return []
    header = f"<b>Your daily digest</b> ({len(items)} {'story' if len(items) == 1 else 'stories'})"
    blocks = [
        (_story_block(number, story, summary), story)
        for number, (story, summary) in enumerate(items, start=1)
    ]
    return _pack(header, blocks, limit=limit)


def render_digest_set(at: time | None, timezone: str) -> str:
    """Answer to /digest HH:MM and /digest off."""
    if at is None:
        return "Daily digest off: alerts will arrive as soon as a story appears."
    return (
        f"Daily digest at {at:%H:%M} ({_esc(timezone)}): your alerts will come together "
        "once a day. /digest off to get them instantly again."
    )


def render_error(reason: str) -> str:
    """A user-facing failure reason (already free of internals), escaped."""
    return _esc(_clip(reason, 600))
