"""The database: connection layer, tables, migrations and the ``Store`` facade over them."""

from __future__ import annotations

from news.store.facade import (
    DEFAULT_URL,
    SchemaError,
    Store,
    StorySnapshot,
    normalize_topic_key,
    upgrade_schema,
)

__all__ = [
    "DEFAULT_URL",
    "SchemaError",
    "Store",
    "StorySnapshot",
    "normalize_topic_key",
    "upgrade_schema",
]
