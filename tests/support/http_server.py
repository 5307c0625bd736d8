"""A small local HTTP server for tests: serve canned responses on 127.0.0.1, record requests.

The server runs aiohttp on its own event loop in a background thread
(:class:`standin.thread.ServerThread`), so the same object works
from sync tests, async tests and subprocess tests (the code under test may block or not)::

    routes = {
        "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, rss_bytes),
        "/page": page_handler,                  # async (request) -> aiohttp.web.StreamResponse
        "/slow": hang(),                        # never answers (until the server stops)
        "/big": stream_bytes(20_000_000),       # streams a large body in chunks
    }
    async with LocalHTTPServer(routes) as server:   # or: with LocalHTTPServer(routes) as server
        url = server.url("/feed.xml")              # http://127.0.0.1:<ephemeral port>/feed.xml
        ...
        assert server.requests[0].headers["If-None-Match"] == '"v1"'

Routes are matched on the path only (the query string is recorded, not matched). A route value
is ``(status, headers, body)`` with ``body`` as ``bytes`` or ``str`` (UTF-8 encoded), or an
async handler. ``server.routes`` may be changed while the server runs (``server.set(path,
...)``). Unknown paths answer 404. ``redirect(location, status=302)`` builds a redirect route.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from aiohttp import web

from standin.thread import ServerThread, start_app

__all__ = [
    "Handler",
    "LocalHTTPServer",
    "RecordedRequest",
    "Route",
    "hang",
    "redirect",
    "stream_bytes",
]

Handler: TypeAlias = Callable[[web.Request], Awaitable[web.StreamResponse]]
Route: TypeAlias = tuple[int, Mapping[str, str], bytes | str] | Handler


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received (headers keep their case-insensitive lookup)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


def redirect(location: str, status: int = 302) -> Route:
    """A route answering ``status`` with ``Location: location`` (absolute or relative)."""
    return (status, {"Location": location}, b"")


def hang(seconds: float = 3600.0) -> Handler:
    """A handler that accepts the request and answers nothing for ``seconds`` (timeout tests)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return web.Response(text="too late")

    return handler


def stream_bytes(
    total: int,
    *,
    content_type: str = "text/html; charset=utf-8",
    chunk: bytes = b"<p>" + b"x" * 1000 + b"</p>\n",
) -> Handler:
    """A handler streaming ``total`` bytes of repeated ``chunk`` without a Content-Length."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": content_type})
        await response.prepare(request)
        sent = 0
        try:
            while sent < total:
                piece = chunk[: total - sent]
                await response.write(piece)
                sent += len(piece)
            await response.write_eof()
        except (ConnectionResetError, ConnectionError):  # the client stopped reading: fine
            pass
        return response

    return handler


class LocalHTTPServer(ServerThread):
    """Serve ``routes`` on 127.0.0.1 at an ephemeral port from a background thread
    (``start()``/``stop()``, ``with`` or ``async with``; pending handlers are cancelled on stop).
    """

    def __init__(self, routes: Mapping[str, Route] | None = None) -> None:
        super().__init__(self._start, self._stop, name="LocalHTTPServer", timeout=10)
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[RecordedRequest] = []
        self.port: int = 0
        self._runner: web.AppRunner | None = None
        self._lock = threading.Lock()

    # -- public API ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def set(self, path: str, route: Route) -> None:
        """Add or replace a route while the server runs."""
        with self._lock:
            self.routes[path] = route

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests for one path, in order."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- internals -------------------------------------------------------------------------
    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner, self.port = await start_app(app, shutdown_timeout=0.5)

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    query=request.query_string,
                    headers=request.headers.copy(),
                    body=body,
                )
            )
            route = self.routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="not found")
        if callable(route):
            return await route(request)
        status, headers, payload = route
        data = payload.encode() if isinstance(payload, str) else payload
        return web.Response(status=status, headers=dict(headers), body=data)
