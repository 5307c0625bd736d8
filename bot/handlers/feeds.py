"""A chat's own sources: ``/feeds [add URL | remove N|URL]``, ``/sources mine|all``,
``/export`` (an OPML document) and an ``.opml`` document sent to the bot (an import).

Parse the update, call ``news.chat_sources`` (``context.bot_data.news.sources``), render with
``bot.render_sources``, reply. A file is refused by its announced size before it is
downloaded, and again by what came. Adding a feed and importing a file fetch feeds, so they run
in the background runner the links use (``bot_data.links``), not in the chat's update slot."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InputFile, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot import render
from bot.background import RunnerBusy
from bot.context import BotContext
from bot.handlers.common import answer_place, remember_chat, reply, typing
from bot.permissions import settings_target
from bot.render_sources import (
    EXPORT_NAME,
    FEEDS_USAGE,
    render_export_caption,
    render_feed_added,
    render_feed_removed,
    render_feeds,
    render_import_report,
    render_sources_mode,
)
from news.chat_sources import SourceError

__all__ = ["export", "feeds", "opml_document", "sources"]

logger = logging.getLogger(__name__)

BUSY = "I am still reading your earlier links or feeds; please send this again in a minute."

_OPML_TYPES = frozenset({"text/x-opml", "text/x-opml+xml", "application/xml", "text/xml"})
_OPML_SUFFIXES = (".opml", ".opml.xml", ".xml")


async def _in_background(
    update: Update,
    context: BotContext,
    chat_id: int,
    work: Callable[[], Awaitable[None]],
    *,
    name: str,
) -> None:
    """Run ``work`` (fetching feeds) in the background runner the links use, apart from the
    update slots, so the chat's next messages are answered meanwhile; its own errors go to the
    error handler (the user is told)."""

    async def job() -> None:
        try:
            await work()
        except Exception as exc:
            await context.application.process_error(update, exc)

    try:
        context.bot_data.links.submit(chat_id, job, name=name)
    except RunnerBusy:
        await reply(update, BUSY)


async def _reply_lines(update: Update, messages: list[str]) -> None:
    for text in messages:
        await reply(update, text)


async def feeds(update: Update, context: BotContext) -> None:
    """/feeds, /feeds add URL, /feeds remove N|URL."""
    chat_id = await remember_chat(update, context)
    if chat_id is None:
        return
    news = context.bot_data.news
    limit = news.settings.max_chat_feeds
    args = list(context.args or ())
    action = args[0].lower() if args else ""
    rest = " ".join(args[1:])
    service = news.sources
    if action and await settings_target(update, context, channels=False) is None:
        return  # a group's sources are its administrators' (refused, and told so)
    if not action:
        listed = await service.feeds(chat_id)
        own = await service.own_sources(chat_id)
        await _reply_lines(update, render_feeds(listed, limit=limit, own=own))
        return
    if action == "add" and rest:

        async def add() -> None:
            try:
                async with typing(context, chat_id, where=update.effective_message, after=0.4):
                    added = await service.add(chat_id, rest)
            except SourceError as exc:
                reason = render.render_error(exc.reason)
                await reply(update, "I could not add that source: " + reason)
                return
            count = len(await service.feeds(chat_id))
            await reply(update, render_feed_added(added, count=count, limit=limit))

        await _in_background(update, context, chat_id, add, name="feed-add")
        return
    if action in ("remove", "rm", "delete") and rest:
        removed = await service.remove(chat_id, rest)
        await reply(update, render_feed_removed(removed, rest))
        return
    await reply(update, FEEDS_USAGE)


async def sources(update: Update, context: BotContext) -> None:
    """/sources mine|all: briefings and alerts from the chat's own feeds, or from all."""
    chat_id = await remember_chat(update, context)
    if chat_id is None:
        return
    service = context.bot_data.news.sources
    choice = (context.args or [""])[0].lower()
    if choice and await settings_target(update, context, channels=False) is None:
        return  # a group's sources are its administrators' (refused, and told so)
    if choice in ("mine", "own"):
        await service.set_own_sources(chat_id, True)
    elif choice == "all":
        await service.set_own_sources(chat_id, False)
    elif choice:
        await reply(update, "Send /sources mine (only your feeds) or /sources all.")
        return
    own = await service.own_sources(chat_id)
    await reply(update, render_sources_mode(own, len(await service.feeds(chat_id))))


async def export(update: Update, context: BotContext) -> None:
    """/export: the chat's feeds as an OPML document."""
    chat_id = await remember_chat(update, context)
    if chat_id is None:
        return
    service = context.bot_data.news.sources
    count = len(await service.feeds(chat_id))
    if not count:
        await reply(
            update,
            "You follow no sources yet, so there is nothing to export. "
            + ("Add one with /feeds add URL."),
        )
        return
    data = await service.export_opml(chat_id)
    await context.bot.send_document(
        chat_id,
        document=InputFile(data, filename=EXPORT_NAME, attach=True),
        caption=render_export_caption(count),
        **answer_place(update.effective_message),  # a forum topic's export stays in it
    )


def _looks_like_opml(name: str | None, mime: str | None) -> bool:
    name = (name or "").lower()
    return name.endswith(_OPML_SUFFIXES) or (mime or "").lower() in _OPML_TYPES


async def opml_document(update: Update, context: BotContext) -> None:
    """A document: an ``.opml`` file is imported; anything else gets a hint (private chats)."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    document = message.document
    private = message.chat.type == ChatType.PRIVATE
    if not _looks_like_opml(document.file_name, document.mime_type):
        if private:
            await reply(update, "Send an .opml file to import feeds; other files I do not read.")
        return
    if await settings_target(update, context, channels=False) is None:
        return  # a group's sources are its administrators' (refused, and told so)
    chat_id = await remember_chat(update, context)
    if chat_id is None:
        return
    news = context.bot_data.news
    service = news.sources
    try:
        service.check_size(document.file_size)
    except SourceError as exc:
        await reply(update, "I could not import that file: " + render.render_error(exc.reason))
        return

    async def import_file() -> None:
        try:
            async with typing(context, chat_id, where=update.effective_message, after=0.4):
                try:
                    file = await context.bot.get_file(document.file_id)
                    data = bytes(await file.download_as_bytearray())
                except TelegramError as exc:
                    logger.info("OPML download failed: %s", exc)
                    raise SourceError(
                        "I could not download the file; please send it again."
                    ) from None
                report = await service.import_opml(chat_id, data)
        except SourceError as exc:
            reason = render.render_error(exc.reason)
            await reply(update, "I could not import that file: " + reason)
            return
        count = len(await service.feeds(chat_id))
        limit = news.settings.max_chat_feeds
        await _reply_lines(update, render_import_report(report, count=count, limit=limit))

    await _in_background(update, context, chat_id, import_file, name="opml")
