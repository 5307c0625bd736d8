"""Links: ``/summary URL`` (and a link sent as plain text) summarizes an article;
``/link ID`` shows a story's canonical URL and its other sources."""

from __future__ import annotations

from telegram import Update

from bot import render
from bot.context import BotContext
from bot.handlers.common import first_url, reply, typing
from news.sources.extract import NotAnArticle
from news.sources.fetch import FetchError

__all__ = ["link", "summarize", "summary"]


async def summarize(update: Update, context: BotContext, url: str) -> None:
    """Summarize ``url`` into the chat, "typing…" meanwhile; failures answered with reasons."""
    chat = update.effective_chat
    if chat is None:
        return
    async with typing(context, chat.id):
        try:
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
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 18:
        await reply(update, "Send /link followed by a story number, e.g. /link 12")
        return
    story = await context.bot_data.news.briefings.story(int(args[0]))
    if story is None:
        await reply(update, f"No story number {int(args[0])} is known.")
        return
    await reply(update, render.render_story_links(story))
