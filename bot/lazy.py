"""``Lazy(factory)``: a model built on first use, so ``newsbrief run`` starts without loading one.

The composition root (``bot.app``) passes the factory in (``Lazy(lambda: load(settings))``);
the holder stands in for what the factory returns (attributes are looked up on it), so the news
services take it wherever they take a summarizer or an encoder.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Lazy"]

T = TypeVar("T")


class Lazy(Generic[T]):
    """Builds its target with ``factory`` on first use, once, under a lock (first use happens
    in a worker thread: the services encode and summarize through ``asyncio.to_thread``)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._target: T | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """The target has been built."""
        return self._target is not None

    def get(self) -> T:
        """The target, built now if it was not yet."""
        if self._target is None:
            with self._lock:
                if self._target is None:
                    self._target = self._factory()
        return self._target

    def __getattr__(self, name: str) -> Any:
        # Only called for names the holder itself lacks (``model_id``, ``encode``, ...).
        if name.startswith("_"):  # copy/pickle probes and our own fields before __init__
            raise AttributeError(name)
        return getattr(self.get(), name)
