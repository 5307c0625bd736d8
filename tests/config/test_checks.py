"""The start-up checks (``config.checks``): each returns the checked value, or stops start-up
with one line that names the setting and says how to set it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from config import ConfigError, Settings, require_timezone, require_token, require_webhook_secret


def test_token_is_stripped_and_a_blank_one_is_missing() -> None:
    assert require_token(Settings(telegram_token=SecretStr(" 123:abc\n"))) == "123:abc"
    with pytest.raises(ConfigError) as info:
        require_token(Settings(telegram_token=SecretStr("  ")))
    assert str(info.value) == (
        "NEWSBRIEF_TELEGRAM_TOKEN is not set: export NEWSBRIEF_TELEGRAM_TOKEN=<token from "
        "@BotFather> (or telegram_token in the NEWSBRIEF_CONFIG TOML file)"
    )


def test_timezone_is_an_iana_name() -> None:
    assert require_timezone(Settings(timezone="Europe/Paris")) == ZoneInfo("Europe/Paris")
    with pytest.raises(ConfigError) as info:
        require_timezone(Settings(timezone="Mars/Olympus"))
    assert str(info.value) == (
        "NEWSBRIEF_TIMEZONE is invalid: 'Mars/Olympus' is not a known time zone "
        "(use an IANA name such as UTC or Europe/Paris)"
    )


def test_webhook_mode_needs_a_secret() -> None:
    settings = Settings(webhook_url="https://bot.example/hook")
    secret = settings.model_copy(update={"webhook_secret": SecretStr("s-1")})
    assert require_webhook_secret(secret) == "s-1"
    with pytest.raises(ConfigError) as info:
        require_webhook_secret(settings)
    assert str(info.value) == (
        "NEWSBRIEF_WEBHOOK_SECRET is not set: webhook mode needs a secret token "
        "(export NEWSBRIEF_WEBHOOK_SECRET=<random letters, digits, _ and ->)"
    )
