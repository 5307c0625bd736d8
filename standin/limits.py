"""Flood control and injected faults for the Bot API stand-in.

Telegram answers a bot that sends too fast with 429 "Too Many Requests: retry after N". Its
documented pace is about 30 messages per second overall, one per second in a private chat and
20 per minute in a group, with short bursts tolerated. Token buckets model exactly that: each
bucket refills at its rate up to a small burst capacity; a message needs a token from the global
bucket and from its chat's bucket, and a refused one is told how many whole seconds to wait.
Raise ``global_per_s`` (and ``global_burst``) to 1,000 to play Telegram's paid broadcasts;
``latency_s`` delays every answer but getUpdates's by a network round trip to Telegram.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from typing import Any

__all__ = ["Fault", "FaultQueue", "FloodControl", "Limits", "TokenBucket"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """Which of Telegram's limits are enforced, and the flood-control pace."""

    enforce: bool = True  # text length, callback_data size and flood control
    flood: bool = True  # flood control alone (only when ``enforce``)
    global_per_s: float = 30.0
    global_burst: int = 30
    chat_per_s: float = 1.0
    chat_burst: int = 3
    group_per_min: float = 20.0
    group_burst: int = 5
    latency_s: float = 0.0  # seconds added to each answer (a round trip to Telegram), not limits

    _MAY_BE_ZERO = frozenset({"latency_s"})

    def updated(self, changes: dict[str, Any]) -> Limits:
        """A copy with the known keys of ``changes`` applied (unknown keys are ignored)."""
        known = {
            k: v for k, v in changes.items() if k in self.__dataclass_fields__ and v is not None
        }
        for key, value in known.items():
            kind = type(getattr(self, key))
            if kind is bool and not isinstance(value, bool):
                raise ValueError(f"{key} must be a boolean")
            if kind in (int, float) and (isinstance(value, bool) or float(value) < 0):
                raise ValueError(f"{key} must be a positive number")
            if kind in (int, float) and float(value) == 0 and key not in self._MAY_BE_ZERO:
                raise ValueError(f"{key} must be a positive number")
            known[key] = kind(value)
        return replace(self, **known)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class TokenBucket:
    """A bucket of ``capacity`` tokens refilled at ``rate`` tokens per second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0.0 when one is available now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


@dataclass
class FloodControl:
    """Per-chat and global token buckets; ``check`` answers 0 (send) or retry_after seconds."""

    limits: Limits = field(default_factory=Limits)
    _global: TokenBucket | None = None
    _chats: dict[int | str, TokenBucket] = field(default_factory=dict)

    def configure(self, limits: Limits) -> None:
        self.limits = limits
        self._global = None
        self._chats.clear()

    def check(self, chat_id: int | str, *, group: bool, now: float, per_chat: bool = True) -> int:
        """Take a token for one message to ``chat_id``, or return retry_after (>= 1) seconds.

        ``per_chat=False`` (edits of an existing message) counts against the global pace only.
        """
        limits = self.limits
        if not (limits.enforce and limits.flood):
            return 0
        if self._global is None:
            self._global = TokenBucket(limits.global_per_s, limits.global_burst, now)
        buckets = [self._global]
        if per_chat:
            bucket = self._chats.get(chat_id)
            if bucket is None:
                if group:
                    bucket = TokenBucket(limits.group_per_min / 60.0, limits.group_burst, now)
                else:
                    bucket = TokenBucket(limits.chat_per_s, limits.chat_burst, now)
                self._chats[chat_id] = bucket
            buckets.append(bucket)
        wait = max(b.wait(now) for b in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for b in buckets:
            b.take(now)
        return 0


@dataclass(frozen=True)
class Fault:
    """One queued failure for a Bot API method ("*" matches any method but getUpdates)."""

    method: str
    status: int
    retry_after: int | None = None
    description: str | None = None
    drop: bool = False
    chat_id: int | str | None = None
    # With ``drop``: carry the call out first (the message IS sent), then drop the connection,
    # so the bot sees a network error for a message Telegram accepted.
    after: bool = False

    def payload(self) -> dict[str, Any]:
        """The Bot API error body Telegram would send for this status."""
        status = self.status
        description = self.description or _DEFAULT_DESCRIPTIONS.get(status, "Bad Request")
        body: dict[str, Any] = {"ok": False, "error_code": status}
        if status == 429:
            retry_after = max(1, int(self.retry_after or 1))
            if self.description is None:
                description = f"Too Many Requests: retry after {retry_after}"
            body["parameters"] = {"retry_after": retry_after}
        body["description"] = description
        return body


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class FaultQueue:
    """Faults waiting per method, taken first-in first-out, each ``count`` times."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[list[Any]]] = {}

    def add(self, fault: Fault, count: int = 1) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self._queues.setdefault(fault.method.lower(), deque()).append([fault, count])

    def take(self, method: str, chat_id: int | str | None) -> Fault | None:
        """The next fault for ``method`` (and this chat, if the fault names one), consumed."""
        keys = [method.lower()] if method.lower() == "getupdates" else [method.lower(), "*"]
        for key in keys:
            queue = self._queues.get(key)
            if not queue:
                continue
            for entry in queue:
                fault: Fault = entry[0]
                if fault.chat_id is not None and str(fault.chat_id) != str(chat_id):
                    continue
                entry[1] -= 1
                if entry[1] <= 0:
                    queue.remove(entry)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [
            {**asdict(entry[0]), "count": entry[1]}
            for queue in self._queues.values()
            for entry in queue
        ]

    def clear(self) -> None:
        self._queues.clear()
