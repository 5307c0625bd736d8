"""The bot benchmark's measurement machinery, driven with the echo-bot baseline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks.bench_bot import BotProcess, _bot_env, drive_load
from bot.standin import StandIn


@pytest.mark.slow
async def test_load_driver_measures_the_echo_bot(standin: StandIn, tmp_path: Path) -> None:
    standin.set_limits(flood=False)
    env = _bot_env(standin, f"sqlite:///{tmp_path / 'unused.db'}")
    echo = BotProcess(
        "echo",
        [sys.executable, "-m", "benchmarks.echo_bot", "--concurrent"],
        env,
        tmp_path / "echo.log",
    )
    try:
        startup = await echo.start(standin, limit_s=60)
        assert startup > 0
        result = await drive_load(
            standin,
            echo,
            first_chat=9000,
            users=5,
            rounds=2,
            think_s=0.1,
            reply_timeout=10,
            idle_s=0.5,
        )
    finally:
        await echo.stop()
    assert echo.process is not None
    assert echo.process.returncode is not None
    summary = result.summary()
    assert (summary["requests"], summary["replied"], summary["failed"]) == (10, 10, 0)
    assert summary["messages_per_request"] == 1.0
    assert 0 < summary["latency_p50_ms"] <= summary["latency_p99_ms"] < 10_000
    assert summary["cpu_s"] > 0
    assert sum(summary["request_kinds"].values()) == 10
    echoed = {m.plain_text for m in standin.sent() if 9000 <= int(m.chat_id) < 9005}
    assert "/brief" in echoed
