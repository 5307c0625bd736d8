"""Serving an aiohttp application, and running an async server on its own thread.

The one runner the stand-in, the demo's page, the sample news site and the tests' local HTTP
server share: :func:`start_app` binds an application (port 0: an ephemeral port) and returns
its runner and port; :class:`AsyncServer` makes a server with ``start``/``stop`` coroutines an
``async with`` block; :class:`ServerThread` runs such a pair on a fresh event loop in a daemon
thread, so synchronous callers and other loops can use it (``with`` or ``async with``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from aiohttp import web

__all__ = ["AsyncServer", "ServerThread", "start_app"]


async def start_app(
    app: web.Application,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    shutdown_timeout: float = 60.0,
    handler_cancellation: bool = False,
    backlog: int = 128,
    reuse_address: bool | None = None,
) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on host:port without an access log; returns the runner and bound port.

    The access log stays off: request paths may carry a secret (the stand-in's bot token).
    """
    runner = web.AppRunner(
        app,
        access_log=None,
        handler_cancellation=handler_cancellation,
        shutdown_timeout=shutdown_timeout,
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, backlog=backlog, reuse_address=reuse_address)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner, int(runner.addresses[0][1])


class AsyncServer:
    """``async with server:`` awaits ``server.start()`` and, at the end, ``server.stop()``."""

    async def start(self) -> object:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


class ServerThread:
    """Runs ``start()`` on a new event loop in a daemon thread, then that loop until
    :meth:`stop`, which runs ``stop()`` and cancels what is still pending there.

    ``timeout``: how long :meth:`start` waits for ``start()`` (None: as long as it takes).
    """

    def __init__(
        self,
        start: Callable[[], Awaitable[object]],
        stop: Callable[[], Awaitable[object]],
        *,
        name: str,
        timeout: float | None = None,
    ) -> None:
        self._start_server = start
        self._stop_server = stop
        self._name = name
        self._timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The server's loop while the thread runs."""
        return self._loop

    def start(self) -> Self:
        """Start the thread and wait until ``start()`` returned; re-raises its error."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name} is already running")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def serve() -> None:
            try:
                loop.run_until_complete(self._start_server())
            except BaseException as exc:  # reported to the starting thread below
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            try:
                loop.run_until_complete(self._stop_server())
                loop.run_until_complete(_cancel_pending())
            finally:
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=serve, name=self._name, daemon=True)
        self._thread.start()
        if not ready.wait(self._timeout):
            raise RuntimeError(f"{self._name} did not start within {self._timeout} s")
        if failure:
            self._thread.join()
            self._thread = self._loop = None
            raise failure[0]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop, let ``stop()`` run there, and wait for the thread to end."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._thread = self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)


async def _cancel_pending() -> None:
    """Cancel the tasks still running on this loop (handlers that hang, for instance)."""
    pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
