"""Topic alerts: ``/subscribe TOPIC``, ``/unsubscribe TOPIC`` and ``/topics``."""

from __future__ import annotations

from telegram import Update

from bot import render, render_admin
from bot.context import BotContext
from bot.handlers.common import remember_chat, reply
from bot.permissions import settings_target
from news.topics import TopicError

__all__ = ["subscribe", "topics", "topics_message", "unsubscribe"]


async def subscribe(update: Update, context: BotContext) -> None:
    """/subscribe TOPIC (in a group: its administrators; /subscribe @channel TOPIC)."""
    target = await settings_target(update, context)
    if target is None:
        return  # refused, and told so
    topic = target.text
    if not topic.strip():
        await reply(update, "Send /subscribe followed by a topic, e.g. /subscribe climate policy")
        return
    chat_id = await remember_chat(update, context)
    if chat_id is None:
        return
    try:
        result = await context.bot_data.news.topics.subscribe(
            target.chat_id, topic, thread_id=target.thread_id
        )
    except TopicError as exc:
        await reply(update, render.render_error(exc.reason))
        return
    shown = result.subscription.topic if result.subscription is not None else topic
    limit = context.bot_data.config.max_subscriptions
    await reply(update, render.render_subscribe(shown, result, limit=limit))


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/unsubscribe TOPIC (in a group: its administrators; /unsubscribe @channel TOPIC)."""
    target = await settings_target(update, context)
    if target is None:
        return  # refused, and told so
    topic = target.text
    if not topic.strip():
        await reply(update, "Send /unsubscribe followed by one of your /topics.")
        return
    try:
        removed = await context.bot_data.news.topics.unsubscribe(target.chat_id, topic)
    except TopicError as exc:
        await reply(update, render.render_error(exc.reason))
        return
    await reply(update, render.render_unsubscribe(topic, removed))


async def topics_message(
    context: BotContext, chat_id: int, *, here: int | None = None, buttons: bool = True
) -> render.Rendered:
    """The chat's topics (each with an unsubscribe button) and its digest time; in a forum
    (``here``: the forum topic asked from) grouped per forum topic."""
    settings = context.bot_data.config
    found = await context.bot_data.news.chats.topics(chat_id)
    if here is not None or any(sub.thread_id for sub in found.subscriptions) or not buttons:
        return render_admin.render_topics_by_thread(
            found.subscriptions,
            limit=settings.max_subscriptions,
            here=here or 0,
            digest_at=found.digest_at,
            timezone=settings.timezone,
            keyboard=buttons,
        )
    return render.render_topics(
        found.subscriptions,
        limit=settings.max_subscriptions,
        digest_at=found.digest_at,
        timezone=settings.timezone,
    )


async def topics(update: Update, context: BotContext) -> None:
    """/topics: the chat's topics, each with an unsubscribe button (/topics @channel)."""
    chat = update.effective_chat
    if chat is None:
        return
    if context.args and chat.type == "private":  # /topics @channel
        target = await settings_target(update, context)
        if target is not None:
            await reply(update, await topics_message(context, target.chat_id, buttons=False))
        return
    message = update.effective_message
    here = (message.message_thread_id or 0) if chat.is_forum and message else None
    await reply(update, await topics_message(context, chat.id, here=here))
