"""Store fixtures: every store test runs on SQLite (a temporary file) and, when
NEWSBRIEF_TEST_POSTGRES_URL names a server, on PostgreSQL too (a database made for the run)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from news.store import Store
from news.store.tables import Base

POSTGRES_ENV = "NEWSBRIEF_TEST_POSTGRES_URL"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(POSTGRES_ENV) else [])


async def admin_execute(url: str, statement: str, *args: object) -> None:
    """Run one statement on the server of a SQLAlchemy ``url``, on a connection of its own."""
    conn = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(False)
    )
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.close()


async def create_database(admin_url: str, name: str) -> str:
    """CREATE DATABASE ``name`` on the server of ``admin_url``; returns its SQLAlchemy URL."""
    await admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: str, name: str) -> None:
    await admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    admin = os.environ[POSTGRES_ENV]
    name = f"newsbrief_test_{uuid.uuid4().hex[:12]}"
    url = asyncio.run(create_database(admin, name))
    yield url
    asyncio.run(drop_database(admin, name))


@pytest.fixture
async def fresh_url(
    backend: str, tmp_path: Path
) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """Make empty databases of the test's backend: ``await fresh_url("name")`` -> URL."""
    made: list[str] = []

    async def make(name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / name}.db"
        db = f"newsbrief_test_{uuid.uuid4().hex[:12]}"
        made.append(db)
        return await create_database(os.environ[POSTGRES_ENV], db)

    yield make
    for db in made:
        await drop_database(os.environ[POSTGRES_ENV], db)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def store(db_url: str, backend: str) -> AsyncIterator[Store]:
    """An open store on an empty, migrated database."""
    opened = await Store.open(db_url)
    if backend == "postgresql":
        # One database per run: empty every table before each test (DELETE is much faster
        # than TRUNCATE on tables this small).
        async with opened.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name != "counters":  # rows made by the migrations
                    await conn.execute(table.delete())
    yield opened
    await opened.close()
