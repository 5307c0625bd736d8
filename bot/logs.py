"""Logging set-up, done once in ``main()``: one format, quiet libraries, secrets redacted."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable

from pydantic import SecretStr

__all__ = ["RedactingFilter", "configure_logging", "redact_url"]

# Anything shaped like a Bot API token, even one we were not told about.
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")


class RedactingFilter(logging.Filter):
    """Replaces known secrets and token-shaped strings in every record with ``[REDACTED]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[REDACTED]")
        return _TOKEN_SHAPE.sub("[REDACTED]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


class _DropShutdownCancellations(logging.Filter):
    """APScheduler logs a job cancelled by the bot's own shutdown as an error; it is not one.

    python-telegram-bot hands job exceptions to the application's error handler itself, so
    what reaches APScheduler's executor logger is only this cancellation."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


def configure_logging(level: str, *, secrets: Iterable[SecretStr | str | None] = ()) -> None:
    plain = [s.get_secret_value() if isinstance(s, SecretStr) else s for s in secrets if s]
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(plain))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in (
        "httpx",
        "httpcore",
        "apscheduler",
        "telegram.ext.ExtBot",
        "transformers",
        "alembic",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    scheduler = logging.getLogger("apscheduler.executors.default")
    if not any(isinstance(f, _DropShutdownCancellations) for f in scheduler.filters):
        scheduler.addFilter(_DropShutdownCancellations())


def redact_url(url: str) -> str:
    """A database URL without its password, for logs and messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url
