"""Topic alerts: ``/subscribe TOPIC``, ``/unsubscribe TOPIC`` and ``/topics``."""

from __future__ import annotations

from telegram import Update

from bot import render
from bot.context import BotContext
from bot.handlers.common import remember_chat, reply
from news.topics import TopicError

__all__ = ["subscribe", "topics", "topics_message", "unsubscribe"]


async def subscribe(update: Update, context: BotContext) -> None:
    """/subscribe TOPIC."""
    topic = " ".join(context.args or ())
    if not topic.strip():
        await reply(update, "Send /subscribe followed by a topic, e.g. /subscribe climate policy")
        return
    chat_id = await remember_chat(update, context)
    if chat_id is None:
        return
    try:
        result = await context.bot_data.news.topics.subscribe(chat_id, topic)
    except TopicError as exc:
        await reply(update, render.render_error(exc.reason))
        return
    shown = result.subscription.topic if result.subscription is not None else topic
    limit = context.bot_data.config.max_subscriptions
    await reply(update, render.render_subscribe(shown, result, limit=limit))


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/unsubscribe TOPIC."""
    topic = " ".join(context.args or ())
    chat = update.effective_chat
    if not topic.strip() or chat is None:
        await reply(update, "Send /unsubscribe followed by one of your /topics.")
        return
    try:
        removed = await context.bot_data.news.topics.unsubscribe(chat.id, topic)
    except TopicError as exc:
        await reply(update, render.render_error(exc.reason))
        return
    await reply(update, render.render_unsubscribe(topic, removed))


async def topics_message(context: BotContext, chat_id: int) -> render.Rendered:
    """The chat's topics (each with an unsubscribe button) and its digest time."""
    settings = context.bot_data.config
    found = await context.bot_data.news.chats.topics(chat_id)
    return render.render_topics(
        found.subscriptions,
        limit=settings.max_subscriptions,
        digest_at=found.digest_at,
        timezone=settings.timezone,
    )


async def topics(update: Update, context: BotContext) -> None:
    """/topics: the chat's topics, each with an unsubscribe button."""
    chat = update.effective_chat
    if chat is not None:
        await reply(update, await topics_message(context, chat.id))
