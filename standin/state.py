"""The stand-in's state (chats, users, messages, queued updates, what the bot sent and called),
and the Python API that reads it and changes it from any loop or thread.

:class:`StandInState` is the base the stand-in's parts share: the Bot API methods
(:mod:`standin.methods`, :mod:`standin.webhook`), the simulated users (:mod:`standin.users`)
and the control API (:mod:`standin.control`); :class:`standin.server.StandIn` combines them.
All state lives on the event loop that started the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import ClientSession, web

from standin.limits import Fault, FaultQueue, FloodControl, Limits
from standin.models import (
    BOT_FIRST_NAME,
    BOT_ID,
    BOT_USERNAME,
    BotAPIError,
    Event,
    SentMessage,
)
from standin.params import chat_key

__all__ = ["DEFAULT_UPDATE_TYPES", "Signal", "StandInState", "wait_event"]

_T = TypeVar("_T")

# What Telegram delivers when a bot never chose allowed_updates.
DEFAULT_UPDATE_TYPES = frozenset(
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


class Signal:
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


async def wait_event(event: asyncio.Event, seconds: float) -> None:
    if seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


class StandInState:
    """What the stand-in knows, and the Python API over it (used as :class:`StandIn`)."""

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
        self._closing = False
        self._update_seq = itertools.count(1)
        self._event_seq = itertools.count(1)
        self._callback_seq = itertools.count(1)
        self._last_event_id = 0
        self._claimed_id: int | None = None
        self._updates_signal: Signal | None = None
        self._output_signal: Signal | None = None
        self._poller: asyncio.Future[None] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._client: ClientSession | None = None
        self._methods: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {}
        self._names: dict[str, str] = {}
        self._reset_state()

    def _reset_state(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
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

    # ----------------------------------------------------------------- what it is

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
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._runner is not None

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

    # ----------------------------------------------------------------- chats and updates

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

    def _pending_updates(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        self._updates = [u for u in self._updates if self._update_type(u) in allowed]
        return self._updates[:limit]

    @staticmethod
    def _update_type(update: dict[str, Any]) -> str:
        return next(key for key in update if key != "update_id")

    # ----------------------------------------------------------------- events

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
            chat_id = chat_key(chat_id) if chat_id is not None else None
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
            await wait_event(generation, remaining)

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
