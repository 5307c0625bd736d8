"""The bot benchmark's measurement machinery, driven with the echo-bot baseline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks.bench_bot import drive_load
from benchmarks.bot_harness import BotProcess, Latencies, LoadResult, bot_env, percentile
from standin.server import StandIn


@pytest.mark.slow
async def test_load_driver_measures_the_echo_bot(standin: StandIn, tmp_path: Path) -> None:
    standin.set_limits(flood=False)
    env = bot_env(standin, f"sqlite:///{tmp_path / 'unused.db'}")
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


def test_phases_merge_into_pooled_counts_and_a_median_cost() -> None:
    def phase(replied: int, cpu_s: float, latency: float) -> LoadResult:
        result = LoadResult("bot", requests=replied, replied=replied, wall_s=10.0, cpu_s=cpu_s)
        result.latencies = [latency] * replied
        result.kinds["brief"] = replied
        return result

    # 5, 6 and 20 ms per request: one slow phase (a noisy neighbour) does not move the median
    merged = LoadResult.merged(
        "bot", [phase(100, 0.5, 0.01), phase(100, 0.6, 0.02), phase(50, 1.0, 0.03)]
    )
    assert (merged.requests, merged.replied, merged.wall_s) == (250, 250, 30.0)
    assert merged.kinds["brief"] == 250
    assert len(merged.latencies) == 250
    assert merged.median_cpu_ms() == pytest.approx(6.0)
    assert merged.cpu_ms_per_request == pytest.approx(2.1 / 250 * 1000)
    summary = merged.summary()
    assert summary["cpu_ms_per_request_phases"] == [5.0, 6.0, 20.0]
    assert summary["cpu_ms_per_request_median"] == 6.0
    assert LoadResult("idle").median_cpu_ms() is None


def test_a_missing_reply_counts_at_the_timeout_in_the_percentiles() -> None:
    summary = Latencies([0.1, 0.2, None, 0.3], timeout_s=5.0).summary()
    assert (summary["requests"], summary["replied"], summary["timeouts"]) == (4, 3, 1)
    assert summary["p50_ms"] == 200.0
    assert summary["p99_ms"] == summary["max_ms"] == 5000.0
    assert summary["latencies_ms"] == [100.0, 200.0, None, 300.0]
    assert percentile([], 50) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
