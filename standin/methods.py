"""The Bot API methods a bot calls: getMe, getUpdates (long polling), messages and their edits,
callback answers, chat actions, the command menu and getChat, with Telegram's checks and error
texts. Webhooks are in :mod:`standin.webhook`."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from standin.models import BOT_ID, BotAPIError, SentMessage, bad_request
from standin.params import chat_key, int_param, link_preview, message_text, reply_markup
from standin.state import DEFAULT_UPDATE_TYPES, StandInState, wait_event

__all__ = ["BotAPIMethods"]

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


class BotAPIMethods(StandInState):
    """The Bot API methods but webhooks; each takes the call's parameters, returns its result."""

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
        offset = int_param(params, "offset", 0) or 0
        limit = min(max(int_param(params, "limit", 100) or 100, 1), 100)
        try:
            timeout = max(float(params.get("timeout") or 0), 0.0)
        except (TypeError, ValueError):
            raise bad_request("invalid timeout specified") from None
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or DEFAULT_UPDATE_TYPES
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
            waiter = asyncio.ensure_future(wait_event(generation, remaining))
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
        chat_id = chat_key(params.get("chat_id"))
        text, plain, entities = message_text(params, enforce=self.limits.enforce)
        markup = reply_markup(params, enforce=self.limits.enforce)
        options, disabled = link_preview(params)
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
        reply_to = int_param(params, "reply_to_message_id")
        reply_params = params.get("reply_parameters")
        if isinstance(reply_params, dict):
            reply_to = int_param(reply_params, "message_id")
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
        chat_id = chat_key(params.get("chat_id"))
        message_id = int_param(params, "message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise bad_request("message can't be edited")
        return chat_id, message

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            message_text(params, enforce=self.limits.enforce)
            return True
        chat_id, message = self._own_message(params)
        text, plain, entities = message_text(params, enforce=self.limits.enforce)
        markup = reply_markup(params, enforce=self.limits.enforce)
        options, disabled = link_preview(params)
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if (
            plain == message.get("text")
            and entities == message.get("entities", [])
            and inline == message.get("reply_markup")
        ):
            raise bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
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
            reply_markup(params, enforce=self.limits.enforce)
            return True
        chat_id, message = self._own_message(params)
        markup = reply_markup(params, enforce=self.limits.enforce)
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if inline == message.get("reply_markup"):
            raise bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
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
        chat_id = chat_key(params.get("chat_id"))
        message_id = int_param(params, "message_id")
        if message_id is None or self._messages.pop((chat_id, message_id), None) is None:
            raise bad_request("message to delete not found")
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._callbacks.get(query_id)
        if query is None or query.get("answered"):
            raise bad_request(_QUERY_INVALID.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query["answered"] = True
        params.setdefault("chat_id", query["chat_id"])
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat_id = chat_key(params.get("chat_id"))
        if str(params.get("action", "")) not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_chat_open(chat_id)
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if (
                not isinstance(name, str)
                or not name
                or len(name) > 32
                or not all(c.islower() or c.isdigit() or c == "_" for c in name)
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("command description must be non-empty")
        self._commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self._commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = dict(self._chat_object(chat_key(params.get("chat_id"))))
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
