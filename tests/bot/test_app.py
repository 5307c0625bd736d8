"""The composition root: per-chat update ordering, cross-chat concurrency, settings wiring."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Update

from bot.app import build_application, file_url_for
from bot.updates import PerChatUpdateProcessor
from config import ConfigError, Settings
from tests.bot.fakes import Chat, message_update


def _update(chat_id: int) -> Update:
    return Update.de_json(message_update("hi", Chat(id=chat_id)), None)


async def test_one_chat_in_order_other_chats_concurrently() -> None:
    processor = PerChatUpdateProcessor(concurrent=8)
    log: list[str] = []
    release = asyncio.Event()

    async def handle(name: str, wait: bool) -> None:
        log.append(f"start {name}")
        if wait:
            await release.wait()
        log.append(f"end {name}")

    slow = asyncio.create_task(processor.process_update(_update(1), handle("a1", True)))
    queued = asyncio.create_task(processor.process_update(_update(1), handle("a2", False)))
    other = asyncio.create_task(processor.process_update(_update(2), handle("b1", False)))
    await asyncio.wait_for(other, 2)
    assert log == ["start a1", "start b1", "end b1"]  # chat 2 did not wait for chat 1
    release.set()
    await asyncio.gather(slow, queued)
    assert log[3:] == ["end a1", "start a2", "end a2"]  # chat 1 kept its order


async def test_backlog_is_skipped_while_stopping() -> None:
    processor = PerChatUpdateProcessor()
    release = asyncio.Event()
    done: list[int] = []

    async def handle(n: int) -> None:
        await release.wait()
        done.append(n)

    tasks = [
        asyncio.create_task(processor.process_update(_update(5), handle(n))) for n in range(50)
    ]
    await asyncio.sleep(0)
    processor.stopping = lambda: True
    release.set()
    await asyncio.gather(*tasks)
    assert done == [0]  # the update already running finished; the queued ones were skipped
    assert processor.skipped == 49


def test_build_application_wiring(settings: Settings) -> None:
    app = build_application(settings, jobs=True)
    assert app.bot.base_url.startswith("http://telegram.invalid/bot")
    assert app.bot.base_file_url.startswith("http://telegram.invalid/file/bot")
    assert app.bot_data.config is settings
    assert app.job_queue is not None
    names = {job.name for job in app.job_queue.jobs()}
    assert names == {"poll-feeds", "deliver", "digests"}
    worker = build_application(settings, handle_updates=False)
    assert not worker.handlers
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"


def test_missing_token_fails_with_a_clear_message() -> None:
    with pytest.raises(ConfigError, match="NEWSBRIEF_TELEGRAM_TOKEN"):
        build_application(Settings())


def test_run_and_worker_commands_are_registered() -> None:
    from bot.cli import build_parser
    from bot.commands import run as runner
    from bot.commands import worker

    parser = build_parser()
    run = parser.parse_args(["run", "--no-jobs"])
    assert run.func is runner.run_bot
    assert run.no_jobs is True
    assert parser.parse_args(["run"]).no_jobs is False
    assert parser.parse_args(["worker"]).func is worker.run_worker
    assert parser.parse_args(["worker", "--tasks-only"]).tasks_only is True


def test_an_unknown_timezone_fails_at_start_up(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="NEWSBRIEF_TIMEZONE"):
        build_application(settings.model_copy(update={"timezone": "Mars/Olympus"}))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {},
            "newsbrief: NEWSBRIEF_TELEGRAM_TOKEN is not set: export NEWSBRIEF_TELEGRAM_TOKEN="
            "<token from @BotFather> (or telegram_token in the NEWSBRIEF_CONFIG TOML file)",
        ),
        (
            {"NEWSBRIEF_TELEGRAM_TOKEN": "123:abc", "NEWSBRIEF_TIMEZONE": "Mars/Olympus"},
            "newsbrief: NEWSBRIEF_TIMEZONE is invalid: 'Mars/Olympus' is not a known time zone "
            "(use an IANA name such as UTC or Europe/Paris)",
        ),
        (
            {
                "NEWSBRIEF_TELEGRAM_TOKEN": "123:abc",
                "NEWSBRIEF_WEBHOOK_URL": "https://b.example/h",
            },
            "newsbrief: NEWSBRIEF_WEBHOOK_SECRET is not set: webhook mode needs a secret token "
            "(export NEWSBRIEF_WEBHOOK_SECRET=<random letters, digits, _ and ->)",
        ),
    ],
)
def test_a_bad_setting_stops_run_with_one_line(
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    for name in ("NEWSBRIEF_TELEGRAM_TOKEN", "NEWSBRIEF_WEBHOOK_URL", "NEWSBRIEF_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    assert capsys.readouterr().err == message + "\n"
