"""A local stand-in for Telegram's Bot API, so the unmodified bot runs without Telegram.

An aiohttp server answers ``{base}/bot<token>/<method>`` the way api.telegram.org does (form,
query or JSON parameters; ``{"ok": true, "result": ...}`` or Telegram's error bodies), with real
long polling for getUpdates, Telegram's text rules (HTML parse mode, 4096 characters, 64-byte
callback data) and flood control answering 429 with ``retry_after``. A control API under
``{base}/control/`` (and the same operations as Python methods on :class:`StandIn`) lets tests,
the demo and the benchmarks play the users: inject messages and button presses, read what the
bot sent, queue failures, and tune the limits.

Control API (JSON):

- ``POST /control/message`` {chat_id, text, user_id?, chat_type?, chat_title?, first_name?,
  username?, reply_to_message_id?} -> {update_id, message_id, update_ids, message_ids, delivered}
- ``POST /control/callback`` {chat_id, message_id, data, user_id?} -> {update_id,
  callback_query_id}
- ``GET /control/sent?chat_id=&after_id=&limit=`` -> {messages, last_id, has_more}
- ``GET /control/wait?chat_id=&after_id=&timeout=`` -> {messages, last_id, timed_out}
- ``GET /control/events?after_id=&method=&limit=`` -> {events, last_id, has_more}
- ``POST /control/faults`` {method, status, count?, retry_after?, description?, drop?, after?,
  chat_id?}; ``GET /control/faults``
- ``POST /control/limits`` {enforce?, flood?, global_per_s?, global_burst?, chat_per_s?,
  chat_burst?, group_per_min?, group_burst?, latency_s?}; ``GET /control/limits``
- ``POST /control/block`` {chat_id, blocked?}; ``GET /control/stats``; ``GET /control/config``;
  ``POST /control/reset``
- ``POST /control/document`` {chat_id, file_name, data_base64, mime_type?, caption?, user_id?,
  chat_type?} (a user sends a file); ``GET /control/documents?chat_id=&after_id=`` (files the
  bot sent, with their bytes): :mod:`standin.documents`, which also serves ``getFile``,
  ``sendDocument`` and the file downloads (``{base}/file/bot<token>/<file_path>``)

Deliberate simplifications: any chat id is accepted (no "chat not found" for users who never
wrote to the bot), no media but documents, no inline mode, and updates are kept until confirmed.

All state lives on the event loop that started the server; the Python methods may be awaited
from another loop or thread (they hop onto the server's loop), and HTTP clients in other
processes are the normal case (``newsbrief standin`` runs it on its own).

The stand-in is split by job: :mod:`standin.state` (its state and the Python API),
:mod:`standin.methods` and :mod:`standin.webhook` (the Bot API), :mod:`standin.users` (the
simulated users), :mod:`standin.control` (the control API), :mod:`standin.params`,
:mod:`standin.text` and :mod:`standin.limits` (Telegram's rules), :mod:`standin.thread` (serving
from a thread) and :mod:`standin.cli` (``newsbrief standin``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from standin.chats import ChatRoleMethods
from standin.control import ControlAPI
from standin.documents import DocumentMethods
from standin.methods import BotAPIMethods
from standin.models import BotAPIError, SentMessage
from standin.params import read_params
from standin.state import Signal
from standin.thread import AsyncServer, ServerThread, start_app
from standin.webhook import WebhookMethods

__all__ = ["SentMessage", "StandIn"]  # SentMessage: tests/e2e import it from here

logger = logging.getLogger(__name__)


class StandIn(
    ChatRoleMethods, DocumentMethods, ControlAPI, BotAPIMethods, WebhookMethods, AsyncServer
):
    """The Bot API stand-in server; use as ``async with StandIn() as standin: ...``.

    ``StandIn(host, port, token, enforce_limits, *, limits=None, group_privacy=False)``: port 0
    binds an ephemeral port; a ``token`` makes every other token answer 401.
    """

    _thread: ServerThread | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> StandIn:
        """Bind the socket (port 0: an ephemeral one) and start serving."""
        if self._runner is not None:
            raise RuntimeError("StandIn is already running")
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._closing = False
        self._updates_signal = Signal()
        self._output_signal = Signal()
        self._register_methods()
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self._add_control_routes(app)
        self._add_document_routes(app)  # the file downloads (standin.documents)
        self._add_chat_role_routes(app)  # chats, members, topics, migrations (standin.chats)
        self._runner, self.port = await start_app(
            app,
            self.host,
            self.port,
            handler_cancellation=True,
            shutdown_timeout=2.0,
            backlog=512,
            reuse_address=True,
        )
        logger.info("Bot API stand-in listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        """Wake every long poll, stop webhook delivery, close the server."""
        if self._runner is None:
            return
        self._closing = True
        self._notify_updates()
        self._notify_output()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        runner, self._runner = self._runner, None
        await runner.cleanup()
        logger.info("Bot API stand-in stopped")

    def start_in_thread(self) -> StandIn:
        """Serve from a daemon thread with its own loop (for synchronous callers)."""
        self._thread = ServerThread(self.start, self.stop, name="standin").start()
        return self

    def stop_thread(self) -> None:
        """Stop a server started with :meth:`start_in_thread`."""
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    # ----------------------------------------------------------------- Bot API over HTTP

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        latency = self.limits.latency_s  # a round trip to Telegram's servers (benchmarks)
        if latency <= 0 or request.match_info["method"].lower() == "getupdates":
            return await self._answer_api(request)
        response = await self._answer_api(request)
        await asyncio.sleep(latency)
        return response

    async def _answer_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if self._token is not None and token != self._token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        lowered = request.match_info["method"].lower()
        impl = self._methods.get(lowered)
        if impl is None:
            self._calls[request.match_info["method"]] += 1
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        name = self._names[lowered]
        self._calls[name] += 1
        try:
            params = await read_params(request)
        except BotAPIError as exc:
            return web.json_response(exc.payload(), status=exc.status)
        chat_id = params.get("chat_id")
        fault = self._faults.take(name, chat_id)
        if fault is not None and fault.drop and fault.after:
            self._faults_fired += 1
            with contextlib.suppress(BotAPIError):
                await impl(params)
                self._record(name, chat_id, params, ok=True)
            logger.debug("stand-in: dropping the connection of %s after serving it", name)
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if fault is not None:
            self._faults_fired += 1
            body = fault.payload()
            self._errors[fault.status] += 1
            self._record(
                name, chat_id, params, ok=False, error=(fault.status, body["description"])
            )
            if fault.drop:
                logger.debug("stand-in: dropping the connection of %s (injected)", name)
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
            return web.json_response(body, status=fault.status)
        try:
            result = await impl(params)
        except BotAPIError as exc:
            self._errors[exc.status] += 1
            if name != "getUpdates":
                self._record(name, chat_id, params, ok=False, error=(exc.status, exc.description))
            return web.json_response(exc.payload(), status=exc.status)
        if name != "getUpdates":
            self._record(name, chat_id, params, ok=True)
        return web.json_response({"ok": True, "result": result})

    def _register_methods(self) -> None:
        table: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getChat": self._get_chat,
            "close": self._true,
            "logOut": self._true,
            "setMyDescription": self._true,
            "setMyShortDescription": self._true,
            "setMyName": self._true,
            "setChatMenuButton": self._true,
            **self._document_methods(),  # getFile, sendDocument (standin.documents)
            **self._chat_role_methods(),  # getChatMember, channels, threads (standin.chats)
        }
        self._methods = {name.lower(): impl for name, impl in table.items()}
        self._names = {name.lower(): name for name in table}
