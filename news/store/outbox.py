"""The alert outbox: one row per (chat, story) ever, claimed by deliverers with a lease, marked
sent only after Telegram accepted it, retried with backoff otherwise (nothing lost, nothing sent
twice)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, select, update

from news.models import OutboxItem
from news.store import mapping
from news.store.access import MAX_ERROR, Access, aware, chunks, execute_all, utcnow
from news.store.database import DbConnection
from news.store.tables import ChatRow, OutboxRow

__all__ = ["Outbox"]

_KEY = ["chat_id", "story_id", "article_id"]  # one alert (article 0) and one update per source


class Outbox:
    """The outbox table."""

    def __init__(self, access: Access) -> None:
        self._access = access

    async def enqueue_alerts(
        self,
        items: Sequence[tuple[int, int, str | None] | tuple[int, int, str | None, int]],
        *,
        now: datetime | None = None,
        why: Mapping[tuple[int, int], str] | None = None,
    ) -> int:
        """Queue (chat, story, topic[, forum thread]) alerts; each (chat, story) once ever,
        inactive chats skipped. ``why``: (chat, story) -> how its topic matched (JSON, for
        the alert's "Why this?"). Returns how many rows were new."""
        at = now or utcnow()
        wanted: dict[tuple[int, int], str | None] = {}
        threads: dict[tuple[int, int], int] = {}
        for item in items:
            chat_id, story_id, topic = item[0], item[1], item[2]
            if (chat_id, story_id) not in wanted:
                wanted[(chat_id, story_id)] = topic
                threads[(chat_id, story_id)] = item[3] if len(item) > 3 else 0
        if not wanted:
            return 0
        async with self._access.write() as conn:
            chat_ids = sorted({chat_id for chat_id, _ in wanted})
            active: set[int] = set()
            for chunk in chunks(chat_ids):
                result = await conn.execute(
                    select(ChatRow.id).where(ChatRow.id.in_(chunk), ChatRow.active.is_(True))
                )
                active.update(result.scalars())
            rows = [
                {
                    "chat_id": chat_id,
                    "story_id": story_id,
                    "topic": topic,
                    "created_at": at,
                    "attempts": 0,
                    "next_attempt_at": at,
                    "dropped": False,
                    "thread_id": threads[(chat_id, story_id)],
                    "kind": "alert",
                    "article_id": 0,
                    "why": (why or {}).get((chat_id, story_id)),
                }
                for (chat_id, story_id), topic in wanted.items()
                if chat_id in active
            ]
            return await self._insert_new(conn, rows)

    async def enqueue_updates(
        self, items: Sequence[tuple[int, int, int, str]], *, now: datetime | None = None
    ) -> int:
        """Queue (chat, story, new source article, new sentences) story updates, each
        (chat, story, source) once ever, inactive chats skipped; delivered like alerts
        (issue 16). Returns how many rows were new."""
        at = now or utcnow()
        rows = [
            {
                "chat_id": chat_id,
                "story_id": story_id,
                "topic": None,
                "created_at": at,
                "attempts": 0,
                "next_attempt_at": at,
                "dropped": False,
                "kind": "update",
                "article_id": article_id,
                "body": body,
            }
            for chat_id, story_id, article_id, body in items
            if article_id > 0
        ]
        if not rows:
            return 0
        async with self._access.write() as conn:
            active: set[int] = set()
            for chunk in chunks(sorted({chat_id for chat_id, _, _, _ in items})):
                result = await conn.execute(
                    select(ChatRow.id).where(ChatRow.id.in_(chunk), ChatRow.active.is_(True))
                )
                active.update(result.scalars())
            return await self._insert_new(conn, [row for row in rows if row["chat_id"] in active])

    async def _insert_new(self, conn: DbConnection, rows: list[dict[str, Any]]) -> int:
        """Insert outbox rows, skipping those whose key is already queued; how many were new.

        One cached statement run as executemany (SQLAlchemy sends it as batches of VALUES
        lists): a statement with the rows' values inlined was compiled afresh for every batch,
        1.5 s for 3,000 alerts before the first of them could be sent."""
        if not rows:
            return 0
        result = await conn.execute(
            self._access.insert(OutboxRow)
            .on_conflict_do_nothing(index_elements=_KEY)
            .returning(OutboxRow.id),
            rows,
        )
        return len(result.all())

    async def hold_alerts(self, item_ids: Sequence[int], until: datetime) -> None:
        """Keep these alerts pending until ``until`` (a chat's quiet hours end), without
        counting an attempt (issue 16)."""
        async with self._access.write_quick() as conn:
            for chunk in chunks(list(item_ids)):
                await conn.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(chunk), OutboxRow.sent_at.is_(None))
                    .values(next_attempt_at=until)
                )

    async def alert_why(self, chat_id: int, story_id: int) -> str | None:
        """How the topic of a chat's alert on a story matched (the JSON ``enqueue_alerts`` was
        given), or None."""
        async with self._access.read_one() as conn:
            return (
                await conn.execute(
                    select(OutboxRow.why)
                    .where(
                        OutboxRow.chat_id == chat_id,
                        OutboxRow.story_id == story_id,
                        OutboxRow.why.is_not(None),
                    )
                    .limit(1)
                )
            ).scalar_one_or_none()

    def _pending(self) -> ColumnElement[bool]:
        return and_(OutboxRow.sent_at.is_(None), OutboxRow.dropped.is_(False))

    @staticmethod
    @functools.cache
    def _due_query(digest: bool, one_chat: bool) -> Select[*tuple[Any, ...]]:
        """Unsent alerts due by ``:now``, at most ``:limit`` (of ``:chat_id``): built once per
        shape, executed with parameters (the delivery job runs it every few seconds)."""
        mode = ChatRow.digest_time.is_not(None) if digest else ChatRow.digest_time.is_(None)
        query = (
            select(*mapping.OUTBOX_COLUMNS)
            .join(ChatRow, ChatRow.id == OutboxRow.chat_id)
            .where(
                OutboxRow.sent_at.is_(None),
                OutboxRow.dropped.is_(False),
                OutboxRow.next_attempt_at <= bindparam("now"),
                ChatRow.active.is_(True),
            )
            .where(mode)
            .order_by(OutboxRow.created_at, OutboxRow.id)
            .limit(bindparam("limit"))
        )
        if one_chat:
            query = query.where(OutboxRow.chat_id == bindparam("chat_id"))
        return query

    async def due_alerts(
        self,
        now: datetime,
        *,
        limit: int = 100,
        digest: bool = False,
        chat_id: int | None = None,
    ) -> list[OutboxItem]:
        """Unsent alerts whose time has come, oldest first, for active chats in instant mode
        (``digest=False``) or in digest mode (``digest=True``); optionally for one chat."""
        query = self._due_query(digest, chat_id is not None)
        params = {"now": now, "limit": limit, "chat_id": chat_id}
        async with self._access.read_quick() as conn:
            rows = await conn.execute(query, params)
        return [mapping.outbox(row) for row in rows]

    async def claim_alerts(
        self,
        now: datetime,
        *,
        lease: timedelta = timedelta(minutes=2),
        limit: int = 100,
        digest: bool = False,
        chat_id: int | None = None,
    ) -> list[OutboxItem]:
        """Like ``due_alerts``, for several delivery processes at once: the rows returned are
        hidden from other callers until ``now + lease`` (their ``next_attempt_at``), so no two
        deliverers send the same alert. A deliverer that dies before ``mark_sent`` or
        ``retry_later`` only delays its alerts by the lease; ``attempts`` is not counted."""
        query = self._due_query(digest, chat_id is not None)
        if self._access.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=OutboxRow)
        params = {"now": now, "limit": limit, "chat_id": chat_id}
        until = aware(now).astimezone(UTC) + lease
        async with self._access.write() as conn:
            items = [mapping.outbox(row) for row in await conn.execute(query, params)]
            for chunk in chunks([item.id for item in items]):
                await conn.execute(
                    update(OutboxRow).where(OutboxRow.id.in_(chunk)).values(next_attempt_at=until)
                )
        return [dataclasses.replace(item, next_attempt_at=until) for item in items]

    async def pending_alerts(self, chat_id: int) -> list[OutboxItem]:
        """All of a chat's unsent, undropped alerts, oldest first, whatever their retry time."""
        async with self._access.read_one() as conn:
            rows = await conn.execute(
                select(*mapping.OUTBOX_COLUMNS)
                .where(OutboxRow.chat_id == chat_id, self._pending())
                .order_by(OutboxRow.created_at, OutboxRow.id)
            )
        return [mapping.outbox(row) for row in rows]

    async def mark_sent(self, item_ids: Sequence[int], at: datetime) -> None:
        """Telegram accepted these alerts (sending twice keeps the first time)."""
        statements = [
            (
                update(OutboxRow)
                .where(OutboxRow.id.in_(chunk), OutboxRow.sent_at.is_(None))
                .values(sent_at=at),
                None,
            )
            for chunk in chunks(list(item_ids))
        ]
        async with self._access.write_quick() as conn:
            await conn.run_sync(execute_all, statements)

    async def retry_later(self, item_id: int, at: datetime, error: str) -> None:
        """A send failed: count the attempt and try again at ``at`` (a sent alert stays sent)."""
        async with self._access.write_quick() as conn:
            await conn.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id, OutboxRow.sent_at.is_(None))
                .values(
                    attempts=OutboxRow.attempts + 1,
                    next_attempt_at=at,
                    last_error=error[:MAX_ERROR],
                )
            )

    async def drop_alerts(self, item_ids: Sequence[int], error: str) -> None:
        """Give up on alerts that can never be sent (kept, marked ``dropped``)."""
        async with self._access.write() as conn:
            for chunk in chunks(list(item_ids)):
                await conn.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(chunk), OutboxRow.sent_at.is_(None))
                    .values(dropped=True, last_error=error[:MAX_ERROR])
                )
