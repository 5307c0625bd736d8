"""Fixtures for the news.sources tests: a settings factory and a fake DNS resolver."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

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
    """Map host names to addresses, as the system resolver would; other names resolve normally.

    The double sits at the boundary (``socket.getaddrinfo``, which the event loop's resolver
    calls), so the guard's own lookups run unchanged. Nothing here connects anywhere.
    """
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in table:
            return real(host, port, *args, **kwargs)
        number = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, number, 0, 0))
            if ":" in ip
            else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, number))
            for ip in table[name]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table
