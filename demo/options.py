"""What the demo runs with: its flags, the chat and token it uses, and how it reports progress.

Plain data and the standard library only: ``newsbrief --help`` reads the defaults from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEMO_CHAT_ID", "DEMO_TOKEN", "DEMO_USER", "WARMUP_CHAT_ID", "DemoOptions", "say"]

DEMO_CHAT_ID = 4242  # the private chat (and user) the page speaks as
DEMO_USER = {"user_id": DEMO_CHAT_ID, "first_name": "Demo", "username": "demo_user"}
WARMUP_CHAT_ID = 4243  # a chat the demo itself uses to warm the bot up (never shown)
# Not a secret: the stand-in accepts only this token, and it never leaves 127.0.0.1.
DEMO_TOKEN = "4242:local-demo-token"  # noqa: S105


@dataclass(frozen=True)
class DemoOptions:
    """How to run the demo (the ``newsbrief demo`` flags)."""

    host: str = "127.0.0.1"
    port: int = 8088
    second_batch_delay: float = 60.0  # seconds after the page comes up; < 0: only by button
    poll_interval: float = 5.0  # the bot's feed poll interval
    data_dir: Path | None = None  # None: a temporary folder, removed at the end
    startup_timeout: float = 170.0
    log_level: str = "WARNING"  # the bot subprocess's log level


def say(message: str) -> None:
    """Progress for the person running the demo (stdout, flushed: it may be a pipe)."""
    print(f"newsbrief demo: {message}", flush=True)
