"""The admin guard's cache (trusted for a TTL, bounded, per chat forgettable), one
getChatMember per (chat, user) within it, and the metrics: names, labels, a scrape."""

from __future__ import annotations

import socket
import urllib.request
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from telegram.error import BadRequest

from bot.metrics import METRIC_NAMES, BotMetrics
from bot.permissions import AdminCache, is_chat_admin
from news.roles import StoreStats


def test_admin_cache_trusts_answers_for_the_ttl_and_stays_bounded() -> None:
    now = [0.0]
    cache = AdminCache(ttl=60.0, size=3, clock=lambda: now[0])
    cache.put(-1, 7, True)
    cache.put(-1, 8, False)
    assert (cache.get(-1, 7), cache.get(-1, 8), cache.get(-1, 9)) == (True, False, None)
    now[0] = 61.0
    assert cache.get(-1, 7) is None  # expired
    for user in range(10, 20):
        cache.put(-2, user, True)
    assert len(cache) == 3  # least recently used forgotten first
    assert cache.get(-2, 19) is True
    cache.forget_chat(-2)
    assert len(cache) == 0
    off = AdminCache(ttl=0)
    off.put(-1, 7, True)
    assert off.get(-1, 7) is None


@dataclass
class FakeBot:
    statuses: dict[tuple[int, int], str]
    calls: list[tuple[int, int]] = field(default_factory=list)

    async def get_chat_member(self, chat_id: int, user_id: int) -> Any:
        self.calls.append((chat_id, user_id))
        if (chat_id, user_id) not in self.statuses:
            raise BadRequest("Chat not found")
        return SimpleNamespace(status=self.statuses[(chat_id, user_id)])


async def test_is_chat_admin_asks_telegram_once_per_ttl_and_never_caches_errors() -> None:
    bot = FakeBot({(-1, 7): "administrator", (-1, 8): "member", (-1, 9): "creator"})
    data = SimpleNamespace(extras={}, settings=SimpleNamespace(admin_check_ttl=60.0))
    context: Any = SimpleNamespace(bot=bot, bot_data=data)
    assert await is_chat_admin(context, -1, 7) is True
    assert await is_chat_admin(context, -1, 7) is True
    assert await is_chat_admin(context, -1, 8) is False
    assert await is_chat_admin(context, -1, 9) is True  # the owner
    assert await is_chat_admin(context, -2, 7) is False  # an error is a no...
    assert await is_chat_admin(context, -2, 7) is False
    assert bot.calls == [(-1, 7), (-1, 8), (-1, 9), (-2, 7), (-2, 7)]  # ...asked again


def _stats() -> StoreStats:
    return StoreStats(
        chats={"private": 3, "channel": 1},
        inactive_chats=1,
        subscriptions=4,
        feeds=2,
        failing_feeds=1,
        outbox_backlog=5,
        alerts_sent_today=6,
        alerts_retried_today=2,
        alerts_dropped_today=0,
    )


def test_metrics_are_served_under_the_documented_names() -> None:
    metrics = BotMetrics(["brief", "stats"])
    metrics.update(_stats())
    update: Any = SimpleNamespace(
        update_id=1, callback_query=None, effective_message=SimpleNamespace(text="/brief@bot x")
    )
    metrics.started(update)
    metrics.finished(update)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    metrics.serve("127.0.0.1", port)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            body = bytes(response.read()).decode()
    finally:
        metrics.close()
    for name in METRIC_NAMES:
        assert f"# HELP {name} " in body, name
    assert 'newsbrief_chats{kind="private"} 3.0' in body
    assert 'newsbrief_chats{kind="group"} 0.0' in body
    assert "newsbrief_outbox_backlog 5.0" in body
    assert "newsbrief_alerts_retried_today 2.0" in body
    assert 'newsbrief_request_seconds_count{command="brief"} 1.0' in body
