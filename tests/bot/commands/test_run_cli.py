"""``newsbrief run`` and ``worker`` that cannot start: one line on stderr, no token, no
traceback, a non-zero exit; logging that redacts exceptions and crashes; and a crash in native
code that says where each thread was, without the token."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from telegram.error import InvalidToken, NetworkError, TimedOut

from bot.cli import main
from bot.logs import RedactingFilter, configure_logging

TOKEN = "555000111:AAHsecretHalfOfTheTokenForRunCliTests00"
SECRET = TOKEN.split(":", 1)[1]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("NEWSBRIEF_WEBHOOK_URL", "NEWSBRIEF_CONFIG", "NEWSBRIEF_FEEDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEWSBRIEF_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("NEWSBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("NEWSBRIEF_EXTRACT_WORKERS", "0")
    monkeypatch.setenv("NEWSBRIEF_LOG_LEVEL", "WARNING")  # INFO progress lines are not errors
    return monkeypatch


def test_a_native_crash_prints_where_it_was_without_the_token(tmp_path: Path) -> None:
    # The command dies in C, as libxml2's "double free or corruption" ends: abort().
    code = (
        "import os, sys\n"
        "from bot.commands import run\n"
        "run.run_bot = lambda settings, args: os.abort()\n"
        "from bot.cli import main\n"
        "sys.exit(main(['run']))\n"
    )
    env = {
        **os.environ,
        "NEWSBRIEF_TELEGRAM_TOKEN": TOKEN,
        "NEWSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGABRT
    assert "Fatal Python error: Aborted" in done.stderr
    assert 'bot/cli.py", line' in done.stderr  # where it was
    assert SECRET[:12] not in done.stderr + done.stdout


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def one_line(err: str) -> str:
    assert TOKEN not in err
    assert SECRET[:12] not in err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_the_worker_with_the_bot_api_down_says_so_in_one_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    env.setenv("NEWSBRIEF_TELEGRAM_API_URL", f"http://127.0.0.1:{port}/bot")
    assert main(["worker"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    line = one_line(captured.err)
    assert line.startswith(
        f"newsbrief: cannot reach the Telegram Bot API at http://127.0.0.1:{port}: "
    )
    assert line.endswith("(check the network, or NEWSBRIEF_TELEGRAM_API_URL)")


class FailingApp:
    """What build_application returns, failing to start the way python-telegram-bot does."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def run_polling(self, **kwargs: Any) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "code", "expected"),
    [
        (
            InvalidToken(f"The token `{TOKEN}` was rejected by the server."),
            2,
            "newsbrief: NEWSBRIEF_TELEGRAM_TOKEN was rejected by Telegram (a wrong or revoked "
            "token): copy the bot's token from @BotFather again",
        ),
        (
            TimedOut("Timed out"),
            1,
            "newsbrief: cannot reach the Telegram Bot API at https://api.telegram.org: Timed out "
            "(check the network, or NEWSBRIEF_TELEGRAM_API_URL)",
        ),
        (
            NetworkError(f"httpx.ConnectError: no route to api.telegram.org/bot{TOKEN}/getMe"),
            1,
            "newsbrief: cannot reach the Telegram Bot API at https://api.telegram.org: "
            "httpx.ConnectError: no route to api.telegram.org/bot[REDACTED]/getMe "
            "(check the network, or NEWSBRIEF_TELEGRAM_API_URL)",
        ),
        (
            OSError(f"disk full near {SECRET}"),
            1,
            "newsbrief: newsbrief run failed: OSError: disk full near [REDACTED] "
            "(NEWSBRIEF_LOG_LEVEL=DEBUG logs the traceback)",
        ),
    ],
)
def test_run_that_cannot_start_prints_one_redacted_line(
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    code: int,
    expected: str,
) -> None:
    import bot.app

    env.setattr(bot.app, "build_application", lambda settings, **kwargs: FailingApp(error))
    assert main(["run"]) == code
    assert one_line(capsys.readouterr().err) == expected


def test_the_filter_redacts_messages_tracebacks_stacks_and_the_secret_half() -> None:
    redactor = RedactingFilter([TOKEN])
    assert redactor.redact(f"a {TOKEN} b {SECRET} c") == "a [REDACTED] b [REDACTED] c"
    assert redactor.redact("777777:" + "x" * 35) == "[REDACTED]"  # token-shaped, unknown
    try:
        raise RuntimeError(f"exploded near {SECRET}")
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "%s", (TOKEN,), sys.exc_info())
    record.stack_info = f"Stack (most recent call last):\n  token={TOKEN}"
    assert redactor.filter(record)
    assert record.getMessage() == "[REDACTED]"
    assert record.exc_text is not None
    assert "exploded near [REDACTED]" in record.exc_text
    assert SECRET not in record.exc_text
    assert record.stack_info.endswith("token=[REDACTED]")


def test_an_uncaught_exception_is_logged_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", secrets=[TOKEN])
    try:
        raise RuntimeError(f"crashed with {TOKEN}")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    err = capsys.readouterr().err
    assert "CRITICAL newsbrief.crash: uncaught exception" in err
    assert "RuntimeError: crashed with [REDACTED]" in err
    assert SECRET not in err
