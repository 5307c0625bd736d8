"""``newsbrief run`` with a token Telegram rejects: a non-zero exit with one clear line on stderr,
no traceback, and no part of the token anywhere in its output (issue 13: container logs keep it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from standin.server import StandIn
from tests.support.standin import FAKE_TOKEN, bot_env

ROOT = Path(__file__).resolve().parents[2]
# Shaped like a real token (bot id, colon, secret), but not the one the stand-in accepts.
REJECTED_TOKEN = "987654321:AAHrejectedTokenForTheStartupTest0000"


@pytest.mark.slow
def test_a_rejected_token_stops_the_bot_with_one_line_and_no_token(tmp_path: Path) -> None:
    standin = StandIn(token=FAKE_TOKEN).start_in_thread()  # every other token answers 401
    try:
        env = bot_env(
            standin,
            token=REJECTED_TOKEN,
            extra={
                "NEWSBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                "NEWSBRIEF_EXTRACT_WORKERS": "0",
                "NEWSBRIEF_LOG_LEVEL": "WARNING",  # INFO progress lines are not the failure
            },
        )
        env.pop("PYTHONWARNINGS", None)
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        standin.stop_thread()
    output = done.stdout + done.stderr
    secret = REJECTED_TOKEN.split(":", 1)[1]
    assert done.returncode != 0, output
    assert REJECTED_TOKEN not in output
    assert secret not in output
    assert secret[:12] not in output  # not even a shortened form of the secret half
    assert "Traceback" not in output, output
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("newsbrief: "), lines[0]
    assert "NEWSBRIEF_TELEGRAM_TOKEN" in lines[0], lines[0]
