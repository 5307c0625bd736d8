"""Operators and chat lifecycle (issue 15): ``/stats`` for the ids in NEWSBRIEF_ADMIN_IDS, and
a group's move to a supergroup (``migrate_to_chat_id`` / ``migrate_from_chat_id``)."""

from __future__ import annotations

from telegram import Update

from bot import render_admin
from bot.context import BotContext
from bot.handlers.common import reply
from bot.permissions import forget_chat

__all__ = ["migrated", "stats"]


async def stats(update: Update, context: BotContext) -> None:
    """/stats: chats, subscriptions, feeds and their errors, the outbox, today's alerts."""
    user = update.effective_user
    settings = context.bot_data.config
    if user is None or user.id not in settings.admin_ids:
        await reply(update, render_admin.render_not_operator())
        return
    figures = await context.bot_data.news.roles.stats()
    await reply(update, render_admin.render_stats(figures))


async def migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its settings, topics and alerts move to the new id. Both
    of Telegram's messages (in the old chat and in the new one) lead here; the second finds
    nothing left to move."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    forget_chat(context, old)
    await context.bot_data.news.roles.migrate(old, new)
