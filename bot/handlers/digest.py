"""``/digest HH:MM`` or ``/digest off``: one daily digest instead of instant alerts."""

from __future__ import annotations

import html
import re
from datetime import time

from telegram import Update

from bot import render
from bot.context import BotContext
from bot.handlers.common import remember_chat, reply
from bot.permissions import settings_target

__all__ = ["digest", "parse_digest_time"]

_DIGEST_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:.h]([0-5][0-9])")  # ASCII digits only


def parse_digest_time(text: str) -> time:
    """``HH:MM`` (also ``H:MM``, ``HH.MM``, ``HHhMM``) -> time; ValueError if it is not one."""
    match = _DIGEST_TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    return time(int(match.group(1)), int(match.group(2)))


async def digest(update: Update, context: BotContext) -> None:
    """/digest HH:MM or /digest off: one daily digest instead of instant alerts (in a group:
    its administrators; /digest @channel HH:MM)."""
    target = await settings_target(update, context)
    if target is None:
        return  # refused, and told so
    settings = context.bot_data.config
    arg = target.text.strip().lower()
    at: time | None
    if arg in ("off", "stop", "none", "instant"):
        at = None
    else:
        try:
            at = parse_digest_time(arg)
        except ValueError:
            await reply(
                update,
                "Send /digest HH:MM (24-hour time, "
                f"{html.escape(settings.timezone)}) for a daily digest, or /digest off.",
            )
            return
    chat_id = await remember_chat(update, context)
    if chat_id is None:
        return
    await context.bot_data.news.chats.set_digest(target.chat_id, at)
    await reply(update, render.render_digest_set(at, settings.timezone))
