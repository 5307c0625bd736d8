"""The control API over HTTP, under ``{base}/control/``: tests in other processes, the demo's
page and the benchmarks play the users and read what the bot did (JSON in, JSON out; the
endpoints are listed in :mod:`standin.server`). Bad input answers 400 ``{"ok": false, "error"}``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web

from standin.models import BotAPIError
from standin.params import chat_key
from standin.users import SimulatedUsers

__all__ = ["ControlAPI"]


class ControlAPI(SimulatedUsers):
    """The control endpoints, each a thin JSON wrapper around one Python call."""

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
        injected = await self.inject_message(
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
        self.block(chat_key(body["chat_id"]), bool(body.get("blocked", True)))
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
