"""What the stand-in hands out: the bot's identity, Bot API errors, and records of what the bot
sent and called (read by tests, the demo and the benchmarks)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "BotAPIError",
    "Event",
    "Injected",
    "Pressed",
    "SentMessage",
    "bad_request",
]

BOT_ID = 1000
BOT_USERNAME = "newsbrief_test_bot"
BOT_FIRST_NAME = "newsbrief"


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
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> BotAPIError:
    """A 400 answer, worded as Telegram words it ("Bad Request: ...")."""
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
    """What :meth:`StandIn.press_button` queued."""

    update_id: int
    callback_query_id: str
