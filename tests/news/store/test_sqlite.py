"""news.store.sqlite: statements on pool threads, transactions, cancels, old URLs."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from news.store import Store
from news.store.database import SQLiteDatabase, open_database, sync_url
from news.store.sqlite import sqlite_engine
from tests.news.store.factories import make_article


def _db(tmp_path: Path) -> SQLiteDatabase:
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert isinstance(db, SQLiteDatabase)
    return db


async def _create(db: SQLiteDatabase) -> None:
    async with db.write() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    await db.prepare()  # what Store.open does once the schema is there


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SQLiteDatabase]:
    """A database file with table ``t``, ready for quick statements."""
    database = _db(tmp_path)
    try:
        await _create(database)
        yield database
    finally:
        await database.dispose()


async def _values(db: SQLiteDatabase) -> list[str]:
    async with db.read_one() as conn:
        return list((await conn.execute(sa.text("SELECT v FROM t ORDER BY id"))).scalars())


async def test_statements_run_off_the_event_loop_thread(db: SQLiteDatabase) -> None:
    async with db.read() as conn:
        thread = await conn.run_sync(lambda _c: threading.current_thread())
    assert thread is not threading.current_thread()
    assert thread.name.startswith("newsbrief-sqlite")


async def test_a_write_commits_on_success_and_rolls_back_on_error(db: SQLiteDatabase) -> None:
    async with db.write() as conn:
        await conn.execute(sa.text("INSERT INTO t (v) VALUES ('kept')"))

    async def failing_write() -> None:
        async with db.write() as conn:
            await conn.execute(sa.text("INSERT INTO t (v) VALUES ('lost')"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await failing_write()
    assert await _values(db) == ["kept"]


async def test_rows_come_back_buffered_with_the_result_api(db: SQLiteDatabase) -> None:
    async with db.write() as conn:
        await conn.execute(sa.text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}])
        new = await conn.execute(sa.text("INSERT INTO t (v) VALUES ('c') RETURNING id"))
        assert new.scalar_one() == 3
    async with db.read() as conn:
        rows = (await conn.execute(sa.text("SELECT id, v FROM t ORDER BY id"))).all()
        one = (await conn.execute(sa.text("SELECT v FROM t WHERE id = 2"))).one()
    assert [(r.id, r.v) for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
    assert one.v == "b"


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


async def test_a_write_on_the_pool_commits_in_one_thread_hop(db: SQLiteDatabase) -> None:
    before = db.counts.hops

    def two_inserts(conn: sa.Connection, fail: bool) -> None:
        conn.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
        conn.exec_driver_sql("INSERT INTO t (v) VALUES ('b')")
        if fail:
            raise RuntimeError("boom")

    await db.on_pool(write=True).run_sync(two_inserts, False)
    assert db.counts.hops - before == 1  # check out, BEGIN IMMEDIATE, two inserts, COMMIT, return
    with pytest.raises(RuntimeError):
        await db.on_pool(write=True).run_sync(two_inserts, True)
    assert db.counts.hops - before == 2
    assert await _values(db) == ["a", "b"]  # the failed one rolled back as a whole
    assert db.counts.hops - before == 3  # a one-statement read is one hop too


async def test_quick_statements_run_on_the_loop_without_a_hop(db: SQLiteDatabase) -> None:
    before = db.counts.hops
    async with db.write_quick() as conn:
        await conn.execute(sa.text("INSERT INTO t (v) VALUES ('quick')"))
        where = await conn.run_sync(lambda _c: threading.current_thread())
    async with db.read_quick() as conn:
        rows = (await conn.execute(sa.text("SELECT v FROM t"))).scalars().all()
    assert where is threading.current_thread()
    assert rows == ["quick"]
    assert db.counts.hops == before


async def test_a_quick_write_never_waits_on_the_loop_for_another_writer(tmp_path: Path) -> None:
    """Another process holds the write lock: the quick write goes to the pool and waits there,
    while the event loop goes on serving (here: a quick read)."""
    db = _db(tmp_path)
    other = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    try:
        await _create(db)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t (v) VALUES ('other')")

        async def quick_write() -> None:
            async with db.write_quick() as conn:
                await conn.execute(sa.text("INSERT INTO t (v) VALUES ('mine')"))

        write = asyncio.create_task(quick_write())
        await asyncio.sleep(0.2)
        assert not write.done()  # waiting for the lock, on a pool thread
        async with db.read_quick() as conn:  # the loop is free: reads see the committed state
            assert (await conn.execute(sa.text("SELECT count(*) FROM t"))).scalar_one() == 0
        other.execute("COMMIT")
        await asyncio.wait_for(write, 10)
        assert sorted(await _values(db)) == ["mine", "other"]
    finally:
        other.close()
        await db.dispose()


async def test_a_quick_write_that_fails_leaves_nothing_behind(db: SQLiteDatabase) -> None:

    def insert_then_fail(conn: sa.Connection) -> None:
        conn.exec_driver_sql("INSERT INTO t (v) VALUES ('half')")
        raise ValueError("bad row")

    async def failing() -> None:
        async with db.write_quick() as conn:
            await conn.run_sync(insert_then_fail)

    with pytest.raises(ValueError, match="bad row"):
        await failing()
    async with db.write_quick() as conn:  # the loop's connection is usable again
        await conn.execute(sa.text("INSERT INTO t (v) VALUES ('whole')"))
    assert await _values(db) == ["whole"]


async def test_another_threads_loop_uses_the_pool(db: SQLiteDatabase) -> None:
    async with db.read_quick() as conn:  # this thread's loop owns the quick connection
        await conn.execute(sa.text("SELECT 1"))

    async def elsewhere() -> str:
        async with db.write_quick() as conn:
            await conn.execute(sa.text("INSERT INTO t (v) VALUES ('from another loop')"))
            thread = await conn.run_sync(lambda _c: threading.current_thread().name)
        return thread

    name = await asyncio.to_thread(asyncio.run, elsewhere())
    assert name.startswith("newsbrief-sqlite")
    assert await _values(db) == ["from another loop"]


def _rows_in_file_alone(tmp_path: Path, name: str) -> int:
    """Rows of ``t`` in a copy of the database file without its WAL (0: not there yet)."""
    copy = tmp_path / name
    shutil.copyfile(tmp_path / "db.sqlite", copy)
    raw = sqlite3.connect(copy)
    try:
        return int(raw.execute("SELECT count(*) FROM t").fetchone()[0])
    except sqlite3.OperationalError:  # no table t in the file yet: still in the WAL
        return 0
    finally:
        raw.close()


async def test_quick_writes_get_their_wal_checkpointed_on_the_pool(tmp_path: Path) -> None:
    """The loop's connection never checkpoints (that writes the database file); every
    ``checkpoint_every`` quick commits a checkpoint runs on a pool thread instead."""
    engine, memory = sqlite_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    db = SQLiteDatabase(engine, memory=memory, checkpoint_every=5)
    in_file: list[int] = []
    try:
        await _create(db)
        hops = db.counts.hops
        for n in range(1, 11):
            async with db.write_quick() as conn:
                await conn.execute(sa.text("INSERT INTO t (v) VALUES (:v)"), {"v": str(n)})
            await db.checkpointed()
            assert db.counts.checkpoints == n // 5
            in_file.append(_rows_in_file_alone(tmp_path, f"copy{n}.sqlite"))
        assert db.counts.checkpoints == 2
        assert db.counts.hops - hops == 2  # the writes ran on the loop, the checkpoints did not
        # The database file alone holds every committed row after each checkpoint, none before.
        assert in_file == [0, 0, 0, 0, 5, 5, 5, 5, 5, 10]
        assert await _values(db) == [str(n) for n in range(1, 11)]
    finally:
        await db.dispose()


async def test_quick_statements_work_before_the_loop_connection_is_ready(
    tmp_path: Path,
) -> None:
    db = _db(tmp_path)
    try:
        async with db.write() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        # Not prepared: the first quick statement starts opening the loop's connection (on the
        # pool) and, unless that was instant, runs on the pool meanwhile.
        async with db.write_quick() as conn:
            await conn.execute(sa.text("INSERT INTO t (v) VALUES ('early')"))
        await db.prepare()
        async with db.read_quick() as conn:
            thread = await conn.run_sync(lambda _c: threading.current_thread())
        assert thread is threading.current_thread()
        assert await _values(db) == ["early"]
    finally:
        await db.dispose()
