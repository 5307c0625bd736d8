"""Telegram's sending limits, kept by one rate limiter for every Bot API call the bot makes.

``PacedRateLimiter`` paces every call that names a chat through one global token bucket
(``PriorityPacer``: 30 messages/s with a burst of 2 to make up a late wake-up, and never more
than Telegram's 30 in any one-second window), and each message to a chat through that
chat's own bucket (about one per second in a private chat, 20 per minute in a group, with a
short burst). Calls with ``allow_paid_broadcast`` (an operator's paid broadcasts, see
``config.Settings.paid_broadcast``) go through their own bucket at Telegram's paid pace instead
(up to 1,000/s together with the rest). Waiters for the global bucket are served by priority:
replies to a user's own message (the default) before bulk traffic, alerts and digests, which the
deliverer sends inside ``bulk()``. A 429 pauses every paced call for ``retry_after`` and is
retried.

Replies are served by adaptive LIFO, as request queues of large services do under overload: by
the age of the request they answer (when its update took its slot, see below), oldest first
while the queue drains within ``STANDING_AFTER`` (1 s); once a queue stands (its oldest has
waited that long, or more wait than the pace serves in that time: a burst of 1,000 chats takes
34 s), the newest request first, so a user who asks now is answered within a few tokens instead
of behind the whole backlog, while every ``OLDEST_EVERY``-th token goes to the oldest, so the
backlog still drains and none starves. Ordering by the request's age, not by when its reply
reached the limiter, keeps a burst's late replies (their updates waited for a slot) from
passing a new user's reply. Nothing is dropped, and one chat's calls keep their order: the
chosen chat's earliest waiting call is the one sent. ``bot.slots.AdaptiveLifoSemaphore`` applies
the same policy to the update slots (``bot.updates``), the queue a burst of chats fills before
its replies reach this limiter, and stamps each update's task with the time it asked for a slot.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import contextvars
import itertools
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Iterator
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

if TYPE_CHECKING:
    from telegram._utils.types import JSONDict

__all__ = [
    "CHAT_BURST",
    "CHAT_INTERVAL",
    "OVERALL_BURST",
    "OVERALL_PER_SECOND",
    "PAID_BURST",
    "PAID_IN_ONE_SECOND",
    "PAID_PER_SECOND",
    "PacedRateLimiter",
    "Priority",
    "PriorityPacer",
    "bulk",
    "current_priority",
    "request_arrived",
    "stamp_request",
]

logger = logging.getLogger(__name__)

TELEGRAM_PER_SECOND = 30  # Telegram: about 30 messages per second to different chats
# 30/s with a burst of 2, so a grant the loop woke late for is made up (3,000 alerts go out in
# 100 s, Telegram's floor, on a busy machine too), and never more than 30 grants in any one-second
# window (``per_second``): no second holds more than Telegram's 30.
OVERALL_PER_SECOND = float(TELEGRAM_PER_SECOND)
OVERALL_BURST = 2
TELEGRAM_PAID_PER_SECOND = 1000  # Telegram: paid broadcasts (allow_paid_broadcast), up to 1,000/s
# Paid calls: rate + burst + the free pace <= 1,000 in any second; a burst of 10 lets one wake of
# the dispatcher grant several (the loop's timers have millisecond steps).
PAID_PER_SECOND = 960.0
PAID_BURST = 10
PAID_IN_ONE_SECOND = TELEGRAM_PAID_PER_SECOND - TELEGRAM_PER_SECOND
GROUP_PER_MINUTE = 20.0 / 1.1  # Telegram: 20 messages per minute to one group (10% margin)
GROUP_BURST = 5
CHAT_INTERVAL = 1.1  # Telegram: about one message per second to one private chat (10% margin)
CHAT_BURST = 2  # "short bursts are tolerated"; one token below the stand-in's 3, for jitter
RETRY_PADDING = 0.1  # seconds added to a 429's retry_after
_EPSILON = 1e-9  # a token short by rounding is a token (else a tiny wait could never end)
# Adaptive LIFO for replies: a queue whose oldest reply has waited this long is standing
# (a burst bigger than the pace drains in a second), and then the newest is served first...
STANDING_AFTER = 1.0
OLDEST_EVERY = 4  # ...but every 4th grant goes to the oldest (a quarter of the pace, 7/s)


class Priority(IntEnum):
    """Who waits for whom at the global bucket: lower values go first."""

    REPLY = 0  # an answer to a user's own message or button
    BULK = 1  # alerts and digests


_PRIORITY: contextvars.ContextVar[Priority] = contextvars.ContextVar(
    "newsbrief_send_priority", default=Priority.REPLY
)
# When the request the running task answers arrived (loop time): set (``stamp_request``) by
# ``bot.slots.AdaptiveLifoSemaphore.acquire`` for the update it admits, inherited by the tasks
# it starts.
_ARRIVED: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "newsbrief_request_arrived", default=None
)


def request_arrived() -> float | None:
    """Loop time the update the running task answers asked for its slot (None: no update)."""
    return _ARRIVED.get()


def stamp_request(arrived: float) -> None:
    """Record that the running task answers a request that arrived at loop time ``arrived``."""
    _ARRIVED.set(arrived)


def current_priority() -> Priority:
    """The priority of Bot API calls made from the running task (``bulk()`` or not)."""
    return _PRIORITY.get()


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Calls made inside (and in tasks started inside) wait behind every reply to a user."""
    token = _PRIORITY.set(Priority.BULK)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


class _Waiter:
    """One call waiting for a global token: what it waits on, its chat, and since when (the
    request it answers, for a reply); ``seq`` breaks ties in arrival order."""

    __slots__ = ("chat", "counted", "future", "reply", "seq", "since")

    def __init__(
        self,
        future: asyncio.Future[None],
        chat: Hashable | None,
        since: float,
        seq: int,
        *,
        reply: bool,
    ) -> None:
        self.future = future
        self.chat = chat  # None: no order to keep with other calls
        self.since = since
        self.seq = seq
        self.reply = reply
        self.counted = True  # still in ``PriorityPacer.waiting``


def _age(waiter: _Waiter) -> tuple[float, int]:
    return (waiter.since, waiter.seq)


class PriorityPacer:
    """A token bucket (``rate`` per second, ``burst`` at most) whose waiters are served by
    priority: replies (adaptive LIFO, see the module doc) before bulk calls (in arrival order).
    ``clock`` and ``sleep`` are injectable for tests.

    A waiter is granted a token only when one is there, so grants never outrun the bucket, nor
    (``per_second``) ever number more than that in any one-second window.
    Replies are ordered by the age of their request (``request_arrived``, else the call's own
    arrival) and keep their order within a chat (``chat`` of ``acquire``); across chats, once the
    queue stands (the oldest has waited ``standing_after`` seconds, or more replies wait than
    ``rate`` serves in that time), the newest is served first, except every ``oldest_every``-th
    grant, which goes to the oldest so that none waits forever.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        standing_after: float = STANDING_AFTER,
        oldest_every: int = OLDEST_EVERY,
        per_second: int | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1 or oldest_every < 1 or (per_second or 1) < 1:
            raise ValueError("rate must be > 0, burst >= 1 and oldest_every >= 1")
        self.rate = rate
        self.burst = burst
        self.standing_after = standing_after
        self.oldest_every = oldest_every
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._recent: deque[float] | None = deque(maxlen=per_second) if per_second else None
        self._stamp: float | None = None
        self._paused_until = 0.0
        # Replies by age (``_age``); granted or cancelled ones are dropped when they reach an end.
        self._replies: list[_Waiter] = []
        self._chats: dict[Hashable, deque[_Waiter]] = {}  # each chat's replies, in order
        self._bulk: deque[_Waiter] = deque()
        self._seq = itertools.count()
        self._standing_grants = 0
        self._waiting = 0
        self._waiting_replies = 0
        self._dispatcher: asyncio.Task[None] | None = None

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def _refill(self, now: float) -> None:
        if self._stamp is None:
            self._stamp = now
            return
        since = max(self._stamp, self._paused_until)  # nothing accrues during a pause
        if now > since:
            self._tokens = min(float(self.burst), self._tokens + (now - since) * self.rate)
        self._stamp = max(self._stamp, now)

    def _wait_time(self, now: float) -> float:
        """Seconds until a token may be granted (0: now)."""
        self._refill(now)
        if now < self._paused_until:
            return self._paused_until - now
        missing = 1.0 - self._tokens
        wait = 0.0 if missing <= _EPSILON else missing / self.rate
        recent = self._recent
        if recent is not None and len(recent) == recent.maxlen:
            wait = max(wait, recent[0] + 1.0 - now)  # the window would hold one too many
        return wait if wait > _EPSILON else 0.0

    def _take(self, now: float) -> None:
        self._tokens -= 1.0
        if self._recent is not None:
            self._recent.append(now)

    def _has_waiters(self) -> bool:
        replies, bulk_ = self._replies, self._bulk
        while replies and replies[0].future.done():  # granted from the newest end, or cancelled
            del replies[0]  # a short list: the replies of the handlers running now
        while replies and replies[-1].future.done():
            replies.pop()
        while bulk_ and bulk_[0].future.done():
            bulk_.popleft()
        return bool(replies or bulk_)

    def _first_of_chat(self, waiter: _Waiter) -> _Waiter:
        """``waiter``'s chat's earliest waiting call (``waiter`` itself when it has no chat)."""
        if waiter.chat is None:
            return waiter
        chat = self._chats[waiter.chat]
        while chat[0].future.done():  # cancelled, its task not yet resumed
            chat.popleft()
        return chat[0]

    def _next_reply(self, now: float) -> _Waiter:
        """The reply to serve now (``_has_waiters`` has trimmed both ends, one is waiting)."""
        oldest = self._replies[0]
        standing = (
            now - oldest.since >= self.standing_after
            or self._waiting_replies > self.standing_after * self.rate
        )
        if not standing:
            return self._first_of_chat(oldest)  # drains within the second: oldest first
        self._standing_grants += 1
        if self._standing_grants % self.oldest_every == 0:
            return self._first_of_chat(oldest)  # the floor: a share drains the old end
        return self._first_of_chat(self._replies[-1])  # the newest request's chat

    def _grant(self, waiter: _Waiter) -> None:
        if waiter.chat is not None and (chat := self._chats.get(waiter.chat)) is not None:
            while chat and (chat[0] is waiter or chat[0].future.done()):
                chat.popleft()
            if not chat:
                del self._chats[waiter.chat]
        self._uncount(waiter)
        self._take(self._now())
        waiter.future.set_result(None)

    def _uncount(self, waiter: _Waiter) -> None:
        if waiter.counted:
            waiter.counted = False
            self._waiting -= 1
            self._waiting_replies -= waiter.reply

    def _forget(self, waiter: _Waiter) -> None:
        """A waiter cancelled before its grant leaves the count and its chat's queue."""
        self._uncount(waiter)
        chat = self._chats.get(waiter.chat) if waiter.chat is not None else None
        if chat is not None:
            with contextlib.suppress(ValueError):
                chat.remove(waiter)  # a chat has a few waiters at most (its own bucket)
            if not chat:
                del self._chats[waiter.chat]

    @property
    def waiting(self) -> int:
        """How many calls wait for a token."""
        return self._waiting

    def pause(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` (a 429's retry_after), and start again with no burst."""
        now = self._now()
        self._refill(now)
        self._paused_until = max(self._paused_until, now + seconds)
        self._tokens = min(self._tokens, 1.0)

    async def acquire(
        self, priority: Priority = Priority.REPLY, chat: Hashable | None = None
    ) -> None:
        """Wait for a token: replies first (in order within ``chat``), then bulk calls."""
        now = self._now()
        if self._wait_time(now) == 0.0 and not self._has_waiters():
            self._take(now)
            return
        future = asyncio.get_running_loop().create_future()
        if priority is Priority.BULK:  # served in arrival order: a chat's order holds anyway
            waiter = _Waiter(future, None, now, next(self._seq), reply=False)
            self._bulk.append(waiter)
        else:
            arrived = _ARRIVED.get()
            since = now if arrived is None else min(arrived, now)
            waiter = _Waiter(future, chat, since, next(self._seq), reply=True)
            bisect.insort(self._replies, waiter, key=_age)
            if chat is not None:
                self._chats.setdefault(chat, deque()).append(waiter)
            self._waiting_replies += 1
        self._waiting += 1
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="rate-limiter")
        try:
            await future
        except asyncio.CancelledError:
            if future.cancelled():
                self._forget(waiter)
            else:  # granted, then cancelled: the token is unused
                self._tokens = min(float(self.burst), self._tokens + 1.0)
            raise

    async def _dispatch(self) -> None:
        while self._has_waiters():
            now = self._now()
            wait = self._wait_time(now)
            if wait > 0:
                await self._sleep(wait)
                continue  # a more urgent waiter may have come meanwhile
            self._grant(self._next_reply(now) if self._replies else self._bulk[0])

    async def close(self) -> None:
        """Stop the dispatcher (at shutdown); waiters still queued are cancelled."""
        for waiter in [*self._replies, *self._bulk]:
            waiter.counted = False
            waiter.future.cancel()
        self._replies.clear()
        self._bulk.clear()
        self._chats.clear()
        self._waiting = 0
        self._waiting_replies = 0
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None


class PacedRateLimiter(BaseRateLimiter[int]):
    """Telegram's documented limits for every Bot API call: the global pace by priority
    (``PriorityPacer``; paid broadcasts, calls with ``allow_paid_broadcast``, by their own),
    a per-chat pace for messages, and 429s waited out and retried (``rate_limit_args``: the
    retries of one call, as with PTB's ``AIORateLimiter``)."""

    def __init__(
        self,
        *,
        max_retries: int = 3,
        max_chats: int = 10_000,
        overall: PriorityPacer | None = None,
        paid: PriorityPacer | None = None,
    ) -> None:
        self._max_retries = max_retries
        self._max_chats = max_chats
        self._overall = overall or PriorityPacer(
            OVERALL_PER_SECOND, OVERALL_BURST, per_second=TELEGRAM_PER_SECOND
        )
        self._paid = paid or PriorityPacer(
            PAID_PER_SECOND, PAID_BURST, per_second=PAID_IN_ONE_SECOND
        )
        self._chat_limiters: OrderedDict[int | str, AsyncLimiter] = OrderedDict()

    @property
    def overall(self) -> PriorityPacer:
        """The global bucket (for tests and benchmarks)."""
        return self._overall

    @property
    def paid(self) -> PriorityPacer:
        """The bucket of paid broadcasts."""
        return self._paid

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        await self._overall.close()
        await self._paid.close()

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter:
        limiter = self._chat_limiters.pop(chat_id, None)
        if limiter is None:
            if isinstance(chat_id, int) and chat_id > 0:
                limiter = AsyncLimiter(CHAT_BURST, CHAT_BURST * CHAT_INTERVAL)
            else:  # groups and channels (negative ids, @usernames)
                limiter = AsyncLimiter(GROUP_BURST, GROUP_BURST * 60 / GROUP_PER_MINUTE)
        self._chat_limiters[chat_id] = limiter  # most recently used last
        while len(self._chat_limiters) > self._max_chats:
            self._chat_limiters.popitem(last=False)
        return limiter

    async def _send(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        chat_id: int | str | None,
        per_chat: bool,
        pacer: PriorityPacer,
    ) -> bool | JSONDict | list[JSONDict]:
        if chat_id is None:  # getUpdates, getMe, answerCallbackQuery…: not messages
            return await callback(*args, **kwargs)
        # The chat's own token first, so a call waiting on its chat holds no global token.
        chat_limit = self._chat_limiter(chat_id) if per_chat else contextlib.nullcontext()
        async with chat_limit:
            await pacer.acquire(current_priority(), chat_id)
            return await callback(*args, **kwargs)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # an integer id passed as a string
        if not isinstance(chat_id, int | str):
            chat_id = None
        per_chat = endpoint.startswith("send") and endpoint != "sendChatAction"
        pacer = self._paid if data.get("allow_paid_broadcast") is True else self._overall
        retries = rate_limit_args or self._max_retries
        for attempt in range(retries + 1):
            try:
                return await self._send(callback, args, kwargs, chat_id, per_chat, pacer)
            except RetryAfter as exc:
                if attempt == retries:
                    logger.warning("429 after %d retries: %s", retries, exc)
                    raise
                seconds = exc.retry_after
                wait = seconds if isinstance(seconds, int | float) else seconds.total_seconds()
                logger.info("429 from Telegram: every chat waits %.1f s", wait)
                self._overall.pause(wait + RETRY_PADDING)
                self._paid.pause(wait + RETRY_PADDING)
        raise AssertionError("unreachable")  # pragma: no cover
