"""Groups, channels and forum topics (issue 15), as the bot's handlers ask for them: the channels
an administrator linked, a group's move to a supergroup, and the operators' figures. Who may
change what is the bot's business (``bot.permissions``, which asks Telegram); this records it."""

from __future__ import annotations

import builtins
import logging
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from news.store.roles import LinkedChannel
from news.store.stats import StoreStats

if TYPE_CHECKING:
    from news.store import Store

__all__ = ["LinkedChannel", "RoleService", "StoreStats", "start_of_day"]

logger = logging.getLogger(__name__)


def start_of_day(now: datetime | None = None) -> datetime:
    """Midnight UTC of ``now``'s day: where the operators' "today" begins."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return datetime.combine(now.date(), time(0), tzinfo=UTC)


class RoleService:
    """Channel links, group migrations and the operators' counts, over the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def link_channel(
        self, channel_id: int, *, user_id: int, title: str | None, username: str | None
    ) -> None:
        """``user_id`` (verified an administrator of the channel) manages it from now on."""
        await self.store.link_channel(channel_id, user_id=user_id, title=title, username=username)
        logger.info("channel %s linked by user %s", channel_id, user_id)

    async def unlink_channel(self, channel_id: int, *, user_id: int) -> bool:
        return await self.store.unlink_channel(channel_id, user_id=user_id)

    async def channels(self, user_id: int) -> builtins.list[LinkedChannel]:
        """The channels ``user_id`` linked."""
        return await self.store.linked_channels(user_id)

    async def channel(self, user_id: int, name: str) -> LinkedChannel | None:
        """The channel ``name`` (``@username`` or id) that ``user_id`` linked, or None."""
        return await self.store.linked_channel(user_id, name)

    async def migrate(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: everything it had moves to the new id."""
        moved = await self.store.migrate_chat(old_id, new_id)
        if moved:
            logger.info("chat %s moved to %s (supergroup)", old_id, new_id)
        return moved

    async def stats(self, now: datetime | None = None) -> StoreStats:
        """Chats, subscriptions, feeds and the outbox; "today" since midnight UTC."""
        return await self.store.store_stats(start_of_day(now))
