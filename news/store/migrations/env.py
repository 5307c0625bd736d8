"""Alembic environment for the newsbrief store.

``news.store.Store.open`` runs migrations programmatically and hands over its connection in
``config.attributes["connection"]``. Run by the ``alembic`` command instead, the database URL comes
from ``sqlalchemy.url`` in the config or ``NEWSBRIEF_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import logging
import os

from alembic import context
from sqlalchemy.engine import Connection, create_engine, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from config.settings import DEFAULT_DATABASE_URL
from news.store.sqlite import sync_url
from news.store.tables import Base

logger = logging.getLogger(__name__)

target_metadata = Base.metadata


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "NEWSBRIEF_DATABASE_URL", DEFAULT_DATABASE_URL
    )
    return url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def _run_sqlite() -> None:
    engine = create_engine(sync_url(_url()))
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


async def _run_async() -> None:
    engine = create_async_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def main() -> None:
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    elif make_url(_url()).get_backend_name() == "sqlite":
        _run_sqlite()
    else:
        asyncio.run(_run_async())


main()
