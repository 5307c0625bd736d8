"""Alert delivery against the real store: sent once, marked only when accepted, and every
Telegram failure (429, 5xx, dropped connection, 403, 400) handled without losing an alert."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from telegram.ext import CallbackContext

from bot import delivery, jobs, ratelimit
from bot.delivery import Deliverer, backoff
from news.ingest import IngestReport
from news.models import OutboxItem
from tests.bot.conftest import Harness
from tests.bot.fakes import Fault

CHATS = (11, 12, 13)
TEXTS = (
    "A storm hit the coast. Roads closed.",
    "Ferries stopped at noon. Ports shut until the weekend.",
    "Schools stay shut on Friday. Parents look for childcare.",
)


def deliverer(harness: Harness) -> Deliverer:
    found = harness.app.bot_data.deliverer
    assert found is not None
    return found


async def queue_alerts(harness: Harness, chats: tuple[int, ...] = CHATS, n: int = 0) -> int:
    store = harness.services.store
    result = await harness.add_article(
        f"Storm hits the coast {n}", TEXTS[n], f"https://s.example/{n}"
    )
    for chat_id in chats:
        await store.upsert_chat(chat_id, kind="private", title=None)
    await store.enqueue_alerts([(chat_id, result.story_id, "storm") for chat_id in chats])
    return result.story_id


def alerts_to(harness: Harness, chat_id: int) -> list[str]:
    return [t for t in harness.telegram.texts(chat_id) if "New on" in t]


async def pending(harness: Harness) -> int:
    later = datetime.now(UTC) + timedelta(days=1)
    return len(await harness.services.store.due_alerts(later, limit=1000))


def travel(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the deliverer's clock forward (retry times are in the store)."""
    moved = datetime.now(UTC) + timedelta(seconds=seconds)
    monkeypatch.setattr(delivery, "_now", lambda: moved)


async def test_alerts_are_sent_once_and_marked(harness: Harness) -> None:
    story_id = await queue_alerts(harness)
    report = await deliverer(harness).drain()
    assert report.sent == 3
    for chat_id in CHATS:
        [text] = alerts_to(harness, chat_id)
        assert "Storm hits the coast" in text
        assert "\u201cstorm\u201d" in text
    markup = harness.telegram.sent(11)[0]["reply_markup"]
    assert markup["inline_keyboard"][0][0]["callback_data"] == f"v1:full:{story_id}"
    assert await pending(harness) == 0
    again = await deliverer(harness).drain()
    assert again.sent == 0
    assert len(harness.telegram.sent()) == 3


async def test_a_fan_out_renders_each_story_and_topic_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, str | None]] = []
    real = delivery.render.render_alert

    def counted(story: Any, summary: str, topic: str | None) -> Any:
        calls.append((story.id, topic))
        return real(story, summary, topic)

    monkeypatch.setattr(delivery.render, "render_alert", counted)
    chats = tuple(range(100, 140))
    first = await queue_alerts(harness, chats)
    second = await queue_alerts(harness, chats[:5], n=1)
    report = await deliverer(harness).drain()
    assert report.sent == 45
    assert sorted(calls) == sorted([(first, "storm"), (second, "storm")])
    texts = {chat: alerts_to(harness, chat) for chat in chats}
    assert all(len(found) == (2 if chat in chats[:5] else 1) for chat, found in texts.items())
    calls.clear()
    await queue_alerts(harness, (200,))  # the next drain renders afresh (the story may change)
    assert (await deliverer(harness).drain()).sent == 1
    assert calls == [(first, "storm")]


async def test_429_waits_retry_after_and_retries(harness: Harness) -> None:
    await queue_alerts(harness, (21,))
    harness.telegram.fail("sendMessage", Fault(429, "Too Many Requests", retry_after=1))
    report = await deliverer(harness).drain()
    attempts = [c for c in harness.telegram.calls if c.method == "sendMessage"]
    assert len(attempts) == 2
    assert attempts[1].at - attempts[0].at >= 1.0
    assert report.sent == 1
    assert len(alerts_to(harness, 21)) == 1
    assert await pending(harness) == 0


@pytest.mark.parametrize(
    "fault", [Fault(500, "Internal Server Error"), Fault(502, "Bad Gateway"), Fault(0, drop=True)]
)
async def test_server_errors_and_dropped_connections_retry_later(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, fault: Fault
) -> None:
    await queue_alerts(harness, (31,))
    harness.telegram.fail("sendMessage", fault)
    report = await deliverer(harness).drain()
    assert report.sent == 0
    assert report.retried == 1
    assert await pending(harness) == 1  # kept, with a later attempt time
    travel(monkeypatch, 60)
    report = await deliverer(harness).drain()
    assert report.sent == 1
    assert len(alerts_to(harness, 31)) == 1
    assert await pending(harness) == 0


async def test_403_deactivates_only_that_chat(harness: Harness) -> None:
    await harness.services.topics.subscribe(41, "storm")
    await queue_alerts(harness, (41, 42))
    harness.telegram.fail("sendMessage", Fault(403, "Forbidden: bot was blocked", chat_id=41))
    report = await deliverer(harness).drain()
    assert report.deactivated == 1
    assert report.sent == 1
    assert len(alerts_to(harness, 42)) == 1
    chat = await harness.services.store.get_chat(41)
    assert chat is not None
    assert not chat.active
    assert await harness.services.topics.list(41) == []
    assert await pending(harness) == 0


async def test_a_poison_row_is_dropped_after_attempts_and_blocks_nothing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await queue_alerts(harness, (51, 52))
    harness.telegram.fail("sendMessage", Fault(400, "Bad Request: odd", chat_id=51), count=50)
    report = await deliverer(harness).drain()
    assert report.sent == 1
    assert len(alerts_to(harness, 52)) == 1
    for hop in range(1, delivery.MAX_ATTEMPTS + 2):
        travel(monkeypatch, 3600 * hop)
        await deliverer(harness).drain()
    tries = [c for c in harness.telegram.calls if c.params.get("chat_id") == 51]
    assert len(tries) == delivery.MAX_ATTEMPTS
    assert await pending(harness) == 0


async def test_one_private_chat_gets_about_one_message_per_second(harness: Harness) -> None:
    start = harness.telegram.calls[-1].at if harness.telegram.calls else 0.0
    for n in range(4):
        await harness.app.bot.send_message(61, f"message {n}")
    sends = [c.at for c in harness.telegram.calls if c.params.get("chat_id") == 61]
    assert len(sends) == 4
    # a burst of CHAT_BURST, then one per CHAT_INTERVAL (Telegram: ~1/s, short bursts)
    assert sends[ratelimit.CHAT_BURST - 1] - sends[0] < 0.5
    assert sends[-1] - sends[0] >= (4 - ratelimit.CHAT_BURST) * ratelimit.CHAT_INTERVAL * 0.95
    assert start <= sends[0]


async def test_digest_chats_get_one_message_at_their_time(harness: Harness) -> None:
    store = harness.services.store
    await store.upsert_chat(71, kind="private", title=None)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    now = datetime.now(UTC)
    await store.set_digest(71, time(now.hour, now.minute), now=yesterday)
    await queue_alerts(harness, (71,), n=1)
    await queue_alerts(harness, (71,), n=2)
    assert (await deliverer(harness).drain()).sent == 0  # digest chats wait for their time
    report = await deliverer(harness).send_digests()
    assert report.sent == 1
    [text] = harness.telegram.texts(71)
    assert "Your daily digest</b> (2 stories)" in text
    assert "Storm hits the coast 1" in text
    assert "Storm hits the coast 2" in text
    assert await pending(harness) == 0
    assert (await deliverer(harness).send_digests()).sent == 0  # once a day


async def test_digest_and_drain_jobs_run_together_and_take_turns(harness: Harness) -> None:
    store = harness.services.store
    await store.upsert_chat(81, kind="private", title=None)
    now = datetime.now(UTC)
    await store.set_digest(81, time(now.hour, now.minute), now=now - timedelta(days=1))
    await queue_alerts(harness, (81, 82))
    context = CallbackContext(harness.app)
    await asyncio.gather(jobs.drain_job(context), jobs.digest_job(context))
    assert len(alerts_to(harness, 82)) == 1
    assert any("Your daily digest" in text for text in harness.telegram.texts(81))
    assert await pending(harness) == 0


async def test_a_bug_rendering_one_row_is_confined_to_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    story_id = await queue_alerts(harness, ())
    store = harness.services.store
    for chat_id in (91, 92):
        await store.upsert_chat(chat_id, kind="private", title=None)
    await store.enqueue_alerts([(91, story_id, "boom"), (92, story_id, "storm")])
    real = delivery.render.render_alert

    def render_alert(story: object, summary: str, topic: str | None) -> object:
        if topic == "boom":
            raise ValueError("a rendering bug")
        return real(story, summary, topic)  # type: ignore[arg-type]

    monkeypatch.setattr(delivery.render, "render_alert", render_alert)
    report = await deliverer(harness).drain()
    assert report.sent == 1
    assert report.retried == 1
    assert len(alerts_to(harness, 92)) == 1
    for hop in range(1, delivery.MAX_ATTEMPTS + 1):
        travel(monkeypatch, 3600 * hop)
        await deliverer(harness).drain()
    assert await pending(harness) == 0  # dropped after MAX_ATTEMPTS, not retried forever


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff(n) for n in range(12)]
    assert delays[1] > delays[0] * 1.5
    assert max(delays) <= delivery.BACKOFF_CAP * 1.1


def test_round_robin_takes_chats_in_turns_keeping_each_chats_order() -> None:
    now = datetime.now(UTC)
    items = [
        OutboxItem(n, chat, n, None, 0, now, now)
        for n, chat in enumerate([1, 1, 1, 2, 3, 3], start=1)
    ]
    order = [(item.chat_id, item.id) for item in delivery.round_robin(items)]
    assert order == [(1, 1), (2, 4), (3, 5), (1, 2), (3, 6), (1, 3)]


async def test_new_articles_from_a_poll_are_delivered_without_waiting(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def poll_feeds() -> IngestReport:
        return IngestReport(new=1, feeds_checked=1)

    monkeypatch.setattr(harness.services.ingestor, "poll_feeds", poll_feeds)
    await jobs.poll_job(CallbackContext(harness.app))
    assert harness.app.job_queue is not None
    assert [job.name for job in harness.app.job_queue.jobs()] == ["deliver-now"]
    assert harness.app.bot_data.polling_feeds is False


# --- several sends in flight, sent-marks in batches (issue 14) --------------------------------


class SlowTelegram:
    """Every sendMessage takes ``seconds`` on the wire; counts how many are out at once and the
    chats whose messages Telegram accepted, in order."""

    def __init__(self, harness: Harness, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
        self.seconds = seconds
        self.out = 0
        self.most_out = 0
        self.per_chat_out: dict[int, int] = {}
        self.overlapping_chats = 0
        self.accepted: list[int] = []
        real = harness.telegram.do_request

        async def do_request(url: str, method: str, request_data: Any = None, **kw: Any) -> Any:
            if not url.endswith("/sendMessage"):
                return await real(url, method, request_data, **kw)
            chat_id = int(request_data.parameters["chat_id"])
            self.out += 1
            self.most_out = max(self.most_out, self.out)
            self.per_chat_out[chat_id] = self.per_chat_out.get(chat_id, 0) + 1
            if self.per_chat_out[chat_id] > 1:
                self.overlapping_chats += 1
            try:
                await asyncio.sleep(self.seconds)
                answer = await real(url, method, request_data, **kw)
            finally:
                self.out -= 1
                self.per_chat_out[chat_id] -= 1
            if answer[0] == 200:
                self.accepted.append(chat_id)
            return answer

        monkeypatch.setattr(harness.telegram, "do_request", do_request)


class MarkSpy:
    """Records every ``mark_sent`` batch with the chats Telegram had accepted a message for by
    then (and can lose the batches: a crash before the write)."""

    def __init__(self, harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
        self.batches: list[list[int]] = []
        self.accepted_then: list[set[int]] = []
        self.lose = False
        store = harness.services.store
        real = store.mark_sent

        async def mark_sent(ids: Any, at: datetime) -> None:
            self.batches.append(list(ids))
            self.accepted_then.append({int(p["chat_id"]) for p in harness.telegram.sent()})
            if self.lose:
                raise OSError("disk I/O error")  # the database goes, as in a crash
            await real(ids, at)

        monkeypatch.setattr(store, "mark_sent", mark_sent)


async def rows_by_chat(harness: Harness) -> dict[int, int]:
    later = datetime.now(UTC) + timedelta(days=1)
    return {item.chat_id: item.id for item in await harness.services.store.due_alerts(later)}


async def test_several_sends_are_in_flight_so_a_slow_round_trip_does_not_cap_the_pace(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = tuple(range(101, 131))
    await queue_alerts(harness, chats)
    wire = SlowTelegram(harness, monkeypatch, 0.25)  # one at a time: 30 x 0.25 s = 7.5 s
    loop = asyncio.get_running_loop()
    started = loop.time()
    report = await deliverer(harness).drain()
    took = loop.time() - started
    assert report.sent == 30
    assert sorted(wire.accepted) == sorted(chats)
    assert wire.most_out > 1
    assert wire.most_out <= delivery.SENDS_IN_FLIGHT
    # at Telegram's pace (30/s: ~1 s) plus a round trip, not 7.5 s
    assert took < 29 / ratelimit.OVERALL_PER_SECOND + 0.25 + 0.8, took
    assert await pending(harness) == 0


async def test_one_chat_has_one_send_out_at_a_time_and_keeps_its_order(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        await queue_alerts(harness, (141, 142), n=n)
    wire = SlowTelegram(harness, monkeypatch, 0.1)
    report = await deliverer(harness).drain()
    assert report.sent == 6
    assert wire.overlapping_chats == 0
    for chat_id in (141, 142):
        texts = alerts_to(harness, chat_id)
        order = [n for text in texts for n in range(3) if f"Storm hits the coast {n}" in text]
        assert order == [0, 1, 2], texts


async def test_sent_marks_are_written_in_batches_only_for_accepted_alerts(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = tuple(range(201, 241))
    await queue_alerts(harness, chats)
    chat_of = {row: chat for chat, row in (await rows_by_chat(harness)).items()}
    spy = MarkSpy(harness, monkeypatch)
    sender = deliverer(harness)
    sender.paid_broadcast, sender.in_flight = True, delivery.PAID_SENDS_IN_FLIGHT
    report = await sender.drain()
    assert report.sent == 40
    assert sorted(i for batch in spy.batches for i in batch) == sorted(chat_of)  # each once
    assert len(spy.batches) <= 4  # 40 sends in well under a second: a few writes, not 40
    for batch, accepted in zip(spy.batches, spy.accepted_then, strict=True):
        assert {chat_of[i] for i in batch} <= accepted  # marked only once Telegram accepted it
    assert all(p.get("allow_paid_broadcast") is True for p in harness.telegram.sent())
    assert await pending(harness) == 0


async def test_a_drain_stopped_mid_way_marks_what_was_accepted_and_loses_nothing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = tuple(range(301, 331))
    await queue_alerts(harness, chats)
    wire = SlowTelegram(harness, monkeypatch, 0.05)
    draining = asyncio.create_task(deliverer(harness).drain())
    while len(wire.accepted) < 8:  # noqa: ASYNC110 - waiting on the fake wire
        await asyncio.sleep(0.01)
    draining.cancel()  # shutdown mid-drain: the sends out are cancelled, the marks written
    with pytest.raises(asyncio.CancelledError):
        await draining
    accepted = set(wire.accepted)
    assert 8 <= len(accepted) < 30
    assert set(await rows_by_chat(harness)) == set(chats) - accepted  # marked: accepted ones
    report = await deliverer(harness).drain()
    assert report.sent == 30 - len(accepted)
    assert sorted(wire.accepted) == sorted(chats)  # each chat once: nothing lost or doubled


async def test_marks_lost_in_a_crash_mean_a_repeat_never_a_loss(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = tuple(range(341, 351))
    await queue_alerts(harness, chats)
    spy = MarkSpy(harness, monkeypatch)
    spy.lose = True  # no sent-mark reaches the database, as when the process dies
    with pytest.raises(OSError, match="disk I/O"):
        await deliverer(harness).drain()
    first = {chat for chat in chats if alerts_to(harness, chat)}
    assert first  # sent before the first write failed...
    assert len(first) < len(chats)  # ...and then the drain stopped sending blind
    assert set(await rows_by_chat(harness)) == set(chats)  # all still pending
    spy.lose = False
    await deliverer(harness).drain()  # the restarted bot
    assert await pending(harness) == 0
    for chat in chats:  # at least once: the unmarked ones again, none lost
        assert len(alerts_to(harness, chat)) == (2 if chat in first else 1)


@pytest.mark.parametrize(
    "fault",
    [Fault(500, "Internal Server Error"), Fault(429, "Too Many Requests", retry_after=1)],
)
async def test_a_failure_mid_drain_stops_it_keeps_the_sends_in_flight_and_doubles_nothing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, fault: Fault
) -> None:
    chats = tuple(range(361, 381))
    await queue_alerts(harness, chats)
    failing = chats[6]
    count = 1 if fault.status == 500 else 4  # a 429 is retried by the limiter 3 times
    harness.telegram.fail("sendMessage", dataclasses.replace(fault, chat_id=failing), count)
    wire = SlowTelegram(harness, monkeypatch, 0.05)
    report = await deliverer(harness).drain()
    assert report.retried == 1
    assert failing not in wire.accepted
    assert report.sent == len(wire.accepted) < 20  # stopped: Telegram is unwell
    assert set(await rows_by_chat(harness)) == set(chats) - set(wire.accepted)
    travel(monkeypatch, 600)
    await deliverer(harness).drain()
    assert sorted(wire.accepted) == sorted(chats)  # every chat once
    assert await pending(harness) == 0
