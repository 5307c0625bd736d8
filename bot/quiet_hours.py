"""Quiet hours in delivery: alerts that fall due inside a chat's quiet window are held in the
outbox until it ends (``Store.hold_alerts``: nothing counted as an attempt, nothing lost on a
restart), and the ones held are then delivered together as one message (issue 16)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from news.models import AlertSettings, OutboxItem
from news.quiet import last_window

if TYPE_CHECKING:
    from news.store import Store

__all__ = ["QuietGate", "chat_zone"]

logger = logging.getLogger(__name__)


def chat_zone(settings: AlertSettings | None, default: tzinfo) -> tzinfo:
    """The chat's own time zone, else ``default`` (a stored name that no longer loads falls
    back too)."""
    if settings is None or not settings.timezone:
        return default
    try:
        return ZoneInfo(settings.timezone)
    except (ValueError, OSError):
        return default


class QuietGate:
    """Splits due alerts into those to send now, one by one, and per chat those held through
    its last quiet window, to send as one message; holds the ones inside a window."""

    def __init__(self, store: Store, timezone: tzinfo) -> None:
        self.store = store
        self.timezone = timezone

    async def split(
        self, items: Sequence[OutboxItem], now: datetime
    ) -> tuple[list[OutboxItem], dict[int, list[OutboxItem]]]:
        settings = await self.store.alert_settings_of(sorted({item.chat_id for item in items}))
        send: list[OutboxItem] = []
        held: dict[int, list[OutboxItem]] = defaultdict(list)
        hold: dict[datetime, list[int]] = defaultdict(list)
        for item in items:
            chat = settings.get(item.chat_id)
            if chat is None or chat.quiet_start is None or chat.quiet_end is None:
                send.append(item)
                continue
            zone = chat_zone(chat, self.timezone)
            begins, ends = last_window(now, chat.quiet_start, chat.quiet_end, zone)
            if begins <= now < ends:
                hold[ends].append(item.id)
            elif begins <= item.created_at < ends:
                held[item.chat_id].append(item)
            else:
                send.append(item)
        for until, ids in hold.items():
            await self.store.hold_alerts(ids, until)
            logger.debug("%d alert(s) held until %s (quiet hours)", len(ids), until)
        return send, dict(held)
