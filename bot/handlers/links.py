"""Links: ``/summary URL`` (and a link sent as plain text) summarizes an article;
``/link ID`` shows a story's canonical URL and its other sources.

A link is read by the background runner (``bot.background``, limits in the settings
``link_*``), not in the update's own slot: the chat sees "typing…" and then the answer, and
its other messages, and every other chat's, are answered meanwhile."""

from __future__ import annotations

import asyncio
import functools
import logging

from telegram import Update

from bot import render
from bot.background import RunnerBusy
from bot.context import BotContext
from bot.handlers.common import first_url, parse_id, reply, typing
from news.sources.extract import NotAnArticle
from news.sources.fetch import FetchError

__all__ = ["BUSY", "CHAT_BUSY", "TOO_SLOW", "link", "summarize", "summary"]

logger = logging.getLogger(__name__)

BUSY = "I am reading a lot of links right now. Please send yours again in a minute."
CHAT_BUSY = (
    "I am still reading your earlier links; I will answer those first. "
    "Send this one again in a minute."
)
TOO_SLOW = "I could not summarize that link: the page took too long to read."


async def summarize(update: Update, context: BotContext, url: str) -> None:
    """Hand ``url`` to the background link runner and return at once (the update's slot is
    free for other requests); the answer, or a refusal when too many links are pending."""
    chat = update.effective_chat
    if chat is None:
        return
    job = functools.partial(_summarize_in_background, update, context, url)
    try:
        context.bot_data.links.submit(chat.id, job, name="link")
    except RunnerBusy as exc:
        await reply(update, CHAT_BUSY if exc.chat else BUSY)


async def _summarize_in_background(update: Update, context: BotContext, url: str) -> None:
    """The link job: its own errors go to the error handler (the user is told)."""
    try:
        await _summarize_now(update, context, url)
    except Exception as exc:
        await context.application.process_error(update, exc)


async def _summarize_now(update: Update, context: BotContext, url: str) -> None:
    """Summarize ``url`` into the chat, "typing…" meanwhile; failures answered with reasons."""
    chat = update.effective_chat
    assert chat is not None  # checked by summarize
    timeout = context.bot_data.config.link_timeout
    async with typing(context, chat.id, where=update.effective_message):
        try:
            async with asyncio.timeout(timeout):
                result = await context.bot_data.news.briefings.summarize_link(url)
        except FetchError as exc:
            await reply(
                update, "I could not summarize that link: " + render.render_error(exc.reason)
            )
            return
        except NotAnArticle as exc:
            await reply(
                update,
                "That page does not look like an article: " + render.render_error(exc.reason),
            )
            return
        except TimeoutError:
            logger.info("link in chat %s took over %.0f s", chat.id, timeout)
            await reply(update, TOO_SLOW)
            return
    await reply(update, render.render_link_summary(result))


async def summary(update: Update, context: BotContext) -> None:
    """/summary URL: fetch, extract, store and summarize one article."""
    message = update.effective_message
    url = first_url(message) if message is not None else None
    if url is None and context.args:
        url = context.args[0]
    if url is None:
        await reply(
            update, "Send /summary followed by a link, e.g. /summary https://example.com/a"
        )
        return
    await summarize(update, context, url)


async def link(update: Update, context: BotContext) -> None:
    """/link ID: the story's canonical URL and its other sources."""
    args = context.args or []
    story_id = parse_id(args[0]) if len(args) == 1 else None
    if story_id is None:
        await reply(update, "Send /link followed by a story number, e.g. /link 12")
        return
    story = await context.bot_data.news.briefings.story(story_id)
    if story is None:
        await reply(update, f"No story number {story_id} is known.")
        return
    differences = await context.bot_data.news.updates.disagreements(story.id)
    await reply(update, render.render_story_links(story, differences))
