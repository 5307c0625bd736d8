"""Logging set-up, done once in ``main()``: one format, quiet libraries, secrets redacted."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import Iterable
from types import TracebackType

from pydantic import SecretStr

__all__ = ["RedactingFilter", "configure_logging", "redact_url", "secret_values"]

# Anything shaped like a Bot API token, even one we were not told about.
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
_MIN_PART = 8  # a token's secret half is redacted on its own when at least this long

crash_logger = logging.getLogger("newsbrief.crash")


def secret_values(secrets: Iterable[SecretStr | str | None]) -> list[str]:
    """The plain values of the secrets that are set."""
    return [s.get_secret_value() if isinstance(s, SecretStr) else s for s in secrets if s]


class RedactingFilter(logging.Filter):
    """Replaces known secrets (and a token's secret half on its own) and token-shaped strings
    in every record, its exception text and its stack with ``[REDACTED]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        parts = {s.strip() for s in secrets if s and s.strip()}
        for secret in list(parts):
            _, colon, half = secret.partition(":")
            if colon and len(half) >= _MIN_PART:
                parts.add(half)
        self._secrets = sorted(parts, key=len, reverse=True)

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
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class _DropShutdownCancellations(logging.Filter):
    """APScheduler logs a job cancelled by the bot's own shutdown as an error; it is not one.

    python-telegram-bot hands job exceptions to the application's error handler itself, so
    what reaches APScheduler's executor logger is only this cancellation."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


class _DropRetryLoopAborts(logging.Filter):
    """python-telegram-bot logs, with a traceback, the error that ends one of its network retry
    loops (a rejected token or an unreachable Bot API at start-up) and then raises it; the
    caller reports it (``newsbrief run``: one line on stderr), so the record is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.module == "networkloop"
            and record.levelno >= logging.ERROR
            and isinstance(record.msg, str)
            and "Abort" in record.msg
        )


def _log_crash(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """sys.excepthook: an uncaught exception is logged (so redacted), not printed raw."""
    if issubclass(kind, KeyboardInterrupt):
        return
    crash_logger.critical("uncaught exception", exc_info=(kind, error, trace))


def _log_thread_crash(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None and not issubclass(args.exc_type, SystemExit):
        crash_logger.critical(
            "uncaught exception in thread %s",
            args.thread.name if args.thread is not None else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )


def configure_logging(level: str, *, secrets: Iterable[SecretStr | str | None] = ()) -> None:
    """One handler on stderr with the redacting filter; uncaught exceptions (main thread and
    others) go through it too, so no crash prints a secret."""
    plain = secret_values(secrets)
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
        "taskiq",  # one "Executing task" line per task at INFO
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ptb = logging.getLogger("telegram.ext")
    if not any(isinstance(f, _DropRetryLoopAborts) for f in ptb.filters):
        ptb.addFilter(_DropRetryLoopAborts())
    sys.excepthook = _log_crash
    threading.excepthook = _log_thread_crash
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
