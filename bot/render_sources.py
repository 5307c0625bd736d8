"""The messages about a chat's own sources (``/feeds``, ``/sources``, OPML import and export),
as pure functions: data in, Telegram HTML out, everything from users or feeds escaped, long
lists split into messages that each fit Telegram's limit."""

from __future__ import annotations

import html
from collections.abc import Sequence

from news.chat_sources import AddedFeed, ChatFeed, ImportReport

__all__ = [
    "EXPORT_NAME",
    "FEEDS_USAGE",
    "render_export_caption",
    "render_feed_added",
    "render_feed_removed",
    "render_feeds",
    "render_import_report",
    "render_sources_mode",
]

EXPORT_NAME = "newsbrief-sources.opml"
MESSAGE_BUDGET = 3800  # HTML characters per message (links' markup included), under 4096
_NAME_CHARS = 80
_URL_CHARS = 300
_REPORT_ITEMS = 50  # refused or duplicate feeds named one by one in a report

FEEDS_USAGE = (
    "<b>Your own sources</b>\n"
    "/feeds — the feeds you follow\n"
    "/feeds add URL — follow a feed (or a site: I find its feed)\n"
    "/feeds remove N (or URL) — stop following one\n"
    "Send an .opml file to import feeds from another reader; /export sends yours as OPML.\n"
    "/sources mine — briefings and alerts only from your feeds; /sources all — from every "
    "source (the default)"
)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _feed_line(number: int, feed: ChatFeed) -> str:
    name = _esc(_clip(feed.title or feed.url, _NAME_CHARS))
    line = f"{number}. "
    if len(feed.url) <= _URL_CHARS:
        line += f'<a href="{_esc(feed.url)}">{name}</a>'
    else:
        line += name
    if feed.error_count >= 3 and feed.last_error:
        line += f" — failing: {_esc(_clip(feed.last_error, 120))}"
    return line


def _pack(lines: Sequence[str], budget: int = MESSAGE_BUDGET) -> list[str]:
    """Lines joined into as few messages as fit ``budget`` characters each."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(line) + 1 > budget:
            messages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        messages.append("\n".join(current))
    return messages


def render_feeds(feeds: Sequence[ChatFeed], *, limit: int, own: bool) -> list[str]:
    """``/feeds``: the chat's feeds numbered from 1 (the numbers ``/feeds remove`` takes)."""
    mode = "only these" if own else "all sources"
    if not feeds:
        return [
            "You follow no sources of your own yet; your briefings and alerts come from "
            f"{'none: /sources all to read every source' if own else 'every source I read'}."
            "\n\n" + FEEDS_USAGE
        ]
    head = f"<b>Your sources</b> ({len(feeds)}/{limit}); briefings and alerts use {mode}:"
    lines = [head, *(_feed_line(n, feed) for n, feed in enumerate(feeds, 1))]
    lines.append("/feeds add URL · /feeds remove N · /export · /sources mine|all")
    return _pack(lines)


def render_feed_added(added: AddedFeed, *, count: int, limit: int) -> str:
    feed = added.feed
    name = _esc(_clip(feed.title or feed.url, _NAME_CHARS))
    if added.already:
        return f"You already follow {name}. /feeds lists your sources."
    shown = "" if feed.title is None else f" ({_esc(_clip(feed.url, _URL_CHARS))})"
    return (
        f"Added {name}{shown}: its stories come into your briefings as I read them "
        f"({count}/{limit} sources)."
    )


def render_feed_removed(feed: ChatFeed | None, key: str) -> str:
    if feed is None:
        return (
            f"You follow no source “{_esc(_clip(key, _NAME_CHARS))}”. /feeds lists yours "
            "with their numbers."
        )
    return f"Removed {_esc(_clip(feed.title or feed.url, _NAME_CHARS))}."


def render_sources_mode(own: bool, count: int) -> str:
    if own:
        extra = "" if count else " You follow none yet: add one with /feeds add URL."
        return (
            "Briefings and alerts now come only from your own sources "
            f"({count}).{extra} /sources all to read every source again."
        )
    return "Briefings and alerts come from every source I read. /sources mine to use only yours."


def render_import_report(report: ImportReport, *, count: int, limit: int) -> list[str]:
    """An OPML import: how many were added, and which were duplicates or refused, and why."""
    added = len(report.added)
    lines = [
        f"<b>OPML import</b>: {added} feed{'s' * (added != 1)} added, "
        f"{len(report.duplicates)} already followed, {len(report.refused)} refused "
        f"({count}/{limit} sources)."
    ]
    if report.refused:
        lines.append("")
        lines.append("<b>Refused</b>:")
        for url, reason in report.refused[:_REPORT_ITEMS]:
            lines.append(f"• {_esc(_clip(url, _URL_CHARS))} — {_esc(_clip(reason, 200))}")
        if len(report.refused) > _REPORT_ITEMS:
            lines.append(f"… and {len(report.refused) - _REPORT_ITEMS} more.")
    if report.duplicates:
        lines.append("")
        lines.append("<b>Already followed</b>:")
        lines.extend(
            f"• {_esc(_clip(url, _URL_CHARS))}" for url in report.duplicates[:_REPORT_ITEMS]
        )
        if len(report.duplicates) > _REPORT_ITEMS:
            lines.append(f"… and {len(report.duplicates) - _REPORT_ITEMS} more.")
    if added:
        lines.append("")
        lines.append("Their stories come into your briefings as I read them. /feeds lists them.")
    return _pack(lines)


def render_export_caption(count: int) -> str:
    return (
        f"Your {count} source{'s' * (count != 1)} as OPML: import it into another reader, "
        "or send it back to me."
    )
