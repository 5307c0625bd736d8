"""Webhook mode: setWebhook, deleteWebhook and getWebhookInfo, and the task that POSTs pending
updates to the bot's URL, oldest first, with Telegram's secret-token header."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from standin.models import bad_request
from standin.state import DEFAULT_UPDATE_TYPES, StandInState, wait_event

__all__ = ["WebhookMethods"]


class WebhookMethods(StandInState):
    """The webhook methods, and their delivery task."""

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "").strip()
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        if not url:
            self._webhook = None
            return True
        if not url.lower().startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) or DEFAULT_UPDATE_TYPES
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

    async def _deliver_webhooks(self) -> None:
        """POST pending updates, oldest first, to the webhook URL until it is removed."""
        delay = 0.1
        assert self._updates_signal is not None
        while not self._closing and self._webhook is not None:
            generation = self._updates_signal.generation()
            batch = self._pending_updates(1)
            if not batch:
                await wait_event(generation, 1.0)
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
