"""Ctrl-C on ``newsbrief demo`` stops it, the bot and the bot's extract workers: quickly, without
a traceback, and no process it started outlives it (checked by pid)."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
import time

import psutil
import pytest

from tests.support.demo import start_demo

READY_TIMEOUT = 240.0  # sample ingest, model load and warm-up on a loaded machine
STOP_TIMEOUT = 20.0


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


@pytest.mark.slow
def test_ctrl_c_stops_the_demo_and_every_process_it_started() -> None:
    demo = start_demo(new_session=True)  # its own process group, as in a terminal
    assert demo.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(demo.stdout, lines), daemon=True)
    reader.start()
    output: list[str] = []
    descendants: list[psutil.Process] = []
    commands: list[str] = []
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not any("ready in" in line for line in output):
            assert demo.poll() is None, "".join(output)
            assert time.monotonic() < deadline, "".join(output)
            with contextlib.suppress(queue.Empty):
                output.append(lines.get(timeout=1.0))
        descendants = psutil.Process(demo.pid).children(recursive=True)
        commands = [" ".join(p.cmdline()) for p in descendants]
        assert any("bot.cli run" in c for c in commands), commands
        assert any("multiprocessing" in c for c in commands), commands  # extract workers
        started = time.monotonic()
        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        code = demo.wait(STOP_TIMEOUT)
        stopped_s = time.monotonic() - started
        # Gone when the demo has exited; is_running() also checks the start time (pid reuse).
        left = [p.pid for p in descendants if _alive(p)]
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(10)
        for process in descendants:  # clean up after a failure
            if _alive(process):
                process.kill()
        reader.join(10)  # the pipe is drained to its end
        demo.stdout.close()
    while not lines.empty():
        output.append(lines.get())
    text = "".join(output)
    assert code == 0, text
    assert stopped_s < STOP_TIMEOUT
    assert "Traceback" not in text, text
    assert "KeyboardInterrupt" not in text, text
    assert text.rstrip().endswith("newsbrief demo: stopped."), text
    assert left == [], (commands, text)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
