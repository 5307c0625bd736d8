"""Prometheus metrics for operators (issue 15), off unless ``settings.metrics_port`` is set.

Served on ``metrics_host:metrics_port`` at ``/metrics`` (prometheus-client's own HTTP server, in
a thread) from a registry of this bot's own. The store figures are those of ``/stats``, refreshed
by a job every ``REFRESH_SECONDS``; request latencies are timed around every update's handlers.

Names (all prefixed ``newsbrief_``):

- ``chats{kind}``: active chats by kind (private, group, supergroup, channel);
  ``chats_inactive``: chats that blocked the bot or were left
- ``subscriptions``: active topics of active chats
- ``feeds``, ``feeds_failing``: feeds, and those whose last poll failed
- ``outbox_backlog``: alerts queued, not yet sent
- ``alerts_sent_today``, ``alerts_retried_today``, ``alerts_dropped_today``: since midnight UTC
- ``request_seconds{command}``: histogram of the time to handle one update (``command``: the
  bot's command, ``button``, ``text`` or ``other``)
- ``stats_refreshed_timestamp_seconds``: when the store figures were last read
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Gauge, Histogram, start_http_server
from telegram import Update

from news.roles import StoreStats

__all__ = ["METRIC_NAMES", "REFRESH_SECONDS", "BotMetrics", "command_label"]

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 15.0
_TIMERS_MAX = 10_000  # updates being timed at once (an update whose end was never seen ages out)
_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

METRIC_NAMES = (
    "newsbrief_chats",
    "newsbrief_chats_inactive",
    "newsbrief_subscriptions",
    "newsbrief_feeds",
    "newsbrief_feeds_failing",
    "newsbrief_outbox_backlog",
    "newsbrief_alerts_sent_today",
    "newsbrief_alerts_retried_today",
    "newsbrief_alerts_dropped_today",
    "newsbrief_request_seconds",
    "newsbrief_stats_refreshed_timestamp_seconds",
)


def command_label(update: Update, commands: Iterable[str]) -> str:
    """A bounded label for an update: one of ``commands``, ``button``, ``text`` or ``other``."""
    if update.callback_query is not None:
        return "button"
    message = update.effective_message
    text = message.text if message is not None else None
    if not text:
        return "other"
    if not text.startswith("/"):
        return "text"
    name = text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
    return name if name in set(commands) else "other"


class BotMetrics:
    """The bot's metrics in a registry of their own (tests make as many as they like)."""

    def __init__(
        self,
        commands: Iterable[str] = (),
        *,
        registry: CollectorRegistry | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry or CollectorRegistry()
        self.commands = frozenset(commands)
        self._clock = clock
        self._timers: OrderedDict[int, float] = OrderedDict()
        self._server: WSGIServer | None = None
        reg = self.registry
        self.chats = Gauge("newsbrief_chats", "Active chats by kind.", ["kind"], registry=reg)
        self.chats_inactive = Gauge("newsbrief_chats_inactive", "Inactive chats.", registry=reg)
        self.subscriptions = Gauge(
            "newsbrief_subscriptions", "Active subscriptions of active chats.", registry=reg
        )
        self.feeds = Gauge("newsbrief_feeds", "Feeds polled.", registry=reg)
        self.feeds_failing = Gauge(
            "newsbrief_feeds_failing", "Feeds whose last poll failed.", registry=reg
        )
        self.outbox_backlog = Gauge(
            "newsbrief_outbox_backlog", "Alerts queued and not yet sent.", registry=reg
        )
        self.alerts_sent_today = Gauge(
            "newsbrief_alerts_sent_today", "Alerts sent since midnight UTC.", registry=reg
        )
        self.alerts_retried_today = Gauge(
            "newsbrief_alerts_retried_today",
            "Alerts of today that needed more than one attempt.",
            registry=reg,
        )
        self.alerts_dropped_today = Gauge(
            "newsbrief_alerts_dropped_today", "Alerts of today given up.", registry=reg
        )
        self.refreshed = Gauge(
            "newsbrief_stats_refreshed_timestamp_seconds",
            "When the store figures were last read (Unix time).",
            registry=reg,
        )
        self.request_seconds = Histogram(
            "newsbrief_request_seconds",
            "Seconds to handle one update, by command.",
            ["command"],
            buckets=_BUCKETS,
            registry=reg,
        )

    # --- store figures -------------------------------------------------------------------

    def update(self, stats: StoreStats) -> None:
        self.chats.clear()
        for kind in ("private", "group", "supergroup", "channel", *stats.chats):
            self.chats.labels(kind=kind).set(stats.chats.get(kind, 0))
        self.chats_inactive.set(stats.inactive_chats)
        self.subscriptions.set(stats.subscriptions)
        self.feeds.set(stats.feeds)
        self.feeds_failing.set(stats.failing_feeds)
        self.outbox_backlog.set(stats.outbox_backlog)
        self.alerts_sent_today.set(stats.alerts_sent_today)
        self.alerts_retried_today.set(stats.alerts_retried_today)
        self.alerts_dropped_today.set(stats.alerts_dropped_today)
        self.refreshed.set(time.time())

    # --- request latencies -----------------------------------------------------------------

    def started(self, update: Update) -> None:
        self._timers[update.update_id] = self._clock()
        while len(self._timers) > _TIMERS_MAX:
            self._timers.popitem(last=False)

    def finished(self, update: Update) -> None:
        began = self._timers.pop(update.update_id, None)
        if began is not None:
            label = command_label(update, self.commands)
            self.request_seconds.labels(command=label).observe(self._clock() - began)

    # --- the endpoint ------------------------------------------------------------------------

    def serve(self, host: str, port: int) -> None:
        """Serve ``/metrics`` on ``host:port`` in a thread until ``close``."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._server = server
        logger.info("metrics on http://%s:%d/metrics", host, port)

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
