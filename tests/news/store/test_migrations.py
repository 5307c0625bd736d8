"""The schema comes only from the Alembic migrations: they reach head from an empty database or
from the previous revision (keeping data), and head matches the models exactly."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from news.store import SchemaError, Store
from news.store.schema import MIGRATIONS, alembic_config
from news.store.tables import Base
from tests.news.store.factories import make_article

ROOT = Path(__file__).resolve().parents[3]

FreshUrl = Callable[[str], Awaitable[str]]


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _diff(metadata: sa.MetaData) -> Callable[[Connection], list[Any]]:
    def run(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    return run


async def _revision(store: Store) -> str | None:
    async with store.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


def test_revisions_form_one_chain() -> None:
    script = _script()
    assert len(script.get_heads()) == 1
    chain = [r.revision for r in reversed(list(script.walk_revisions()))]
    # one revision per file in versions/, each named after it, oldest first
    files = sorted(p.name.split("_")[0] for p in (MIGRATIONS / "versions").glob("0*.py"))
    assert chain == files
    assert script.get_revision(chain[0]).down_revision is None


async def test_empty_database_upgrades_to_head_matching_models(fresh_url: FreshUrl) -> None:
    store = await Store.open(await fresh_url("empty"))
    try:
        assert await _revision(store) == _script().get_current_head()
        async with store.connect() as conn:
            assert await conn.run_sync(_diff(Base.metadata)) == []
            # The comparison is real: a model change the migrations lack shows up.
            changed = sa.MetaData()
            for table in Base.metadata.sorted_tables:
                table.to_metadata(changed)
            sa.Table("extra", changed, sa.Column("id", sa.Integer, primary_key=True))
            changed.tables["chats"].append_column(sa.Column("locale", sa.String(8)))
            diff = await conn.run_sync(_diff(changed))
        kinds = {entry[0] if isinstance(entry, tuple) else entry[0][0] for entry in diff}
        assert kinds == {"add_table", "add_column"}
    finally:
        await store.close()


OLDER = [
    r.revision for r in _script().walk_revisions() if r.revision != _script().get_current_head()
]


@pytest.mark.parametrize("previous", OLDER)
async def test_older_revision_upgrades_to_head_keeping_data(
    fresh_url: FreshUrl, previous: str
) -> None:
    script = _script()
    url = await fresh_url("previous")

    old = await Store.open(url, revision=previous)
    try:
        assert await _revision(old) == previous
        now = datetime.now(UTC)
        async with old.begin() as conn:
            tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
            assert "stories" in tables
            assert await conn.run_sync(_diff(Base.metadata)) != []  # head has more
            story_id = (
                await conn.execute(
                    sa.text(
                        "INSERT INTO stories (title, first_seen, last_seen) "
                        "VALUES ('Old story', :now, :now) RETURNING id"
                    ),
                    {"now": now.replace(tzinfo=None) if old.dialect == "sqlite" else now},
                )
            ).scalar_one()
    finally:
        await old.close()

    store = await Store.open(url)
    try:
        assert await _revision(store) == script.get_current_head()
        async with store.connect() as conn:
            assert await conn.run_sync(_diff(Base.metadata)) == []
        story = await store.get_story(story_id)
        assert story is not None
        assert story.title == "Old story"
        # and the new tables work
        chat = await store.upsert_chat(7, kind="private", title=None)
        result = await store.add_article(make_article(1))
        assert await store.enqueue_alerts([(chat.id, result.story_id, None)]) == 1
        assert (await store.subscribe(7, "space", embedding=None, limit=3)).status == "created"
        assert len(await store.active_subscriptions()) == 1
    finally:
        await store.close()


async def test_every_revision_downgrades_and_upgrades_again(fresh_url: FreshUrl) -> None:
    store = await Store.open(await fresh_url("roundtrip"))
    try:
        async with store.begin() as conn:
            await conn.run_sync(_downgrade_to_base)
            names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        assert names <= {"alembic_version"}
        await store.migrate()
        assert await _revision(store) == _script().get_current_head()
        assert await store.count_articles() == 0
    finally:
        await store.close()


def _downgrade_to_base(conn: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = conn
    command.downgrade(config, "base")


async def test_reopening_an_up_to_date_database_keeps_everything(db_url: str) -> None:
    first = await Store.open(db_url)
    try:
        result = await first.add_article(make_article(1))
    finally:
        await first.close()
    second = await Store.open(db_url)
    try:
        again = await second.get_article(result.article.id)
        assert again == result.article
    finally:
        await second.close()


async def test_a_newer_schema_is_refused_with_a_clear_error(fresh_url: FreshUrl) -> None:
    url = await fresh_url("newer")
    store = await Store.open(url)
    try:
        async with store.begin() as conn:
            await conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    finally:
        await store.close()
    with pytest.raises(SchemaError, match=r"revision 'f00dcafe'.*upgrade newsbrief"):
        await Store.open(url)


async def test_in_memory_sqlite_store_works_under_concurrency() -> None:
    store = await Store.open("sqlite://")
    try:
        results = await asyncio.gather(*(store.add_article(make_article(n)) for n in range(10)))
        assert {r.status for r in results} == {"new"}
        counts = await asyncio.gather(*(store.count_articles() for _ in range(5)))
        assert counts == [10] * 5
    finally:
        await store.close()


@pytest.mark.slow
def test_maintainer_command_line(tmp_path: Path) -> None:
    """``python -m news.store.migrations`` (Alembic's CLI, env.py without Store) upgrades a
    database and finds nothing the models have that the migrations lack."""
    env = {**os.environ, "NEWSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "news.store.migrations", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    assert "Running upgrade" in run("upgrade", "head")
    assert f"{_script().get_current_head()} (head)" in run("current")
    assert "No new upgrade operations detected" in run("check")
