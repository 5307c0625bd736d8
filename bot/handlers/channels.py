"""``/channel @name``: an administrator links a channel the bot can post to (issue 15).

Sent in a private chat with the bot. The bot checks, through Telegram, that the chat is a
channel, that the bot is one of its administrators allowed to post, and that the sender
administers it; then the channel's topics are managed from that private chat
(``/subscribe @name TOPIC``; see ``bot.permissions``). ``/channel`` lists the linked
channels, ``/channel remove @name`` unlinks one.
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import render_admin
from bot.context import BotContext
from bot.handlers.common import reply
from bot.permissions import is_chat_admin
from news.roles import LinkedChannel

__all__ = ["channel"]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")  # a public channel's @username


async def channel(update: Update, context: BotContext) -> None:
    """/channel, /channel @name, /channel remove @name."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if chat.type != ChatType.PRIVATE:
        await reply(update, "Send /channel @name to me in a private chat, not in a group.")
        return
    args = list(context.args or ())
    roles = context.bot_data.news.roles
    if not args:
        await reply(update, render_admin.render_channels(await roles.channels(user.id)))
        return
    if args[0].lower() in ("remove", "unlink", "off") and len(args) == 2:
        found = await roles.channel(user.id, args[1][:64])
        removed = found is not None and await roles.unlink_channel(found.id, user_id=user.id)
        await reply(update, render_admin.render_channel_unlinked(args[1][:64], removed))
        return
    name = args[0][:64]
    if len(args) != 1 or not _NAME.fullmatch(name):
        await reply(
            update, "Send /channel @name (the channel's public name), or /channel remove @name."
        )
        return
    problem = await _link(context, name, user.id)
    if isinstance(problem, str):
        await reply(update, render_admin.render_channel_refused(name, problem))
        return
    await reply(update, render_admin.render_channel_linked(problem))


async def _link(context: BotContext, name: str, user_id: int) -> LinkedChannel | str:
    """The linked channel, or why it cannot be linked."""
    bot = context.bot
    try:
        found = await bot.get_chat(name)
    except (BadRequest, Forbidden):
        return "there is no such channel, or I am not in it. Add me as an administrator first."
    except TelegramError as exc:
        logger.info("getChat %s failed: %s", name, exc)
        return "Telegram did not answer; try again in a minute."
    if found.type != ChatType.CHANNEL:
        return "that is not a channel."
    try:
        me = await bot.get_chat_member(found.id, bot.id)
    except TelegramError:
        return "I am not a member there. Add me as an administrator allowed to post."
    can_post = getattr(me, "can_post_messages", False)
    if me.status != ChatMemberStatus.ADMINISTRATOR or not can_post:
        return (
            "I am not an administrator allowed to post messages there. Give me that right "
            "in the channel's administrators, then send this again."
        )
    if not await is_chat_admin(context, found.id, user_id):
        return "only its administrators can link it."
    linked = LinkedChannel(found.id, found.title, found.username or name.lstrip("@"))
    await context.bot_data.news.roles.link_channel(
        linked.id, user_id=user_id, title=linked.title, username=linked.username
    )
    return linked
