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
  chat_burst?, group_per_min?, group_burst?}; ``GET /control/limits``
- ``POST /control/block`` {chat_id, blocked?}; ``GET /control/stats``; ``GET /control/config``;
  ``POST /control/reset``

Deliberate simplifications: any chat id is accepted (no "chat not found" for users who never
wrote to the bot), no media, no inline mode, and updates are kept until confirmed.

All state lives on the event loop that started the server; the Python methods may be awaited
from another loop or thread (they hop onto the server's loop), and HTTP clients in other
processes are the normal case (``newsbrief standin`` runs it on its own).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import ClientSession, ClientTimeout, web

from standin.limits import Fault, FaultQueue, FloodControl, Limits
from standin.text import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_TEXT_LENGTH,
    EntityParseError,
    incoming_entities,
    parse_text,
)

if TYPE_CHECKING:
    from config import Settings

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "BotAPIError",
    "Event",
    "Injected",
    "Pressed",
    "SentMessage",
    "StandIn",
    "register",
]

logger = logging.getLogger(__name__)

BOT_ID = 1000
BOT_USERNAME = "newsbrief_test_bot"
BOT_FIRST_NAME = "newsbrief"

_T = TypeVar("_T")

# Parameters whose form/query value is a plain string; every other value is JSON-encoded by
# clients such as python-telegram-bot (numbers, booleans, objects like reply_markup).
_STRING_PARAMS = frozenset(
    {
        "text",
        "parse_mode",
        "callback_query_id",
        "action",
        "url",
        "secret_token",
        "inline_message_id",
        "language_code",
        "description",
        "short_description",
        "name",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "caption",
        "emoji",
        "title",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# What Telegram delivers when a bot never chose allowed_updates.
_DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "my_chat_member",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "chat_join_request",
    }
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
# Methods that post a message into a chat and therefore count against flood control.
_FLOOD_METHODS = frozenset({"sendmessage", "editmessagetext", "editmessagereplymarkup"})


class BotAPIError(Exception):
    """A Bot API error answer: HTTP status = ``error_code``, Telegram's description text."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class SentMessage:
    """One message the bot sent (or a new version of it, ``edited=True``)."""

    id: int  # global sequence number, shared with events
    method: str
    chat_id: int | str
    message_id: int
    text: str  # as the bot sent it (HTML when parse_mode is HTML)
    plain_text: str  # after entity parsing, what the user reads
    entities: list[dict[str, Any]]
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    link_preview_options: dict[str, Any] | None
    disable_web_page_preview: bool | None
    edited: bool
    date: int

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button(self, text: str) -> dict[str, Any]:
        """The first inline button whose label contains ``text`` (case-insensitive)."""
        for candidate in self.buttons:
            if text.lower() in str(candidate.get("text", "")).lower():
                return candidate
        raise KeyError(f"no button labelled {text!r} in message {self.message_id}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Event:
    """One Bot API call the bot made (getUpdates excepted), successful or not."""

    id: int
    method: str
    chat_id: int | str | None
    ok: bool
    params: dict[str, Any]
    error_code: int | None = None
    description: str | None = None
    time: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Injected:
    """What :meth:`StandIn.inject_message` queued (several when a long text was split)."""

    update_id: int
    message_id: int
    update_ids: tuple[int, ...] = ()
    message_ids: tuple[int, ...] = ()
    delivered: bool = True


@dataclass(frozen=True)
class Pressed:
    update_id: int
    callback_query_id: str


class _Signal:
    """Wakes every waiter when something changed (a fresh Event per generation).

    Take ``generation()`` BEFORE checking the condition, then wait on it: a change made in
    between has already set that event, so no wake-up is lost.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def generation(self) -> asyncio.Event:
        return self._event


async def _wait_event(event: asyncio.Event, seconds: float) -> None:
    if seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


def _decode_param(name: str, value: str) -> Any:
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _chat_key(value: Any) -> int | str:
    """A chat id as Telegram takes it: an integer, or "@username"."""
    if isinstance(value, bool):
        raise _bad("chat not found")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        stripped = value.strip()
        with contextlib.suppress(ValueError):
            return int(stripped)
        if stripped.startswith("@") and len(stripped) > 1:
            return stripped
    if value is None or value == "":
        raise _bad("chat_id is empty")
    raise _bad("chat not found")


def _int_param(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = params.get(name, default)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(f"invalid {name} specified") from None


class StandIn:
    """The Bot API stand-in server; use as ``async with StandIn() as standin: ...``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        enforce_limits: bool = True,
        *,
        limits: Limits | None = None,
        group_privacy: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self._token = token
        self._default_limits = limits or Limits(enforce=enforce_limits)
        self.group_privacy = group_privacy
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._update_seq = itertools.count(1)
        self._event_seq = itertools.count(1)
        self._callback_seq = itertools.count(1)
        self._last_event_id = 0
        self._claimed_id: int | None = None
        self._updates_signal: _Signal | None = None
        self._output_signal: _Signal | None = None
        self._poller: asyncio.Future[None] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._client: ClientSession | None = None
        self._methods: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {}
        self._names: dict[str, str] = {}
        self._reset_state()

    # ----------------------------------------------------------------- lifecycle

    def _reset_state(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._webhook: dict[str, Any] | None = None
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._message_ids: Counter[int | str] = Counter()
        self._events: list[Event] = []
        self._sent: list[SentMessage] = []
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._faults = FaultQueue()
        self._flood = FloodControl(self._default_limits)
        self._blocked: set[int | str] = set()
        self._calls: Counter[str] = Counter()
        self._errors: Counter[int] = Counter()
        self._accepted: Counter[int | str] = Counter()
        self._throttled = 0
        self._faults_fired = 0
        self._updates_injected = 0

    async def start(self) -> StandIn:
        """Bind the socket (port 0: an ephemeral one) and start serving."""
        if self._runner is not None:
            raise RuntimeError("StandIn is already running")
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._closing = False
        self._updates_signal = _Signal()
        self._output_signal = _Signal()
        self._register_methods()
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self._add_control_routes(app)
        # No access log: request paths carry the bot token.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0
        )
        await runner.setup()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
            sock.listen(512)
            sock.setblocking(False)
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self.port = sock.getsockname()[1]
        self._runner = runner
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

    async def __aenter__(self) -> StandIn:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def start_in_thread(self) -> StandIn:
        """Serve from a daemon thread with its own loop (for synchronous callers)."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=serve, name="standin", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop_thread(self) -> None:
        """Stop a server started with :meth:`start_in_thread`."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None

    @property
    def base_url(self) -> str:
        """python-telegram-bot's ``base_url``: the token is appended to it."""
        return f"{self._origin}/bot"

    @property
    def control_url(self) -> str:
        return f"{self._origin}/control"

    @property
    def _origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    @property
    def limits(self) -> Limits:
        return self._flood.limits

    @property
    def polling(self) -> bool:
        """Whether a getUpdates long poll is waiting right now (a bot is connected)."""
        return self._poller is not None

    @property
    def last_id(self) -> int:
        """The newest event/sent-message id so far (a baseline for ``after_id``)."""
        return self._last_event_id

    # ----------------------------------------------------------------- Bot API over HTTP

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {k: _decode_param(k, v) for k, v in request.query.items()}
        if not request.can_read_body:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise _bad("can't parse JSON object")
            for key, value in body.items():
                params[key] = _decode_param(key, value) if isinstance(value, str) else value
                if key in _STRING_PARAMS:
                    params[key] = value
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = _decode_param(key, value)
                else:
                    params[key] = {"file": getattr(value, "filename", "")}
        return params

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
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
            params = await self._read_params(request)
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

    def _record(
        self,
        method: str,
        chat_id: Any,
        params: dict[str, Any],
        *,
        ok: bool,
        error: tuple[int, str] | None = None,
    ) -> Event:
        with contextlib.suppress(BotAPIError):
            chat_id = _chat_key(chat_id) if chat_id is not None else None
        event_id, self._claimed_id = self._claimed_id or self._next_event_id(), None
        event = Event(
            id=event_id,
            method=method,
            chat_id=chat_id,
            ok=ok,
            params=params,
            error_code=error[0] if error else None,
            description=error[1] if error else None,
        )
        self._events.append(event)
        self._notify_output()
        return event

    def _claim_event_id(self) -> int:
        """The id of the event being handled, given to its sent message too."""
        self._claimed_id = self._next_event_id()
        return self._claimed_id

    def _next_event_id(self) -> int:
        self._last_event_id = next(self._event_seq)
        return self._last_event_id

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
        }
        self._methods = {name.lower(): impl for name, impl in table.items()}
        self._names = {name.lower(): name for name in table}

    # ----------------------------------------------------------------- Bot API methods

    async def _true(self, params: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise BotAPIError(409, _CONFLICT_WEBHOOK)
        offset = _int_param(params, "offset", 0) or 0
        limit = min(max(_int_param(params, "limit", 100) or 100, 1), 100)
        try:
            timeout = max(float(params.get("timeout") or 0), 0.0)
        except (TypeError, ValueError):
            raise _bad("invalid timeout specified") from None
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or _DEFAULT_UPDATE_TYPES
        self._confirm(offset)
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)  # the older request ends with 409, as on Telegram
        loop = asyncio.get_running_loop()
        mine: asyncio.Future[None] = loop.create_future()
        self._poller = mine
        try:
            return await self._long_poll(mine, limit, loop.time() + timeout)
        finally:
            if self._poller is mine:
                self._poller = None

    async def _long_poll(
        self, mine: asyncio.Future[None], limit: int, deadline: float
    ) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        assert self._updates_signal is not None
        while True:
            generation = self._updates_signal.generation()
            batch = self._pending_updates(limit)
            if batch or self._closing:
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            waiter = asyncio.ensure_future(_wait_event(generation, remaining))
            try:
                await asyncio.wait({waiter, mine}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            if mine.done() and self._poller is not mine:
                raise BotAPIError(409, _CONFLICT_POLL)

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _pending_updates(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        self._updates = [u for u in self._updates if self._update_type(u) in allowed]
        return self._updates[:limit]

    @staticmethod
    def _update_type(update: dict[str, Any]) -> str:
        return next(key for key in update if key != "update_id")

    def _chat_object(self, chat_id: int | str) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if isinstance(chat_id, str):
            chat = {"id": -1000000000000 - len(self._chats), "type": "channel", "title": chat_id}
        elif chat_id < 0:
            chat = {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        else:
            chat = {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        self._chats[chat_id] = chat
        return chat

    def _is_group(self, chat_id: int | str) -> bool:
        return self._chat_object(chat_id)["type"] != "private"

    def _format(self, params: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
        """(raw text, plain text, entities) of a text parameter, validated like Telegram."""
        raw = params.get("text")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise _bad("message text is empty")
        text = str(raw)
        explicit = params.get("entities")
        if isinstance(explicit, list):
            plain, entities = text, [e for e in explicit if isinstance(e, dict)]
        else:
            try:
                plain, entities = parse_text(text, params.get("parse_mode"))
            except EntityParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
            except ValueError:
                raise _bad("unsupported parse_mode") from None
        if not plain.strip():
            raise _bad("message text is empty")
        if self.limits.enforce and len(plain) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        return text, plain, entities

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise _bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return markup  # reply keyboards, ForceReply, ReplyKeyboardRemove: accepted as is
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                "can't parse inline keyboard markup: "
                'field "inline_keyboard" must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                self._check_button(button)
        return markup

    def _check_button(self, button: Any) -> None:
        if not isinstance(button, dict):
            raise _bad(
                "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
            )
        if not isinstance(button.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(str(data).encode("utf-8"))
            if not isinstance(data, str) or size == 0:
                raise _bad("BUTTON_DATA_INVALID")
            if self.limits.enforce and size > MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
        elif "url" in button:
            url = str(button["url"]).strip()
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if not url or " " in url or scheme not in {"http", "https", "tg"}:
                raise _bad("BUTTON_URL_INVALID")
        elif not any(
            key in button
            for key in (
                "switch_inline_query",
                "switch_inline_query_current_chat",
                "switch_inline_query_chosen_chat",
                "web_app",
                "login_url",
                "callback_game",
                "pay",
                "copy_text",
            )
        ):
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )

    def _link_preview(self, params: dict[str, Any]) -> tuple[dict[str, Any] | None, bool | None]:
        options = params.get("link_preview_options")
        if isinstance(options, dict):
            return options, bool(options.get("is_disabled", False))
        legacy = params.get("disable_web_page_preview")
        if legacy is None:
            return None, None
        disabled = legacy is True or str(legacy).lower() == "true"
        return {"is_disabled": disabled}, disabled

    def _check_chat_open(self, chat_id: int | str) -> None:
        if chat_id in self._blocked:
            raise BotAPIError(403, "Forbidden: bot was blocked by the user")

    def _check_flood(self, chat_id: int | str, *, per_chat: bool = True) -> None:
        assert self._loop is not None
        retry_after = self._flood.check(
            chat_id, group=self._is_group(chat_id), now=self._loop.time(), per_chat=per_chat
        )
        if retry_after:
            self._throttled += 1
            raise BotAPIError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _chat_key(params.get("chat_id"))
        text, plain, entities = self._format(params)
        markup = self._markup(params)
        options, disabled = self._link_preview(params)
        self._check_chat_open(chat_id)
        self._check_flood(chat_id)
        self._message_ids[chat_id] += 1
        message_id = self._message_ids[chat_id]
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self._chat_object(chat_id),
            "date": int(time.time()),
            "text": plain,
        }
        if entities:
            message["entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if options is not None:
            message["link_preview_options"] = options
        reply_to = _int_param(params, "reply_to_message_id")
        reply_params = params.get("reply_parameters")
        if isinstance(reply_params, dict):
            reply_to = _int_param(reply_params, "message_id")
        if reply_to is not None:
            original = self._messages.get((chat_id, reply_to))
            if original is not None:
                message["reply_to_message"] = original
        self._messages[(chat_id, message_id)] = message
        self._accepted[chat_id] += 1
        self._add_sent("sendMessage", chat_id, message, text, params, options, disabled)
        return message

    def _add_sent(
        self,
        method: str,
        chat_id: int | str,
        message: dict[str, Any],
        text: str,
        params: dict[str, Any],
        options: dict[str, Any] | None,
        disabled: bool | None,
        *,
        edited: bool = False,
    ) -> None:
        mode = params.get("parse_mode")
        self._sent.append(
            SentMessage(
                id=self._claim_event_id(),
                method=method,
                chat_id=chat_id,
                message_id=message["message_id"],
                text=text,
                plain_text=message.get("text", ""),
                entities=list(message.get("entities", [])),
                parse_mode=str(mode) if mode else None,
                reply_markup=message.get("reply_markup"),
                link_preview_options=options,
                disable_web_page_preview=disabled,
                edited=edited,
                date=int(message.get("edit_date", message["date"])),
            )
        )

    def _own_message(self, params: dict[str, Any]) -> tuple[int | str, dict[str, Any]]:
        chat_id = _chat_key(params.get("chat_id"))
        message_id = _int_param(params, "message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise _bad("message to edit not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise _bad("message can't be edited")
        return chat_id, message

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            self._format(params)
            return True
        chat_id, message = self._own_message(params)
        text, plain, entities = self._format(params)
        markup = self._markup(params)
        options, disabled = self._link_preview(params)
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if (
            plain == message.get("text")
            and entities == message.get("entities", [])
            and inline == message.get("reply_markup")
        ):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._check_chat_open(chat_id)
        self._check_flood(chat_id, per_chat=False)
        updated = {k: v for k, v in message.items() if k not in {"entities", "reply_markup"}}
        updated.update(text=plain, edit_date=int(time.time()))
        if entities:
            updated["entities"] = entities
        if inline is not None:
            updated["reply_markup"] = inline
        if options is not None:
            updated["link_preview_options"] = options
        self._messages[(chat_id, message["message_id"])] = updated
        self._accepted[chat_id] += 1
        self._add_sent(
            "editMessageText", chat_id, updated, text, params, options, disabled, edited=True
        )
        return updated

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            self._markup(params)
            return True
        chat_id, message = self._own_message(params)
        markup = self._markup(params)
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if inline == message.get("reply_markup"):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._check_chat_open(chat_id)
        self._check_flood(chat_id, per_chat=False)
        updated = {k: v for k, v in message.items() if k != "reply_markup"}
        updated["edit_date"] = int(time.time())
        if inline is not None:
            updated["reply_markup"] = inline
        self._messages[(chat_id, message["message_id"])] = updated
        self._add_sent(
            "editMessageReplyMarkup",
            chat_id,
            updated,
            self._sent_text(chat_id, message["message_id"]) or updated.get("text", ""),
            {"parse_mode": self._sent_mode(chat_id, message["message_id"])},
            updated.get("link_preview_options"),
            None,
            edited=True,
        )
        return updated

    def _sent_text(self, chat_id: int | str, message_id: int) -> str | None:
        for sent in reversed(self._sent):
            if sent.chat_id == chat_id and sent.message_id == message_id:
                return sent.text
        return None

    def _sent_mode(self, chat_id: int | str, message_id: int) -> str | None:
        for sent in reversed(self._sent):
            if sent.chat_id == chat_id and sent.message_id == message_id:
                return sent.parse_mode
        return None

    async def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = _chat_key(params.get("chat_id"))
        message_id = _int_param(params, "message_id")
        if message_id is None or self._messages.pop((chat_id, message_id), None) is None:
            raise _bad("message to delete not found")
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._callbacks.get(query_id)
        if query is None or query.get("answered"):
            raise _bad(_QUERY_INVALID.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        params.setdefault("chat_id", query["chat_id"])
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat_id = _chat_key(params.get("chat_id"))
        if str(params.get("action", "")) not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_chat_open(chat_id)
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if (
                not isinstance(name, str)
                or not name
                or len(name) > 32
                or not all(c.islower() or c.isdigit() or c == "_" for c in name)
            ):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("command description must be non-empty")
        self._commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self._commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "").strip()
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        if not url:
            self._webhook = None
            return True
        if not url.lower().startswith(("http://", "https://")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or _DEFAULT_UPDATE_TYPES
        self._webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "last_error_date": None,
            "last_error_message": None,
        }
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        self._notify_updates()
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook = None
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        self._notify_updates()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info["url"] = self._webhook["url"]
            info["max_connections"] = 40
            info["allowed_updates"] = sorted(self._allowed_updates)
            if self._webhook["last_error_date"]:
                info["last_error_date"] = self._webhook["last_error_date"]
                info["last_error_message"] = self._webhook["last_error_message"]
        return info

    async def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = dict(self._chat_object(_chat_key(params.get("chat_id"))))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return chat

    async def _deliver_webhooks(self) -> None:
        """POST pending updates, oldest first, to the webhook URL until it is removed."""
        delay = 0.1
        assert self._updates_signal is not None
        while not self._closing and self._webhook is not None:
            generation = self._updates_signal.generation()
            batch = self._pending_updates(1)
            if not batch:
                await _wait_event(generation, 1.0)
                continue
            update = batch[0]
            hook = self._webhook
            headers = {"Content-Type": "application/json"}
            if hook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(hook["secret_token"])
            if self._client is None:
                self._client = ClientSession(timeout=ClientTimeout(total=30))
            try:
                async with self._client.post(hook["url"], json=update, headers=headers) as resp:
                    ok = 200 <= resp.status < 300
                    error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except (OSError, TimeoutError) as exc:
                ok, error = False, f"Connection failed: {type(exc).__name__}"
            except Exception as exc:  # aiohttp.ClientError and friends
                ok, error = False, f"Connection failed: {type(exc).__name__}"
            if ok:
                delay = 0.1
                self._updates = [u for u in self._updates if u is not update]
                continue
            hook["last_error_date"] = int(time.time())
            hook["last_error_message"] = error
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    # ----------------------------------------------------------------- users (control side)

    def _notify_updates(self) -> None:
        if self._updates_signal is not None:
            self._updates_signal.notify()

    def _notify_output(self) -> None:
        if self._output_signal is not None:
            self._output_signal.notify()

    def _push_update(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self._update_seq)
        self._updates.append({"update_id": update_id, kind: payload})
        self._updates_injected += 1
        self._notify_updates()
        return update_id

    def _user(
        self, user_id: int, first_name: str | None = None, username: str | None = None
    ) -> dict[str, Any]:
        user = self._users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User {user_id}",
            "language_code": "en",
        }
        if first_name:
            user["first_name"] = first_name
        if username:
            user["username"] = username.lstrip("@")
        self._users[user_id] = user
        return user

    def _inject_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> Injected:
        if chat_type not in {"private", "group", "supergroup"}:
            raise ValueError("chat_type must be private, group or supergroup")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise ValueError("chat_id must be an integer")
        if not isinstance(text, str) or not text:
            raise ValueError("text must be a non-empty string")
        if chat_type == "private":
            if chat_id <= 0:
                raise ValueError("a private chat's id is positive (the user's id)")
            if user_id is not None and user_id != chat_id:
                raise ValueError("in a private chat user_id equals chat_id")
            user_id = chat_id
        else:
            if chat_id >= 0:
                raise ValueError("a group's chat_id is negative")
            user_id = user_id if user_id is not None else 100
        user = self._user(user_id, first_name, username)
        if chat_type == "private":
            chat: dict[str, Any] = {
                "id": chat_id,
                "type": "private",
                "first_name": user["first_name"],
            }
            if "username" in user:
                chat["username"] = user["username"]
        else:
            previous = self._chats.get(chat_id, {})
            chat = {
                "id": chat_id,
                "type": chat_type,
                "title": chat_title or previous.get("title") or f"Group {chat_id}",
            }
        self._chats[chat_id] = chat
        # A Telegram client splits a long text into several messages of at most 4096 characters.
        size = MAX_TEXT_LENGTH if self.limits.enforce else max(len(text), 1)
        parts = [text[i : i + size] for i in range(0, len(text), size)]
        update_ids: list[int] = []
        message_ids: list[int] = []
        delivered = True
        for index, part in enumerate(parts):
            self._message_ids[chat_id] += 1
            message_id = self._message_ids[chat_id]
            message: dict[str, Any] = {
                "message_id": message_id,
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                "text": part,
            }
            entities = incoming_entities(part)
            if entities:
                message["entities"] = entities
            if reply_to_message_id is not None and index == 0:
                original = self._messages.get((chat_id, reply_to_message_id))
                if original is not None:
                    message["reply_to_message"] = original
            self._messages[(chat_id, message_id)] = message
            message_ids.append(message_id)
            if self._hidden_by_privacy(message):
                delivered = False
                continue
            update_ids.append(self._push_update("message", message))
        return Injected(
            update_id=update_ids[0] if update_ids else 0,
            message_id=message_ids[0],
            update_ids=tuple(update_ids),
            message_ids=tuple(message_ids),
            delivered=delivered,
        )

    def _hidden_by_privacy(self, message: dict[str, Any]) -> bool:
        """Group privacy mode: the bot only sees commands, mentions and replies to itself."""
        if not self.group_privacy or message["chat"]["type"] == "private":
            return False
        text = message["text"]
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            return "@" in command and not command.lower().endswith("@" + BOT_USERNAME.lower())
        if f"@{BOT_USERNAME}".lower() in text.lower():
            return False
        reply = message.get("reply_to_message")
        return not (reply and reply.get("from", {}).get("id") == BOT_ID)

    def _press_button(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> Pressed:
        if not isinstance(data, str):
            raise ValueError("data must be a string")
        chat = self._chat_object(chat_id)
        if user_id is None:
            user_id = chat_id if chat["type"] == "private" else 100
        user = self._user(user_id)
        message = self._messages.get((chat_id, message_id))
        if message is None:  # deleted or unknown: Telegram sends an inaccessible message
            message = {"chat": chat, "message_id": message_id, "date": 0}
        query_id = f"{next(self._callback_seq)}{abs(chat_id) % 100000:05d}"
        self._callbacks[query_id] = {"chat_id": chat_id, "answered": False}
        query = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(abs(hash(("standin", chat_id))) % 10**18),
            "data": data,
        }
        update_id = self._push_update("callback_query", query)
        return Pressed(update_id=update_id, callback_query_id=query_id)

    # ----------------------------------------------------------------- Python API

    async def _on_loop(self, func: Callable[[], _T]) -> _T:
        """Run ``func`` on the server's loop, from whichever loop or thread awaits this."""
        if self._loop is None:
            raise RuntimeError("StandIn is not running")
        if asyncio.get_running_loop() is self._loop:
            return func()

        async def call() -> _T:
            return func()

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call(), self._loop))

    async def inject_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> Injected:
        """A user writes ``text`` in a chat; entities are filled in as Telegram does."""
        return await self._on_loop(
            lambda: self._inject_message(
                chat_id,
                text,
                user_id=user_id,
                chat_type=chat_type,
                chat_title=chat_title,
                first_name=first_name,
                username=username,
                reply_to_message_id=reply_to_message_id,
            )
        )

    async def press_button(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> Pressed:
        """A user presses an inline button carrying ``data`` under message ``message_id``."""
        return await self._on_loop(
            lambda: self._press_button(chat_id, message_id, data, user_id=user_id)
        )

    def sent(self, chat_id: int | str | None = None, after_id: int = 0) -> list[SentMessage]:
        """Messages the bot sent or edited, oldest first."""
        return [
            m
            for m in list(self._sent)
            if m.id > after_id and (chat_id is None or str(m.chat_id) == str(chat_id))
        ]

    def events(self, after_id: int = 0, method: str | None = None) -> list[Event]:
        """Every Bot API call the bot made (getUpdates excepted), oldest first."""
        return [
            e
            for e in list(self._events)
            if e.id > after_id and (method is None or e.method.lower() == method.lower())
        ]

    async def wait_for(
        self,
        chat_id: int | str | None,
        after_id: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 (the contract's API; a plain deadline)
        predicate: Callable[[SentMessage], bool] | None = None,
    ) -> SentMessage:
        """The first bot message to ``chat_id`` after ``after_id`` that matches ``predicate``."""

        def find() -> SentMessage | None:
            for message in self.sent(chat_id, after_id):
                if predicate is None or predicate(message):
                    return message
            return None

        found = await self._wait_until(find, timeout)
        if found is None:
            seen = [m.plain_text[:80] for m in self.sent(chat_id, after_id)]
            raise TimeoutError(
                f"no matching bot message to chat {chat_id} after id {after_id} within "
                f"{timeout}s; saw {seen!r}"
            )
        return found

    async def wait_for_event(
        self,
        method: str,
        after_id: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 (the contract's API; a plain deadline)
        predicate: Callable[[Event], bool] | None = None,
    ) -> Event:
        """The first call of ``method`` newer than ``after_id`` (e.g. answerCallbackQuery)."""

        def find() -> Event | None:
            for event in self.events(after_id, method):
                if predicate is None or predicate(event):
                    return event
            return None

        found = await self._wait_until(find, timeout)
        if found is None:
            raise TimeoutError(f"no {method} call after id {after_id} within {timeout}s")
        return found

    async def _wait_until(self, find: Callable[[], _T | None], seconds: float) -> _T | None:
        if self._loop is None:
            raise RuntimeError("StandIn is not running")
        if asyncio.get_running_loop() is not self._loop:
            future = asyncio.run_coroutine_threadsafe(self._wait_until(find, seconds), self._loop)
            return await asyncio.wrap_future(future)
        deadline = self._loop.time() + seconds
        assert self._output_signal is not None
        while True:
            generation = self._output_signal.generation()
            found = find()
            if found is not None or self._closing:
                return found
            remaining = deadline - self._loop.time()
            if remaining <= 0:
                return None
            await _wait_event(generation, remaining)

    def add_fault(
        self,
        method: str,
        status: int,
        *,
        count: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        drop: bool = False,
        chat_id: int | str | None = None,
        after: bool = False,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail ("*": any method but getUpdates).

        ``drop``: close the connection without an answer; with ``after``, only once the call
        was carried out (a message sent whose confirmation never arrives).
        """
        if status not in {400, 403, 404, 409, 429, 500, 502, 503} and not drop:
            raise ValueError("status must be one of 400, 403, 404, 409, 429, 500, 502, 503")
        method = self._names.get(method.lower(), method)
        fault = Fault(method, status, retry_after, description, drop, chat_id, after)
        self._call_soon(lambda: self._faults.add(fault, count))

    def set_limits(self, **changes: Any) -> Limits:
        """Change which limits are enforced and the flood pace; returns the new limits."""
        limits = self.limits.updated(changes)
        self._call_soon(lambda: self._flood.configure(limits))
        return limits

    def block(self, chat_id: int | str, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends to that chat answer 403, and a
        ``my_chat_member`` update says so (delivered if the bot asked for that type)."""
        self._call_soon(lambda: self._set_blocked(chat_id, blocked))

    def _set_blocked(self, chat_id: int | str, blocked: bool) -> None:
        if blocked == (chat_id in self._blocked):
            return
        if blocked:
            self._blocked.add(chat_id)
        else:
            self._blocked.discard(chat_id)
        chat = self._chat_object(chat_id)
        if chat["type"] != "private" or not isinstance(chat_id, int):
            return
        member = {"status": "member", "user": self.bot_user}
        kicked = {"status": "kicked", "user": self.bot_user, "until_date": 0}
        old, new = (member, kicked) if blocked else (kicked, member)
        self._push_update(
            "my_chat_member",
            {
                "chat": chat,
                "from": self._user(chat_id),
                "date": int(time.time()),
                "old_chat_member": old,
                "new_chat_member": new,
            },
        )

    def reset(self) -> None:
        """Forget chats, messages, events, faults and limits (ids keep increasing)."""
        self._call_soon(self._reset_state)

    def _call_soon(self, func: Callable[[], object]) -> None:
        if self._loop is None or self._thread_is_loop():
            func()
            return
        done = threading.Event()

        def run() -> None:
            try:
                func()
            finally:
                done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(5)

    def _thread_is_loop(self) -> bool:
        return threading.get_ident() == self._loop_thread

    def stats(self) -> dict[str, Any]:
        """Counts per method, 429s, injected faults, accepted messages per chat."""
        return {
            "methods": dict(self._calls),
            "errors": {str(k): v for k, v in self._errors.items()},
            "responses_429": self._throttled,
            "faults_injected": self._faults_fired,
            "accepted_per_chat": {str(k): v for k, v in self._accepted.items()},
            "messages_sent": sum(1 for m in self._sent if not m.edited),
            "messages_edited": sum(1 for m in self._sent if m.edited),
            "updates_injected": self._updates_injected,
            "pending_updates": len(self._updates),
            "pending_faults": self._faults.pending(),
            "limits": self.limits.to_json(),
        }

    # ----------------------------------------------------------------- control API over HTTP

    def _add_control_routes(self, app: web.Application) -> None:
        routes = [
            ("POST", "message", self._control_message),
            ("POST", "callback", self._control_callback),
            ("GET", "sent", self._control_sent),
            ("GET", "wait", self._control_wait),
            ("GET", "events", self._control_events),
            ("POST", "faults", self._control_faults),
            ("GET", "faults", self._control_faults_list),
            ("POST", "limits", self._control_limits),
            ("GET", "limits", self._control_limits_get),
            ("POST", "block", self._control_block),
            ("GET", "stats", self._control_stats),
            ("GET", "config", self._control_config),
            ("POST", "reset", self._control_reset),
        ]
        for verb, name, handler in routes:
            app.router.add_route(verb, f"/control/{name}", self._control(handler))

    def _control(
        self, handler: Callable[[web.Request], Coroutine[Any, Any, Any]]
    ) -> Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]]:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                return web.json_response(await handler(request))
            except (ValueError, TypeError, KeyError, BotAPIError) as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=400)

        return wrapped

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise ValueError("the body must be a JSON object") from None
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return body

    @staticmethod
    def _query_int(request: web.Request, name: str, default: int) -> int:
        value = request.query.get(name)
        return default if value in (None, "") else int(value)

    @staticmethod
    def _query_chat(request: web.Request) -> int | str | None:
        value = request.query.get("chat_id")
        if value in (None, ""):
            return None
        try:
            return int(value)
        except ValueError:
            return value

    async def _control_message(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        injected = self._inject_message(
            int(body["chat_id"]),
            str(body["text"]),
            user_id=int(body["user_id"]) if body.get("user_id") is not None else None,
            chat_type=str(body.get("chat_type") or "private"),
            chat_title=body.get("chat_title"),
            first_name=body.get("first_name"),
            username=body.get("username"),
            reply_to_message_id=body.get("reply_to_message_id"),
        )
        return {
            "update_id": injected.update_id,
            "message_id": injected.message_id,
            "update_ids": list(injected.update_ids),
            "message_ids": list(injected.message_ids),
            "delivered": injected.delivered,
        }

    async def _control_callback(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        pressed = self._press_button(
            int(body["chat_id"]),
            int(body["message_id"]),
            str(body["data"]),
            user_id=int(body["user_id"]) if body.get("user_id") is not None else None,
        )
        return {"update_id": pressed.update_id, "callback_query_id": pressed.callback_query_id}

    def _page(self, items: list[Any], limit: int, key: str) -> dict[str, Any]:
        page = items[:limit]
        return {
            key: [item.to_json() for item in page],
            "last_id": page[-1].id if page else None,
            "has_more": len(items) > limit,
        }

    async def _control_sent(self, request: web.Request) -> dict[str, Any]:
        limit = min(max(self._query_int(request, "limit", 1000), 1), 10000)
        after_id = self._query_int(request, "after_id", 0)
        return self._page(self.sent(self._query_chat(request), after_id), limit, "messages")

    async def _control_wait(self, request: web.Request) -> dict[str, Any]:
        chat_id = self._query_chat(request)
        after_id = self._query_int(request, "after_id", 0)
        timeout = min(float(request.query.get("timeout") or 10.0), 120.0)
        found = await self._wait_until(lambda: self.sent(chat_id, after_id) or None, timeout)
        messages = found or []
        return {
            "messages": [m.to_json() for m in messages],
            "last_id": messages[-1].id if messages else None,
            "timed_out": not messages,
        }

    async def _control_events(self, request: web.Request) -> dict[str, Any]:
        limit = min(max(self._query_int(request, "limit", 1000), 1), 10000)
        after_id = self._query_int(request, "after_id", 0)
        method = request.query.get("method") or None
        return self._page(self.events(after_id, method), limit, "events")

    async def _control_faults(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        self.add_fault(
            str(body["method"]),
            int(body.get("status") or 500),
            count=int(body.get("count") or 1),
            retry_after=int(body["retry_after"]) if body.get("retry_after") is not None else None,
            description=body.get("description"),
            drop=bool(body.get("drop", False)),
            after=bool(body.get("after", False)),
            chat_id=body.get("chat_id"),
        )
        return {"ok": True, "pending": self._faults.pending()}

    async def _control_faults_list(self, request: web.Request) -> dict[str, Any]:
        return {"pending": self._faults.pending()}

    async def _control_limits(self, request: web.Request) -> dict[str, Any]:
        return self.set_limits(**await self._body(request)).to_json()

    async def _control_limits_get(self, request: web.Request) -> dict[str, Any]:
        return self.limits.to_json()

    async def _control_block(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        self.block(_chat_key(body["chat_id"]), bool(body.get("blocked", True)))
        return {"ok": True, "blocked": sorted(map(str, self._blocked))}

    async def _control_stats(self, request: web.Request) -> dict[str, Any]:
        return self.stats()

    async def _control_config(self, request: web.Request) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "control_url": self.control_url,
            "bot": self.bot_user,
            "limits": self.limits.to_json(),
            "group_privacy": self.group_privacy,
            "webhook": (self._webhook or {}).get("url"),
            "last_id": self.last_id,
        }

    async def _control_reset(self, request: web.Request) -> dict[str, Any]:
        self.reset()
        return {"ok": True}


# --------------------------------------------------------------------- CLI


def register(subparsers: Any) -> None:  # argparse._SubParsersAction
    """Add ``newsbrief standin``: run the Bot API stand-in until Ctrl-C or SIGTERM."""
    parser = subparsers.add_parser(
        "standin",
        help="run the local Bot API stand-in (for tests and the demo)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port (default 8081; 0 = any)")
    parser.add_argument("--token", default=None, help="accept only this bot token (default: any)")
    parser.add_argument(
        "--no-limits",
        action="store_true",
        help="do not enforce Telegram's limits (length, callback data, flood control)",
    )
    parser.add_argument("--group-privacy", action="store_true", help="emulate group privacy mode")
    parser.set_defaults(func=_run_command)


def _run_command(settings: Settings, args: argparse.Namespace) -> int:
    del settings  # the stand-in needs no newsbrief settings
    return asyncio.run(
        _serve(args.host, args.port, args.token, not args.no_limits, args.group_privacy)
    )


async def _serve(
    host: str, port: int, token: str | None, enforce: bool, group_privacy: bool
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with StandIn(host, port, token, enforce, group_privacy=group_privacy) as standin:
        print(
            f"Bot API stand-in: base_url={standin.base_url} control_url={standin.control_url}",
            flush=True,
        )
        await stop.wait()
    return 0
