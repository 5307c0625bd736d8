"""Subscriptions: the topics each chat follows (unique per chat up to case and spacing), with
their embeddings and keyword filters; every change bumps a counter and stamps the row with the
counter's new value, so a cache of all of them in any process reads only the rows changed since
it last looked (``subscription_changes``). Also the sources a chat muted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy.typing as npt
from sqlalchemy import Select, bindparam, case, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from news.models import SubscribeResult, Subscription, SubscriptionChanges
from news.store import mapping
from news.store.access import Access, utcnow
from news.store.chats import ensure_chat, new_chat
from news.store.counters import SUBSCRIPTIONS_COUNTER, bump, read_counter
from news.store.tables import ChatRow, CounterRow, MutedSourceRow, OutboxRow, SubscriptionRow
from news.stories.grouping import Vector, to_blob

__all__ = ["QUICK_CHANGES", "Subscriptions", "normalize_topic_key"]

QUICK_CHANGES = 50  # changed subscriptions read on the event loop's thread at the most


# Built once, with bind parameters: a subscribe is a few statements, and building and keying
# them again each time cost about as much as running them.
_BUMP_VERSION = (
    update(CounterRow)
    .where(CounterRow.name == SUBSCRIPTIONS_COUNTER)
    .values(value=CounterRow.value + 1)
    .returning(CounterRow.value)
)


_READ_VERSION = select(CounterRow.value).where(CounterRow.name == SUBSCRIPTIONS_COUNTER)


def _next_version(conn: Connection) -> int:
    """Count a change of the subscriptions; the counter's new value, which the changed row is
    stamped with (PostgreSQL: the counter's row lock, held to the commit, orders the stamps as
    their commits)."""
    return int(conn.execute(_BUMP_VERSION).scalar_one())


def _count_query(chat_id: Any) -> Select[Any]:
    """The chat's active subscriptions, by the (chat_id, normalized) index: with "active" in
    the WHERE clause, SQLite took the index on active and read every active row of every chat
    (200 ms a subscribe at 100k subscriptions)."""
    active = case((SubscriptionRow.active.is_(True), 1), else_=0)
    return select(func.coalesce(func.sum(active), 0)).where(SubscriptionRow.chat_id == chat_id)


def _find_query() -> Select[Any]:
    """A chat's row for a topic (``chat_id``, ``key``), if any, and its count, in one statement,
    each by the (chat_id, normalized) index; the count last, as the row is read by position."""
    chat: Any = bindparam("chat_id")
    same = (SubscriptionRow.chat_id == chat) & (SubscriptionRow.normalized == bindparam("key"))
    columns = (*mapping.SUB_COLUMNS, SubscriptionRow.active)
    return select(
        *(select(c).where(same).scalar_subquery().label(c.key) for c in columns),
        _count_query(chat).scalar_subquery().label("chat_count"),
    )


_FIND = _find_query()
_INSERT = insert(SubscriptionRow).returning(*mapping.SUB_COLUMNS)
_UPDATE = (
    update(SubscriptionRow)
    .where(SubscriptionRow.id == bindparam("sub_id"))
    .returning(*mapping.SUB_COLUMNS)
)


@dataclass(frozen=True, slots=True)
class _Subscribe:
    """One subscribe, as a synchronous transaction body (``Subscriptions.subscribe``)."""

    chat_id: int
    topic: str
    key: str
    blob: bytes | None
    limit: int
    thread_id: int
    filters: str | None
    access: Access

    def run(self, conn: Connection) -> SubscribeResult:
        found = conn.execute(_FIND, {"chat_id": self.chat_id, "key": self.key}).one()
        count = int(found.chat_count)
        row = None if found.id is None else found
        if row is None and not count:  # perhaps a new chat (one with topics is known)
            conn.execute(new_chat(self.access, self.chat_id))
        if row is not None and row.active:
            if row.filters == self.filters:
                return SubscribeResult("exists", mapping.subscription(row), count)
            values: dict[str, Any] = {"filters": self.filters}
            status: Literal["created", "updated"] = "updated"
        elif count >= self.limit:
            return SubscribeResult("limit", None, count)
        else:
            values = {
                "active": True,
                "topic": self.topic,
                "embedding": self.blob,
                "thread_id": self.thread_id,
                "filters": self.filters,
            }
            status, count = "created", count + 1
        values["version"] = version = _next_version(conn)
        if row is None:
            values.update(chat_id=self.chat_id, normalized=self.key, created_at=utcnow())
            changed = conn.execute(_INSERT, values).one()
        else:  # new filters, or re-activated
            changed = conn.execute(_UPDATE, {"sub_id": row.id, **values}).one()
        return SubscribeResult(status, mapping.subscription(changed), count, version)


def _changes_since(
    conn: Connection, since: int | None, limit: int | None
) -> SubscriptionChanges | None:
    """``Subscriptions.subscription_changes`` as one synchronous read; None when there are
    more than ``limit`` changed rows."""
    counter = conn.execute(_READ_VERSION).scalar_one_or_none() or 0
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
    query = query.order_by(order)
    if limit is not None:
        query = query.limit(limit + 1)
    rows = conn.execute(query).all()
    if limit is not None and len(rows) > limit:
        return None
    found = []
    version = counter
    for row in rows:
        version = max(version, row.version)
        vector = mapping.read_only_vector(row.embedding)
        found.append((mapping.subscription(row), bool(row.active), vector))
    return SubscriptionChanges(version=version, rows=tuple(found))


# ``_unsubscribe``'s statements, built once with bind parameters
_MINE = (SubscriptionRow.chat_id == bindparam("chat_id")) & SubscriptionRow.active.is_(True)
_FIND_BY_ID = select(SubscriptionRow.id, SubscriptionRow.topic).where(
    _MINE, SubscriptionRow.id == bindparam("sub_id")
)
_FIND_BY_KEY = select(SubscriptionRow.id, SubscriptionRow.topic).where(
    _MINE, SubscriptionRow.normalized == bindparam("key")
)
_TURN_OFF = (
    update(SubscriptionRow)
    .where(SubscriptionRow.id == bindparam("sub_id"))
    .values(active=False, version=bindparam("new_version"))
)
_DROP_PENDING = (
    update(OutboxRow)
    .where(
        OutboxRow.chat_id == bindparam("b_chat_id"),
        OutboxRow.topic == bindparam("old_topic"),
        OutboxRow.sent_at.is_(None),
        OutboxRow.dropped.is_(False),
    )
    .values(dropped=True, last_error="unsubscribed")
)


def _unsubscribe(conn: Connection, chat_id: int, topic_or_id: str | int) -> bool:
    if isinstance(topic_or_id, int):
        find = conn.execute(_FIND_BY_ID, {"chat_id": chat_id, "sub_id": topic_or_id})
    else:
        key = normalize_topic_key(topic_or_id)
        find = conn.execute(_FIND_BY_KEY, {"chat_id": chat_id, "key": key})
    row = find.one_or_none()
    if row is None:
        return False
    version = _next_version(conn)
    conn.execute(_TURN_OFF, {"sub_id": row.id, "new_version": version})
    conn.execute(_DROP_PENDING, {"b_chat_id": chat_id, "old_topic": row.topic})
    return True


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
        ``thread_id``: the forum topic its alerts go to (0: none; a re-activated topic moves).

        One transaction of a few indexed statements, run as one piece (``run_sync``): on
        SQLite on the event loop's thread when the file is free, not a thread hop each."""
        change = _Subscribe(
            chat_id=chat_id,
            topic=topic,
            key=normalize_topic_key(topic),
            blob=to_blob(embedding),
            limit=limit,
            thread_id=thread_id,
            filters=filters or None,
            access=self._access,
        )
        try:
            async with self._access.write_quick() as conn:
                return await conn.run_sync(change.run)
        except IntegrityError:
            # The same topic was subscribed concurrently (PostgreSQL); it exists now.
            async with self._access.read() as conn:
                again = (
                    await conn.execute(
                        select(*mapping.SUB_COLUMNS).where(
                            SubscriptionRow.chat_id == chat_id,
                            SubscriptionRow.normalized == change.key,
                        )
                    )
                ).one_or_none()
                if again is None:
                    raise
                count = int((await conn.execute(_count_query(chat_id))).scalar_one())
            return SubscribeResult("exists", mapping.subscription(again), count)

    async def unsubscribe(self, chat_id: int, topic_or_id: str | int) -> bool:
        """Turn a chat's topic off (by subscription id, or topic up to case and spacing).
        Pending alerts queued for that topic are dropped. False when nothing matched. One
        piece, as ``subscribe``."""
        async with self._access.write_quick() as conn:
            return await conn.run_sync(_unsubscribe, chat_id, topic_or_id)

    async def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's active topics, oldest first."""
        async with self._access.read_one() as conn:
            rows = await conn.execute(  # by the chat's index, as in _count_query
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
        reader to. Unchanged, or a few changes (the usual case: a subscribe here or in
        another process): small indexed reads, on SQLite on the loop's thread; many (the
        first load, a bulk change): one hop to the pool."""
        if since is not None:
            async with self._access.read_quick() as conn:
                few = await conn.run_sync(_changes_since, since, QUICK_CHANGES)
            if few is not None:
                return few
        async with self._access.read() as conn:
            changes = await conn.run_sync(_changes_since, since, None)
        assert changes is not None  # no limit
        return changes

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
