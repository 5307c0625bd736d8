"""Briefings: ``/brief [topic]``, and plain text (a link is summarized, anything else is a
question answered with a briefing)."""

from __future__ import annotations

from telegram import Update

from bot import render
from bot.context import BotContext
from bot.handlers.common import (
    MAX_QUESTION_CHARS,
    TYPING_AFTER,
    answer_place,
    first_url,
    reply,
    reply_all,
    strip_mention,
    typing,
)
from bot.handlers.links import summarize
from bot.newsbot import send_html
from news.briefings import question_topic
from news.topics import MAX_TOPIC_CHARS, TopicError

__all__ = ["brief", "more_stories", "text_message"]


async def _briefing(update: Update, context: BotContext, topic: str | None) -> None:
    chat = update.effective_chat  # the store records the chat with the briefing
    if chat is None:
        return
    settings = context.bot_data.config
    where = update.effective_message
    async with typing(context, chat.id, where=where, after=TYPING_AFTER):
        try:
            result = await context.bot_data.news.briefings.brief(
                chat.id, topic, limit=settings.briefing_stories
            )
        except TopicError as exc:
            await reply(update, render.render_error(exc.reason))
            return
    await reply_all(update, render.render_briefing(result))


async def more_stories(update: Update, context: BotContext) -> None:
    """The "More stories" button: the chat's next stories it has not been shown, as a new
    message (the chat's briefing history says which; the button carries no ids)."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    await query.answer()
    settings = context.bot_data.config
    async with typing(context, chat.id, where=query.message, after=TYPING_AFTER):
        result = await context.bot_data.news.briefings.brief(
            chat.id, None, limit=settings.briefing_stories
        )
    for rendered in render.render_briefing(result):  # where the button is: its forum topic
        await send_html(
            context.bot,
            chat.id,
            rendered.text,
            reply_markup=rendered.keyboard,
            **answer_place(query.message),
        )


async def brief(update: Update, context: BotContext) -> None:
    """/brief [topic]: top stories since the last briefing, or the latest on a topic."""
    topic = " ".join(context.args or ())[:MAX_QUESTION_CHARS].strip() or None
    await _briefing(update, context, topic)


async def text_message(update: Update, context: BotContext) -> None:
    """Plain text: a link is summarized, anything else is a briefing question."""
    message = update.effective_message
    if message is None or not message.text:
        return
    url = first_url(message)
    if url is not None:
        await summarize(update, context, url)
        return
    text = strip_mention(message.text, context.bot.username)[:MAX_QUESTION_CHARS]
    topic = question_topic(text)  # None: "what's new?"
    if topic is not None and len(topic) > MAX_TOPIC_CHARS:  # a long question: its first words
        topic = topic[: MAX_TOPIC_CHARS + 1].rsplit(" ", 1)[0][:MAX_TOPIC_CHARS]
    await _briefing(update, context, topic)
