"""Who may change a chat's settings (issue 15), one guard for every settings handler.

- Private chat: its user.
- Group or supergroup: only its administrators (``getChatMember``: creator or administrator;
  an anonymous administrator writes as the group itself). Anyone may still /brief. A refusal
  is a polite reply, once per command.
- A channel, from the administrator's private chat: ``/subscribe @name TOPIC`` and the like act
  on a channel the user linked with ``/channel @name`` and still administers.
- Forum supergroups: a command sent inside a topic acts on that topic (``thread_id``).

Answers from Telegram are cached for ``settings.admin_check_ttl`` seconds (bounded, least
recently used forgotten first), so a busy group costs one ``getChatMember`` per user a minute.

Handlers call it in one line::

    target = await settings_target(update, context)
    if target is None:
        return  # refused, and told so
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from time import monotonic

from telegram import ReplyParameters, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot import render_admin
from bot.context import BotContext
from news.roles import LinkedChannel

__all__ = [
    "ADMIN_CACHE_MAX",
    "AdminCache",
    "Target",
    "forget_chat",
    "is_chat_admin",
    "may_manage",
    "settings_target",
]

logger = logging.getLogger(__name__)

ADMIN_CACHE_MAX = 20_000  # (chat, user) answers kept
_ADMINS = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
_GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


class AdminCache:
    """(chat, user) -> administrator or not, trusted for ``ttl`` seconds, at most ``size``."""

    def __init__(
        self,
        ttl: float = 60.0,
        size: int = ADMIN_CACHE_MAX,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._answers: OrderedDict[tuple[int, int], tuple[bool, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, chat_id: int, user_id: int) -> bool | None:
        found = self._answers.get((chat_id, user_id))
        if found is None:
            return None
        if self._clock() - found[1] >= self.ttl:
            del self._answers[(chat_id, user_id)]
            return None
        self._answers.move_to_end((chat_id, user_id))
        return found[0]

    def put(self, chat_id: int, user_id: int, admin: bool) -> None:
        if self.ttl <= 0:
            return
        self._answers[(chat_id, user_id)] = (admin, self._clock())
        self._answers.move_to_end((chat_id, user_id))
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)

    def forget_chat(self, chat_id: int) -> None:
        for key in [key for key in self._answers if key[0] == chat_id]:
            del self._answers[key]


def _cache(context: BotContext) -> AdminCache:
    data = context.bot_data
    cache = data.extras.get("admin_cache")
    if not isinstance(cache, AdminCache):
        ttl = data.settings.admin_check_ttl if data.settings is not None else 60.0
        cache = data.extras["admin_cache"] = AdminCache(ttl)
    return cache


def forget_chat(context: BotContext, chat_id: int) -> None:
    """Drop what is cached about ``chat_id`` (it moved to a new id)."""
    _cache(context).forget_chat(chat_id)


async def is_chat_admin(context: BotContext, chat_id: int, user_id: int) -> bool:
    """Whether ``user_id`` administers ``chat_id`` (Telegram asked at most once a TTL; an
    error asking counts as no, and is not remembered)."""
    cache = _cache(context)
    known = cache.get(chat_id, user_id)
    if known is not None:
        return known
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        logger.info("getChatMember %s/%s failed: %s", chat_id, user_id, exc)
        return False
    admin = member.status in _ADMINS
    cache.put(chat_id, user_id, admin)
    return admin


async def may_manage(update: Update, context: BotContext) -> bool:
    """Whether the sender may change this chat's settings (private: yes; group: an
    administrator). No reply: see ``settings_target``."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    if chat.type not in _GROUPS:
        return False
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous administrator
    user = update.effective_user
    return user is not None and await is_chat_admin(context, chat.id, user.id)


@dataclass(frozen=True, slots=True)
class Target:
    """The chat (and forum topic) a settings command acts on, and its remaining words."""

    chat_id: int
    thread_id: int = 0  # forum topic (0: none)
    args: Sequence[str] = field(default_factory=tuple)
    channel: LinkedChannel | None = None  # set when acting on a linked channel

    @property
    def text(self) -> str:
        return " ".join(self.args)


async def reply(update: Update, text: str) -> None:
    """Answer the command (quoting it in groups, as ``bot.handlers.common.reply`` does; the
    handlers import this module, so it does not import theirs)."""
    message = update.effective_message
    if message is None:
        return
    quote = None
    if message.chat.type != ChatType.PRIVATE:
        quote = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    await message.reply_html(text, do_quote=False, reply_parameters=quote)


def _thread_of(update: Update) -> int:
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return 0
    return message.message_thread_id or 0


def _names_channel(word: str) -> bool:
    return word.startswith("@") and len(word) > 1


async def settings_target(
    update: Update, context: BotContext, *, channels: bool = True
) -> Target | None:
    """The chat whose settings this command changes, or None after a polite refusal.

    ``channels``: in a private chat, a first word ``@name`` names a linked channel (the
    sender must still administer it)."""
    chat = update.effective_chat
    if chat is None:
        return None
    args = tuple(context.args or ())
    if chat.type == ChatType.PRIVATE:
        if not (channels and args and _names_channel(args[0])):
            return Target(chat.id, 0, args)
        return await _channel_target(update, context, args[0], args[1:])
    if await may_manage(update, context):
        return Target(chat.id, _thread_of(update), args)
    await reply(update, render_admin.render_not_admin())
    return None


async def _channel_target(
    update: Update, context: BotContext, name: str, rest: Sequence[str]
) -> Target | None:
    user = update.effective_user
    if user is None:
        return None
    channel = await context.bot_data.news.roles.channel(user.id, name[:64])
    if channel is None:
        await reply(update, render_admin.render_channel_not_linked(name[:64]))
        return None
    if not await is_chat_admin(context, channel.id, user.id):
        await reply(update, render_admin.render_not_channel_admin(channel))
        return None
    return Target(channel.id, 0, tuple(rest), channel)
