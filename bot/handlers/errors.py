"""The one error handler: log (the log filter redacts secrets) and apologize to the user."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.context import BotContext
from bot.handlers.common import answer_place

__all__ = ["SORRY", "error_handler"]

logger = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


async def error_handler(update: object, context: BotContext) -> None:
    """The one error handler: log (the log filter redacts secrets) and apologize to the user.

    A user who blocked the bot (403) gets nothing; their chat is deactivated instead.
    """
    if not isinstance(update, Update):
        logger.error("error in a background job", exc_info=context.error)
        return
    chat = update.effective_chat
    if isinstance(context.error, Forbidden) and chat is not None:
        logger.info("chat %s blocked the bot; deactivating it", chat.id)
        await context.bot_data.news.chats.deactivate(chat.id)
        return
    error = context.error
    if isinstance(error, RetryAfter | NetworkError) and not isinstance(error, BadRequest):
        # Telegram itself is failing (5xx, flood, dropped connection): no traceback needed.
        logger.warning("Telegram error while answering: %s", error)
    else:
        logger.error("error while handling an update", exc_info=error)
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer(SORRY[:200])
        elif chat is not None:  # in the forum topic it was asked in
            await context.bot.send_message(
                chat.id, SORRY, **answer_place(update.effective_message)
            )
