"""``/start``, ``/help`` and commands the bot does not know."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ChatType

from bot import render, render_admin
from bot.context import BotContext
from bot.handlers.common import remember_chat, reply

__all__ = ["help_command", "start", "unknown_command"]


async def start(update: Update, context: BotContext) -> None:
    """/start: greeting and help."""
    await remember_chat(update, context)
    user = update.effective_user
    await reply(
        update, render.render_start(user.first_name if user else None, context.bot.username)
    )


async def help_command(update: Update, context: BotContext) -> None:
    """/help: what the bot does."""
    text = render.render_help(context.bot.username)
    await reply(update, f"{text}\n\n{render_admin.help_section()}")


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not know (in groups: only one addressed to this bot)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0]
    if message.chat.type != ChatType.PRIVATE:
        username = context.bot.username or ""
        if not command.lower().endswith("@" + username.lower()):
            return  # another bot's command, or an unaddressed one
    await reply(
        update,
        f"I don't know {html.escape(command[:64])}. Send /help to see what I can do.",
    )
