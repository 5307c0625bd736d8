"""``/quiet HH:MM-HH:MM|off``, ``/timezone Area/City`` and ``/updates on|off`` (issue 16; in a
group: its administrators)."""

from __future__ import annotations

import html

from telegram import Update

from bot import render_updates
from bot.context import BotContext
from bot.handlers.common import remember_chat, reply
from bot.permissions import settings_target
from news.quiet import parse_quiet

__all__ = ["quiet", "timezone_command", "updates_command"]

_OFF = frozenset({"off", "stop", "none", "no"})
_ON = frozenset({"on", "yes", "start"})


async def quiet(update: Update, context: BotContext) -> None:
    """/quiet 22:00-07:00 (the chat's time zone) or /quiet off."""
    target = await settings_target(update, context)
    if target is None:
        return
    service = context.bot_data.news.quiet
    arg = target.text.strip().lower()
    zone = await service.zone_name(target.chat_id)
    if arg in _OFF:
        start = end = None
    else:
        try:
            start, end = parse_quiet(arg)
        except ValueError:
            await reply(
                update,
                "Send /quiet HH:MM-HH:MM, e.g. /quiet 22:00-07:00 (24-hour time, "
                f"{html.escape(zone)}), or /quiet off.",
            )
            return
    if await remember_chat(update, context) is None:
        return
    await service.set_quiet(target.chat_id, start, end)
    await reply(update, render_updates.render_quiet_set(start, end, zone))


async def timezone_command(update: Update, context: BotContext) -> None:
    """/timezone Europe/Berlin: the zone quiet hours follow."""
    target = await settings_target(update, context)
    if target is None:
        return
    service = context.bot_data.news.quiet
    arg = target.text.strip()
    if not arg:
        zone = await service.zone_name(target.chat_id)
        await reply(
            update,
            f"Your time zone is {html.escape(zone)}. Change it with /timezone Area/City, "
            "e.g. /timezone Europe/Berlin.",
        )
        return
    if await remember_chat(update, context) is None:
        return
    try:
        name = await service.set_timezone(target.chat_id, arg)
    except ValueError:
        await reply(
            update,
            "I don't know that time zone. Use an IANA name such as Europe/Berlin, "
            "America/New_York or UTC.",
        )
        return
    await reply(update, render_updates.render_timezone_set(name))


async def updates_command(update: Update, context: BotContext) -> None:
    """/updates on|off: story updates (new facts of a story already sent)."""
    target = await settings_target(update, context)
    if target is None:
        return
    service = context.bot_data.news.updates
    arg = target.text.strip().lower()
    if arg not in _ON | _OFF:
        on = await service.updates_on(target.chat_id)
        await reply(
            update,
            f"Story updates are {'on' if on else 'off'}. Send /updates on or /updates off.",
        )
        return
    if await remember_chat(update, context) is None:
        return
    on = arg in _ON
    await service.set_updates(target.chat_id, on)
    await reply(update, render_updates.render_updates_set(on))
