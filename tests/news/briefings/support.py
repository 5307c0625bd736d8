"""Shared by the briefing tests: a clock that moves only when told (``StorySnapshots`` and
``Store`` take one instead of ``time.monotonic``)."""

from __future__ import annotations

__all__ = ["Clock"]


class Clock:
    """Monotonic seconds that move only when the test says so (``clock.now += 2``)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
