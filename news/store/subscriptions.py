"""Subscriptions: the topics each chat follows (unique per chat up to case and spacing), with
their embeddings and keyword filters; every change bumps a counter and stamps the row with the
counter's new value, so a cache of all of them in any process reads only the rows changed since
it last looked (``subscription_changes``). Also the sources a chat muted."""

from __future__ import annotations

import numpy.typing as npt
from sqlalchemy import ColumnElement, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from news.models import SubscribeResult, Subscription, SubscriptionChanges
from news.store import mapping
from news.store.access import Access, utcnow
from news.store.chats import ensure_chat
from news.store.counters import SUBSCRIPTIONS_COUNTER, bump, read_counter
from news.store.database import DbConnection
from news.store.tables import ChatRow, CounterRow, MutedSourceRow, OutboxRow, SubscriptionRow
from news.stories.grouping import Vector, to_blob

__all__ = ["Subscriptions", "normalize_topic_key"]


async def _changed(conn: DbConnection, sub_id: int) -> None:
    """Count a change of subscription ``sub_id`` and stamp the row with the counter's new
    value (PostgreSQL: the counter's row lock orders the stamps as their commits)."""
    await bump(conn, SUBSCRIPTIONS_COUNTER)
    version = (
        await conn.execute(
            select(CounterRow.value).where(CounterRow.name == SUBSCRIPTIONS_COUNTER)
        )
    ).scalar_one()
    await conn.execute(
        update(SubscriptionRow).where(SubscriptionRow.id == sub_id).values(version=version)
    )


def normalize_topic_key(topic: str) -> str:
    """The per-chat uniqueness key of a topic: whitespace collapsed, casefolded."""
    return " ".join(topic.split()).casefold()


class Subscriptions:
    """The subscriptions table."""

    def __init__(self, access: Access) -> None:
        self._access = access
        self._cached: tuple[int, list[tuple[Subscription, Vector | None]]] | None = None

    async def subscribe(
        self,
        chat_id: int,
        topic: str,
        *,
        embedding: npt.ArrayLike | None,
        limit: int,
        thread_id: int = 0,
        filters: str | None = None,
    ) -> SubscribeResult:
        """Subscribe a chat to a topic: ``created`` (or re-activated), ``exists`` (same topic
        up to case and spacing, same filters), ``updated`` (same topic, its keyword ``filters``
        replaced), or ``limit`` when the chat already has ``limit`` topics.
        ``thread_id``: the forum topic its alerts go to (0: none; a re-activated topic moves)."""
        filters = filters or None
        key = normalize_topic_key(topic)
        blob = to_blob(embedding)
        try:
            async with self._access.write() as conn:
                await ensure_chat(self._access, conn, chat_id)
                row = (
                    await conn.execute(
                        select(*mapping.SUB_COLUMNS, SubscriptionRow.active).where(
                            SubscriptionRow.chat_id == chat_id,
                            SubscriptionRow.normalized == key,
                        )
                    )
                ).one_or_none()
                count = await self._count_subscriptions(conn, chat_id)
                if row is not None and row.active:
                    if row.filters == filters:
                        return SubscribeResult("exists", mapping.subscription(row), count)
                    await conn.execute(
                        update(SubscriptionRow)
                        .where(SubscriptionRow.id == row.id)
                        .values(filters=filters)
                    )
                    await _changed(conn, row.id)
                    changed = (
                        await conn.execute(
                            select(*mapping.SUB_COLUMNS).where(SubscriptionRow.id == row.id)
                        )
                    ).one()
                    return SubscribeResult("updated", mapping.subscription(changed), count)
                if count >= limit:
                    return SubscribeResult("limit", None, count)
                if row is not None:
                    await conn.execute(
                        update(SubscriptionRow)
                        .where(SubscriptionRow.id == row.id)
                        .values(
                            active=True,
                            topic=topic,
                            embedding=blob,
                            thread_id=thread_id,
                            filters=filters,
                        )
                    )
                    sub_id = row.id
                else:
                    sub_id = (
                        await conn.execute(
                            self._access.insert(SubscriptionRow)
                            .values(
                                chat_id=chat_id,
                                topic=topic,
                                normalized=key,
                                embedding=blob,
                                active=True,
                                created_at=utcnow(),
                                thread_id=thread_id,
                                filters=filters,
                            )
                            .returning(SubscriptionRow.id)
                        )
                    ).scalar_one()
                await _changed(conn, sub_id)
                created = (
                    await conn.execute(
                        select(*mapping.SUB_COLUMNS).where(SubscriptionRow.id == sub_id)
                    )
                ).one()
                return SubscribeResult("created", mapping.subscription(created), count + 1)
        except IntegrityError:
            # The same topic was subscribed concurrently (PostgreSQL); it exists now.
            async with self._access.read() as conn:
                again = (
                    await conn.execute(
                        select(*mapping.SUB_COLUMNS).where(
                            SubscriptionRow.chat_id == chat_id,
                            SubscriptionRow.normalized == key,
                        )
                    )
                ).one_or_none()
                if again is None:
                    raise
                count = await self._count_subscriptions(conn, chat_id)
            return SubscribeResult("exists", mapping.subscription(again), count)

    async def _count_subscriptions(self, conn: DbConnection, chat_id: int) -> int:
        # The chat's rows by the (chat_id, normalized) index, active counted among them: with
        # "active" in the WHERE clause, SQLite took the index on active and read every active
        # row of every chat (200 ms a subscribe at 100k subscriptions).
        active = case((SubscriptionRow.active.is_(True), 1), else_=0)
        return int(
            (
                await conn.execute(
                    select(func.coalesce(func.sum(active), 0)).where(
                        SubscriptionRow.chat_id == chat_id
                    )
                )
            ).scalar_one()
        )

    async def unsubscribe(self, chat_id: int, topic_or_id: str | int) -> bool:
        """Turn a chat's topic off (by subscription id, or topic up to case and spacing).
        Pending alerts queued for that topic are dropped. False when nothing matched."""
        if isinstance(topic_or_id, int):
            condition: ColumnElement[bool] = SubscriptionRow.id == topic_or_id
        else:
            condition = SubscriptionRow.normalized == normalize_topic_key(topic_or_id)
        async with self._access.write() as conn:
            row = (
                await conn.execute(
                    select(SubscriptionRow.id, SubscriptionRow.topic).where(
                        SubscriptionRow.chat_id == chat_id,
                        SubscriptionRow.active.is_(True),
                        condition,
                    )
                )
            ).one_or_none()
            if row is None:
                return False
            await conn.execute(
                update(SubscriptionRow).where(SubscriptionRow.id == row.id).values(active=False)
            )
            await _changed(conn, row.id)
            await conn.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.chat_id == chat_id,
                    OutboxRow.topic == row.topic,
                    OutboxRow.sent_at.is_(None),
                    OutboxRow.dropped.is_(False),
                )
                .values(dropped=True, last_error="unsubscribed")
            )
        return True

    async def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's active topics, oldest first."""
        async with self._access.read_one() as conn:
            rows = await conn.execute(  # by the chat's index, as in _count_subscriptions
                select(*mapping.SUB_COLUMNS, SubscriptionRow.active)
                .where(SubscriptionRow.chat_id == chat_id)
                .order_by(SubscriptionRow.id)
            )
        return [mapping.subscription(row) for row in rows if row.active]

    async def active_subscriptions(self) -> list[tuple[Subscription, Vector | None]]:
        """Every active topic of every active chat, with its embedding (read-only arrays).

        Cached until a subscription changes anywhere (a counter that every change bumps), so
        matching each new article costs one small query, not a reload of every topic."""
        async with self._access.read() as conn:
            version = await read_counter(conn, SUBSCRIPTIONS_COUNTER)
            cached = self._cached
            if version is not None and cached is not None and cached[0] == version:
                return list(cached[1])
            rows = await conn.execute(
                select(*mapping.SUB_COLUMNS, SubscriptionRow.embedding)
                .join(ChatRow, ChatRow.id == SubscriptionRow.chat_id)
                .where(SubscriptionRow.active.is_(True), ChatRow.active.is_(True))
                .order_by(SubscriptionRow.id)
            )
            result: list[tuple[Subscription, Vector | None]] = []
            for row in rows:
                # read-only: shared by every caller until the next change
                vector = mapping.read_only_vector(row.embedding)
                result.append((mapping.subscription(row), vector))
        if version is not None:
            self._cached = (version, result)
        return list(result)

    async def subscription_changes(self, since: int | None) -> SubscriptionChanges:
        """The subscriptions changed after version ``since`` (each with ``active`` and its
        embedding), or with ``since=None`` every active one; and the version they bring the
        reader to. Unchanged since: one small query."""
        async with self._access.read() as conn:
            counter = await read_counter(conn, SUBSCRIPTIONS_COUNTER) or 0
            if since is not None and counter <= since:
                return SubscriptionChanges(version=since, rows=())
            query = select(
                *mapping.SUB_COLUMNS,
                SubscriptionRow.active,
                SubscriptionRow.embedding,
                SubscriptionRow.version,
            )
            if since is None:
                query = query.where(SubscriptionRow.active.is_(True))
            else:
                query = query.where(SubscriptionRow.version > since)
            # since a version: by the version's index (ordered by id, SQLite would scan them all)
            order = SubscriptionRow.id if since is None else SubscriptionRow.version
            rows = await conn.execute(query.order_by(order))
            found = []
            version = counter
            for row in rows:
                version = max(version, row.version)
                vector = mapping.read_only_vector(row.embedding)
                found.append((mapping.subscription(row), bool(row.active), vector))
        return SubscriptionChanges(version=version, rows=tuple(found))

    async def mute_source(self, chat_id: int, source: str) -> bool:
        """Alerts from ``source`` (an article's site name) no more for this chat; False when it
        was muted already."""
        async with self._access.write() as conn:
            await ensure_chat(self._access, conn, chat_id)
            result = await conn.execute(
                self._access.insert(MutedSourceRow)
                .values(chat_id=chat_id, source=source, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["chat_id", "source"])
                .returning(MutedSourceRow.id)
            )
            added = result.first() is not None
            if added:  # caches of who muted what follow the subscriptions' counter
                await bump(conn, SUBSCRIPTIONS_COUNTER)
            return added

    async def unmute_source(self, chat_id: int, source: str) -> bool:
        """Alerts from ``source`` again; False when it was not muted."""
        async with self._access.write() as conn:
            result = await conn.execute(
                delete(MutedSourceRow)
                .where(MutedSourceRow.chat_id == chat_id, MutedSourceRow.source == source)
                .returning(MutedSourceRow.id)
            )
            removed = result.first() is not None
            if removed:
                await bump(conn, SUBSCRIPTIONS_COUNTER)
            return removed

    async def muted_sources(self, chat_id: int) -> list[str]:
        """The sources a chat muted, in the order it muted them."""
        async with self._access.read_one() as conn:
            rows = await conn.execute(
                select(MutedSourceRow.source)
                .where(MutedSourceRow.chat_id == chat_id)
                .order_by(MutedSourceRow.id)
            )
            return list(rows.scalars())

    async def muted_chats(self, source: str) -> set[int]:
        """The chats that muted ``source`` (one indexed query; muting or unmuting bumps the
        subscriptions' counter, so a cache of this follows ``subscription_changes``)."""
        async with self._access.read_quick() as conn:
            rows = await conn.execute(
                select(MutedSourceRow.chat_id).where(MutedSourceRow.source == source)
            )
            return set(rows.scalars())
