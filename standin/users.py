"""The simulated users: they write messages (long ones split, entities filled in as Telegram
does, group privacy mode applied), press inline buttons, and block or unblock the bot. Each
action queues the update Telegram would deliver."""

from __future__ import annotations

import time
from typing import Any

from standin.incoming import incoming_entities
from standin.models import BOT_ID, BOT_USERNAME, Injected, Pressed
from standin.state import StandInState
from standin.text import MAX_TEXT_LENGTH

__all__ = ["SimulatedUsers"]


class SimulatedUsers(StandInState):
    """What users do, as Python calls (awaitable from any loop or thread)."""

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

        def inject() -> Injected:  # runs on the server's loop
            user, chat = self._sender(
                chat_id, text, user_id, chat_type, chat_title, first_name, username
            )
            return self._queue_text(chat, user, text, reply_to_message_id)

        return await self._on_loop(inject)

    async def press_button(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> Pressed:
        """A user presses an inline button carrying ``data`` under message ``message_id``."""
        return await self._on_loop(
            lambda: self._press_button(chat_id, message_id, data, user_id=user_id)
        )

    def _sender(
        self,
        chat_id: int,
        text: str,
        user_id: int | None,
        chat_type: str,
        chat_title: str | None,
        first_name: str | None,
        username: str | None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The (user, chat) a message comes from, checked and remembered."""
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
        return user, chat

    def _queue_text(
        self,
        chat: dict[str, Any],
        user: dict[str, Any],
        text: str,
        reply_to_message_id: int | None,
    ) -> Injected:
        """Queue ``text`` as one message update per part (privacy mode may hide them)."""
        chat_id = chat["id"]
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
