"""The schema upgrade: the Alembic migrations in ``news/store/migrations``, run to head by
``Store.open`` (the only thing that creates or changes tables)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

__all__ = ["MIGRATIONS", "SchemaError", "alembic_config", "upgrade_schema"]

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """An Alembic config for the packaged migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


class SchemaError(RuntimeError):
    """The database's schema is not one this version of newsbrief knows (it is newer)."""


def upgrade_schema(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database behind ``connection`` (a sync connection, in a transaction)."""
    script = _script()
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:  # alembic raises several kinds for an unknown revision
            raise SchemaError(
                f"the database schema is at revision {current!r}, which this version of "
                f"newsbrief does not know (newest: {script.get_current_head()!r}); "
                "upgrade newsbrief or use another database"
            ) from exc
    target = script.get_current_head() if revision == "head" else revision
    if current == target:
        return
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    logger.info("database schema upgraded from %s to %s", current or "empty", target)
