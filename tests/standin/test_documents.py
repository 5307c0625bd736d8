"""Documents through the stand-in with python-telegram-bot: a user's file reaches the bot as a
message with a document, getFile and the download give its bytes back, and sendDocument
(multipart) is recorded with its bytes and caption."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from telegram import InputFile, Update
from telegram.error import BadRequest
from telegram.ext import MessageHandler, filters

from standin.server import StandIn
from tests.support.standin import polling, ptb_application


async def test_document_round_trip_through_ptb(standin: StandIn) -> None:
    app = ptb_application(standin)
    received: list[bytes] = []
    done = asyncio.Event()

    async def on_document(update: Update, context: object) -> None:
        assert update.message is not None
        document = update.message.document
        assert document is not None
        assert document.file_name == "feeds.opml"
        assert document.file_size == len(b"<opml/>")
        file = await update.get_bot().get_file(document.file_id)
        received.append(bytes(await file.download_as_bytearray()))
        await update.message.reply_document(
            InputFile(b"<opml>back</opml>", filename="out.opml", attach=True),
            caption="<b>Your</b> sources",
            parse_mode="HTML",
        )
        done.set()

    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    async with polling(app):
        after = standin.last_id
        await standin.inject_document(
            42, b"<opml/>", file_name="feeds.opml", mime_type="text/x-opml"
        )
        await asyncio.wait_for(done.wait(), 15)
        sent = await standin.wait_for(42, after_id=after, timeout=10)
    assert received == [b"<opml/>"]
    assert sent.method == "sendDocument"
    assert sent.plain_text == "Your sources"
    [document] = standin.sent_documents(42, after)
    assert document.data == b"<opml>back</opml>"
    assert document.file_name == "out.opml"
    assert document.caption == "Your sources"
    events = standin.events(after, "sendDocument")
    assert events[0].ok


async def test_unknown_file_id_and_download_path(standin: StandIn) -> None:
    app = ptb_application(standin)
    async with app:
        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await app.bot.get_file("nope")


async def test_control_api_documents_both_ways(standin: StandIn) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        data = base64.b64encode(b"<opml/>").decode()
        made = await client.post(
            f"{standin.control_url}/document",
            json={"chat_id": 7, "file_name": "a.opml", "data_base64": data},
        )
        assert made.status_code == 200, made.text
        bad = await client.post(
            f"{standin.control_url}/document",
            json={"chat_id": 7, "file_name": "a.opml", "data_base64": "%%%"},
        )
        assert bad.status_code == 400
        sent = await client.post(
            f"{standin.base_url}1:x/sendDocument",
            data={"chat_id": "7", "caption": "here"},
            files={"document": ("b.opml", b"<opml>b</opml>", "text/x-opml")},
        )
        assert sent.json()["ok"], sent.text
        assert sent.json()["result"]["document"]["file_name"] == "b.opml"
        listed = (await client.get(f"{standin.control_url}/documents?chat_id=7")).json()
    [document] = listed["documents"]
    assert base64.b64decode(document["data_base64"]) == b"<opml>b</opml>"
    assert document["caption"] == "here"
