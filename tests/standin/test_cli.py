"""``newsbrief standin`` runs the stand-in as its own process until SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx
import pytest

from tests.support.standin import FAKE_TOKEN


@pytest.mark.slow
def test_standin_command_serves_until_sigterm() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBRIEF_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "standin", "--port", "0", "--token", FAKE_TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"base_url=(\S+) control_url=(\S+)", line)
        assert match, line
        base_url, control_url = match.groups()
        me = httpx.get(f"{base_url}{FAKE_TOKEN}/getMe", timeout=5).json()
        assert me["result"]["username"] == "newsbrief_test_bot"
        assert httpx.get(f"{base_url}other:token/getMe", timeout=5).status_code == 401
        injected = httpx.post(
            f"{control_url}/message", json={"chat_id": 5, "text": "/start"}, timeout=5
        ).json()
        assert injected["update_id"] == 1
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert FAKE_TOKEN not in line + stderr
