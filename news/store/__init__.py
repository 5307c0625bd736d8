"""The database: connection layer (``database``, ``sqlite``, ``access``), tables, the schema
upgrade (``schema``, ``migrations``), row mapping (``mapping``), one repository per table group
(``feeds``, ``articles``, ``stories``, ``summaries``, ``chats``, ``subscriptions``, ``outbox``)
and the ``Store`` facade over them (``facade``)."""

from __future__ import annotations

from news.store.facade import DEFAULT_URL, Store
from news.store.schema import SchemaError, upgrade_schema
from news.store.subscriptions import normalize_topic_key

__all__ = [
    "DEFAULT_URL",
    "SchemaError",
    "Store",
    "normalize_topic_key",
    "upgrade_schema",
]
