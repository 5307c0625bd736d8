from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, Settings, load_settings, require_token


def test_defaults_work_in_an_empty_environment() -> None:
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.allow_loopback is False
    assert settings.summarizer == "extractive"
    assert settings.feeds == []


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBRIEF_FEEDS", "http://a.example/rss, http://b.example/atom")
    monkeypatch.setenv("NEWSBRIEF_POLL_INTERVAL", "30")
    monkeypatch.setenv("NEWSBRIEF_ALLOW_LOOPBACK", "true")
    monkeypatch.setenv("NEWSBRIEF_TELEGRAM_TOKEN", "123456:ABCDEF")
    monkeypatch.setenv("NEWSBRIEF_ADMIN_IDS", "1,2")
    settings = load_settings()
    assert settings.feeds == ["http://a.example/rss", "http://b.example/atom"]
    assert settings.poll_interval == 30
    assert settings.allow_loopback is True
    assert settings.admin_ids == [1, 2]
    assert require_token(settings) == "123456:ABCDEF"
    assert "ABCDEF" not in repr(settings)


def test_malformed_setting_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBRIEF_POLL_INTERVAL", "soon")
    with pytest.raises(ConfigError, match="NEWSBRIEF_POLL_INTERVAL"):
        load_settings()


def test_missing_token_says_how_to_set_it() -> None:
    with pytest.raises(ConfigError, match="export NEWSBRIEF_TELEGRAM_TOKEN"):
        require_token(Settings())


def test_toml_file_is_layered_under_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "newsbrief.toml"
    config.write_text('poll_interval = 60\nsummarizer = "abstractive"\n')
    monkeypatch.setenv("NEWSBRIEF_CONFIG", str(config))
    monkeypatch.setenv("NEWSBRIEF_POLL_INTERVAL", "90")
    settings = load_settings()
    assert settings.summarizer == "abstractive"
    assert settings.poll_interval == 90


def test_redacting_filter_hides_the_token(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from bot.logs import RedactingFilter

    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "POST %s", ("https://api/bot123456:secret-token",), None
    )
    RedactingFilter(["123456:secret-token"]).filter(record)
    assert "secret-token" not in record.getMessage()
    assert "[REDACTED]" in record.getMessage()
    shaped = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "url bot987654321:AAH" + "x" * 32, None, None
    )
    RedactingFilter([]).filter(shaped)
    assert "987654321" not in shaped.getMessage()


def test_extraction_runs_in_processes_on_several_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBRIEF_EXTRACT_WORKERS")
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert Settings().extraction_processes() == 2
    monkeypatch.setattr("os.cpu_count", lambda: 32)
    assert Settings().extraction_processes() == 4
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert Settings().extraction_processes() == 0
    monkeypatch.setenv("NEWSBRIEF_EXTRACT_WORKERS", "0")
    assert Settings().extraction_processes() == 0


def test_a_job_cancelled_at_shutdown_is_not_logged_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import logging

    from bot.logs import configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("INFO")
    logger = logging.getLogger("apscheduler.executors.default")
    logger.addHandler(caplog.handler)
    try:
        for exc in (asyncio.CancelledError(), RuntimeError("job broke")):
            try:
                raise exc
            except BaseException:
                logger.exception('Job "deliver" raised an exception')
    finally:
        logger.removeHandler(caplog.handler)
        root.handlers[:], root.level = saved
    assert [r.exc_info[1].__class__ for r in caplog.records if r.exc_info] == [RuntimeError]
