"""Groups, supergroups, channels and forum topics (issue 15): who administers a chat
(``getChatMember``), channels named ``@username`` (``getChat``), forum topics and
``message_thread_id`` on ``sendMessage``, and a group's move to a supergroup (the two
``migrate_*_chat_id`` service messages, then 400 with ``migrate_to_chat_id`` for the old id).

Python API (each also under ``/control/``, JSON):

- ``set_chat(chat_id, chat_type, title=, username=, is_forum=)`` — ``POST /control/chat``
- ``set_member(chat_id, user_id, status, can_post_messages=)`` — ``POST /control/member``;
  ``status``: creator, administrator, member, restricted, left or kicked. Unset: users are
  members of groups and not in channels; the bot is a member of groups, and not in channels.
- ``add_forum_topic(chat_id, name) -> message_thread_id`` — ``POST /control/topic``
- ``inject_topic_message(chat_id, thread_id, text, user_id=)`` — ``POST /control/topic_message``
- ``migrate_group(chat_id, new_chat_id, user_id=)`` — ``POST /control/migrate``
- ``thread_of(chat_id, message_id)``: the forum topic a sent message went to (None: none)
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from aiohttp import web

from standin.control import ControlAPI
from standin.incoming import incoming_entities
from standin.methods import BotAPIMethods
from standin.models import BOT_ID, BotAPIError, Injected, bad_request
from standin.params import chat_key, int_param

__all__ = ["MEMBER_STATUSES", "ChatRoleMethods"]

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
_CHAT_TYPES = frozenset({"group", "supergroup", "channel"})
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
_UPGRADED = "group chat was upgraded to a supergroup chat"


class _Roles:
    """This module's state: members, channel names, forum topics, migrated groups."""

    def __init__(self) -> None:
        self.members: dict[tuple[int, int], dict[str, Any]] = {}
        self.names: dict[str, int] = {}  # "@username" (lower case) -> channel id
        self.extras: dict[int, dict[str, Any]] = {}  # chat id -> fields kept on its object
        self.topics: dict[int, dict[int, str]] = {}  # chat id -> thread id -> name
        self.migrated: dict[int, int] = {}  # old group id -> supergroup id
        self.threads: dict[tuple[int | str, int], int] = {}  # (chat, sent message) -> thread


class ChatRoleMethods(ControlAPI, BotAPIMethods):
    """Chat kinds, members, channels, forum topics and migrations (see the module doc)."""

    _channel_seq = itertools.count(1)

    @property
    def _roles(self) -> _Roles:
        roles: _Roles | None = self.__dict__.get("_standin_roles")
        if roles is None:
            roles = self.__dict__["_standin_roles"] = _Roles()
        return roles

    def _reset_state(self) -> None:
        super()._reset_state()
        self.__dict__.pop("_standin_roles", None)

    # ----------------------------------------------------------------- Python API

    async def set_chat(
        self,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        is_forum: bool = False,
    ) -> dict[str, Any]:
        """Make ``chat_id`` a group, supergroup (``is_forum``: with topics) or channel."""
        return await self._on_loop(
            lambda: self._set_chat(chat_id, chat_type, title, username, is_forum)
        )

    async def set_member(
        self, chat_id: int, user_id: int, status: str, *, can_post_messages: bool = True
    ) -> None:
        """``user_id`` (the bot: ``BOT_ID``) has ``status`` in ``chat_id``."""
        await self._on_loop(lambda: self._set_member(chat_id, user_id, status, can_post_messages))

    async def add_forum_topic(self, chat_id: int, name: str) -> int:
        """A new topic in forum ``chat_id``; its ``message_thread_id``."""
        return await self._on_loop(lambda: self._add_topic(chat_id, name))

    async def inject_topic_message(
        self, chat_id: int, thread_id: int, text: str, *, user_id: int = 100
    ) -> Injected:
        """A user writes ``text`` inside forum topic ``thread_id``."""
        return await self._on_loop(lambda: self._topic_message(chat_id, thread_id, text, user_id))

    async def migrate_group(self, chat_id: int, new_chat_id: int, *, user_id: int = 100) -> None:
        """Group ``chat_id`` becomes supergroup ``new_chat_id`` (both service messages)."""
        await self._on_loop(lambda: self._migrate(chat_id, new_chat_id, user_id))

    def thread_of(self, chat_id: int | str, message_id: int) -> int | None:
        """The forum topic the bot's message ``message_id`` went to (None: none)."""
        return self._roles.threads.get((chat_id, message_id))

    # ----------------------------------------------------------------- the state changes

    def _set_chat(
        self,
        chat_id: int,
        chat_type: str,
        title: str | None,
        username: str | None,
        is_forum: bool,
    ) -> dict[str, Any]:
        if chat_type not in _CHAT_TYPES:
            raise ValueError("chat_type must be group, supergroup or channel")
        if not isinstance(chat_id, int) or chat_id >= 0:
            raise ValueError("a group's or channel's chat_id is negative")
        extras: dict[str, Any] = {}
        if username:
            extras["username"] = username.lstrip("@")
            self._roles.names["@" + username.lstrip("@").lower()] = chat_id
        if is_forum:
            if chat_type != "supergroup":
                raise ValueError("only a supergroup can be a forum")
            extras["is_forum"] = True
        self._roles.extras[chat_id] = extras
        chat = {"id": chat_id, "type": chat_type, "title": title or f"Chat {chat_id}", **extras}
        self._chats[chat_id] = chat
        return chat

    def _set_member(self, chat_id: int, user_id: int, status: str, can_post: bool) -> None:
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {sorted(MEMBER_STATUSES)}")
        member: dict[str, Any] = {"status": status}
        if status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                **dict.fromkeys(_ADMIN_RIGHTS, True),
            )
            if self._chat_object(chat_id)["type"] == "channel":
                member.update(can_post_messages=can_post, can_edit_messages=can_post)
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "restricted":
            member.update(is_member=True, until_date=0)
        elif status == "kicked":
            member["until_date"] = 0
        self._roles.members[(chat_id, user_id)] = member

    def _add_topic(self, chat_id: int, name: str) -> int:
        chat = self._chat_object(chat_id)
        if not chat.get("is_forum"):
            raise ValueError("the chat is not a forum (set_chat(..., is_forum=True))")
        self._message_ids[chat_id] += 1
        thread_id = self._message_ids[chat_id]
        created = {
            "message_id": thread_id,
            "from": self._user(100),
            "chat": chat,
            "date": int(time.time()),
            "message_thread_id": thread_id,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }
        self._messages[(chat_id, thread_id)] = created
        self._roles.topics.setdefault(chat_id, {})[thread_id] = name
        return thread_id

    def _topic_message(self, chat_id: int, thread_id: int, text: str, user_id: int) -> Injected:
        if thread_id not in self._roles.topics.get(chat_id, {}):
            raise ValueError("no such forum topic (add_forum_topic first)")
        if not text:
            raise ValueError("text must be a non-empty string")
        chat = self._chat_object(chat_id)
        self._message_ids[chat_id] += 1
        message_id = self._message_ids[chat_id]
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._user(user_id),
            "chat": chat,
            "date": int(time.time()),
            "text": text,
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "reply_to_message": self._messages[(chat_id, thread_id)],
        }
        entities = incoming_entities(text)
        if entities:
            message["entities"] = entities
        self._messages[(chat_id, message_id)] = message
        update_id = self._push_update("message", message)
        return Injected(update_id, message_id, (update_id,), (message_id,))

    def _migrate(self, chat_id: int, new_chat_id: int, user_id: int) -> None:
        old = self._chat_object(chat_id)
        if old["type"] != "group":
            raise ValueError("only a group migrates to a supergroup")
        new = self._set_chat(new_chat_id, "supergroup", old.get("title"), None, False)
        for (member_chat, member_user), member in list(self._roles.members.items()):
            if member_chat == chat_id:
                self._roles.members[(new_chat_id, member_user)] = member
        self._roles.migrated[chat_id] = new_chat_id
        user = self._user(user_id)
        for chat, field, value in (
            (old, "migrate_to_chat_id", new_chat_id),
            (new, "migrate_from_chat_id", chat_id),
        ):
            self._message_ids[chat["id"]] += 1
            message = {
                "message_id": self._message_ids[chat["id"]],
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                field: value,
            }
            self._push_update("message", message)

    # ----------------------------------------------------------------- the Bot API

    def _chat_role_methods(self) -> dict[str, Any]:
        """The Bot API methods of this module, for the method table (after the others: its
        sendMessage and getChat wrap theirs)."""
        return {
            "getChatMember": self._get_chat_member,
            "getChat": self._get_chat_named,
            "sendMessage": self._send_message_checked,
        }

    def _named_chat(self, params: dict[str, Any]) -> int | str:
        """``chat_id`` with ``@username`` resolved; 400 for an unknown name."""
        key = chat_key(params.get("chat_id"))
        if isinstance(key, str):
            found = self._roles.names.get(key.lower())
            if found is None:
                raise bad_request("chat not found")
            return found
        return key

    async def _get_chat_named(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._get_chat({**params, "chat_id": self._named_chat(params)})

    async def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._named_chat(params)
        user_id = int_param(params, "user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        if user_id <= 0:
            raise bad_request("invalid user_id specified")
        chat = self._chat_object(chat_id)
        if chat["type"] == "private":
            raise bad_request("member list is inaccessible")
        assert isinstance(chat_id, int)
        default = "left" if chat["type"] == "channel" else "member"
        if chat["type"] == "channel" and user_id != BOT_ID:
            bot = self._roles.members.get((chat_id, BOT_ID), {})
            if bot.get("status") != "administrator":
                raise bad_request("member list is inaccessible")
        member = dict(self._roles.members.get((chat_id, user_id)) or {"status": default})
        user = self.bot_user if user_id == BOT_ID else self._user(user_id)
        return {**member, "user": user}

    async def _send_message_checked(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._named_chat(params)
        if isinstance(chat_id, int) and chat_id in self._roles.migrated:
            raise BotAPIError(
                400,
                f"Bad Request: {_UPGRADED}",
                {"migrate_to_chat_id": self._roles.migrated[chat_id]},
            )
        chat = self._chat_object(chat_id)
        if chat["type"] == "channel":
            bot = self._roles.members.get((int(chat_id), BOT_ID), {})
            if bot.get("status") not in ("administrator", "creator"):
                raise BotAPIError(403, "Forbidden: bot is not a member of the channel chat")
            if not bot.get("can_post_messages", False):
                raise bad_request("need administrator rights in the channel chat")
        thread = int_param(params, "message_thread_id")
        if thread and thread not in self._roles.topics.get(int(chat_id), {}):
            raise bad_request("message thread not found")
        message = await self._send_message({**params, "chat_id": chat_id})
        if thread:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
            self._roles.threads[(chat_id, message["message_id"])] = thread
        return message

    # ----------------------------------------------------------------- users' messages

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
        """As the users module does, keeping a forum's ``is_forum`` and a chat's @name."""
        user, chat = super()._sender(
            chat_id, text, user_id, chat_type, chat_title, first_name, username
        )
        extras = self._roles.extras.get(chat_id)
        if extras and chat["type"] != "private":
            chat.update(extras)
        return user, chat

    # ----------------------------------------------------------------- control API

    def _add_chat_role_routes(self, app: web.Application) -> None:
        for name, handler in (
            ("chat", self._control_chat),
            ("member", self._control_member),
            ("topic", self._control_topic),
            ("topic_message", self._control_topic_message),
            ("migrate", self._control_migrate),
        ):
            app.router.add_route("POST", f"/control/{name}", self._control(handler))

    async def _control_chat(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        return self._set_chat(
            int(body["chat_id"]),
            str(body["chat_type"]),
            body.get("title"),
            body.get("username"),
            bool(body.get("is_forum", False)),
        )

    async def _control_member(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        self._set_member(
            int(body["chat_id"]),
            int(body["user_id"]),
            str(body["status"]),
            bool(body.get("can_post_messages", True)),
        )
        return {"ok": True}

    async def _control_topic(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        return {"message_thread_id": self._add_topic(int(body["chat_id"]), str(body["name"]))}

    async def _control_topic_message(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        injected = self._topic_message(
            int(body["chat_id"]),
            int(body["message_thread_id"]),
            str(body["text"]),
            int(body.get("user_id") or 100),
        )
        return {"update_id": injected.update_id, "message_id": injected.message_id}

    async def _control_migrate(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        self._migrate(
            int(body["chat_id"]), int(body["new_chat_id"]), int(body.get("user_id") or 100)
        )
        return {"ok": True}
