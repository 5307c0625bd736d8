"""Chats and their briefing history: who talks to the bot, in which delivery mode (instant
alerts or a daily digest), and which stories each was shown when."""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo
from time import monotonic
from typing import Any

from sqlalchemy import Select, and_, bindparam, select, update
from sqlalchemy.sql.expression import Executable

from news.models import Chat
from news.store import mapping
from news.store.access import MAX_ERROR, Access, aware, execute_all, utcnow
from news.store.counters import SUBSCRIPTIONS_COUNTER, bump
from news.store.database import DbConnection
from news.store.tables import BriefingRow, ChatRow, OutboxRow, SubscriptionRow

__all__ = ["CHAT_TOUCH_MAX", "CHAT_TOUCH_TTL", "Chats", "ensure_chat", "new_chat"]

CHAT_TOUCH_TTL = 60.0  # seconds touch_chat trusts this process's last sighting of a chat
CHAT_TOUCH_MAX = 50_000  # chats it remembers (least recently seen forgotten first)

# Statements of the hot paths, built once (building one costs more than running it).
# A chat's last briefing: on one row per story shown since :since, or on one row with NULL.
_BRIEFING_HISTORY = (
    select(ChatRow.last_briefing_at, BriefingRow.story_id)
    .outerjoin(
        BriefingRow,
        and_(BriefingRow.chat_id == ChatRow.id, BriefingRow.at >= bindparam("since")),
    )
    .where(ChatRow.id == bindparam("chat_id"))
)


@functools.cache
def _digest_chats_query() -> Select[*tuple[Any, ...]]:
    """Active digest-mode chats (built once: the digest job asks every few seconds)."""
    return (
        select(*mapping.CHAT_COLUMNS)
        .where(ChatRow.active.is_(True), ChatRow.digest_time.is_not(None))
        .order_by(ChatRow.id)
    )


def new_chat(access: Access, chat_id: int) -> Executable:
    """The statement that makes ``chat_id`` known (a private, active chat) unless it is."""
    return (
        access.insert(ChatRow)
        .values(id=chat_id, kind="private", title=None, active=True, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
    )


async def ensure_chat(access: Access, conn: DbConnection, chat_id: int) -> None:
    """Make ``chat_id`` known (a private, active chat) unless it is, in ``conn``'s write."""
    await conn.execute(new_chat(access, chat_id))


def _last_occurrence(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The latest moment <= now at which the local wall clock in ``zone`` showed ``at``."""
    local = now.astimezone(zone)
    occurrence = datetime.combine(local.date(), at.replace(tzinfo=None), tzinfo=zone)
    if occurrence > local:
        occurrence = datetime.combine(
            local.date() - timedelta(days=1), at.replace(tzinfo=None), tzinfo=zone
        )
    return occurrence


class Chats:
    """The chats and briefings tables (a chat's deactivation also turns off its
    subscriptions and pending alerts, in the same transaction)."""

    def __init__(self, access: Access, *, clock: Callable[[], float] = monotonic) -> None:
        self._access = access
        self._clock = clock  # monotonic seconds (touch_chat's memory of recent sightings)
        # record_briefing's statements, built on first use (the dialect's INSERTs)
        self._record: tuple[Executable, Executable] | None = None
        # touch_chat: chat id -> ((kind, title), clock time this process last saw it active)
        self._touched: OrderedDict[int, tuple[tuple[str, str | None], float]] = OrderedDict()

    async def upsert_chat(self, chat_id: int, *, kind: str, title: str | None) -> Chat:
        """Create or refresh a chat. A chat that writes to us is active again. (Called for
        every update: an unchanged chat costs one read, no write.)"""
        known = await self.get_chat(chat_id)
        if known is not None and (known.kind, known.title, known.active) == (kind, title, True):
            return known
        stmt = self._access.insert(ChatRow).values(
            id=chat_id, kind=kind, title=title, active=True, created_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"], set_={"kind": kind, "title": title, "active": True}
        )
        async with self._access.write() as conn:
            was_active = (
                await conn.execute(select(ChatRow.active).where(ChatRow.id == chat_id))
            ).scalar_one_or_none()
            await conn.execute(stmt)
            if was_active is False:  # its remaining subscriptions are visible again
                await bump(conn, SUBSCRIPTIONS_COUNTER)
            row = (
                await conn.execute(select(*mapping.CHAT_COLUMNS).where(ChatRow.id == chat_id))
            ).one()
        return mapping.chat(row)

    async def touch_chat(self, chat_id: int, *, kind: str, title: str | None) -> None:
        """``upsert_chat`` for every incoming update, without a database round trip when this
        process saw the chat, unchanged and active, within ``CHAT_TOUCH_TTL`` seconds. A chat
        deactivated here is forgotten at once; one deactivated by another process (a worker
        meeting a 403) is reactivated by its first message after that window."""
        key = (kind, title)
        seen = self._touched.get(chat_id)
        now = self._clock()
        if seen is not None and seen[0] == key and now - seen[1] < CHAT_TOUCH_TTL:
            return
        await self.upsert_chat(chat_id, kind=kind, title=title)
        self._touched[chat_id] = (key, now)
        self._touched.move_to_end(chat_id)
        while len(self._touched) > CHAT_TOUCH_MAX:
            self._touched.popitem(last=False)

    async def get_chat(self, chat_id: int) -> Chat | None:
        async with self._access.read_one() as conn:
            row = (
                await conn.execute(select(*mapping.CHAT_COLUMNS).where(ChatRow.id == chat_id))
            ).one_or_none()
        return None if row is None else mapping.chat(row)

    async def set_digest(
        self, chat_id: int, at: time | None, *, now: datetime | None = None
    ) -> None:
        """Daily digest at ``at`` (wall-clock time, see ``digest_chats_due``), or None for
        instant alerts. The first digest comes at the next ``at`` after ``now``."""
        async with self._access.write() as conn:
            await ensure_chat(self._access, conn, chat_id)
            await conn.execute(
                update(ChatRow)
                .where(ChatRow.id == chat_id)
                .values(
                    digest_time=None if at is None else at.replace(tzinfo=None),
                    last_digest_at=None if at is None else (now or utcnow()),
                )
            )

    async def deactivate_chat(self, chat_id: int, *, reason: str = "chat deactivated") -> None:
        """The chat blocked us (or is gone): chat and its subscriptions off, pending alerts
        dropped (kept, marked ``dropped``)."""
        self._touched.pop(chat_id, None)
        async with self._access.write() as conn:
            await conn.execute(update(ChatRow).where(ChatRow.id == chat_id).values(active=False))
            await bump(conn, SUBSCRIPTIONS_COUNTER)
            await conn.execute(
                update(SubscriptionRow)
                .where(SubscriptionRow.chat_id == chat_id)
                .values(active=False)
            )
            await conn.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.chat_id == chat_id,
                    OutboxRow.sent_at.is_(None),
                    OutboxRow.dropped.is_(False),
                )
                .values(dropped=True, last_error=reason[:MAX_ERROR])
            )

    async def record_briefing(self, chat_id: int, story_ids: Sequence[int], at: datetime) -> None:
        """Remember the stories a chat was shown, and when it last had a briefing."""
        unique = list(dict.fromkeys(story_ids))
        if self._record is None:
            # One statement makes a chat unknown so far, or sets its last briefing.
            stmt = self._access.insert(ChatRow).values(
                id=bindparam("chat_id"),
                kind="private",
                title=None,
                active=True,
                created_at=bindparam("created_at"),
                last_briefing_at=bindparam("at"),
            )
            chat = stmt.on_conflict_do_update(
                index_elements=["id"], set_={"last_briefing_at": stmt.excluded.last_briefing_at}
            )
            self._record = (chat, self._access.insert(BriefingRow))
        upsert_chat, add_rows = self._record
        statements: list[tuple[Executable, Any]] = [
            (upsert_chat, {"chat_id": chat_id, "created_at": utcnow(), "at": at})
        ]
        if unique:  # executemany: one statement, whatever the number of stories
            rows = [{"chat_id": chat_id, "story_id": s, "at": at} for s in unique]
            statements.append((add_rows, rows))
        async with self._access.write_quick() as conn:
            await conn.run_sync(execute_all, statements)

    async def briefed_story_ids(self, chat_id: int, *, since: datetime) -> set[int]:
        async with self._access.read_one() as conn:
            result = await conn.execute(
                select(BriefingRow.story_id)
                .where(BriefingRow.chat_id == chat_id, BriefingRow.at >= since)
                .distinct()
            )
            return set(result.scalars())

    async def briefing_history(
        self, chat_id: int, *, since: datetime
    ) -> tuple[datetime | None, set[int]]:
        """The chat's last briefing time (None: never, or an unknown chat) and the stories it
        was shown since ``since``: ``get_chat`` and ``briefed_story_ids`` in one query."""
        async with self._access.read_quick() as conn:
            rows = (
                await conn.execute(_BRIEFING_HISTORY, {"chat_id": chat_id, "since": since})
            ).all()
        last = rows[0].last_briefing_at if rows else None
        return last, {row.story_id for row in rows if row.story_id is not None}

    async def digest_chats_due(self, now: datetime, *, tz: tzinfo | None = None) -> list[Chat]:
        """Active digest-mode chats whose digest time has passed since their last digest.

        ``digest_time`` is wall-clock time in ``tz`` (default: ``now``'s time zone, UTC for a
        naive ``now``); pass the configured zone, e.g. ``ZoneInfo(settings.timezone)``.
        """
        now = aware(now)
        zone = tz or now.tzinfo or UTC
        async with self._access.read_quick() as conn:
            rows = await conn.execute(_digest_chats_query())
            due = []
            for row in rows:
                occurrence = _last_occurrence(now, row.digest_time, zone)
                if row.last_digest_at is None or row.last_digest_at < occurrence:
                    due.append(mapping.chat(row))
        return due

    async def mark_digest_sent(self, chat_id: int, at: datetime) -> None:
        async with self._access.write_quick() as conn:
            await conn.execute(
                update(ChatRow).where(ChatRow.id == chat_id).values(last_digest_at=at)
            )
