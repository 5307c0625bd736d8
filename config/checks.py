"""Every start-up check in one place: each returns the checked value or raises ``ConfigError``
with one line naming the setting and how to set it (``main()`` prints it and exits 2).

``newsbrief run`` and ``newsbrief worker`` need a token and a known time zone
(``build_application``); webhook mode also needs a secret (``newsbrief run``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.settings import ConfigError, Settings

__all__ = ["require_timezone", "require_token", "require_webhook_secret"]


def require_token(settings: Settings) -> str:
    """The bot token, or a ConfigError saying how to set it."""
    token = settings.telegram_token
    if token is None or not token.get_secret_value().strip():
        raise ConfigError(
            "NEWSBRIEF_TELEGRAM_TOKEN is not set: export NEWSBRIEF_TELEGRAM_TOKEN=<token from "
            "@BotFather> (or telegram_token in the NEWSBRIEF_CONFIG TOML file)"
        )
    return token.get_secret_value().strip()


def require_timezone(settings: Settings) -> ZoneInfo:
    """``settings.timezone`` (digest times) as a ZoneInfo, or a ConfigError naming it."""
    try:
        return ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"NEWSBRIEF_TIMEZONE is invalid: {settings.timezone!r} is not a known time zone "
            "(use an IANA name such as UTC or Europe/Paris)"
        ) from None


def require_webhook_secret(settings: Settings) -> str:
    """The webhook secret token (webhook mode), or a ConfigError saying how to set it."""
    if settings.webhook_secret is None:
        raise ConfigError(
            "NEWSBRIEF_WEBHOOK_SECRET is not set: webhook mode needs a secret token "
            "(export NEWSBRIEF_WEBHOOK_SECRET=<random letters, digits, _ and ->)"
        )
    return settings.webhook_secret.get_secret_value()
