"""news.sources.limits: HTML cut before parsing, extraction stopped (a worker process) or given up
on (a thread) after its time limit, with a clear reason; work whose process dies run again in
fresh processes (news.sources.pool), and parsing in threads one call at a time."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest

from news.sources.extract import NotAnArticle
from news.sources.limits import (
    OVERTIME,
    UNREADABLE,
    WorkerCrashed,
    cut_html,
    extract_bounded,
    extract_within,
    run_bounded,
)
from news.sources.pool import RespawningProcessPool

STORY = " ".join(["The council voted on the new budget for the city's schools on Tuesday."] * 8)
SMALL = f"<html><head><title>Budget</title></head><body><article><p>{STORY}</p><p>{STORY}</p>"
SMALL += "</article></body></html>"


def _big_page(blocks: int = 6000) -> str:
    """A page that takes the extractor about a second, warm (many blocks of text and links)."""
    body = "".join(
        f"<div class=c{i % 7}><p>Paragraph {i} of the story, with words in it to read and more "
        f"words after.</p><a href=/x{i}>link {i}</a></div>"
        for i in range(blocks)
    )
    return f"<html><head><title>Big</title></head><body>{body}</body></html>"


def test_cut_html_backs_up_to_a_tag_end() -> None:
    html = "<p>" + "a" * 100 + "</p><p>" + "b" * 100 + "</p>"
    assert cut_html(html, 1000) is html
    assert cut_html(html, 108) == "<p>" + "a" * 100 + "</p>"
    assert cut_html(html.encode(), 108) == ("<p>" + "a" * 100 + "</p>").encode()
    assert cut_html("x" * 50, 10) == "x" * 10  # no tag end at all: a plain cut


def test_overlong_extraction_is_stopped_in_the_main_thread() -> None:
    with pytest.raises(NotAnArticle) as info:
        extract_within(_big_page(), "https://news.example/big", 0.2)
    assert info.value.reason == OVERTIME
    # the alarm is gone: a later extraction is not interrupted
    assert extract_within(SMALL, "https://news.example/s", 30).title == "Budget"


async def test_thread_extraction_gives_up_waiting() -> None:
    with pytest.raises(NotAnArticle) as info:
        await extract_bounded(_big_page(1500), None, max_chars=10_000_000, seconds=0.05)
    assert info.value.reason == OVERTIME


async def test_cut_page_is_extracted_from_its_head() -> None:
    page = SMALL.replace("</body>", "<div>" + "<p>tail</p>" * 50_000 + "</div></body>")
    article = await extract_bounded(page, None, max_chars=len(SMALL) + 100, seconds=30)
    assert (article.title, "tail" in article.text) == ("Budget", False)


async def test_worker_process_stops_an_overlong_page_and_stays_usable() -> None:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        # warm the worker first, so the import time is not the page's time
        article = await extract_bounded(SMALL, None, max_chars=10**6, seconds=60, executor=pool)
        assert article.title == "Budget"
        with pytest.raises(NotAnArticle) as info:
            await extract_bounded(_big_page(), None, max_chars=10**7, seconds=0.3, executor=pool)
        assert info.value.reason == OVERTIME
        again = await extract_bounded(SMALL, None, max_chars=10**6, seconds=60, executor=pool)
        assert again.title == "Budget"


def _pool(workers: int) -> RespawningProcessPool:
    return RespawningProcessPool(workers, mp_context=multiprocessing.get_context("spawn"))


def _abort(delay: float) -> None:
    """Dies as a native crash does (glibc's "double free or corruption" ends in abort())."""
    time.sleep(delay)
    os.abort()


def _slow_pid(delay: float) -> int:
    time.sleep(delay)
    return os.getpid()


async def test_work_whose_process_dies_twice_is_reported_and_the_pool_recovers() -> None:
    pool = _pool(1)
    try:
        assert await run_bounded(60, pool, _slow_pid, 0) > 0  # started and warm
        with pytest.raises(WorkerCrashed):  # tried once more, alone, and it died again
            await run_bounded(60, pool, _abort, 0)
        # the pool is usable: the next page is read by a new process
        article = await extract_bounded(SMALL, None, max_chars=10**6, seconds=60, executor=pool)
        assert (article.title, pool.respawns) == ("Budget", 1)
    finally:
        pool.shutdown(cancel_futures=True)


async def test_work_beside_a_crash_is_run_again_and_succeeds() -> None:
    pool = _pool(2)
    try:
        # both processes started, so the slow task and the crash run side by side
        await asyncio.gather(*(run_bounded(60, pool, _slow_pid, 0.5) for _ in range(2)))
        slow = asyncio.ensure_future(run_bounded(60, pool, _slow_pid, 3))
        await asyncio.sleep(0.5)
        with pytest.raises(WorkerCrashed):
            await run_bounded(60, pool, _abort, 0.2)
        assert await slow > 0  # failed with the broken pool, then ran alone in a new process
        assert await run_bounded(60, pool, _slow_pid, 0) > 0  # the pool itself is new
        assert pool.respawns == 1
    finally:
        pool.shutdown(cancel_futures=True)


class _DeadPool(RespawningProcessPool):
    """Every process it starts dies before it can answer (the executor boundary, faked)."""

    def __init__(self) -> None:
        super().__init__(1)
        self.calls = 0

    def _dead(self) -> Future[Any]:
        self.calls += 1
        future: Future[Any] = Future()
        future.set_exception(BrokenProcessPool("a process died"))
        return future

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._dead()

    def submit_alone(self, fn: Any, /, *args: Any) -> Future[Any]:
        return self._dead()


async def test_a_page_whose_process_dies_is_refused_with_a_reason() -> None:
    pool = _DeadPool()
    try:
        with pytest.raises(NotAnArticle) as info:
            await extract_bounded(SMALL, None, max_chars=10**6, seconds=60, executor=pool)
        assert (info.value.reason, pool.calls) == (UNREADABLE, 2)
    finally:
        pool.shutdown()


async def test_parsing_in_threads_runs_one_call_at_a_time() -> None:
    running: list[int] = []
    most = 0
    guard = threading.Lock()

    def parse(n: int) -> int:
        nonlocal most
        with guard:
            running.append(n)
            most = max(most, len(running))
        time.sleep(0.05)
        with guard:
            running.remove(n)
        return n

    results = await asyncio.gather(*(run_bounded(30, None, parse, n) for n in range(6)))
    assert (results, most) == (list(range(6)), 1)


def test_an_alarm_that_lands_in_a_weakref_callback_comes_again_instead() -> None:
    """Python prints and drops an exception raised in a weakref's callback or a __del__ (the
    garbage collector's work), so the limit would be lost: the alarm is put off, not raised."""
    import signal
    import weakref
    from types import SimpleNamespace
    from typing import cast

    from news.sources import limits

    frames = (
        SimpleNamespace(f_code=SimpleNamespace(co_name="remove", co_filename=weakref.__file__)),
        SimpleNamespace(f_code=SimpleNamespace(co_name="__del__", co_filename="x.py")),
    )
    try:
        for frame in frames:
            limits._alarm(signal.SIGALRM, cast(Any, frame))  # no raise
            assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= limits._RETRY_ALARM
            signal.setitimer(signal.ITIMER_REAL, 0)
        work = SimpleNamespace(f_code=SimpleNamespace(co_name="extract", co_filename="extract.py"))
        with pytest.raises(limits._Alarm):
            limits._alarm(signal.SIGALRM, cast(Any, work))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
