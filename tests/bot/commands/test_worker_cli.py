"""``newsbrief worker``: ``--tasks-only`` needs a queue, and says so in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_tasks_only_without_a_queue_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSBRIEF_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    assert main(["worker", "--tasks-only"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "NEWSBRIEF_QUEUE_URL" in err[0]
    assert err[0].startswith("newsbrief: newsbrief worker --tasks-only needs a queue")


def test_a_bad_queue_url_is_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSBRIEF_QUEUE_URL", "kafka://127.0.0.1:9092")
    assert main(["worker", "--tasks-only"]) == 2
    assert "NEWSBRIEF_QUEUE_URL is invalid" in capsys.readouterr().err
