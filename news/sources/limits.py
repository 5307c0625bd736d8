"""What parsing one page or feed may cost: a page's HTML is cut to ``extract_max_chars`` before
it is parsed, and the work gets ``extract_timeout`` seconds of running time (time queued for a
worker does not count), after which a page is rejected with :data:`OVERTIME` (a feed: the
caller's reason).

In a worker process the limit stops the work itself (``SIGALRM`` in the process's main thread,
where a pool runs its tasks), so an overlong page frees its worker. In a thread nothing can stop
the work; the caller stops waiting for it, and the cut bounds what it costs meanwhile.

Work whose worker process dies (a native crash) is run once more, alone in a new process
(:class:`news.sources.pool.RespawningProcessPool`, which also replaces the broken pool); when
that process dies too it raises :class:`WorkerCrashed`. In threads, parsing is one call at a
time per process: libxml2 (lxml, under trafilatura and readability) run from several threads at
once is a known cause of native crashes (trafilatura issues #840 and #925; a ``double free or
corruption`` abort of a ``newsbrief worker`` extracting in four threads, 2026-12-04), and a
crash there ends the bot.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from types import FrameType
from typing import Any, TypeVar

from news.models import Article
from news.sources.extract import NotAnArticle, extract
from news.sources.pool import RespawningProcessPool

__all__ = [
    "OVERTIME",
    "UNREADABLE",
    "Overtime",
    "WorkerCrashed",
    "call_within",
    "cut_html",
    "extract_bounded",
    "extract_within",
    "run_bounded",
]

T = TypeVar("T")

OVERTIME = "The page is too large or complex to read in time."
UNREADABLE = "The page could not be read (the reader stopped on it)."
_TAG_END_WINDOW = 4096  # a cut backs up to the last tag end this close, not to split a tag


class Overtime(Exception):
    """The work ran past its time limit (and, in a worker process, was stopped)."""


class WorkerCrashed(Exception):
    """The process running the work died, twice (a fresh process was tried)."""


# Parsing in threads, one call at a time (see the module docstring).
_THREAD_PARSE_LOCK = threading.Lock()


class _Alarm(BaseException):
    """Raised by the alarm; a BaseException, so no ``except Exception`` inside a library can
    swallow it and carry on. Never leaves :func:`call_within`."""


def cut_html(html: str | bytes, limit: int) -> str | bytes:
    """``html`` cut to at most ``limit`` characters (bytes), at a tag end when one is near."""
    if len(html) <= limit:
        return html
    start = max(0, limit - _TAG_END_WINDOW)
    if isinstance(html, str):
        head: str | bytes = html[:limit]
        end = html.rfind(">", start, limit)
    else:
        head = html[:limit]
        end = html.rfind(b">", start, limit)
    return head[: end + 1] if end >= 0 else head


_RETRY_ALARM = 0.01  # seconds: an alarm that fell in a callback comes again this soon


def _in_callback(frame: FrameType | None) -> bool:
    """Whether the signal arrived in code whose exceptions Python prints and drops: a weakref's
    callback (``weakref.py``) or a ``__del__``."""
    if frame is None:
        return False
    code = frame.f_code
    return code.co_name == "__del__" or code.co_filename.endswith("weakref.py")


def _alarm(signum: int, frame: FrameType | None) -> None:
    if _in_callback(frame):  # raised here it would be dropped and the work would run on
        signal.setitimer(signal.ITIMER_REAL, _RETRY_ALARM)
        return
    raise _Alarm


def call_within(seconds: float, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, stopped after ``seconds`` with :class:`Overtime` when run in a process's
    main thread (a worker process); elsewhere a plain call."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        return fn(*args)
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        raise Overtime from None
    finally:
        signal.signal(signal.SIGALRM, previous)


async def run_bounded(
    seconds: float, executor: Executor | None, fn: Callable[..., T], *args: Any
) -> T:
    """``fn(*args)`` off the event loop within ``seconds`` of running time (not counting time
    queued): in ``executor`` (a process pool: the work is stopped at the limit), else in a
    thread (only the wait is). Raises :class:`Overtime`."""
    loop = asyncio.get_running_loop()
    if executor is not None:
        try:
            return await loop.run_in_executor(executor, call_within, seconds, fn, *args)
        except BrokenProcessPool:
            # A process of the pool died, running this work or other work beside it.
            if not isinstance(executor, RespawningProcessPool):
                raise WorkerCrashed from None
        async with executor.alone_slots():  # once more, alone: only a crasher dies again
            try:
                future = executor.submit_alone(call_within, seconds, fn, *args)
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                raise WorkerCrashed from None
    started = loop.create_future()

    def mark_started() -> None:
        if not started.done():
            started.set_result(None)

    def run() -> T:
        with _THREAD_PARSE_LOCK:
            loop.call_soon_threadsafe(mark_started)
            return fn(*args)

    work = asyncio.ensure_future(asyncio.to_thread(run))
    work.add_done_callback(lambda done: done.cancelled() or done.exception())  # retrieved
    await asyncio.wait({work, started}, return_when=asyncio.FIRST_COMPLETED)
    try:
        return await asyncio.wait_for(asyncio.shield(work), seconds)
    except TimeoutError:
        raise Overtime from None


def extract_within(html: str | bytes, url: str | None, seconds: float) -> Article:
    """:func:`extract` under :func:`call_within`; raises NotAnArticle(OVERTIME) when stopped."""
    try:
        return call_within(seconds, extract, html, url)
    except Overtime:
        raise NotAnArticle(OVERTIME) from None


async def extract_bounded(
    html: str | bytes,
    url: str | None,
    *,
    max_chars: int,
    seconds: float,
    executor: Executor | None = None,
) -> Article:
    """Extract off the event loop within the bounds (HTML cut to ``max_chars``, ``seconds`` of
    running time; see :func:`run_bounded`). Raises NotAnArticle."""
    try:
        return await run_bounded(seconds, executor, extract, cut_html(html, max_chars), url)
    except Overtime:
        raise NotAnArticle(OVERTIME) from None
    except WorkerCrashed:
        raise NotAnArticle(UNREADABLE) from None
