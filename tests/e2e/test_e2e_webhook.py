"""Webhook mode: ``newsbrief run`` with NEWSBRIEF_WEBHOOK_URL registers its webhook (with the
secret token), receives updates by POST, answers them, and refuses POSTs without the secret."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from standin.server import StandIn
from tests.e2e.conftest import START_TIMEOUT, Chat, NewsSite, assert_no_token, make_bot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SECRET = "e2e-webhook-secret_42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode(site: NewsSite, tmp_path: Path) -> None:
    standin = StandIn().start_in_thread()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    bot = make_bot(
        standin,
        site,
        tmp_path,
        extra={
            "NEWSBRIEF_FEEDS": "",
            "NEWSBRIEF_WEBHOOK_URL": hook,
            "NEWSBRIEF_WEBHOOK_LISTEN": "127.0.0.1",
            "NEWSBRIEF_WEBHOOK_PORT": str(port),
            "NEWSBRIEF_WEBHOOK_SECRET": SECRET,
        },
    ).start()
    try:
        reply = await Chat(standin, 77).say("/help", wait=START_TIMEOUT)
        assert "/subscribe" in reply.plain_text
        [registered] = standin.events(method="setWebhook")[-1:]
        assert registered.params.get("url") == hook
        assert registered.params.get("secret_token") == SECRET
        async with httpx.AsyncClient() as client:
            forged = await client.post(hook, json={"update_id": 1})
            wrong = await client.post(
                hook, json={"update_id": 2}, headers={"X-Telegram-Bot-Api-Secret-Token": "no"}
            )
        assert forged.status_code == 403
        assert wrong.status_code == 403
    finally:
        code = bot.stop()
        standin.stop_thread()
    log = bot.log()
    assert code == 0, log[-3000:]
    assert_no_token(log)
    assert SECRET not in log
