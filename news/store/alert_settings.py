"""A chat's delivery settings (time zone, quiet hours, story updates on/off) and the chats that
follow a story: those told about it by an alert, an update or a briefing (issue 16)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import select, update

from news.models import AlertSettings
from news.store.access import Access, chunks
from news.store.chats import ensure_chat
from news.store.tables import BriefingRow, ChatRow, OutboxRow

__all__ = ["AlertSettingsRepo", "StoryWatcher"]


@dataclass(frozen=True, slots=True)
class StoryWatcher:
    """A chat told about a story: what it knows is every source stored by ``known_at`` (its
    last alert, update or briefing of it); ``last_update_at``: its latest update (None: none);
    ``pending``: something of this story still waits to be sent to it."""

    chat_id: int
    known_at: datetime
    last_update_at: datetime | None
    pending: bool


def _settings(row: Any) -> AlertSettings:
    return AlertSettings(
        chat_id=row.id,
        timezone=row.timezone,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        updates=bool(row.updates),
    )


_COLUMNS = (ChatRow.id, ChatRow.timezone, ChatRow.quiet_start, ChatRow.quiet_end, ChatRow.updates)


class AlertSettingsRepo:
    """The chats table's issue-16 columns, and the outbox and briefings seen by story."""

    def __init__(self, access: Access) -> None:
        self._access = access

    async def _set(self, chat_id: int, **values: Any) -> None:
        async with self._access.write() as conn:
            await ensure_chat(self._access, conn, chat_id)
            await conn.execute(update(ChatRow).where(ChatRow.id == chat_id).values(**values))

    async def set_timezone(self, chat_id: int, name: str | None) -> None:
        """The chat's IANA time zone (validated by the caller), or None for the bot's."""
        await self._set(chat_id, timezone=name)

    async def set_quiet_hours(self, chat_id: int, start: time | None, end: time | None) -> None:
        """Quiet hours from ``start`` to ``end`` (local wall clock), or None, None for none."""
        if (start is None) != (end is None):
            raise ValueError("quiet hours need both a start and an end")
        await self._set(
            chat_id,
            quiet_start=None if start is None else start.replace(tzinfo=None),
            quiet_end=None if end is None else end.replace(tzinfo=None),
        )

    async def set_updates(self, chat_id: int, on: bool) -> None:
        """Story updates on or off for the chat."""
        await self._set(chat_id, updates=on)

    async def alert_settings(self, chat_id: int) -> AlertSettings:
        """The chat's settings (the defaults for an unknown chat)."""
        found = await self.alert_settings_of([chat_id])
        return found.get(chat_id, AlertSettings(chat_id))

    async def alert_settings_of(self, chat_ids: Sequence[int]) -> dict[int, AlertSettings]:
        """Settings of the known chats among ``chat_ids``."""
        found: dict[int, AlertSettings] = {}
        async with self._access.read_quick() as conn:
            for chunk in chunks(sorted(set(chat_ids))):
                rows = await conn.execute(select(*_COLUMNS).where(ChatRow.id.in_(chunk)))
                found.update((row.id, _settings(row)) for row in rows)
        return found

    async def story_watchers(self, story_id: int) -> list[StoryWatcher]:
        """Active chats with updates on that were sent (or are being sent) something of the
        story, or were shown it in a briefing."""
        async with self._access.read() as conn:
            sent = await conn.execute(
                select(
                    OutboxRow.chat_id,
                    OutboxRow.kind,
                    OutboxRow.created_at,
                    OutboxRow.sent_at,
                    OutboxRow.dropped,
                )
                .join(ChatRow, ChatRow.id == OutboxRow.chat_id)
                .where(
                    OutboxRow.story_id == story_id,
                    ChatRow.active.is_(True),
                    ChatRow.updates.is_(True),
                )
            )
            briefed = await conn.execute(
                select(BriefingRow.chat_id, BriefingRow.at)
                .join(ChatRow, ChatRow.id == BriefingRow.chat_id)
                .where(
                    BriefingRow.story_id == story_id,
                    ChatRow.active.is_(True),
                    ChatRow.updates.is_(True),
                )
            )
            known: dict[int, datetime] = {}
            last_update: dict[int, datetime] = {}
            pending: set[int] = set()
            for row in sent:
                if row.dropped:
                    continue
                if row.sent_at is None:
                    pending.add(row.chat_id)
                known[row.chat_id] = max(known.get(row.chat_id, row.created_at), row.created_at)
                if row.kind == "update":
                    last = last_update.get(row.chat_id, row.created_at)
                    last_update[row.chat_id] = max(last, row.created_at)
            for row in briefed:
                known[row.chat_id] = max(known.get(row.chat_id, row.at), row.at)
        return [
            StoryWatcher(chat_id, at, last_update.get(chat_id), chat_id in pending)
            for chat_id, at in sorted(known.items())
        ]
