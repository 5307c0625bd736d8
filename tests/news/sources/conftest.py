"""Fixtures for the news package tests: settings factories and a fake DNS resolver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import news.sources.fetch
from config.settings import Settings


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    """Settings for tests: loopback allowed (the local server), short timeouts."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"allow_loopback": True, "fetch_timeout": 5.0}
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Map host names to addresses for the fetch guard; other names resolve normally.

    Only the guard's resolver is patched: nothing here ever connects to the fake addresses.
    """
    table: dict[str, list[str]] = {}
    real = news.sources.fetch._resolve

    async def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return list(table[host])
        return await real(host, port)

    monkeypatch.setattr(news.sources.fetch, "_resolve", resolve)
    return table
