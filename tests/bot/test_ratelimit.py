"""The outbound limiter: replies before bulk traffic, and never over Telegram's global pace."""

from __future__ import annotations

import asyncio
import bisect
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot import ratelimit
from bot.ratelimit import (
    PacedRateLimiter,
    Priority,
    PriorityPacer,
    bulk,
    current_priority,
)
from bot.slots import AdaptiveLifoSemaphore


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
    pacer = fake_pacer(clock)
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


def fake_pacer(clock: FakeClock) -> PriorityPacer:
    return PriorityPacer(
        ratelimit.OVERALL_PER_SECOND,
        ratelimit.OVERALL_BURST,
        per_second=ratelimit.TELEGRAM_PER_SECOND,
        clock=clock,
        sleep=clock.sleep,
    )


INTERVAL = 1 / ratelimit.OVERALL_PER_SECOND  # one token


async def test_under_a_standing_queue_a_new_reply_is_sent_within_a_few_tokens() -> None:
    clock = FakeClock()
    pacer = fake_pacer(clock)
    waited: dict[int, float] = {}
    granted: list[float] = []

    async def reply(chat: int, at: float = 0.0) -> None:
        while clock.now < at:  # noqa: ASYNC110 - fake time moves only in the pacer's sleep
            await asyncio.sleep(0)
        asked = clock.now
        await pacer.acquire(Priority.REPLY, chat)
        waited[chat] = clock.now - asked
        granted.append(clock.now)

    backlog = [reply(chat) for chat in range(1, 1001)]
    users = [reply(5000, 5.0), reply(5001, 12.5), reply(5002, 30.0)]
    await asyncio.wait_for(asyncio.gather(*backlog, *users), 60)
    assert len(waited) == 1003  # none lost
    # first come, first served, the user who asks at 5 s would wait behind ~850 replies (29 s)
    assert all(waited[chat] <= 2 * INTERVAL + 1e-9 for chat in (5000, 5001, 5002)), waited
    assert most_in_one_second(granted) <= ratelimit.TELEGRAM_PER_SECOND
    assert max(granted) == pytest.approx((1003 - 1) * INTERVAL, abs=0.2)  # no token wasted
    await pacer.close()


async def test_without_a_standing_queue_replies_go_first_come_first_served() -> None:
    clock = FakeClock()
    pacer = fake_pacer(clock)
    order: list[int] = []

    async def reply(chat: int) -> None:
        await pacer.acquire(Priority.REPLY, chat)
        order.append(chat)

    # 25 replies drain in 0.83 s: the oldest never waits the 1 s that makes a queue standing
    await asyncio.wait_for(asyncio.gather(*(reply(chat) for chat in range(25))), 10)
    clock.now += 5.0  # idle: the dispatcher has stopped, so time moves here
    await asyncio.wait_for(asyncio.gather(*(reply(chat) for chat in range(100, 125))), 10)
    assert order == [*range(25), *range(100, 125)]
    await pacer.close()


async def test_one_chats_replies_keep_their_order_under_lifo() -> None:
    clock = FakeClock()
    pacer = fake_pacer(clock)
    sent: list[tuple[int, int]] = []

    async def reply(chat: int, seq: int) -> None:
        await pacer.acquire(Priority.REPLY, chat)
        sent.append((chat, seq))

    async def newcomers() -> None:
        while clock.now < 2.0:  # noqa: ASYNC110 - fake time moves only in the pacer's sleep
            await asyncio.sleep(0)
        # 20 chats, 3 replies each, interleaved: the newest waiter is always a chat's last
        await asyncio.gather(*(reply(chat, seq) for seq in range(3) for chat in range(6000, 6020)))

    backlog = [reply(chat, 0) for chat in range(300)]
    await asyncio.wait_for(asyncio.gather(*backlog, newcomers()), 30)
    assert len(sent) == 360
    for chat in range(6000, 6020):
        assert [seq for c, seq in sent if c == chat] == [0, 1, 2]
    position = {item: i for i, item in enumerate(sent)}
    # LIFO ran: the newcomers went before the middle of the backlog that waited since 0 s
    assert max(position[chat, 2] for chat in range(6000, 6020)) < position[150, 0]
    await pacer.close()


async def test_old_replies_are_not_starved_by_a_steady_overload() -> None:
    clock = FakeClock()
    pacer = fake_pacer(clock)
    granted: dict[int, float] = {}
    late: list[asyncio.Task[None]] = []

    async def reply(chat: int) -> None:
        await pacer.acquire(Priority.REPLY, chat)
        granted[chat] = clock.now

    async def overload() -> None:  # twice the pace, for 20 s: under pure LIFO the old wait 20 s+
        added = 0
        while clock.now < 20.0:
            while added < int(clock.now * 2 * ratelimit.OVERALL_PER_SECOND):
                late.append(asyncio.create_task(reply(10_000 + added)))
                added += 1
            await asyncio.sleep(0)

    old = [reply(chat) for chat in range(100)]
    await asyncio.wait_for(asyncio.gather(*old, overload()), 60)
    await asyncio.wait_for(asyncio.gather(*late), 60)
    assert len(granted) == 100 + len(late)  # every reply sent in the end
    # more wait than a second serves, so the queue stands at once: every 4th token to the
    # oldest, 100 x 4 tokens
    floor = 100 * ratelimit.OLDEST_EVERY * INTERVAL
    assert max(granted[chat] for chat in range(100)) <= floor + 0.5
    # the floor drains the backlog from its old end: the oldest goes at the first floor turn
    assert granted[1] <= ratelimit.OLDEST_EVERY * INTERVAL + 1e-9
    await pacer.close()


async def test_the_limiter_keeps_a_chats_order_and_answers_a_new_chat_during_a_burst() -> None:
    clock = FakeClock()
    limiter = PacedRateLimiter(overall=fake_pacer(clock))
    sent: list[tuple[int, str, float]] = []

    async def call(chat_id: int, text: str) -> bool:
        sent.append((chat_id, text, clock.now))
        return True

    async def send(chat_id: int, text: str) -> Any:
        return await limiter.process_request(
            call, (chat_id, text), {}, "sendMessage", {"chat_id": str(chat_id)}, None
        )

    async def user() -> float:
        while clock.now < 3.0:  # noqa: ASYNC110 - fake time moves only in the pacer's sleep
            await asyncio.sleep(0)
        asked = clock.now
        await asyncio.gather(send(7000, "first"), send(7000, "second"))
        return asked

    burst = [send(chat, "/start") for chat in range(1, 301)]
    *_, asked = await asyncio.wait_for(asyncio.gather(*burst, user()), 30)
    assert len(sent) == 302
    mine = [(text, at - asked) for chat, text, at in sent if chat == 7000]
    assert [text for text, _ in mine] == ["first", "second"]
    # both sent within a few tokens, not ~7 s behind the rest of the burst: their calls reach
    # the pacer a token or two after the ask, and a floor turn (every 4th) may come between
    assert mine[-1][1] <= 5 * INTERVAL + 1e-9, mine
    await limiter.shutdown()


async def test_a_cancelled_reply_leaves_its_chat_and_the_count() -> None:
    clock = FakeClock()
    pacer = fake_pacer(clock)
    for _ in range(ratelimit.OVERALL_BURST):
        await pacer.acquire(Priority.REPLY, 1)  # the burst
    first = asyncio.create_task(pacer.acquire(Priority.REPLY, 1))
    second = asyncio.create_task(pacer.acquire(Priority.REPLY, 1))
    other = asyncio.create_task(pacer.acquire(Priority.BULK, 2))
    await asyncio.sleep(0)
    assert pacer.waiting == 3
    first.cancel()
    await asyncio.wait_for(asyncio.gather(second, other), 5)
    assert first.cancelled()
    assert pacer.waiting == 0
    assert clock.now == pytest.approx(2 * INTERVAL)  # two tokens: the cancelled one used none
    await pacer.close()


async def test_update_slots_go_first_come_first_served_then_to_the_newest_under_a_burst() -> None:
    clock = FakeClock()
    slots = AdaptiveLifoSemaphore(1, clock=clock)
    served: list[int] = []

    async def update(n: int) -> None:
        async with slots:
            served.append(n)
            await asyncio.Event().wait()  # held until the test releases it

    await slots.acquire()
    tasks = [asyncio.create_task(update(n)) for n in range(100)]
    await asyncio.sleep(0)
    assert slots.locked()

    async def release() -> None:  # the holder finishes: the next one runs
        slots.release()
        await asyncio.sleep(0)

    for _ in range(3):  # the queue is young and drains fast (100 in 0.1 s): in arrival order
        clock.now += 0.001
        await release()
    assert served == [0, 1, 2]
    clock.now = 5.0  # a standing queue: a chat that writes now goes next, bar every 4th place
    tasks.append(asyncio.create_task(update(1000)))
    await asyncio.sleep(0)
    await release()
    assert served[-1] == 1000
    for _ in range(7):
        await release()
    assert served[4:] == [99, 98, 3, 97, 96, 95, 4]  # the oldest every 4th place
    for _ in range(100 - 9):
        await release()
    assert sorted(served) == [*range(100), 1000]  # every update ran once
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_cancelled_update_gives_its_slot_on() -> None:
    clock = FakeClock()
    slots = AdaptiveLifoSemaphore(1, clock=clock)
    await slots.acquire()
    gone = asyncio.create_task(slots.acquire())
    handed = asyncio.create_task(slots.acquire())
    last = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    gone.cancel()  # cancelled while waiting: skipped
    await asyncio.sleep(0)
    slots.release()
    handed.cancel()  # handed the slot, cancelled before it ran: the slot passes on
    await asyncio.wait_for(last, 5)
    assert gone.cancelled()
    assert handed.cancelled()
    slots.release()
    assert not slots.locked()


async def test_a_bursts_late_replies_do_not_pass_a_new_users_reply() -> None:
    """The burst's updates all arrived at once, but their replies reach the pacer one by one
    as update slots free up (one per token); ordered by the request's age, a user's reply from
    later still goes next instead of behind every reply that reached the pacer after it."""
    clock = FakeClock()
    pacer = fake_pacer(clock)
    sent: list[tuple[int, float]] = []
    tasks: list[asyncio.Task[None]] = []

    async def reply(chat: int, arrived: float) -> None:
        ratelimit._ARRIVED.set(arrived)  # what the update slots stamp
        await pacer.acquire(Priority.REPLY, chat)
        sent.append((chat, clock.now))
        if chat < 1000 and len(tasks) < 1000:  # its slot goes to the next update of the burst
            tasks.append(asyncio.create_task(reply(len(tasks), len(tasks) / 1000)))

    async def user(chat: int, at: float) -> float:
        while clock.now < at:  # noqa: ASYNC110 - fake time moves only in the pacer's sleep
            await asyncio.sleep(0)
        asked = clock.now
        await reply(chat, asked)
        return clock.now - asked

    tasks += [asyncio.create_task(reply(n, n / 1000)) for n in range(32)]
    waits = await asyncio.wait_for(
        asyncio.gather(*(user(5000 + i, 2.0 + 2 * i) for i in range(10))), 60
    )
    # every user within a floor turn and a token or two: not ~4 floor turns per queued reply
    assert max(waits) <= 3 * INTERVAL + 1e-9, waits
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await pacer.close()


async def test_update_slots_stamp_the_request_age_on_the_task() -> None:
    clock = FakeClock()
    slots = AdaptiveLifoSemaphore(1, clock=clock)
    seen: list[float | None] = []

    async def update() -> None:
        async with slots:
            seen.append(ratelimit.request_arrived())

    clock.now = 3.0
    await slots.acquire()
    waiting = asyncio.create_task(update())
    await asyncio.sleep(0)
    clock.now = 4.5
    slots.release()
    await asyncio.wait_for(waiting, 5)
    assert seen == [3.0]  # when it asked for the slot, not when it got it
    assert ratelimit.request_arrived() == 3.0  # and this task's own acquire


async def test_a_long_slowly_draining_slot_queue_stands_before_its_oldest_waited() -> None:
    clock = FakeClock()
    slots = AdaptiveLifoSemaphore(1, clock=clock)
    served: list[int] = []

    async def update(n: int) -> None:
        async with slots:
            served.append(n)
            await asyncio.Event().wait()

    await slots.acquire()
    tasks = [asyncio.create_task(update(n)) for n in range(40)]
    await asyncio.sleep(0)
    for _ in range(4):  # one place every 50 ms: 40 waiting take 2 s in arrival order
        clock.now += 0.05
        slots.release()
        await asyncio.sleep(0)
    assert clock.now < slots.standing_after
    assert served == [0, 39, 38, 37]  # from the second release the pace is known: newest first
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_paid_broadcasts_have_their_own_faster_bucket() -> None:
    limiter = PacedRateLimiter()
    loop = asyncio.get_running_loop()
    paid: list[float] = []
    free: list[float] = []

    async def call(kind: list[float]) -> bool:
        kind.append(loop.time())
        return True

    async def send(chat_id: int, kind: list[float], **extra: Any) -> Any:
        data = {"chat_id": chat_id, **extra}
        return await limiter.process_request(call, (kind,), {}, "sendMessage", data, None)

    start = loop.time()
    with bulk():
        broadcast = asyncio.gather(
            *(send(chat, paid, allow_paid_broadcast=True) for chat in range(1, 501))
        )
    await asyncio.gather(broadcast, *(send(10_000 + n, free) for n in range(10)))
    assert len(paid) == 500
    # ~0.5 s at the paid pace, not 17 s at the free one (slack for a busy 2-core machine)
    assert max(paid) - start < 500 / ratelimit.PAID_PER_SECOND + 2.0
    assert most_in_one_second(paid) <= ratelimit.TELEGRAM_PAID_PER_SECOND - 30
    assert max(free) - start >= (10 - ratelimit.OVERALL_BURST) * INTERVAL * 0.95  # free pace
    await limiter.shutdown()


async def test_a_late_wake_up_is_made_up_without_30_in_any_second() -> None:
    """The loop wakes the pacer late now and then (a busy machine): the burst of 2 makes the
    lost token up, so the pace holds, and the window keeps any second to 30."""
    clock = FakeClock()
    pacer = fake_pacer(clock)
    late = iter([0.02 if n % 3 == 0 else 0.0 for n in range(10_000)])

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)
        clock.now += seconds + next(late)  # every third wake-up 20 ms late

    pacer._sleep = sleep
    granted: list[float] = []

    async def alert() -> None:
        await pacer.acquire(Priority.BULK)
        granted.append(clock.now)

    await asyncio.wait_for(asyncio.gather(*(alert() for _ in range(600))), 30)
    assert most_in_one_second(granted) <= ratelimit.TELEGRAM_PER_SECOND
    assert max(granted) <= 600 / ratelimit.OVERALL_PER_SECOND + 0.2  # ~20 s, not ~24 s
    await pacer.close()
