"""`newsbrief demo` as a subprocess for the demo tests: on a free port, without the timed second
batch, offline, its stdout and stderr in one unbuffered text pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["ROOT", "start_demo"]

ROOT = Path(__file__).resolve().parents[2]


def start_demo(*, new_session: bool = False) -> subprocess.Popen[str]:
    """Start the demo from the repository root with none of this environment's NEWSBRIEF_
    settings (nor its PYTHONWARNINGS, which would add lines to the output the tests read).
    ``new_session``: in a process group of its own, as a terminal's foreground job is."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBRIEF_")}
    env.pop("PYTHONWARNINGS", None)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--port", "0", "--second-batch-delay", "-1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=new_session,
    )
