"""A stand-in served from its own thread, driven from another loop (as e2e tests do)."""

from __future__ import annotations

import httpx

from standin.server import StandIn
from tests.support.standin import FAKE_TOKEN


async def test_thread_mode_from_another_loop() -> None:
    standin = StandIn().start_in_thread()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            url = f"{standin.base_url}{FAKE_TOKEN}"
            standin.add_fault("sendMessage", 500)
            failed = await client.post(f"{url}/sendMessage", data={"chat_id": "3", "text": "x"})
            assert failed.status_code == 500
            injected = await standin.inject_message(3, "/start")
            polled = (await client.post(f"{url}/getUpdates", data={"timeout": "5"})).json()
            assert [u["update_id"] for u in polled["result"]] == [injected.update_id]
            mark = standin.last_id
            await client.post(f"{url}/sendMessage", data={"chat_id": "3", "text": "hello"})
            message = await standin.wait_for(3, after_id=mark, timeout=5)
            assert message.plain_text == "hello"
            standin.reset()
            assert standin.sent() == []
    finally:
        standin.stop_thread()
    assert not standin.running
