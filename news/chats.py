"""Chats and their digest settings: what the bot's handlers ask of the store about a chat.

The handlers never call the store; they record the chat they answer, switch its daily digest,
show its topics with the digest time, and deactivate it when the user blocked the bot, all here.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

from news.models import Subscription

if TYPE_CHECKING:
    from news.store import Store

__all__ = ["ChatService", "ChatTopics"]


@dataclass(frozen=True, slots=True)
class ChatTopics:
    """A chat's subscriptions, and its daily digest time (None: instant alerts)."""

    subscriptions: builtins.list[Subscription]
    digest_at: time | None


class ChatService:
    """The chats the bot talks to: recorded on contact, digest on or off, deactivated on 403."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def touch(self, chat_id: int, *, kind: str, title: str | None) -> None:
        """Record the chat (kind, title) so subscriptions, digests and briefings can refer to
        it; a chat that writes to us is active again."""
        await self.store.touch_chat(chat_id, kind=kind, title=title)

    async def set_digest(self, chat_id: int, at: time | None) -> None:
        """A daily digest at ``at`` (the settings' time zone), or None for instant alerts."""
        await self.store.set_digest(chat_id, at)

    async def topics(self, chat_id: int) -> ChatTopics:
        """The chat's subscriptions and, when it has any, its digest time."""
        subscriptions = await self.store.list_subscriptions(chat_id)
        chat = await self.store.get_chat(chat_id) if subscriptions else None
        return ChatTopics(subscriptions, chat.digest_time if chat is not None else None)

    async def deactivate(self, chat_id: int) -> None:
        """The user blocked the bot: the chat and its subscriptions off, pending alerts
        dropped."""
        await self.store.deactivate_chat(chat_id)
