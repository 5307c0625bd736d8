"""What the operators' ``/stats`` and the metrics endpoint show (issue 15): counts over the
chats, subscriptions, feeds and the outbox, a handful of aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from news.store.access import Access
from news.store.tables import ChatRow, FeedRow, OutboxRow, SubscriptionRow

__all__ = ["FeedProblem", "Stats", "StoreStats"]

WORST_FEEDS = 5  # failing feeds /stats names


@dataclass(frozen=True, slots=True)
class FeedProblem:
    url: str
    errors: int  # consecutive failed polls
    last_error: str | None


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counts at one moment; ``*_today``: since the ``since`` the caller gave."""

    chats: dict[str, int]  # active chats by kind (private, group, supergroup, channel)
    inactive_chats: int
    subscriptions: int  # active subscriptions of active chats
    feeds: int
    failing_feeds: int  # feeds whose last poll failed
    outbox_backlog: int  # alerts not yet sent (nor dropped)
    alerts_sent_today: int
    alerts_retried_today: int  # alerts of today that needed more than one attempt
    alerts_dropped_today: int
    worst_feeds: list[FeedProblem] = field(default_factory=list)

    @property
    def active_chats(self) -> int:
        return sum(self.chats.values())


class Stats:
    """Aggregate reads for operators; nothing here writes."""

    def __init__(self, access: Access) -> None:
        self._access = access

    async def store_stats(self, since: datetime) -> StoreStats:
        today = or_(OutboxRow.created_at >= since, OutboxRow.sent_at >= since)
        async with self._access.read() as conn:
            kinds = await conn.execute(
                select(ChatRow.kind, ChatRow.active, func.count()).group_by(
                    ChatRow.kind, ChatRow.active
                )
            )
            chats: dict[str, int] = {}
            inactive = 0
            for kind, active, count in kinds:
                if active:
                    chats[kind] = chats.get(kind, 0) + int(count)
                else:
                    inactive += int(count)
            subscriptions = (
                await conn.execute(
                    select(func.count())
                    .select_from(SubscriptionRow)
                    .join(ChatRow, ChatRow.id == SubscriptionRow.chat_id)
                    .where(SubscriptionRow.active.is_(True), ChatRow.active.is_(True))
                )
            ).scalar_one()
            feeds, failing = (
                await conn.execute(
                    select(func.count(), func.count().filter(FeedRow.error_count > 0)).select_from(
                        FeedRow
                    )
                )
            ).one()
            outbox = (
                await conn.execute(
                    select(
                        func.count()
                        .filter(OutboxRow.sent_at.is_(None), OutboxRow.dropped.is_(False))
                        .label("backlog"),
                        func.count().filter(OutboxRow.sent_at >= since).label("sent"),
                        func.count().filter(and_(today, OutboxRow.attempts > 0)).label("retried"),
                        func.count()
                        .filter(and_(OutboxRow.created_at >= since, OutboxRow.dropped.is_(True)))
                        .label("dropped"),
                    ).select_from(OutboxRow)
                )
            ).one()
            worst = await conn.execute(
                select(FeedRow.url, FeedRow.error_count, FeedRow.last_error)
                .where(FeedRow.error_count > 0)
                .order_by(FeedRow.error_count.desc(), FeedRow.id)
                .limit(WORST_FEEDS)
            )
            problems = [FeedProblem(row.url, row.error_count, row.last_error) for row in worst]
        return StoreStats(
            chats=chats,
            inactive_chats=inactive,
            subscriptions=int(subscriptions),
            feeds=int(feeds),
            failing_feeds=int(failing),
            outbox_backlog=int(outbox.backlog),
            alerts_sent_today=int(outbox.sent),
            alerts_retried_today=int(outbox.retried),
            alerts_dropped_today=int(outbox.dropped),
            worst_feeds=problems,
        )
