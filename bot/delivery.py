"""Alert delivery you can trust: drain the store's outbox within Telegram's limits.

- A row is marked sent only after Telegram accepted the message, so a crash (even SIGKILL)
  loses nothing. Several sends are in flight at once (``SENDS_IN_FLIGHT``: each waits its token
  from the rate limiter, so a slow round trip no longer caps the pace), one per chat at a time,
  chats in turns, and sent-marks are written in batches (``bot.delivery_flow.SentMarks``: at
  most 20 ms after the send), so a crash repeats at most the sends in flight and the marks of
  those last 20 ms; nothing is sent twice otherwise.
- 429: the rate limiter waits ``retry_after`` and retries; if that is not enough, the row is
  retried after ``retry_after``. 5xx, timeouts and dropped connections: the row is retried with
  exponential backoff and the round stops (Telegram is unwell). 403 (the user blocked the bot):
  the chat is deactivated. 400 (or any other refusal, or a bug rendering one row): retried a
  few times, then dropped with the error, so one poison row never blocks the queue.
- Pace: ``bot.ratelimit.PacedRateLimiter`` keeps the whole bot to 30 messages/s overall,
  20/min per group and 1/s per private chat, each with a short burst as Telegram tolerates.
  Alerts and digests are sent as bulk traffic (``bot.ratelimit.bulk``): every reply to a user
  goes first. With ``paid_broadcast`` they are sent with ``allow_paid_broadcast`` (Telegram's
  paid broadcasts, up to 1,000/s, paid in Stars), paced by the limiter's paid bucket.
- Digests: at each digest chat's time, its pending alerts go out as one message (split at 4096
  characters), and are marked sent chunk by chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot import render, render_updates
from bot.delivery_flow import AlertRenderings, ChatTurns, SentMarks
from bot.quiet_hours import QuietGate
from bot.ratelimit import bulk
from news.models import OutboxItem, StoryView

if TYPE_CHECKING:
    from news.store import Store
    from news.summaries import SummaryService

__all__ = [
    "PAID_SENDS_IN_FLIGHT",
    "SENDS_IN_FLIGHT",
    "Deliverer",
    "DeliveryReport",
    "backoff",
    "round_robin",
]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a row Telegram refuses (400) this many times is dropped
# Sends of a drain at once. Each waits for its token, so this only has to cover the pace times a
# round trip: 30/s x 8 allows 260 ms; 960/s x 24 allows 25 ms. Both stay under the bot's 32
# connections (bot.app.CONNECTION_POOL), so replies always find one.
SENDS_IN_FLIGHT = 8
PAID_SENDS_IN_FLIGHT = 24
BACKOFF_BASE = 2.0
BACKOFF_CAP = 300.0


def backoff(attempts: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Seconds before retry number ``attempts + 1``: exponential, capped, with 10% jitter."""
    delay = min(cap, base * 2 ** max(0, attempts))
    return delay * random.uniform(0.9, 1.1)


@dataclass
class DeliveryReport:
    """What one drain or digest round did."""

    sent: int = 0
    retried: int = 0
    dropped: int = 0
    deactivated: int = 0
    errors: list[str] = field(default_factory=list)


class _StopRound(Exception):
    """Telegram is unreachable or failing: stop this round, retry later."""


def _now() -> datetime:
    return datetime.now(UTC)


class Deliverer:
    """Sends outbox rows (instant alerts) and digests through ``bot``; see the module doc."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        summaries: SummaryService,
        *,
        timezone: tzinfo = UTC,
        batch: int = 300,
        max_attempts: int = MAX_ATTEMPTS,
        paid_broadcast: bool = False,
        in_flight: int | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.summaries = summaries
        self.batch = batch
        self.max_attempts = max_attempts
        self.timezone = timezone
        self.paid_broadcast = paid_broadcast  # alerts and digests as Telegram paid broadcasts
        self.in_flight = in_flight or (PAID_SENDS_IN_FLIGHT if paid_broadcast else SENDS_IN_FLIGHT)
        self._lock = asyncio.Lock()  # one sender at a time: drains and digests take turns
        self._quiet = QuietGate(store, timezone)  # quiet hours hold alerts (issue 16)
        self._draining = False
        self._digesting = False
        self._rendered = AlertRenderings()  # one rendering per story and topic for a fan-out

    @property
    def draining(self) -> bool:
        """A drain is running (the drain job skips its turn instead of queueing)."""
        return self._draining

    @property
    def digesting(self) -> bool:
        """A digest round is running (the digest job skips its turn instead of queueing)."""
        return self._digesting

    # --- content ---------------------------------------------------------------------------

    async def _content(self, story_ids: Sequence[int]) -> dict[int, tuple[StoryView, str]]:
        """Stories and their summaries, once per story for a whole round."""
        found = await self.store.get_stories(list(dict.fromkeys(story_ids)))
        stories = {story.id: story for story in found if story.sources}
        article_ids = [story.sources[0].article_id for story in stories.values()]
        summaries: dict[int, str] = {}
        if article_ids:
            try:
                summaries = await self.summaries.summaries_for(article_ids)
            except Exception:  # a summary is a nicety: alert with the title alone
                logger.exception("summaries for alerts failed")
        return {
            sid: (story, summaries.get(story.sources[0].article_id, ""))
            for sid, story in stories.items()
        }

    # --- outcome bookkeeping -----------------------------------------------------------------

    async def _drop(self, item: OutboxItem, error: str, report: DeliveryReport) -> None:
        logger.warning("alert %s to chat %s dropped: %s", item.id, item.chat_id, error)
        await self.store.drop_alerts([item.id], error)
        report.dropped += 1

    async def _retry(
        self, item: OutboxItem, delay: float, error: str, report: DeliveryReport
    ) -> None:
        await self.store.retry_later(item.id, _now() + timedelta(seconds=delay), error)
        report.retried += 1

    async def _refused(self, item: OutboxItem, error: str, report: DeliveryReport) -> str:
        """Telegram (or our own code) refused this row: retry with backoff, then drop it."""
        if item.attempts + 1 >= self.max_attempts:
            await self._drop(item, error, report)
            return "dropped"
        await self._retry(item, backoff(item.attempts), error, report)
        return "retry"

    async def _deliver_guarded(
        self, item: OutboxItem, content: tuple[StoryView, str] | None, report: DeliveryReport
    ) -> str:
        """``_deliver_one``, with a bug in rendering or sending confined to its own row."""
        try:
            return await self._deliver_one(item, content, report)
        except (_StopRound, InvalidToken, asyncio.CancelledError):
            raise
        except Exception as exc:
            logger.exception("alert %s to chat %s failed", item.id, item.chat_id)
            return await self._refused(item, f"error: {type(exc).__name__}", report)

    async def _deliver_one(
        self, item: OutboxItem, content: tuple[StoryView, str] | None, report: DeliveryReport
    ) -> str:
        """Send one alert and record the outcome: retry, dropped or deactivated, or "sent"
        (whose mark the caller writes)."""
        store = self.store
        if content is None:
            await self._drop(item, "story no longer exists", report)
            return "dropped"
        story, summary = content
        if item.kind == "update":
            rendered = render_updates.render_update(story, item)
        else:
            rendered = self._rendered.get(story, summary, item.topic)
        try:
            await self.bot.send_message(
                item.chat_id,
                rendered.text,
                reply_markup=rendered.keyboard,
                message_thread_id=item.thread_id or None,  # a forum topic's alert goes there
                allow_paid_broadcast=self._paid,
            )
        except RetryAfter as exc:
            seconds = exc.retry_after
            delay = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
            await self._retry(item, delay, "429 flood control", report)
            raise _StopRound from exc
        except Forbidden as exc:
            logger.info("chat %s blocked the bot; deactivating it", item.chat_id)
            await store.deactivate_chat(item.chat_id)
            report.deactivated += 1
            report.errors.append(f"403 {exc.message}")
            return "deactivated"
        except BadRequest as exc:
            return await self._refused(item, f"400 {exc.message}", report)
        except InvalidToken:
            raise
        except NetworkError as exc:  # 5xx, timeouts, dropped connections
            await self._retry(item, backoff(item.attempts), f"network: {exc.message}", report)
            raise _StopRound from exc
        except ChatMigrated as exc:  # the group is a supergroup now: its rows move, this retries
            await store.migrate_chat(item.chat_id, exc.new_chat_id)
            report.retried += 1
            return "retry"
        except TelegramError as exc:  # this row cannot go out as it is
            return await self._refused(item, f"{type(exc).__name__}: {exc.message}", report)
        report.sent += 1
        return "sent"  # the caller writes the mark (in a batch)

    # --- rounds ------------------------------------------------------------------------------

    async def drain(self) -> DeliveryReport:
        """Send every due instant alert, batch by batch, until none is due (or Telegram fails)."""
        report = DeliveryReport()
        self._draining = True
        try:
            with bulk():
                await self._drain(report)
        finally:
            self._draining = False
        if report.sent or report.retried or report.dropped or report.deactivated:
            logger.info(
                "alerts: %d sent, %d to retry, %d dropped, %d chats deactivated",
                report.sent,
                report.retried,
                report.dropped,
                report.deactivated,
            )
        return report

    @property
    def _paid(self) -> bool | None:
        return True if self.paid_broadcast else None  # None: the parameter is left out

    async def _drain(self, report: DeliveryReport) -> None:
        async with self._lock:
            self._rendered.clear()  # stories and summaries are read afresh each drain
            settled: set[int] = set()
            marks = SentMarks(self.store, written=settled.update)
            try:
                await self._send_due(marks, settled, report)
            finally:
                await marks.close()

    async def _send_due(self, marks: SentMarks, settled: set[int], report: DeliveryReport) -> None:
        """Every due alert, ``in_flight`` sends at once, until none is due or Telegram fails.

        ``known``: ids taken by this drain whose outcome a later fetch may not see yet (waiting,
        in flight, or sent with the mark unwritten); such an id is never taken twice. An id
        leaves it when a fetch begins after its outcome was written (``settled``), so a row
        due again at once (a group that became a supergroup) is still sent in this drain.
        """
        turns = ChatTurns()
        known: set[int] = set()
        content: dict[int, tuple[StoryView, str]] = {}
        running: dict[asyncio.Task[str], OutboxItem] = {}
        fetching: asyncio.Task[list[OutboxItem]] | None = None
        stopped = exhausted = idle = False

        async def fetch() -> list[OutboxItem]:
            """The next due rows, fetched while the sends already taken go on."""
            nonlocal exhausted
            forget = set(settled)  # written before this fetch begins: it sees them
            settled.clear()
            items = await self.store.due_alerts(_now(), limit=self.batch + len(known))
            known.difference_update(forget)
            fresh = [item for item in items if item.id not in known]
            exhausted = not fresh
            known.update(item.id for item in fresh)
            try:
                send = await self._admit(fresh, content, report)
            except _StopRound:
                settled.update(item.id for item in fresh)
                raise
            taken = {item.id for item in send}
            settled.update(item.id for item in fresh if item.id not in taken)
            return send

        try:
            while True:
                low = len(turns) < self.batch // 2 and not (exhausted and running)
                if fetching is None and not stopped and low:
                    idle = not running and not turns  # nothing else out: the last look
                    fetching = asyncio.create_task(fetch())
                if marks.failed:  # the database is unwell: no sending blind
                    return  # (the sends still waiting for their token are cancelled)
                while not stopped and len(running) < self.in_flight:
                    item = turns.take()
                    if item is None:
                        break
                    sending = self._deliver_guarded(item, content.get(item.story_id), report)
                    running[asyncio.create_task(sending)] = item
                if not running and fetching is None:
                    if stopped or (exhausted and not turns):
                        return
                    continue
                waiting: set[asyncio.Task[Any]] = {*running, *([fetching] if fetching else [])}
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if fetching is not None and fetching in done:
                    fetched, fetching = fetching, None
                    try:
                        turns.add(fetched.result())
                    except _StopRound:
                        stopped = True
                    if exhausted and idle and not running and not turns:
                        return  # nothing new was due after everything taken had settled
                for task in done:
                    if task not in running:
                        continue
                    item = running.pop(task)
                    turns.done(item.chat_id)
                    try:
                        outcome = task.result()
                    except _StopRound:
                        stopped = True  # Telegram is unwell: the rest waits for a later drain
                        settled.add(item.id)
                        continue
                    if outcome == "sent":
                        marks.add(item.id)
                        continue
                    settled.add(item.id)
                    if outcome == "deactivated":  # the store dropped the chat's other rows
                        settled.update(other.id for other in turns.drop_chat(item.chat_id))
        finally:
            if fetching is not None:
                fetching.cancel()
                with contextlib.suppress(BaseException):
                    await fetching
            for task in running:
                task.cancel()
            outcomes = await asyncio.gather(*running, return_exceptions=True)
            for task, outcome in zip(running, outcomes, strict=True):
                if outcome == "sent":
                    marks.add(running[task].id)

    async def _admit(
        self,
        items: Sequence[OutboxItem],
        content: dict[int, tuple[StoryView, str]],
        report: DeliveryReport,
    ) -> list[OutboxItem]:
        """Fetched rows -> those to send one by one, their stories loaded into ``content``.
        Rows held through a chat's quiet hours are held, or sent together, here."""
        missing = {item.story_id for item in items} - content.keys()
        if missing:
            content.update(await self._content(sorted(missing)))
        send, held = await self._quiet.split(items, _now())
        gone: set[int] = set()
        for chat_id, chat_items in held.items():
            if await self._send_held(chat_id, chat_items, content, report):
                gone.add(chat_id)
        return [item for item in send if item.chat_id not in gone]

    async def _send_held(
        self,
        chat_id: int,
        items: Sequence[OutboxItem],
        content: dict[int, tuple[StoryView, str]],
        report: DeliveryReport,
    ) -> bool:
        """The alerts held through a chat's quiet hours as one message (split at 4096
        characters), each part marked sent once Telegram accepted it. Returns True when the
        chat blocked the bot."""
        by_story: dict[int, list[OutboxItem]] = defaultdict(list)
        for item in items:
            by_story[item.story_id].append(item)
        gone = [item.id for item in items if item.story_id not in content]
        if gone:
            await self.store.drop_alerts(gone, "story no longer exists")
        entries = [(*content[sid], rows) for sid, rows in by_story.items() if sid in content]
        for message in render_updates.render_held(entries):
            rows = [row for sid in message.story_ids for row in by_story.get(sid, [])]
            try:
                await self.bot.send_message(
                    chat_id,
                    message.text,
                    reply_markup=message.keyboard,
                    message_thread_id=rows[0].thread_id or None if rows else None,
                    allow_paid_broadcast=self._paid,
                )
            except Forbidden:
                await self.store.deactivate_chat(chat_id)
                report.deactivated += 1
                return True
            except (RetryAfter, NetworkError) as exc:
                report.errors.append(str(exc))
                for row in rows:
                    await self._retry(row, backoff(row.attempts), str(exc)[:200], report)
                raise _StopRound from exc
            except InvalidToken:
                raise
            except TelegramError as exc:
                for row in rows:
                    await self._refused(row, f"{type(exc).__name__}: {exc.message}", report)
                continue
            await self.store.mark_sent([row.id for row in rows], _now())
            report.sent += 1
        return False

    async def send_digests(self) -> DeliveryReport:
        """Send the digest of every chat whose digest time has come."""
        report = DeliveryReport()
        self._digesting = True
        try:
            with bulk():
                await self._digests(report)
        finally:
            self._digesting = False
        if report.sent:
            logger.info("digests: %d messages sent", report.sent)
        return report

    async def _digests(self, report: DeliveryReport) -> None:
        async with self._lock:
            for chat in await self.store.digest_chats_due(_now(), tz=self.timezone):
                try:
                    await self._send_digest(chat.id, report)
                except _StopRound:
                    break

    async def _send_digest(self, chat_id: int, report: DeliveryReport) -> None:
        store = self.store
        items = await store.pending_alerts(chat_id)
        content = await self._content([item.story_id for item in items])
        by_story: dict[int, list[int]] = defaultdict(list)
        for item in items:
            by_story[item.story_id].append(item.id)
        gone = [item.id for item in items if item.story_id not in content]
        if gone:
            await store.mark_sent(gone, _now())  # nothing left to tell about these stories
        entries = [content[sid] for sid in by_story if sid in content]
        for message in render.render_digest(entries):
            try:
                await self.bot.send_message(
                    chat_id,
                    message.text,
                    reply_markup=message.keyboard,
                    allow_paid_broadcast=self._paid,
                )
            except Forbidden:
                await store.deactivate_chat(chat_id)
                report.deactivated += 1
                return
            except BadRequest as exc:
                logger.warning("digest for chat %s refused: %s", chat_id, exc.message)
                report.errors.append(f"400 {exc.message}")
                continue  # the rest of the digest still goes out; these rows stay pending
            except (RetryAfter, NetworkError) as exc:
                report.errors.append(str(exc))
                raise _StopRound from exc  # not marked: the digest is retried next round
            ids = [i for story in message.story_ids for i in by_story.get(story, [])]
            await store.mark_sent(ids, _now())
            report.sent += 1
        await store.mark_digest_sent(chat_id, _now())


def round_robin(items: Sequence[OutboxItem]) -> list[OutboxItem]:
    """Items reordered chat by chat in turns (each chat keeps its own order)."""
    by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
    for item in items:
        by_chat[item.chat_id].append(item)
    queues = list(by_chat.values())
    ordered: list[OutboxItem] = []
    for turn in range(max((len(q) for q in queues), default=0)):
        ordered.extend(q[turn] for q in queues if turn < len(q))
    return ordered
