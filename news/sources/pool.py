"""The extraction processes: a process pool that starts fresh processes when one of its
processes dies, and runs the work it lost again, each piece alone.

A crash in native code (libxml2 on a hostile page, a segfault, the OOM killer) ends the process
that ran the page, and ``ProcessPoolExecutor`` then fails every task it holds, running or
queued, and refuses all later ones for good. :class:`RespawningProcessPool` replaces a broken
pool on the next ``submit``; :func:`news.sources.limits.run_bounded` runs each lost task again
with :meth:`RespawningProcessPool.submit_alone`, in a process of its own, so a page that kills
its process every time takes only itself down the second time.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing.context
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["RespawningProcessPool"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class RespawningProcessPool(Executor):
    """``workers`` processes (started on first use) made by ``mp_context``, each running
    ``initializer`` first; a broken pool is replaced by a new one on the next ``submit``."""

    def __init__(
        self,
        workers: int,
        *,
        mp_context: multiprocessing.context.BaseContext | None = None,
        initializer: Callable[[], object] | None = None,
    ) -> None:
        self.workers = workers
        self._options: dict[str, Any] = {"mp_context": mp_context, "initializer": initializer}
        self._pool = ProcessPoolExecutor(workers, **self._options)
        self._lock = threading.Lock()
        self._closed = False
        self._alone_slots: asyncio.Semaphore | None = None
        self.respawns = 0  # how many times a broken pool was replaced

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            try:
                return self._pool.submit(fn, *args, **kwargs)
            except BrokenProcessPool:
                # A process died: the pool has failed its tasks and refuses new ones.
                logger.warning("an extraction process died; starting new ones")
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = ProcessPoolExecutor(self.workers, **self._options)
                self.respawns += 1
                return self._pool.submit(fn, *args, **kwargs)

    def submit_alone(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        """``fn(*args)`` in a new process of its own, ended when it is done (raises
        ``BrokenProcessPool`` in the future when that process dies too)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
        single = ProcessPoolExecutor(1, **self._options)
        future = single.submit(fn, *args)
        future.add_done_callback(lambda _: single.shutdown(wait=False))
        return future

    def alone_slots(self) -> asyncio.Semaphore:
        """At most ``workers`` :meth:`submit_alone` processes at once (a crash can fail a long
        queue of tasks; they are run again a few at a time, not all at once)."""
        if self._alone_slots is None:
            self._alone_slots = asyncio.Semaphore(self.workers)
        return self._alone_slots

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            pool = self._pool
        pool.shutdown(wait=wait, cancel_futures=cancel_futures)
