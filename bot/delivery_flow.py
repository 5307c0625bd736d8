"""The moving parts of a drain (``bot.delivery``): which alert goes next, and sent-marks
written in batches off the send path.

- ``ChatTurns``: the alerts a drain has taken, each chat's in order, chats in turns, and never
  two sends to one chat at once (its pace is one a second anyway; this keeps its order).
- ``AlertRenderings``: an alert rendered once per story and topic for all the chats a drain
  sends it to (a fan-out sends one story to thousands), reused for ``RENDERED_FOR`` seconds at
  most, so the age it shows stays right.
- ``SentMarks``: the ids Telegram accepted, written with ``Store.mark_sent`` at most ``every``
  seconds after the first of them (or once ``most`` have gathered), so a send never waits for
  the database and one write covers many sends. A crash before the write loses only those
  marks: their alerts go out again (at least once, never lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import render
from bot.render import Rendered
from news.models import OutboxItem, StoryView

if TYPE_CHECKING:
    from news.store import Store

__all__ = ["MARK_BATCH", "MARK_EVERY", "RENDERED_FOR", "AlertRenderings", "ChatTurns", "SentMarks"]

logger = logging.getLogger(__name__)

MARK_EVERY = 0.02  # seconds a sent-mark may wait for others (< 1 send at 30/s, ~20 at 960/s)
MARK_BATCH = 200  # ...or until this many have gathered
RENDERED_FOR = 30.0  # seconds an alert's rendering serves further chats
RENDERED_MOST = 256  # renderings kept (distinct story and topic pairs)


class AlertRenderings:
    """``render.render_alert`` once per (story, topic) for every chat that gets the alert."""

    def __init__(self) -> None:
        self._kept: dict[tuple[int, str | None], tuple[float, Rendered]] = {}

    def clear(self) -> None:
        """Forget every rendering (a drain reads its stories and summaries afresh)."""
        self._kept.clear()

    def get(self, story: StoryView, summary: str, topic: str | None) -> Rendered:
        key, now = (story.id, topic), time.monotonic()
        kept = self._kept.get(key)
        if kept is not None and now - kept[0] < RENDERED_FOR:
            return kept[1]
        if len(self._kept) >= RENDERED_MOST:
            self._kept.clear()
        rendered = render.render_alert(story, summary, topic)
        self._kept[key] = (now, rendered)
        return rendered


class ChatTurns:
    """Alerts waiting to go: ``take`` gives the next chat's earliest alert, chats in turns,
    and skips a chat while one of its alerts is out (until ``done``)."""

    def __init__(self) -> None:
        self._by_chat: dict[int, deque[OutboxItem]] = {}
        self._ready: deque[int] = deque()  # chats with an alert waiting and none out
        self._out: set[int] = set()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, items: Iterable[OutboxItem]) -> None:
        for item in items:
            queue = self._by_chat.get(item.chat_id)
            if queue is None:
                queue = self._by_chat[item.chat_id] = deque()
                if item.chat_id not in self._out:
                    self._ready.append(item.chat_id)
            queue.append(item)
            self._count += 1

    def take(self) -> OutboxItem | None:
        """The next alert to send (its chat is then out), or None when none may go now."""
        while self._ready:
            chat_id = self._ready.popleft()
            queue = self._by_chat.get(chat_id)
            if not queue:
                continue  # dropped meanwhile
            item = queue.popleft()
            if not queue:
                del self._by_chat[chat_id]
            self._count -= 1
            self._out.add(chat_id)
            return item
        return None

    def done(self, chat_id: int) -> None:
        """The chat's alert is settled: its next one (if any) waits for its turn."""
        self._out.discard(chat_id)
        if chat_id in self._by_chat:
            self._ready.append(chat_id)

    def drop_chat(self, chat_id: int) -> list[OutboxItem]:
        """Forget a chat's waiting alerts (it blocked the bot); returns them."""
        queue = self._by_chat.pop(chat_id, None) or deque()
        self._count -= len(queue)
        return list(queue)


class SentMarks:
    """Sent-marks of one drain, written in batches (module doc); ``written`` is called with
    the ids of each batch once it is in the store."""

    def __init__(
        self,
        store: Store,
        *,
        every: float = MARK_EVERY,
        most: int = MARK_BATCH,
        written: Callable[[Sequence[int]], None] = lambda ids: None,
    ) -> None:
        self._store = store
        self._every = every
        self._most = most
        self._written = written
        self._ids: list[int] = []
        self._writing = 0
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.writes = 0  # store writes so far (batches)

    @property
    def failed(self) -> bool:
        """A write failed (the database is unwell): the drain should stop sending; the marks
        wait for ``close`` to try once more."""
        task = self._task
        return task is not None and task.done() and not task.cancelled() and bool(task.exception())

    @property
    def pending(self) -> int:
        """Marks not yet in the store (waiting or being written)."""
        return len(self._ids) + self._writing

    def add(self, item_id: int) -> None:
        """Telegram accepted this alert: its mark is written within ``every`` seconds."""
        self._ids.append(item_id)
        if len(self._ids) >= self._most:
            self._full.set()
        if (self._task is None or self._task.done()) and not self.failed:
            self._task = asyncio.create_task(self._run(), name="sent-marks")

    async def _run(self) -> None:
        while self._ids:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self._every)
            await self._write()

    async def _write(self) -> None:
        ids, self._ids = self._ids, []
        self._full.clear()
        if not ids:
            return
        self._writing = len(ids)
        try:
            await self._store.mark_sent(ids, datetime.now(UTC))
        except BaseException:
            self._ids[:0] = ids  # kept for ``close`` to try again
            raise
        finally:
            self._writing = 0
        self.writes += 1
        self._written(ids)

    async def close(self) -> None:
        """Write every mark still waiting (at the end of a drain, even a cancelled one)."""
        task = self._task
        if task is not None and not task.done():
            self._full.set()  # write now
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("writing sent-marks failed; trying once more")
        elif task is not None and not task.cancelled() and task.exception() is not None:
            logger.error("writing sent-marks failed; trying once more", exc_info=task.exception())
        await self._write()
