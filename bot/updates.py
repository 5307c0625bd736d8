"""How updates are scheduled: one chat's updates in order, different chats concurrently."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.slots import AdaptiveLifoSemaphore

__all__ = ["BACKLOG", "CONCURRENT_UPDATES", "PerChatUpdateProcessor"]

logger = logging.getLogger(__name__)

CONCURRENT_UPDATES = 32  # handlers running at once (different chats)
BACKLOG = 100_000  # updates accepted before the fetcher waits


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat in arrival order, different chats concurrently (up to ``concurrent``).

    One chat that floods the bot (a thousand messages, each answer paced to one per second by
    Telegram's per-chat limit) then only delays itself. While the application stops, updates
    still queued behind their chat's earlier ones are skipped, so a backlog cannot hold the
    shutdown.
    """

    def __init__(self, concurrent: int = CONCURRENT_UPDATES, backlog: int = BACKLOG) -> None:
        super().__init__(max_concurrent_updates=backlog)
        self._slots = AdaptiveLifoSemaphore(concurrent)  # a burst does not hold a new chat
        self._chats: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.stopping: Callable[[], bool] = lambda: False
        self.skipped = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        if self.skipped:
            logger.warning("skipped %d queued updates while stopping", self.skipped)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        lock = self._chats.setdefault(chat.id, asyncio.Lock())
        queued = lock.locked()
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                if queued and self.stopping():
                    self.skipped += 1
                    if inspect.iscoroutine(coroutine):
                        coroutine.close()
                    return
                async with self._slots:
                    await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id]
                del self._chats[chat.id]
