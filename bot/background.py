"""Slow work a user asked for (reading a link) runs here, apart from the slots that answer
commands and briefings.

``BackgroundRunner.submit`` takes a job at once or refuses it (``RunnerBusy``), so the update
that carried it is released immediately and other messages of the same chat are answered
meanwhile. At most ``concurrent`` jobs run at once (``per_chat`` of one chat), and at most
``pending`` are accepted (running or waiting; ``pending_per_chat`` of one chat), which bounds
the memory and the connections a crowd of slow links can cost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

__all__ = ["BackgroundRunner", "RunnerBusy"]

logger = logging.getLogger(__name__)


class RunnerBusy(Exception):
    """The job was not taken: too many are pending (``chat``: in this chat)."""

    def __init__(self, *, chat: bool) -> None:
        super().__init__("too many jobs pending in this chat" if chat else "too many jobs pending")
        self.chat = chat


class _Chat:
    """One chat's share: its running slots and how many of its jobs are pending."""

    __slots__ = ("pending", "slots")

    def __init__(self, per_chat: int) -> None:
        self.slots = asyncio.Semaphore(per_chat)
        self.pending = 0


class BackgroundRunner:
    """Bounded background jobs, per chat and overall; see the module doc."""

    def __init__(
        self,
        *,
        concurrent: int = 8,
        per_chat: int = 1,
        pending: int = 100,
        pending_per_chat: int = 3,
    ) -> None:
        if min(concurrent, per_chat, pending, pending_per_chat) < 1:
            raise ValueError("every limit must be at least 1")
        self.concurrent = concurrent
        self.per_chat = per_chat
        self.max_pending = pending
        self.max_pending_per_chat = pending_per_chat
        self._slots = asyncio.Semaphore(concurrent)
        self._chats: dict[int, _Chat] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = 0
        self._stopped = False

    @property
    def pending(self) -> int:
        """Jobs accepted and not finished (running or waiting)."""
        return len(self._tasks)

    @property
    def running(self) -> int:
        """Jobs running now."""
        return self._running

    def pending_in(self, chat_id: int) -> int:
        """Jobs of ``chat_id`` accepted and not finished."""
        chat = self._chats.get(chat_id)
        return 0 if chat is None else chat.pending

    def submit(self, chat_id: int, job: Callable[[], Awaitable[None]], *, name: str) -> None:
        """Run ``job()`` in the background, or raise ``RunnerBusy`` when the limits are full."""
        if self._stopped:
            raise RunnerBusy(chat=False)
        chat = self._chats.get(chat_id)
        if chat is not None and chat.pending >= self.max_pending_per_chat:
            raise RunnerBusy(chat=True)
        if len(self._tasks) >= self.max_pending:
            raise RunnerBusy(chat=False)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(self.per_chat)
        chat.pending += 1
        task = asyncio.create_task(self._run(chat_id, chat, job), name=f"{name}:{chat_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, chat_id: int, chat: _Chat, job: Callable[[], Awaitable[None]]) -> None:
        try:
            # The chat's slot first, so a chat waiting on itself holds none of the shared ones.
            async with chat.slots, self._slots:
                self._running += 1
                try:
                    await job()
                finally:
                    self._running -= 1
        except asyncio.CancelledError:
            raise
        except Exception:  # the job answers its own errors; this is a bug in it
            logger.exception("background job for chat %s failed", chat_id)
        finally:
            chat.pending -= 1
            if not chat.pending:
                self._chats.pop(chat_id, None)

    async def join(self) -> None:
        """Wait until every accepted job has finished (tests; a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Refuse new jobs and cancel the pending ones (the application is stopping)."""
        self._stopped = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if tasks:
            logger.info("cancelled %d background jobs while stopping", len(tasks))
