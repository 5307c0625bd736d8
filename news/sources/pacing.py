"""Per-host politeness for bulk page fetches: at most ``per_host`` requests at once to one host,
and starts on one host at least ``interval`` seconds apart. So a feed whose entries all link to
one site (a hostile feed aimed at a victim, or a big honest one) costs that site a trickle.

The table of hosts holds only hosts with a request in flight, waiting, or still inside its
interval: it stays bounded however many hosts a run touches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["HostPacer"]

_SWEEP_AT = 256  # hosts remembered before idle ones are forgotten


@dataclass
class _Host:
    slots: asyncio.Semaphore
    next_start: float = 0.0
    users: int = 0


class HostPacer:
    """``async with pacer.slot(url):`` around a fetch; see the module docstring."""

    def __init__(
        self,
        per_host: int,
        interval: float,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """``clock`` and ``sleep``: the event loop's by default (tests pass fakes)."""
        if per_host < 1 or interval < 0:
            raise ValueError("per_host must be at least 1 and interval not negative")
        self.per_host = per_host
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._hosts: dict[str, _Host] = {}

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    @staticmethod
    def host(url: str) -> str:
        """The key a URL is paced under: its host name, lower case (port ignored)."""
        return (urlsplit(url).hostname or "").lower()

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the host's slots, starting no sooner than its interval allows."""
        key = self.host(url)
        state = self._hosts.get(key)
        if state is None:
            if len(self._hosts) >= _SWEEP_AT:
                self._sweep()
            state = self._hosts[key] = _Host(asyncio.Semaphore(self.per_host))
        state.users += 1
        try:
            async with state.slots:
                now = self._now()
                start = max(now, state.next_start)
                state.next_start = start + self.interval
                if start > now:
                    await self._sleep(start - now)
                yield
        finally:
            state.users -= 1

    def _sweep(self) -> None:
        now = self._now()
        for key in [k for k, s in self._hosts.items() if s.users == 0 and s.next_start <= now]:
            del self._hosts[key]

    def __len__(self) -> int:
        """Hosts remembered now (for tests and logs)."""
        return len(self._hosts)
