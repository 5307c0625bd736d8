"""bot.transport.AiohttpRequest: PTB's request contract over aiohttp, against a local server
(the end-to-end tests drive every Bot API method through it and the stand-in)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.transport import POOL_TIMEOUT_MESSAGE, AiohttpRequest
from tests.support.http_server import LocalHTTPServer, Route, hang

TOKEN = "123456789:AAHsecretsecretsecretsecretsecretXY"


def _data(*, upload: bool = False) -> RequestData:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Full", callback_data="v1:full:7")]])
    parameters = [
        RequestParameter("chat_id", 5, None),
        RequestParameter("text", "héllo", None),
        RequestParameter.from_input("reply_markup", keyboard),
    ]
    if upload:
        parameters.append(
            RequestParameter.from_input("document", InputFile(b"<opml/>", filename="feeds.opml"))
        )
    return RequestData(parameters=parameters)


async def _request(**options: float | int) -> AiohttpRequest:
    request = AiohttpRequest(**options)  # type: ignore[arg-type]
    await request.initialize()
    return request


async def test_fields_files_and_user_agent_reach_the_server() -> None:
    routes: dict[str, Route] = {f"/bot{TOKEN}/sendMessage": (200, {}, b'{"ok": true}')}
    async with LocalHTTPServer(routes) as server:
        request = await _request()
        try:
            url = server.url(f"/bot{TOKEN}/sendMessage")
            assert await request.do_request(url, "POST", _data()) == (200, b'{"ok": true}')
            assert await request.do_request(url, "POST", _data(upload=True)) == (
                200,
                b'{"ok": true}',
            )
        finally:
            await request.shutdown()
    plain, upload = server.requests
    assert plain.headers["User-Agent"] == AiohttpRequest.USER_AGENT
    assert plain.headers["Content-Type"] == "application/json"  # the Bot API's JSON form
    assert json.loads(plain.body) == {
        "chat_id": 5,
        "text": "héllo",
        "reply_markup": {"inline_keyboard": [[{"text": "Full", "callback_data": "v1:full:7"}]]},
    }
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b'filename="feeds.opml"' in upload.body
    assert b"<opml/>" in upload.body
    assert b'name="chat_id"' in upload.body


async def test_an_answer_slower_than_the_read_timeout_is_timed_out() -> None:
    async with LocalHTTPServer({"/slow": hang()}) as server:
        request = await _request(read_timeout=0.2)
        try:
            with pytest.raises(TimedOut):
                await request.do_request(server.url("/slow"), "POST", _data())
        finally:
            await request.shutdown()


async def test_a_full_pool_times_out_with_ptbs_message_and_sends_nothing() -> None:
    async with LocalHTTPServer({"/slow": hang(), "/quick": (200, {}, b"{}")}) as server:
        request = await _request(connection_pool_size=1, read_timeout=5.0)
        try:
            busy = asyncio.create_task(request.do_request(server.url("/slow"), "POST"))
            await asyncio.sleep(0.2)  # it holds the one place
            with pytest.raises(TimedOut) as raised:
                await request.do_request(server.url("/quick"), "POST", pool_timeout=0.1)
            assert raised.value.message == POOL_TIMEOUT_MESSAGE
            assert not server.requests_to("/quick")
            busy.cancel()
        finally:
            await request.shutdown()


def _closed_port() -> int:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "base",
    [
        lambda: f"http://127.0.0.1:{_closed_port()}",  # refused
        lambda: "ftp://127.0.0.1",  # aiohttp's error text is the whole URL
    ],
)
async def test_a_network_error_names_neither_the_token_nor_its_url(
    base: Callable[[], str],
) -> None:
    request = await _request(connect_timeout=1.0)
    try:
        with pytest.raises(NetworkError) as raised:
            await request.do_request(f"{base()}/bot{TOKEN}/getMe", "POST")
    finally:
        await request.shutdown()
    assert not isinstance(raised.value, TimedOut)
    assert raised.value.message.startswith("aiohttp.")
    assert TOKEN.split(":")[1] not in str(raised.value)
    assert raised.value.__cause__ is None  # no chained error that carries the URL


async def test_it_must_be_initialized() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:1/x", "POST")
