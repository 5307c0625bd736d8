"""Planner statistics: ``Store.analyze`` on both backends, and ANALYZE after a bulk ingest on
PostgreSQL only."""

from __future__ import annotations

from sqlalchemy import text

from news.store import Store
from news.store.maintenance import BULK_ANALYZE
from tests.news.store.factories import make_article


async def test_analyze_refreshes_statistics(store: Store) -> None:
    await store.add_article(make_article(1))
    await store.analyze()
    await store.analyze(tables=("articles", "stories"))
    if store.dialect == "sqlite":
        async with store.connect() as conn:
            tables = (await conn.execute(text("SELECT tbl FROM sqlite_stat1"))).scalars().all()
        assert "articles" in tables
    else:  # VACUUM (ANALYZE): the visibility map an index-only scan needs is set
        async with store.connect() as conn:
            visible = (
                await conn.execute(
                    text("SELECT relallvisible FROM pg_class WHERE relname = 'stories'")
                )
            ).scalar_one()
        assert visible > 0


async def test_a_bulk_ingest_is_analyzed_on_postgresql_only(store: Store) -> None:
    assert not await store.ingested(BULK_ANALYZE - 1)
    assert await store.ingested(BULK_ANALYZE) == (store.dialect == "postgresql")
