"""What the handlers share: which messages are addressed to the bot, the link in a message,
replying (quoting the question in groups), recording the chat, and "typing…" while working.
Parsing and replying only; no business logic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from typing import TypedDict

from telegram import Message, MessageEntity, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import filters

from bot import render
from bot.context import BotContext
from bot.newsbot import send_html

__all__ = [
    "ADDRESSED_TEXT",
    "MAX_QUESTION_CHARS",
    "TYPING_AFTER",
    "AnswerPlace",
    "answer_place",
    "first_url",
    "parse_id",
    "remember_chat",
    "reply",
    "reply_all",
    "strip_mention",
    "typing",
]

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 300  # a briefing query longer than this is cut (a 10,000-char paste)
TYPING_EVERY = 4.0  # Telegram shows "typing…" for about 5 s per chat action
TYPING_AFTER = 0.4  # briefings: most come from cached summaries at once, without "typing…"


class _AddressedToBot(filters.MessageFilter):
    """Private chats: every message. Groups: only messages that mention the bot or reply to it."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
            return True
        return _mentions(message, bot.username)


ADDRESSED_TEXT = filters.TEXT & ~filters.COMMAND & _AddressedToBot(name="addressed_to_bot")


def _mentions(message: Message, username: str | None) -> bool:
    if not username:
        return False
    wanted = "@" + username.lower()
    return any(
        text.lower() == wanted for text in message.parse_entities([MessageEntity.MENTION]).values()
    )


def strip_mention(text: str, username: str | None) -> str:
    """``text`` without ``@username`` mentions, whitespace collapsed."""
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() also accepts "²"


def parse_id(text: str) -> int | None:
    """A number the user typed (a story id), or None when it is not plain ASCII digits."""
    text = text.strip()
    return int(text) if _ID.fullmatch(text) else None


def first_url(message: Message) -> str | None:
    """The first link in a message: a bare URL or a text link."""
    entities = message.parse_entities([MessageEntity.URL, MessageEntity.TEXT_LINK])
    for entity, text in entities.items():
        url = (entity.url if entity.type == MessageEntity.TEXT_LINK else text) or ""
        if "://" not in url:
            url = "http://" + url
        if url.lower().startswith(("http://", "https://")):
            return url
    return None


class AnswerPlace(TypedDict):
    """Where in its chat an answer goes (send options)."""

    message_thread_id: int | None
    business_connection_id: str | None


def answer_place(message: object) -> AnswerPlace:
    """Where an answer to ``message`` goes besides its chat (a button's message, a command):
    its forum topic and its business connection; neither for a message Telegram no longer
    shows the bot (``InaccessibleMessage``) or none."""
    if not isinstance(message, Message):
        return {"message_thread_id": None, "business_connection_id": None}
    return {
        "message_thread_id": message.message_thread_id if message.is_topic_message else None,
        "business_connection_id": message.business_connection_id,
    }


async def reply(update: Update, rendered: render.Rendered | str) -> None:
    """Answer the update's message with HTML (and its keyboard)."""
    message = update.effective_message
    if message is None:
        return
    if isinstance(rendered, str):
        rendered = render.Rendered(rendered)
    # In groups the answer quotes its question, so people see what it answers.
    quote = None
    if message.chat.type != ChatType.PRIVATE:
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    # The message Telegram sends back is not parsed (nothing reads it; bot.newsbot).
    await send_html(
        message.get_bot(),
        message.chat_id,
        rendered.text,
        reply_markup=rendered.keyboard,
        reply_parameters=quote,
        **answer_place(message),  # in a forum topic, the topic it was asked in
    )


async def reply_all(update: Update, messages: Sequence[render.Rendered]) -> None:
    """Answer with several messages, in order."""
    for rendered in messages:
        await reply(update, rendered)


async def remember_chat(update: Update, context: BotContext) -> int | None:
    """Record the chat (kind, title) so subscriptions, digests and briefings can refer to it;
    its id, or None for an update without a chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    await context.bot_data.news.chats.touch(chat.id, kind=chat.type, title=chat.title)
    return chat.id


@contextlib.asynccontextmanager
async def typing(
    context: BotContext,
    chat_id: int,
    *,
    where: object = None,
    after: float = 0.0,
    every: float = TYPING_EVERY,
) -> AsyncIterator[None]:
    """Show "typing…" in the chat while the body runs, re-sent every ``every`` seconds;
    ``where``: the message being answered (in a forum topic, "typing…" shows in that topic);
    ``after`` > 0: only once the body has run that long (a quick answer needs no indicator)."""
    place = answer_place(where)

    async def keep_typing() -> None:
        await asyncio.sleep(after)
        while True:
            try:
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING, **place)
            except TelegramError as exc:  # cosmetic: never fail the request for it
                logger.debug("chat action failed: %s", exc)
            await asyncio.sleep(every)

    task = asyncio.create_task(keep_typing(), name=f"typing:{chat_id}")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
