"""The bot's Bot API client: python-telegram-bot's ``ExtBot``, plus replies sent without parsing
the message Telegram sends back.

``sendMessage`` answers with the whole message it made: for a briefing, its text, a dozen
entities (every source link) and the keyboard. ``Bot.send_message`` turns all of that into
``Message``, ``MessageEntity`` and ``InlineKeyboardButton`` objects, about 0.4 ms of CPU a reply
(a tenth of a briefing's cost) for objects no handler reads. ``send_html`` sends the same
request through the same layers (defaults, the rate limiter, the transport, PTB's error
handling: a 429 still raises ``RetryAfter``) and keeps only the message id.
"""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from telegram import Bot, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.ext import ExtBot

__all__ = ["NewsBot", "SendOptions", "send_html"]


class SendOptions(TypedDict, total=False):
    """What a reply may carry besides its text (in a forum topic: ``message_thread_id``)."""

    reply_markup: InlineKeyboardMarkup | None
    reply_parameters: ReplyParameters | None
    message_thread_id: int | None
    business_connection_id: str | None


class NewsBot(ExtBot[Any]):
    """``ExtBot`` with :meth:`send_html`."""

    __slots__ = ()

    async def send_html(self, chat_id: int, text: str, **options: Unpack[SendOptions]) -> int:
        """Send ``text`` (HTML) to the chat; the new message's id."""
        data: dict[str, object] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML,
            **options,
        }
        defaults = self.defaults
        if defaults is not None:
            data["link_preview_options"] = defaults.link_preview_options
            data["disable_notification"] = defaults.disable_notification
            data["protect_content"] = defaults.protect_content
        result = await self._post("sendMessage", data)
        return int(result["message_id"])


async def send_html(bot: Bot, chat_id: int, text: str, **options: Unpack[SendOptions]) -> int:
    """Send ``text`` (HTML) with ``bot``: unparsed through a :class:`NewsBot`, else through
    ``send_message``; the new message's id."""
    if isinstance(bot, NewsBot):
        return await bot.send_html(chat_id, text, **options)
    sent = await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, **options)
    return sent.message_id
