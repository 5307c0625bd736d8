"""An unmodified python-telegram-bot Application against the stand-in (in-process)."""

from __future__ import annotations

import asyncio
import html
import time
from datetime import timedelta
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from standin.server import StandIn
from tests.support.standin import StandInFactory, polling, ptb_application


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data=f"e:{text}")]])
    await update.effective_message.reply_html(
        f"<b>echo</b> {html.escape(text)}",
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def _brief(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"brief: {' '.join(context.args or [])}")


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("done")
    await query.edit_message_text(f"pressed {query.data}")


def _app(standin: StandIn, **kwargs: Any) -> Any:
    app = ptb_application(standin, **kwargs)
    app.add_handler(CommandHandler("brief", _brief))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(CallbackQueryHandler(_button))
    return app


async def test_echo_button_and_group_command(standin: StandIn) -> None:
    async with polling(_app(standin)):
        started = time.perf_counter()
        await standin.inject_message(42, "hello <world>")
        reply = await standin.wait_for(42, timeout=5)
        assert time.perf_counter() - started < 2  # long polling woke at once
        assert reply.plain_text == "echo hello <world>"
        assert reply.parse_mode == "HTML"
        assert reply.disable_web_page_preview is True
        assert reply.entities == [{"offset": 0, "length": 4, "type": "bold"}]

        mark = standin.last_id
        await standin.press_button(42, reply.message_id, reply.button("Again")["callback_data"])
        edited = await standin.wait_for(42, after_id=mark, timeout=5)
        assert (edited.edited, edited.plain_text) == (True, "pressed e:hello <world>")
        answer = await standin.wait_for_event("answerCallbackQuery", after_id=mark)
        assert (answer.ok, answer.params["chat_id"]) == (True, 42)
        assert answer.params["text"] == "done"

        await standin.inject_message(
            -500, "/brief@newsbrief_test_bot ukraine talks", chat_type="group", user_id=42
        )
        group_reply = await standin.wait_for(-500, timeout=5)
        assert group_reply.plain_text == "brief: ukraine talks"
        # a command addressed to another bot is ignored by PTB's CommandHandler
        mark = standin.last_id
        await standin.inject_message(-500, "/brief@other_bot x", chat_type="group", user_id=42)
        await standin.inject_message(-500, "/brief y", chat_type="group", user_id=42)
        assert (await standin.wait_for(-500, after_id=mark, timeout=5)).plain_text == "brief: y"


async def test_rate_limiter_honours_retry_after(standin: StandIn) -> None:
    standin.set_limits(chat_burst=1, chat_per_s=0.5)
    app = _app(standin, rate_limiter=AIORateLimiter(max_retries=2))
    async with app:
        started = time.perf_counter()
        await app.bot.send_message(77, "one")
        await app.bot.send_message(77, "two")  # 429 retry after 2 -> waits, then succeeds
        elapsed = time.perf_counter() - started
    assert [m.plain_text for m in standin.sent(77)] == ["one", "two"]
    assert 1.5 < elapsed < 8
    assert standin.stats()["responses_429"] == 1
    refused = [e for e in standin.events(method="sendMessage") if not e.ok]
    assert [e.error_code for e in refused] == [429]


async def test_ptb_sees_telegram_errors(standin: StandIn) -> None:
    app = _app(standin)
    async with app:
        bot = app.bot
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(1, "x" * 4097)
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(1, "<b>bold", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(
                1,
                "x",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="x" * 65)]]
                ),
            )
        standin.add_fault("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(1, "x")
        waited = retry.value.retry_after
        assert (waited.total_seconds() if isinstance(waited, timedelta) else waited) == 3
        standin.add_fault("sendMessage", 403)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(1, "x")
        standin.add_fault("sendMessage", 500)
        with pytest.raises(NetworkError):
            await bot.send_message(1, "x")
        standin.add_fault("sendMessage", 500, drop=True)
        with pytest.raises(NetworkError):
            await bot.send_message(1, "x")
        message = await bot.send_message(1, "<i>fine</i>", parse_mode=ParseMode.HTML)
        assert message.text == "fine"
        assert message.from_user is not None
        assert message.from_user.username == ("newsbrief_test_bot")
        await bot.send_chat_action(1, "typing")
        await bot.set_my_commands([("brief", "A briefing")])
        assert [c.command for c in await bot.get_my_commands()] == ["brief"]
        chat = await bot.get_chat(1)
        assert chat.id == 1


async def test_polling_survives_failures_of_get_updates(standin_factory: StandInFactory) -> None:
    standin = await standin_factory()
    standin.add_fault("getUpdates", 502, count=1)
    standin.add_fault("getUpdates", 500, drop=True)
    async with polling(_app(standin)):
        await standin.inject_message(43, "still there?")
        reply = await standin.wait_for(43, timeout=10)
    assert reply.plain_text == "echo still there?"


async def test_many_concurrent_users(standin: StandIn) -> None:
    standin.set_limits(enforce=False)
    async with polling(_app(standin, concurrent_updates=True)):
        await asyncio.gather(*(standin.inject_message(1000 + i, f"u{i}") for i in range(50)))
        replies = await asyncio.gather(*(standin.wait_for(1000 + i) for i in range(50)))
    assert sorted(r.plain_text for r in replies) == sorted(f"echo u{i}" for i in range(50))
