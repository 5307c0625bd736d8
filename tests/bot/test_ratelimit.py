"""The outbound limiter: replies before bulk traffic, and never over Telegram's global pace."""

from __future__ import annotations

import asyncio
import bisect
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot import ratelimit
from bot.ratelimit import PacedRateLimiter, Priority, PriorityPacer, bulk, current_priority


class FakeClock:
    """Time that moves only when the pacer sleeps (it yields first, so the tasks it woke
    record the time they were granted)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)
        self.now += seconds


def most_in_one_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max(
        bisect.bisect_left(ordered, start + 1.0 - 1e-9) - i for i, start in enumerate(ordered)
    )


async def test_a_burst_of_a_thousand_chats_never_exceeds_the_global_limit() -> None:
    clock = FakeClock()
    pacer = PriorityPacer(
        ratelimit.OVERALL_PER_SECOND, ratelimit.OVERALL_BURST, clock=clock, sleep=clock.sleep
    )
    granted: list[float] = []
    reply_waited: list[float] = []

    async def alert() -> None:
        await pacer.acquire(Priority.BULK)
        granted.append(clock.now)

    async def reply(at: float) -> None:
        while clock.now < at:  # noqa: ASYNC110 - fake time moves only in the pacer's sleep
            await asyncio.sleep(0)
        asked = clock.now
        await pacer.acquire(Priority.REPLY)
        granted.append(clock.now)
        reply_waited.append(clock.now - asked)

    tasks = [asyncio.create_task(alert()) for _ in range(1000)]
    tasks += [asyncio.create_task(reply(at)) for at in (5.0, 12.5, 30.0)]
    await asyncio.gather(*tasks)
    assert len(granted) == 1003
    assert most_in_one_second(granted) <= ratelimit.TELEGRAM_PER_SECOND
    # the pace is used, not wasted: 1,003 messages at 29/s after a burst of 1 take 34.6 s
    paced = (1003 - ratelimit.OVERALL_BURST) / ratelimit.OVERALL_PER_SECOND
    assert max(granted) == pytest.approx(paced, abs=0.2)
    interval = 1 / ratelimit.OVERALL_PER_SECOND
    assert len(reply_waited) == 3
    assert all(wait <= interval + 1e-9 for wait in reply_waited), reply_waited
    await pacer.close()


async def test_a_pause_grants_nothing_and_restarts_without_a_burst() -> None:
    clock = FakeClock()
    pacer = PriorityPacer(10.0, 5, clock=clock, sleep=clock.sleep)
    pacer.pause(2.0)
    granted: list[float] = []

    async def send() -> None:
        await pacer.acquire()
        granted.append(clock.now)

    await asyncio.gather(*(send() for _ in range(4)))
    assert granted[0] == pytest.approx(2.0)
    assert granted == pytest.approx([2.0, 2.1, 2.2, 2.3])  # one token left, then 10/s
    await pacer.close()


async def test_a_cancelled_waiter_gives_its_place_up() -> None:
    clock = FakeClock()
    pacer = PriorityPacer(1.0, 1, clock=clock, sleep=clock.sleep)
    await pacer.acquire()  # the burst
    gone = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    granted: list[float] = []

    async def send() -> None:
        await pacer.acquire()
        granted.append(clock.now)

    await send()
    assert granted == [pytest.approx(1.0)]  # the first token went to the live waiter
    await pacer.close()


def test_bulk_marks_the_calls_made_inside() -> None:
    assert current_priority() is Priority.REPLY
    with bulk():
        assert current_priority() is Priority.BULK
    assert current_priority() is Priority.REPLY


async def test_a_reply_waits_about_one_token_behind_a_busy_alert_backlog() -> None:
    limiter = PacedRateLimiter()
    loop = asyncio.get_running_loop()
    sent: list[tuple[int, float]] = []

    async def call(chat_id: int) -> bool:
        sent.append((chat_id, loop.time()))
        return True

    async def send(chat_id: int) -> Any:
        return await limiter.process_request(
            call, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, None
        )

    async def alerts() -> None:
        with bulk():  # tasks started inside inherit the bulk priority
            await asyncio.gather(*(send(chat) for chat in range(1, 101)))

    backlog = asyncio.create_task(alerts())
    await asyncio.sleep(0.2)  # about 6 alerts out, 94 waiting
    asked = loop.time()
    await send(5000)
    waited = loop.time() - asked
    assert waited < 1 / ratelimit.OVERALL_PER_SECOND + 0.1  # FIFO: behind ~94 alerts, 3.2 s
    alerts_before = [chat for chat, _ in sent].index(5000)
    assert alerts_before < 12
    backlog.cancel()
    with pytest.raises(asyncio.CancelledError):
        await backlog
    await limiter.shutdown()


async def test_a_429_pauses_every_chat_and_is_retried() -> None:
    limiter = PacedRateLimiter()
    loop = asyncio.get_running_loop()
    sent: list[tuple[int, float]] = []
    refused = [True]

    async def call(chat_id: int) -> bool:
        if chat_id == 1 and refused:
            refused.pop()
            raise RetryAfter(1)
        sent.append((chat_id, loop.time()))
        return True

    async def send(chat_id: int) -> Any:
        return await limiter.process_request(
            call, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, None
        )

    start = loop.time()
    first = asyncio.create_task(send(1))
    await asyncio.sleep(0.01)
    await asyncio.gather(first, send(2))
    assert sorted(chat for chat, _ in sent) == [1, 2]
    assert all(at - start >= 1.0 for _, at in sent)  # chat 2 waited out chat 1's 429 too
    await limiter.shutdown()
