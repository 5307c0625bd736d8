"""news.database on SQLite: statements on pool threads, transactions, cancellation, old URLs."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from news.database import SQLiteDatabase, open_database, sync_url
from news.store import Store
from tests.store.factories import make_article


def _db(tmp_path: Path) -> SQLiteDatabase:
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert isinstance(db, SQLiteDatabase)
    return db


async def _create(db: SQLiteDatabase) -> None:
    async with db.write() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")


async def _values(db: SQLiteDatabase) -> list[str]:
    async with db.read_one() as conn:
        return list((await conn.execute(sa.text("SELECT v FROM t ORDER BY id"))).scalars())


async def test_statements_run_off_the_event_loop_thread(tmp_path: Path) -> None:
    db = _db(tmp_path)
    try:
        await _create(db)
        async with db.read() as conn:
            thread = await conn.run_sync(lambda _c: threading.current_thread())
        assert thread is not threading.current_thread()
        assert thread.name.startswith("newsbrief-sqlite")
    finally:
        await db.dispose()


async def test_a_write_commits_on_success_and_rolls_back_on_error(tmp_path: Path) -> None:
    db = _db(tmp_path)
    try:
        await _create(db)
        async with db.write() as conn:
            await conn.execute(sa.text("INSERT INTO t (v) VALUES ('kept')"))

        async def failing_write() -> None:
            async with db.write() as conn:
                await conn.execute(sa.text("INSERT INTO t (v) VALUES ('lost')"))
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await failing_write()
        assert await _values(db) == ["kept"]
    finally:
        await db.dispose()


async def test_rows_come_back_buffered_with_the_result_api(tmp_path: Path) -> None:
    db = _db(tmp_path)
    try:
        await _create(db)
        async with db.write() as conn:
            await conn.execute(sa.text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}])
            new = await conn.execute(sa.text("INSERT INTO t (v) VALUES ('c') RETURNING id"))
            assert new.scalar_one() == 3
        async with db.read() as conn:
            rows = (await conn.execute(sa.text("SELECT id, v FROM t ORDER BY id"))).all()
            one = (await conn.execute(sa.text("SELECT v FROM t WHERE id = 2"))).one()
        assert [(r.id, r.v) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
        assert one.v == "b"
    finally:
        await db.dispose()


async def test_a_cancelled_statement_finishes_before_the_connection_is_reused(
    tmp_path: Path,
) -> None:
    """A caller cancelled mid-statement (a timeout, say) must not leave its connection in use
    by a thread while the rollback runs on another; the transaction is rolled back."""
    db = _db(tmp_path)
    started, release = threading.Event(), threading.Event()

    def slow_insert(conn: sa.Connection) -> None:
        conn.exec_driver_sql("INSERT INTO t (v) VALUES ('cancelled')")
        started.set()
        release.wait(5)

    try:
        await _create(db)

        async def write() -> None:
            async with db.write() as conn:
                await conn.run_sync(slow_insert)

        task = asyncio.create_task(write())
        await asyncio.to_thread(started.wait, 5)
        task.cancel()
        await asyncio.sleep(0.05)
        assert not task.done()  # waits for the statement, not leaving it running
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await _values(db) == []
        async with db.write() as conn:  # the write lock of the file was released
            await conn.execute(sa.text("INSERT INTO t (v) VALUES ('next')"))
        assert await _values(db) == ["next"]
    finally:
        release.set()
        await db.dispose()


async def test_dispose_leaves_it_usable_like_an_async_engine(tmp_path: Path) -> None:
    db = _db(tmp_path)
    await _create(db)
    await db.dispose()
    await db.dispose()
    assert await _values(db) == []
    await db.dispose()


async def test_the_earlier_aiosqlite_url_opens_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    assert sync_url(f"sqlite+aiosqlite:///{path}").drivername == "sqlite+pysqlite"
    old = await Store.open(f"sqlite+aiosqlite:///{path}")
    try:
        await old.add_article(make_article(1))
    finally:
        await old.close()
    new = await Store.open(f"sqlite:///{path}")
    try:
        assert await new.count_articles() == 1
    finally:
        await new.close()


async def test_write_one_commits_a_write_in_one_thread_hop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _db(tmp_path)
    try:
        await _create(db)
        hops: list[object] = []
        submit = db._executor.submit

        def counted(fn: Any, *args: Any) -> Any:
            hops.append(fn)
            return submit(fn, *args)

        monkeypatch.setattr(db._executor, "submit", counted)

        def two_inserts(conn: sa.Connection, fail: bool) -> None:
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
            conn.exec_driver_sql("INSERT INTO t (v) VALUES ('b')")
            if fail:
                raise RuntimeError("boom")

        async with db.write_one() as conn:
            await conn.run_sync(two_inserts, False)
        assert len(hops) == 1  # check out, BEGIN IMMEDIATE, two inserts, COMMIT, return
        with pytest.raises(RuntimeError):
            async with db.write_one() as conn:
                await conn.run_sync(two_inserts, True)
        assert len(hops) == 2
        assert await _values(db) == ["a", "b"]  # the failed one rolled back as a whole
        assert len(hops) == 3  # a one-statement read is one hop too
    finally:
        await db.dispose()
