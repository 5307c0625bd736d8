"""The bot's Bot API transport: python-telegram-bot's ``BaseRequest`` over an aiohttp client.

PTB's default ``HTTPXRequest`` spends most of the bot's CPU per message in httpx and httpcore
(measured 2026-12-02 with py-spy on a paid-broadcast fan-out: 62% of the bot's CPU inside
``HTTPXRequest.do_request``, a third of it httpcore's connection-pool bookkeeping and a failed
``import sniffio`` on every request). aiohttp's client sends the same requests for a fraction of
that. ``AiohttpRequest`` keeps PTB's contract: the same parameters (form-encoded, multipart
when a file is uploaded), the same User-Agent, ``(status, body)`` back for PTB to parse, and
the same errors (``TimedOut`` for timeouts, with PTB's message for a full pool; ``NetworkError``
for anything else on the wire).

Timeouts as PTB's: ``pool_timeout`` to get one of ``connection_pool_size`` places,
``connect_timeout`` to connect, ``read_timeout`` for the answer (PTB lengthens it for
getUpdates' long poll), ``write_timeout`` (``media_write_timeout`` for uploads) for the whole
sending of a request (aiohttp has no separate write timeout: it bounds connect, send and read
together, added to the read timeout).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.payload import BytesPayload
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput
    from telegram.request import RequestData

__all__ = ["POOL_TIMEOUT_MESSAGE", "AiohttpRequest"]

POOL_TIMEOUT_MESSAGE = (  # PTB's wording (HTTPXRequest)
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)


# The Bot API path names the token (/bot<token>/method): never in an error's text.
_BOT_PATH = re.compile(r"/bot[^/\s'\"]*")
_JSON = "application/json"


def _sum(*parts: float | None) -> float | None:
    """The sum of timeouts, or None (no limit) when any is None."""
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


class AiohttpRequest(BaseRequest):
    """``BaseRequest`` over one ``aiohttp.ClientSession`` (module doc); the arguments and their
    defaults are ``HTTPXRequest``'s."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be >= 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._pool = asyncio.Semaphore(connection_pool_size)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    @staticmethod
    def _body(request_data: RequestData | None) -> aiohttp.FormData | BytesPayload | None:
        """The request as a JSON object (the Bot API takes ``application/json``), or as
        multipart form data when it carries files.

        JSON, because a message's text URL-encoded costs Python a call per byte (150 us for
        an alert of 1,000 characters, 11 us as JSON), and aiohttp's FormData builds a
        multipart writer for every request even when it sends a form."""
        if request_data is None:
            return None
        files = request_data.multipart_data
        if not files:
            return BytesPayload(json.dumps(request_data.parameters).encode(), content_type=_JSON)
        fields = request_data.json_parameters
        form = aiohttp.FormData(quote_fields=False)
        for name, value in fields.items():
            form.add_field(name, value)
        for name, (filename, content, mime_type) in files.items():
            form.add_field(name, content, filename=filename, content_type=mime_type)
        return form

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        body = self._body(request_data)
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            uploads = isinstance(body, aiohttp.FormData)
            write = self._media_write_timeout if uploads else self._write_timeout
        else:
            write = write_timeout
        if self._pool.locked():
            try:
                await asyncio.wait_for(self._pool.acquire(), pool)
            except TimeoutError as err:
                raise TimedOut(message=POOL_TIMEOUT_MESSAGE) from err
        else:
            await self._pool.acquire()
        timeout = aiohttp.ClientTimeout(
            total=_sum(connect, write, read), sock_connect=connect, sock_read=read
        )
        try:
            async with session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            detail = _BOT_PATH.sub("/bot[REDACTED]", str(err))
            raise NetworkError(f"aiohttp.{type(err).__name__}: {detail}") from None
        finally:
            self._pool.release()
