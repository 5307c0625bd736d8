"""Thin update handlers: parse the update, call one news service, render, reply.

No SQL and no HTML here: services live in ``context.bot_data.news`` (``bot.context``), messages
come from ``bot.render``, keyboards from ``bot.keyboards``. Slow work (fetching a link,
summarizing) happens in the services, off the event loop, and updates of different chats run
concurrently (``bot.app.PerChatUpdateProcessor``), so one slow request does not hold other chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from collections.abc import AsyncIterator, Sequence
from datetime import time

from telegram import Chat, Message, MessageEntity, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import filters

from bot import render
from bot.context import BotContext
from bot.keyboards import parse_callback
from news.briefings import question_topic
from news.sources.extract import NotAnArticle
from news.sources.fetch import FetchError
from news.topics import MAX_TOPIC_CHARS, TopicError

__all__ = [
    "ADDRESSED_TEXT",
    "MAX_QUESTION_CHARS",
    "brief",
    "callback",
    "digest",
    "error_handler",
    "help_command",
    "link",
    "parse_digest_time",
    "start",
    "subscribe",
    "summary",
    "text_message",
    "topics",
    "typing",
    "unknown_command",
    "unsubscribe",
]

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 300  # a briefing query longer than this is cut (a 10,000-char paste)
TYPING_EVERY = 4.0  # Telegram shows "typing…" for about 5 s per chat action
TYPING_AFTER = 0.4  # briefings: most come from cached summaries at once, without "typing…"
_DIGEST_TIME = re.compile(r"([01]?\d|2[0-3])[:.h]([0-5]\d)")


# --- helpers (parsing and replying; no business logic) ------------------------------------


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


def _strip_mention(text: str, username: str | None) -> str:
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


def _first_url(message: Message) -> str | None:
    """The first link in a message: a bare URL or a text link."""
    entities = message.parse_entities([MessageEntity.URL, MessageEntity.TEXT_LINK])
    for entity, text in entities.items():
        url = (entity.url if entity.type == MessageEntity.TEXT_LINK else text) or ""
        if "://" not in url:
            url = "http://" + url
        if url.lower().startswith(("http://", "https://")):
            return url
    return None


def parse_digest_time(text: str) -> time:
    """``HH:MM`` (also ``H:MM``, ``HH.MM``, ``HHhMM``) -> time; ValueError if it is not one."""
    match = _DIGEST_TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    return time(int(match.group(1)), int(match.group(2)))


async def _reply(update: Update, rendered: render.Rendered | str) -> None:
    message = update.effective_message
    if message is None:
        return
    if isinstance(rendered, str):
        rendered = render.Rendered(rendered)
    # In groups the answer quotes its question, so people see what it answers.
    quote = None
    if message.chat.type != ChatType.PRIVATE:
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    await message.reply_html(
        rendered.text, reply_markup=rendered.keyboard, do_quote=False, reply_parameters=quote
    )


async def _reply_all(update: Update, messages: Sequence[render.Rendered]) -> None:
    for rendered in messages:
        await _reply(update, rendered)


async def _remember_chat(update: Update, context: BotContext) -> Chat | None:
    """Record the chat (kind, title) so subscriptions, digests and briefings can refer to it."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot_data.news.store.touch_chat(chat.id, kind=chat.type, title=chat.title)
    return chat


@contextlib.asynccontextmanager
async def typing(
    context: BotContext, chat_id: int, *, after: float = 0.0, every: float = TYPING_EVERY
) -> AsyncIterator[None]:
    """Show "typing…" in the chat while the body runs, re-sent every ``every`` seconds;
    ``after`` > 0: only once the body has run that long (a quick answer needs no indicator)."""

    async def keep_typing() -> None:
        await asyncio.sleep(after)
        while True:
            try:
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
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


# --- commands ------------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> None:
    """/start: greeting and help."""
    await _remember_chat(update, context)
    user = update.effective_user
    await _reply(
        update, render.render_start(user.first_name if user else None, context.bot.username)
    )


async def help_command(update: Update, context: BotContext) -> None:
    """/help: what the bot does."""
    await _reply(update, render.render_help(context.bot.username))


async def _briefing(update: Update, context: BotContext, topic: str | None) -> None:
    chat = update.effective_chat  # the store records the chat with the briefing
    if chat is None:
        return
    settings = context.bot_data.config
    async with typing(context, chat.id, after=TYPING_AFTER):
        try:
            result = await context.bot_data.news.briefings.brief(
                chat.id, topic, limit=settings.briefing_stories
            )
        except TopicError as exc:
            await _reply(update, render.render_error(exc.reason))
            return
    await _reply_all(update, render.render_briefing(result))


async def brief(update: Update, context: BotContext) -> None:
    """/brief [topic]: top stories since the last briefing, or the latest on a topic."""
    topic = " ".join(context.args or ())[:MAX_QUESTION_CHARS].strip() or None
    await _briefing(update, context, topic)


async def _summarize(update: Update, context: BotContext, url: str) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    async with typing(context, chat.id):
        try:
            result = await context.bot_data.news.briefings.summarize_link(url)
        except FetchError as exc:
            await _reply(
                update, "I could not summarize that link: " + render.render_error(exc.reason)
            )
            return
        except NotAnArticle as exc:
            await _reply(
                update,
                "That page does not look like an article: " + render.render_error(exc.reason),
            )
            return
    await _reply(update, render.render_link_summary(result))


async def summary(update: Update, context: BotContext) -> None:
    """/summary URL: fetch, extract, store and summarize one article."""
    message = update.effective_message
    url = _first_url(message) if message is not None else None
    if url is None and context.args:
        url = context.args[0]
    if url is None:
        await _reply(
            update, "Send /summary followed by a link, e.g. /summary https://example.com/a"
        )
        return
    await _summarize(update, context, url)


async def text_message(update: Update, context: BotContext) -> None:
    """Plain text: a link is summarized, anything else is a briefing question."""
    message = update.effective_message
    if message is None or not message.text:
        return
    url = _first_url(message)
    if url is not None:
        await _summarize(update, context, url)
        return
    text = _strip_mention(message.text, context.bot.username)[:MAX_QUESTION_CHARS]
    topic = question_topic(text)  # None: "what's new?"
    if topic is not None and len(topic) > MAX_TOPIC_CHARS:  # a long question: its first words
        topic = topic[: MAX_TOPIC_CHARS + 1].rsplit(" ", 1)[0][:MAX_TOPIC_CHARS]
    await _briefing(update, context, topic)


async def subscribe(update: Update, context: BotContext) -> None:
    """/subscribe TOPIC."""
    topic = " ".join(context.args or ())
    if not topic.strip():
        await _reply(update, "Send /subscribe followed by a topic, e.g. /subscribe climate policy")
        return
    chat = await _remember_chat(update, context)
    if chat is None:
        return
    try:
        result = await context.bot_data.news.topics.subscribe(chat.id, topic)
    except TopicError as exc:
        await _reply(update, render.render_error(exc.reason))
        return
    shown = result.subscription.topic if result.subscription is not None else topic
    limit = context.bot_data.config.max_subscriptions
    await _reply(update, render.render_subscribe(shown, result, limit=limit))


async def unsubscribe(update: Update, context: BotContext) -> None:
    """/unsubscribe TOPIC."""
    topic = " ".join(context.args or ())
    chat = update.effective_chat
    if not topic.strip() or chat is None:
        await _reply(update, "Send /unsubscribe followed by one of your /topics.")
        return
    try:
        removed = await context.bot_data.news.topics.unsubscribe(chat.id, topic)
    except TopicError as exc:
        await _reply(update, render.render_error(exc.reason))
        return
    await _reply(update, render.render_unsubscribe(topic, removed))


async def _topics_message(context: BotContext, chat_id: int) -> render.Rendered:
    news = context.bot_data.news
    settings = context.bot_data.config
    subscriptions = await news.topics.list(chat_id)
    chat = await news.store.get_chat(chat_id) if subscriptions else None
    return render.render_topics(
        subscriptions,
        limit=settings.max_subscriptions,
        digest_at=chat.digest_time if chat is not None else None,
        timezone=settings.timezone,
    )


async def topics(update: Update, context: BotContext) -> None:
    """/topics: the chat's topics, each with an unsubscribe button."""
    chat = update.effective_chat
    if chat is not None:
        await _reply(update, await _topics_message(context, chat.id))


async def digest(update: Update, context: BotContext) -> None:
    """/digest HH:MM or /digest off: one daily digest instead of instant alerts."""
    settings = context.bot_data.config
    arg = " ".join(context.args or ()).strip().lower()
    at: time | None
    if arg in ("off", "stop", "none", "instant"):
        at = None
    else:
        try:
            at = parse_digest_time(arg)
        except ValueError:
            await _reply(
                update,
                "Send /digest HH:MM (24-hour time, "
                f"{html.escape(settings.timezone)}) for a daily digest, or /digest off.",
            )
            return
    chat = await _remember_chat(update, context)
    if chat is None:
        return
    await context.bot_data.news.store.set_digest(chat.id, at)
    await _reply(update, render.render_digest_set(at, settings.timezone))


async def link(update: Update, context: BotContext) -> None:
    """/link ID: the story's canonical URL and its other sources."""
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 18:
        await _reply(update, "Send /link followed by a story number, e.g. /link 12")
        return
    story = await context.bot_data.news.store.get_story(int(args[0]))
    if story is None:
        await _reply(update, f"No story number {int(args[0])} is known.")
        return
    await _reply(update, render.render_story_links(story))


async def callback(update: Update, context: BotContext) -> None:
    """Inline buttons: "Full article" and "Unsubscribe". Stale or forged data is answered, not
    trusted: ids are looked up again and scoped to the pressing chat."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None:
        return
    action = parse_callback(query.data)
    if action is None or chat is None:
        await query.answer("This button is no longer valid.", show_alert=False)
        return
    news = context.bot_data.news
    if action.action == "full":
        story = await news.store.get_story(action.id)
        if story is None:
            await query.answer("That story is no longer available.")
            return
        await query.answer()
        await context.bot.send_message(chat.id, render.render_story_links(story))
        return
    removed = await news.topics.unsubscribe(chat.id, action.id)
    await query.answer("Unsubscribed." if removed else "That topic was already removed.")
    if query.message is not None:
        refreshed = await _topics_message(context, chat.id)
        with contextlib.suppress(BadRequest):  # "message is not modified", or too old to edit
            await query.edit_message_text(refreshed.text, reply_markup=refreshed.keyboard)


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
    await _reply(
        update,
        f"I don't know {html.escape(command[:64])}. Send /help to see what I can do.",
    )


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
        await context.bot_data.news.store.deactivate_chat(chat.id)
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
        elif chat is not None:
            await context.bot.send_message(chat.id, SORRY)
