"""The stand-in's limits for benchmarks: a round trip added to each answer, and a global limit
raised to Telegram's paid-broadcast pace (issue 14)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from standin.limits import Limits
from standin.server import StandIn
from tests.support.standin import FAKE_TOKEN


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


async def call(
    http: httpx.AsyncClient, standin: StandIn, method: str, **params: Any
) -> tuple[httpx.Response, float]:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    started = time.perf_counter()
    response = await http.post(f"{standin.base_url}{FAKE_TOKEN}/{method}", data=form)
    return response, time.perf_counter() - started


async def test_latency_delays_each_answer_but_a_long_poll(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    standin.set_limits(latency_s=0.2)
    sent, took = await call(client, standin, "sendMessage", chat_id=1, text="hello")
    assert sent.json()["ok"] is True
    assert took >= 0.2
    assert standin.sent(1)[0].text == "hello"  # accepted on arrival, answered a trip later
    polled, took = await call(client, standin, "getUpdates", timeout=0)
    assert polled.json()["ok"] is True
    assert took < 0.2
    standin.set_limits(latency_s=0)
    _, took = await call(client, standin, "sendMessage", chat_id=2, text="again")
    assert took < 0.2


async def test_round_trips_overlap(standin: StandIn, client: httpx.AsyncClient) -> None:
    standin.set_limits(latency_s=0.3)
    started = time.perf_counter()
    answers = await asyncio.gather(
        *(call(client, standin, "sendMessage", chat_id=10 + n, text="x") for n in range(5))
    )
    assert all(response.json()["ok"] for response, _ in answers)
    assert time.perf_counter() - started < 5 * 0.3  # a delay on the wire, not a queue


async def test_a_raised_global_limit_takes_a_paid_broadcast_pace(
    standin: StandIn, client: httpx.AsyncClient
) -> None:
    limits = standin.set_limits(global_per_s=1000, global_burst=1000)
    assert (limits.global_per_s, limits.global_burst) == (1000.0, 1000)
    answers = await asyncio.gather(
        *(
            call(
                client,
                standin,
                "sendMessage",
                chat_id=100 + n,
                text="x",
                allow_paid_broadcast=True,
            )
            for n in range(200)
        )
    )
    assert [response.status_code for response, _ in answers] == [200] * 200
    assert standin.stats()["responses_429"] == 0
    standin.set_limits(global_per_s=30, global_burst=30)
    free = await asyncio.gather(
        *(call(client, standin, "sendMessage", chat_id=1000 + n, text="x") for n in range(100))
    )
    assert 429 in [response.status_code for response, _ in free]  # the free pace again


def test_latency_may_be_zero_but_no_limit_may() -> None:
    assert Limits().updated({"latency_s": 0}).latency_s == 0.0
    with pytest.raises(ValueError, match="positive"):
        Limits().updated({"latency_s": -1})
    with pytest.raises(ValueError, match="positive"):
        Limits().updated({"global_per_s": 0})
