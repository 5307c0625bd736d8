"""The stand-in over raw HTTP: Bot API answers, errors, long polling, faults, control API."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from standin.server import StandIn
from standin.thread import start_app
from tests.support.standin import FAKE_TOKEN, StandInFactory


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


async def call(
    http: httpx.AsyncClient, standin: StandIn, method: str, **params: Any
) -> httpx.Response:
    """A Bot API call encoded the way python-telegram-bot does: form fields, JSON values."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await http.post(f"{standin.base_url}{FAKE_TOKEN}/{method}", data=form)


async def test_get_me_and_unknown_method(standin: StandIn, client: httpx.AsyncClient) -> None:
    me = (await call(client, standin, "getMe")).json()
    assert me["ok"] is True
    assert me["result"]["id"] == 1000
    assert me["result"]["username"] == "newsbrief_test_bot"
    assert me["result"]["is_bot"] is True
    missing = await call(client, standin, "sendPigeon")
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_token_is_checked_when_configured(
    standin_factory: StandInFactory, client: httpx.AsyncClient
) -> None:
    standin = await standin_factory(token=FAKE_TOKEN)
    good = await client.get(f"{standin.base_url}{FAKE_TOKEN}/getMe")
    bad = await client.get(f"{standin.base_url}123:wrong/getMe")
    assert good.json()["ok"] is True
    assert bad.status_code == 401
    assert bad.json()["description"] == "Unauthorized"


async def test_send_message_html_with_keyboard(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Full article", "callback_data": "a:42"}]]}
    response = await call(
        client,
        standin,
        "sendMessage",
        chat_id=7,
        text="<b>Title</b> &amp; more",
        parse_mode="HTML",
        reply_markup=keyboard,
        link_preview_options={"is_disabled": True},
    )
    body = response.json()
    assert body["ok"] is True
    message = body["result"]
    assert message["text"] == "Title & more"
    assert message["entities"] == [{"offset": 0, "length": 5, "type": "bold"}]
    assert message["from"]["id"] == 1000
    assert message["chat"] == {"id": 7, "type": "private", "first_name": "User 7"}
    assert message["reply_markup"] == keyboard
    assert isinstance(message["date"], int)
    [sent] = standin.sent(7)
    assert sent.text == "<b>Title</b> &amp; more"
    assert sent.plain_text == "Title & more"
    assert sent.disable_web_page_preview is True
    assert sent.button("full").get("callback_data") == "a:42"


async def test_json_bodies_are_accepted(standin: StandIn, client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{standin.base_url}{FAKE_TOKEN}/sendMessage",
        json={"chat_id": 8, "text": "123", "disable_web_page_preview": True},
    )
    assert response.json()["result"]["text"] == "123"
    assert standin.sent(8)[0].link_preview_options == {"is_disabled": True}


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        ({"text": "   "}, "Bad Request: message text is empty"),
        (
            {"text": "<b>unclosed", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: Can't find end tag corresponding to start "
            'tag "b"',
        ),
        (
            {"text": "a <div>b</div>", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 2',
        ),
        (
            {
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "d" * 65}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "b"}]]}},
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
            "inline keyboard",
        ),
    ],
)
async def test_send_message_bad_requests(
    standin: StandIn, client: httpx.AsyncClient, params: dict[str, Any], description: str
) -> None:
    response = await call(client, standin, "sendMessage", chat_id=9, **params)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error_code": 400, "description": description}
    assert standin.sent(9) == []
    [event] = standin.events(method="sendMessage")
    assert (event.ok, event.error_code) == (False, 400)


async def test_length_is_measured_after_entity_parsing(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    html = "<b>" + "y" * 4096 + "</b>"
    ok = await call(client, standin, "sendMessage", chat_id=3, text=html, parse_mode="HTML")
    assert ok.json()["ok"] is True
    data = "é" * 32  # 64 bytes exactly
    fits = {"inline_keyboard": [[{"text": "b", "callback_data": data}]]}
    fitting = await call(client, standin, "sendMessage", chat_id=4, text="x", reply_markup=fits)
    assert fitting.json()["ok"] is True


async def test_limits_can_be_switched_off(
    standin_factory: StandInFactory, client: httpx.AsyncClient
) -> None:
    standin = await standin_factory(enforce_limits=False)
    response = await call(client, standin, "sendMessage", chat_id=1, text="z" * 5000)
    assert response.json()["ok"] is True
    for _ in range(10):
        again = await call(client, standin, "sendMessage", chat_id=1, text="again")
        assert again.json()["ok"] is True


async def test_flood_control_answers_429_with_retry_after(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    standin.set_limits(chat_burst=2, chat_per_s=0.1)  # slow refill: timing-proof
    answers = [
        await call(client, standin, "sendMessage", chat_id=5, text=f"m{i}") for i in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[2].json()
    retry_after = refused["parameters"]["retry_after"]
    assert 8 <= retry_after <= 10  # (1 token - refilled part) / 0.1 per second, rounded up
    assert refused == {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }
    # another private chat has its own bucket; a group gets 20 per minute
    assert (await call(client, standin, "sendMessage", chat_id=6, text="x")).status_code == 200
    standin.set_limits(group_burst=1)
    assert (await call(client, standin, "sendMessage", chat_id=-5, text="g")).status_code == 200
    group = await call(client, standin, "sendMessage", chat_id=-5, text="g2")
    assert group.json()["parameters"]["retry_after"] in (2, 3)  # 20 per minute
    assert standin.stats()["responses_429"] == 2


async def test_edits_count_against_the_global_pace_only(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    standin.set_limits(chat_burst=1, global_burst=3, global_per_s=0.1)
    sent = (await call(client, standin, "sendMessage", chat_id=30, text="v0")).json()["result"]
    codes = [
        (
            await call(
                client,
                standin,
                "editMessageText",
                chat_id=30,
                message_id=sent["message_id"],
                text=f"v{i}",
            )
        ).status_code
        for i in range(1, 4)
    ]
    assert codes == [200, 200, 429]


async def test_global_flood_limit(standin: StandIn, client: httpx.AsyncClient) -> None:
    standin.set_limits(global_burst=5, global_per_s=0.2)
    codes = [
        (await call(client, standin, "sendMessage", chat_id=100 + i, text="x")).status_code
        for i in range(6)
    ]
    assert codes == [200] * 5 + [429]


async def test_long_polling_wakes_when_an_update_arrives(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    started = time.perf_counter()
    poll = asyncio.create_task(call(client, standin, "getUpdates", timeout=10, offset=0))
    await asyncio.sleep(0.2)
    assert not poll.done()
    injected = await standin.inject_message(11, "/brief ukraine")
    updates = (await poll).json()["result"]
    assert time.perf_counter() - started < 2
    assert [u["update_id"] for u in updates] == [injected.update_id]
    message = updates[0]["message"]
    assert message["text"] == "/brief ukraine"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["from"]["id"] == 11
    assert message["chat"]["type"] == "private"
    # confirmed by the next offset; a short poll then returns nothing
    again = await call(client, standin, "getUpdates", offset=injected.update_id + 1, timeout=0)
    assert again.json()["result"] == []


async def test_long_poll_times_out_empty_and_allowed_updates_filter(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    started = time.perf_counter()
    empty = await call(client, standin, "getUpdates", timeout=1)
    assert empty.json() == {"ok": True, "result": []}
    assert 0.9 < time.perf_counter() - started < 3
    await standin.inject_message(12, "hello")
    only_buttons = await call(
        client, standin, "getUpdates", timeout=0, allowed_updates=["callback_query"]
    )
    assert only_buttons.json()["result"] == []


async def test_a_second_poller_ends_the_first_with_409(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    first = asyncio.create_task(call(client, standin, "getUpdates", timeout=5))
    for _ in range(500):  # until the first is waiting
        if standin.polling:
            break
        await asyncio.sleep(0.01)
    second = asyncio.create_task(call(client, standin, "getUpdates", timeout=5))
    assert (await first).status_code == 409
    await standin.inject_message(13, "hi")
    assert len((await second).json()["result"]) == 1
    assert standin.polling is False


async def test_group_commands_and_mentions(standin: StandIn, client: httpx.AsyncClient) -> None:
    await standin.inject_message(
        -100, "/brief@newsbrief_test_bot ai", chat_type="supergroup", user_id=5, chat_title="Team"
    )
    await standin.inject_message(
        -100, "hey @newsbrief_test_bot", chat_type="supergroup", user_id=6
    )
    updates = (await call(client, standin, "getUpdates")).json()["result"]
    first, second = (u["message"] for u in updates)
    assert first["chat"] == {"id": -100, "type": "supergroup", "title": "Team"}
    assert first["from"]["id"] == 5
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 25}]
    assert second["entities"] == [{"type": "mention", "offset": 4, "length": 19}]
    with pytest.raises(ValueError, match="negative"):
        await standin.inject_message(100, "x", chat_type="group")


async def test_group_privacy_mode_hides_plain_talk(
    standin_factory: StandInFactory, client: httpx.AsyncClient
) -> None:
    standin = await standin_factory(group_privacy=True)
    hidden = await standin.inject_message(-1, "just chatting", chat_type="group")
    seen = await standin.inject_message(-1, "/help", chat_type="group")
    assert (hidden.delivered, seen.delivered) == (False, True)
    updates = (await call(client, standin, "getUpdates")).json()["result"]
    assert [u["message"]["text"] for u in updates] == ["/help"]


async def test_long_user_text_arrives_split_like_a_client_sends_it(standin: StandIn) -> None:
    injected = await standin.inject_message(14, "w" * 10_000)
    assert len(injected.update_ids) == 3
    assert standin.stats()["pending_updates"] == 3


async def test_callback_answer_and_edits(standin: StandIn, client: httpx.AsyncClient) -> None:
    keyboard = {"inline_keyboard": [[{"text": "More", "callback_data": "m:1"}]]}
    sent = (
        await call(client, standin, "sendMessage", chat_id=15, text="one", reply_markup=keyboard)
    ).json()["result"]
    pressed = await standin.press_button(15, sent["message_id"], "m:1")
    [update] = (await call(client, standin, "getUpdates")).json()["result"]
    query = update["callback_query"]
    assert query["id"] == pressed.callback_query_id
    assert query["data"] == "m:1"
    assert query["message"]["reply_markup"] == keyboard
    answer = await call(
        client, standin, "answerCallbackQuery", callback_query_id=query["id"], text="ok"
    )
    assert answer.json() == {"ok": True, "result": True}
    twice = await call(client, standin, "answerCallbackQuery", callback_query_id=query["id"])
    assert twice.status_code == 400
    edited = await call(
        client, standin, "editMessageText", chat_id=15, message_id=sent["message_id"], text="two"
    )
    assert edited.json()["result"]["text"] == "two"
    assert "reply_markup" not in edited.json()["result"]  # no markup given: keyboard removed
    same = await call(
        client, standin, "editMessageText", chat_id=15, message_id=sent["message_id"], text="two"
    )
    assert same.json()["description"].startswith("Bad Request: message is not modified")
    missing = await call(client, standin, "editMessageText", chat_id=15, message_id=999, text="x")
    assert missing.json()["description"] == "Bad Request: message to edit not found"
    markup = await call(
        client,
        standin,
        "editMessageReplyMarkup",
        chat_id=15,
        message_id=sent["message_id"],
        reply_markup=keyboard,
    )
    assert markup.json()["result"]["reply_markup"] == keyboard
    versions = standin.sent(15)
    assert [(m.method, m.edited, m.plain_text) for m in versions] == [
        ("sendMessage", False, "one"),
        ("editMessageText", True, "two"),
        ("editMessageReplyMarkup", True, "two"),
    ]
    methods = [e.method for e in standin.events()]
    assert methods.count("answerCallbackQuery") == 2


async def test_chat_action_commands_and_webhook_info(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    typing = await call(client, standin, "sendChatAction", chat_id=16, action="typing")
    assert typing.json()["result"] is True
    wrong = await call(client, standin, "sendChatAction", chat_id=16, action="x")
    assert wrong.status_code == 400
    commands = [{"command": "brief", "description": "Get a briefing"}]
    assert (await call(client, standin, "setMyCommands", commands=commands)).json()["result"]
    assert (await call(client, standin, "getMyCommands")).json()["result"] == commands
    bad = [{"command": "Bad-Name", "description": "x"}]
    assert (await call(client, standin, "setMyCommands", commands=bad)).status_code == 400
    info = (await call(client, standin, "getWebhookInfo")).json()["result"]
    assert info["url"] == ""
    assert (await call(client, standin, "deleteWebhook")).json()["result"] is True


async def test_injected_faults(standin: StandIn, client: httpx.AsyncClient) -> None:
    standin.add_fault("sendMessage", 500, count=2)
    standin.add_fault("sendMessage", 403)
    standin.add_fault("sendMessage", 429, retry_after=7)
    codes = []
    for _ in range(5):
        codes.append((await call(client, standin, "sendMessage", chat_id=17, text="x")).json())
    assert [c.get("error_code") for c in codes] == [500, 500, 403, 429, None]
    assert codes[2]["description"] == "Forbidden: bot was blocked by the user"
    assert codes[3]["parameters"] == {"retry_after": 7}
    assert len(standin.sent(17)) == 1
    assert standin.stats()["faults_injected"] == 4


async def test_dropped_connection(standin: StandIn, client: httpx.AsyncClient) -> None:
    standin.add_fault("sendMessage", 502, drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await call(client, standin, "sendMessage", chat_id=18, text="x")
    assert (await call(client, standin, "sendMessage", chat_id=18, text="x")).json()["ok"]
    assert [m.plain_text for m in standin.sent(18)] == ["x"]  # the dropped one was not sent
    standin.add_fault("sendMessage", 500, drop=True, after=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await call(client, standin, "sendMessage", chat_id=18, text="accepted, unconfirmed")
    assert [m.plain_text for m in standin.sent(18)] == ["x", "accepted, unconfirmed"]


async def test_blocked_user_gets_403(standin: StandIn, client: httpx.AsyncClient) -> None:
    await standin.inject_message(19, "/start")
    standin.block(19)
    answer = await call(client, standin, "sendMessage", chat_id=19, text="alert")
    assert answer.status_code == 403
    assert answer.json()["description"] == "Forbidden: bot was blocked by the user"
    updates = (await call(client, standin, "getUpdates")).json()["result"]
    member = updates[-1]["my_chat_member"]
    assert (member["old_chat_member"]["status"], member["new_chat_member"]["status"]) == (
        "member",
        "kicked",
    )
    standin.block(19, blocked=False)
    assert (await call(client, standin, "sendMessage", chat_id=19, text="back")).json()["ok"]


async def test_control_api_inject_read_and_page(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    control = standin.control_url
    injected = (
        await client.post(f"{control}/message", json={"chat_id": 20, "text": "/start"})
    ).json()
    assert injected["update_id"] == 1  # a fresh stand-in
    assert injected["message_id"] == 1
    for i in range(5):
        await call(client, standin, "sendMessage", chat_id=20 + i % 2, text=f"n{i}")
    page = (await client.get(f"{control}/sent", params={"limit": 2})).json()
    assert [m["text"] for m in page["messages"]] == ["n0", "n1"]
    assert page["has_more"] is True
    rest = (
        await client.get(f"{control}/sent", params={"after_id": page["last_id"], "chat_id": 20})
    ).json()
    assert [m["text"] for m in rest["messages"]] == ["n2", "n4"]
    assert rest["has_more"] is False
    assert rest["messages"][0]["message_id"] == 3  # the user's message took id 1 in chat 20

    waiter = asyncio.create_task(
        client.get(
            f"{control}/wait", params={"chat_id": 21, "after_id": standin.last_id, "timeout": 5}
        )
    )
    await asyncio.sleep(0.1)
    await call(client, standin, "sendMessage", chat_id=21, text="late")
    waited = (await waiter).json()
    assert [m["text"] for m in waited["messages"]] == ["late"]
    timed_out = await client.get(
        f"{control}/wait", params={"after_id": standin.last_id, "timeout": 0.2}
    )
    assert timed_out.json()["timed_out"] is True

    events = (await client.get(f"{control}/events", params={"method": "sendMessage"})).json()
    assert len(events["events"]) == 6
    pressed = (
        await client.post(
            f"{control}/callback", json={"chat_id": 20, "message_id": 3, "data": "a:1"}
        )
    ).json()
    assert pressed == {"update_id": 2, "callback_query_id": "100020"}  # 1st query, chat 20
    await client.post(f"{control}/faults", json={"method": "getMe", "status": 502, "count": 1})
    assert (await call(client, standin, "getMe")).status_code == 502
    limits = (await client.post(f"{control}/limits", json={"enforce": False})).json()
    assert limits["enforce"] is False
    stats = (await client.get(f"{control}/stats")).json()
    assert stats["methods"]["sendMessage"] == 6
    assert stats["accepted_per_chat"] == {"20": 3, "21": 3}
    bad = await client.post(f"{control}/message", json={"chat_id": 1})
    assert bad.status_code == 400
    await client.post(f"{control}/reset")
    assert (await client.get(f"{control}/sent")).json()["messages"] == []
    assert standin.limits.enforce is True


async def test_webhook_mode_pushes_updates(standin: StandIn, client: httpx.AsyncClient) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner, port = await start_app(app)
    try:
        url = f"http://127.0.0.1:{port}/hook"
        assert (await call(client, standin, "setWebhook", url=url, secret_token="s3")).json()["ok"]
        polling = await call(client, standin, "getUpdates")
        assert polling.status_code == 409
        await standin.inject_message(22, "via webhook")
        for _ in range(50):
            if received:
                break
            await asyncio.sleep(0.05)
        [(update, secret)] = received
        assert update["message"]["text"] == "via webhook"
        assert secret == "s3"
        info = (await call(client, standin, "getWebhookInfo")).json()["result"]
        assert (info["url"], info["pending_update_count"]) == (url, 0)
    finally:
        await runner.cleanup()
