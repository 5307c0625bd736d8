"""Change counters in the database: a cache in any process compares one small row with the
value it last saw, so writes by other processes invalidate it."""

from __future__ import annotations

from sqlalchemy import select, update

from news.store.database import DbConnection
from news.store.tables import CounterRow

__all__ = ["SUBSCRIPTIONS_COUNTER", "bump", "read_counter"]

SUBSCRIPTIONS_COUNTER = "subscriptions"  # bumped by every change to the active subscriptions


async def bump(conn: DbConnection, name: str) -> None:
    await conn.execute(
        update(CounterRow).where(CounterRow.name == name).values(value=CounterRow.value + 1)
    )


async def read_counter(conn: DbConnection, name: str) -> int | None:
    return (
        await conn.execute(select(CounterRow.value).where(CounterRow.name == name))
    ).scalar_one_or_none()
