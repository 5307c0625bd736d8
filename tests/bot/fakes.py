"""Offline doubles for the bot's unit tests.

- ``OfflineTelegram``: a python-telegram-bot request class that answers the Bot API methods the
  bot uses from memory, records every call, can be told to fail (429/500/403/400/dropped), and
  records any other method as a test failure. Nothing reaches the network.
- ``message_update`` / ``callback_update``: Bot API update payloads, entities filled in the way
  Telegram does (commands, mentions, URLs).

The model fakes are the shared ones, in ``tests.support.fakes``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 4242
BOT_USERNAME = "newsbrief_unit_bot"


@dataclass
class Fault:
    status: int
    description: str = "injected"
    retry_after: int | None = None
    drop: bool = False
    chat_id: int | None = None  # only calls to this chat fail


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = 0.0  # loop time of the call


class OfflineTelegram(BaseRequest):
    """An in-memory Bot API: canned answers, recorded calls, injectable faults."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.unexpected: list[str] = []
        self.faults: dict[str, list[Fault]] = {}
        self._message_ids = itertools.count(1)

    # BaseRequest interface
    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 1.0

    def fail(self, method: str, fault: Fault, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` fail with ``fault``."""
        self.faults.setdefault(method, []).extend([fault] * count)

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of every accepted sendMessage/editMessageText (to ``chat_id``)."""
        return [
            call.params
            for call in self.calls
            if call.method in ("sendMessage", "editMessageText")
            and (chat_id is None or call.params.get("chat_id") == chat_id)
            and "_failed" not in call.params
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [params["text"] for params in self.sent(chat_id)]

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        call = Call(endpoint, params, asyncio.get_running_loop().time())
        self.calls.append(call)
        await asyncio.sleep(0)
        fault = self._take_fault(endpoint, params.get("chat_id"))
        if fault is not None:
            params["_failed"] = fault.status
            if fault.drop:
                raise ConnectionResetError("connection dropped (injected)")
            body: dict[str, Any] = {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return fault.status, json.dumps(body).encode()
        result = self._answer(endpoint, params)
        if result is None:
            self.unexpected.append(endpoint)
            return 404, json.dumps({"ok": False, "description": "Not Found"}).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _take_fault(self, endpoint: str, chat_id: object) -> Fault | None:
        queued = self.faults.get(endpoint, [])
        for index, fault in enumerate(queued):
            if fault.chat_id is None or fault.chat_id == chat_id:
                return queued.pop(index)
        return None

    def _answer(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "newsbrief",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if endpoint in ("sendMessage", "editMessageText"):
            chat_id = params["chat_id"]
            return {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "newsbrief"},
                "text": re.sub(r"<[^>]+>", "", params["text"]),
            }
        if endpoint in (
            "sendChatAction",
            "answerCallbackQuery",
            "setMyCommands",
            "deleteWebhook",
            "editMessageReplyMarkup",
        ):
            return True
        if endpoint == "getUpdates":
            return []
        return None


_update_ids = itertools.count(1)
_message_ids = itertools.count(1000)
_ENTITY_PATTERNS = (
    ("url", re.compile(r"(?:https?|ftp)://\S+")),
    ("mention", re.compile(r"@\w+")),
)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entities(text: str) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    if text.startswith("/"):
        command = text.split()[0]
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16(command)})
    for kind, pattern in _ENTITY_PATTERNS:
        for match in pattern.finditer(text):
            if kind == "mention" and match.start() > 0 and text[match.start() - 1] not in " \n":
                continue
            entities.append(
                {
                    "type": kind,
                    "offset": _utf16(text[: match.start()]),
                    "length": _utf16(match.group()),
                }
            )
    return sorted(entities, key=lambda e: e["offset"])


@dataclass
class Chat:
    id: int = 100
    type: str = "private"
    title: str | None = None
    user_id: int = 7
    first_name: str = "Ada"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name
        else:
            chat["title"] = self.title or "A group"
        return chat

    def user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name}


def message_update(
    text: str, chat: Chat | None = None, *, reply_to_bot: bool = False
) -> dict[str, Any]:
    """An update with a new text message (entities as Telegram sets them)."""
    chat = chat or Chat()
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": 1_700_000_000,
        "chat": chat.as_dict(),
        "from": chat.user(),
        "text": text,
    }
    entities = _entities(text)
    if entities:
        message["entities"] = entities
    if reply_to_bot:
        message["reply_to_message"] = {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": chat.as_dict(),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "newsbrief"},
            "text": "an earlier answer",
        }
    return {"update_id": next(_update_ids), "message": message}


def callback_update(data: str, chat: Chat | None = None, message_id: int = 1) -> dict[str, Any]:
    """An update with a button press on one of the bot's messages."""
    chat = chat or Chat()
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": chat.user(),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 1_700_000_000,
                "chat": chat.as_dict(),
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "newsbrief"},
                "text": "an earlier answer",
            },
        },
    }
