"""Test helpers around the Bot API stand-in (standin.server.StandIn).

Use in a package's conftest.py (pytest fixtures are found by name once imported)::

    from tests.support.standin import standin, standin_factory  # noqa: F401

then ``async def test_x(standin: StandIn)`` gets a running stand-in on an ephemeral port, or
``standin_factory(enforce_limits=False, token=FAKE_TOKEN)`` starts more with options; all are
stopped at the end of the test. ``ptb_application(standin)`` builds a python-telegram-bot
Application wired to it, and ``polling(app)`` runs that application's long polling for the
duration of an ``async with`` block. ``bot_env(standin)`` is the environment for a
``newsbrief run`` subprocess.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import pytest

from standin.models import BOT_ID, BOT_USERNAME, SentMessage
from standin.server import StandIn

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "FAKE_TOKEN",
    "SentMessage",
    "StandIn",
    "StandInFactory",
    "bot_env",
    "polling",
    "ptb_application",
    "standin",
    "standin_factory",
]

# Shaped like a real token so that log-redaction checks can look for it.
FAKE_TOKEN = "123456789:AAFakeTokenForTheLocalStandInOnly0000"

StandInFactory = Callable[..., Awaitable[StandIn]]


@pytest.fixture
async def standin_factory() -> AsyncIterator[StandInFactory]:
    """Starts stand-ins (``StandIn(**kwargs)``, port 0) and stops them after the test."""
    started: list[StandIn] = []

    async def make(**kwargs: Any) -> StandIn:
        kwargs.setdefault("port", 0)
        instance = StandIn(**kwargs)
        await instance.start()
        started.append(instance)
        return instance

    yield make
    for instance in reversed(started):
        await instance.stop()


@pytest.fixture
async def standin(standin_factory: StandInFactory) -> StandIn:
    """A running stand-in with Telegram's limits on, accepting any token."""
    return await standin_factory()


def ptb_application(
    standin: StandIn, *, token: str = FAKE_TOKEN, rate_limiter: Any = None, **builder: Any
) -> Any:
    """An ``telegram.ext.Application`` talking to ``standin`` (handlers still to be added).

    ``rate_limiter`` is passed to the builder (e.g. ``AIORateLimiter(max_retries=2)``); other
    keyword arguments name builder methods (``concurrent_updates=True``).
    """
    from telegram.ext import ApplicationBuilder

    app_builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(standin.base_url)
        .base_file_url(standin.base_url.replace("/bot", "/file/bot"))
        .connect_timeout(5)
        .read_timeout(5)
        .write_timeout(5)
        .get_updates_read_timeout(15)
    )
    if rate_limiter is not None:
        app_builder = app_builder.rate_limiter(rate_limiter)
    for name, value in builder.items():
        app_builder = getattr(app_builder, name)(value)
    return app_builder.build()


@contextlib.asynccontextmanager
async def polling(app: Any, *, poll_timeout: int = 5) -> AsyncIterator[Any]:
    """Run ``app`` with getUpdates long polling inside the block, then shut it down."""
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def bot_env(
    standin: StandIn, *, token: str = FAKE_TOKEN, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment for a ``newsbrief run`` subprocess pointed at ``standin``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBRIEF_")}
    env.update(
        NEWSBRIEF_TELEGRAM_API_URL=standin.base_url,
        NEWSBRIEF_TELEGRAM_TOKEN=token,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    if extra:
        env.update(extra)
    return env
