"""The update slots' queue: ``AdaptiveLifoSemaphore``, the adaptive LIFO of ``bot.ratelimit``
applied to the places ``bot.updates`` holds while it answers an update, so a burst of chats that
fills them does not stand before a user who writes now."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from bot.ratelimit import OLDEST_EVERY, STANDING_AFTER, stamp_request

__all__ = ["AdaptiveLifoSemaphore"]


class AdaptiveLifoSemaphore:
    """``value`` holders at once; a freed place goes by the replies' adaptive LIFO (module doc):
    to the oldest waiter while the queue drains within ``standing_after`` (its oldest has waited
    less, and as many as wait are freed in less time at the recent pace), else to the newest, but
    every ``oldest_every``-th to the oldest. For the update slots: while a burst of 1,000 chats
    holds them, a user who writes now gets the next free one instead of waiting behind all.
    ``acquire`` stamps the running task with the time it asked (``request_arrived``), which
    orders the replies the holder then sends in ``PriorityPacer``.
    """

    def __init__(
        self,
        value: int,
        *,
        standing_after: float = STANDING_AFTER,
        oldest_every: int = OLDEST_EVERY,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if value < 1 or oldest_every < 1:
            raise ValueError("value and oldest_every must be >= 1")
        self.standing_after = standing_after
        self.oldest_every = oldest_every
        self._clock = clock
        self._free = value
        self._waiters: deque[tuple[float, asyncio.Future[None]]] = deque()
        self._standing_grants = 0
        # The pace places are freed at while some wait: a moving mean of the gaps between
        # releases in one busy spell (None until two releases found waiters).
        self._gap: float | None = None
        self._last_release: float | None = None

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def _trim(self) -> None:
        waiters = self._waiters
        while waiters and waiters[0][1].done():  # cancelled (or handed over from the other end)
            waiters.popleft()
        while waiters and waiters[-1][1].done():
            waiters.pop()

    def locked(self) -> bool:
        """Whether ``acquire`` would wait."""
        self._trim()
        return self._free == 0 or bool(self._waiters)

    async def acquire(self) -> None:
        """Wait for a place (at once when one is free and no one waits)."""
        now = self._now()
        stamp_request(now)  # the request this task answers is as old as this call
        if not self.locked():
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((now, future))
        try:
            await future
        except asyncio.CancelledError:
            if not future.cancelled():  # handed a place, then cancelled: pass it on
                self.release()
            raise

    def _standing(self, now: float) -> bool:
        waiters = self._waiters
        if now - waiters[0][0] >= self.standing_after:
            return True
        return self._gap is not None and len(waiters) * self._gap >= self.standing_after

    def release(self) -> None:
        """Free a place: handed straight to the waiter the policy picks, if any."""
        self._trim()
        waiters = self._waiters
        if not waiters:
            self._free += 1
            self._gap = self._last_release = None  # the spell is over
            return
        now = self._now()
        if self._last_release is not None:
            gap = now - self._last_release
            self._gap = gap if self._gap is None else 0.8 * self._gap + 0.2 * gap
        self._last_release = now
        take_oldest = not self._standing(now)
        if not take_oldest:
            self._standing_grants += 1
            take_oldest = self._standing_grants % self.oldest_every == 0
        _, future = waiters.popleft() if take_oldest else waiters.pop()
        future.set_result(None)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()
