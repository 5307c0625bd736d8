"""Groups, channels and forum topics through the stand-in with python-telegram-bot: getChatMember
answers what the test set, a channel is found by its @name and refuses a bot that may not post,
a forum topic's messages carry message_thread_id both ways, and a migrated group's old id
answers 400 with migrate_to_chat_id."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, ChatMigrated, Forbidden

from standin.models import BOT_ID
from standin.server import StandIn
from tests.support.standin import ptb_application

GROUP = -5001
FORUM = -1005001
CHANNEL = -1009001


async def test_get_chat_member_answers_the_statuses_set(standin: StandIn) -> None:
    await standin.set_chat(GROUP, "group", title="Desk")
    await standin.set_member(GROUP, 7, "administrator")
    await standin.set_member(GROUP, 8, "creator")
    app = ptb_application(standin)
    async with app:
        admin = await app.bot.get_chat_member(GROUP, 7)
        owner = await app.bot.get_chat_member(GROUP, 8)
        member = await app.bot.get_chat_member(GROUP, 9)  # never set: a member
        assert admin.status == ChatMemberStatus.ADMINISTRATOR
        assert owner.status == ChatMemberStatus.OWNER
        assert member.status == ChatMemberStatus.MEMBER
        assert member.user.id == 9
        with pytest.raises(BadRequest, match="inaccessible"):
            await app.bot.get_chat_member(42, 42)  # a private chat


async def test_a_channel_by_name_and_the_bots_rights_to_post(standin: StandIn) -> None:
    await standin.set_chat(CHANNEL, "channel", title="Coast wire", username="CoastWire")
    app = ptb_application(standin)
    async with app:
        chat = await app.bot.get_chat("@coastwire")
        assert (chat.id, chat.type, chat.username) == (CHANNEL, "channel", "CoastWire")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await app.bot.get_chat("@nosuchchannel")
        assert (await app.bot.get_chat_member(CHANNEL, BOT_ID)).status == "left"
        with pytest.raises(Forbidden):
            await app.bot.send_message(CHANNEL, "hello")
        await standin.set_member(CHANNEL, BOT_ID, "administrator", can_post_messages=False)
        me = await app.bot.get_chat_member(CHANNEL, BOT_ID)
        assert me.status == ChatMemberStatus.ADMINISTRATOR
        assert getattr(me, "can_post_messages", None) is False
        with pytest.raises(BadRequest, match="administrator rights"):
            await app.bot.send_message(CHANNEL, "hello")
        await standin.set_member(CHANNEL, BOT_ID, "administrator")
        await standin.set_member(CHANNEL, 7, "creator")
        assert (await app.bot.get_chat_member("@CoastWire", 7)).status == "creator"
        sent = await app.bot.send_message(CHANNEL, "hello")
        assert sent.chat.type == "channel"


async def test_forum_topics_carry_message_thread_id_both_ways(standin: StandIn) -> None:
    await standin.set_chat(FORUM, "supergroup", title="Newsroom", is_forum=True)
    thread = await standin.add_forum_topic(FORUM, "Sport")
    after = standin.last_id
    await standin.inject_topic_message(FORUM, thread, "/topics", user_id=7)
    app = ptb_application(standin)
    async with app:
        [raw] = await app.bot.get_updates(timeout=0)
        update = Update.de_json(raw.to_dict(), app.bot)
        assert update is not None
        message = update.message
        assert message is not None
        assert (message.message_thread_id, message.is_topic_message) == (thread, True)
        assert message.chat.is_forum is True
        sent = await app.bot.send_message(FORUM, "in the topic", message_thread_id=thread)
        assert sent.message_thread_id == thread
        assert standin.thread_of(FORUM, sent.message_id) == thread
        with pytest.raises(BadRequest, match="thread not found"):
            await app.bot.send_message(FORUM, "nowhere", message_thread_id=thread + 100)
    [event] = [e for e in standin.events(after, "sendMessage") if e.ok]
    assert int(event.params["message_thread_id"]) == thread


async def test_a_migrated_group_sends_both_service_messages_and_refuses_its_old_id(
    standin: StandIn,
) -> None:
    await standin.set_chat(GROUP, "group", title="Desk")
    await standin.set_member(GROUP, 7, "administrator")
    await standin.migrate_group(GROUP, FORUM)
    app = ptb_application(standin)
    async with app:
        updates = await app.bot.get_updates(timeout=0)
        messages = [u.message for u in updates if u.message is not None]
        assert [(m.chat.id, m.migrate_to_chat_id, m.migrate_from_chat_id) for m in messages] == [
            (GROUP, FORUM, None),
            (FORUM, None, GROUP),
        ]
        with pytest.raises(ChatMigrated) as caught:
            await app.bot.send_message(GROUP, "hello")
        assert caught.value.new_chat_id == FORUM
        assert (await app.bot.get_chat_member(FORUM, 7)).status == "administrator"


async def test_the_control_api_sets_chats_members_topics(standin: StandIn) -> None:
    async with aiohttp.ClientSession() as http:
        base = standin.control_url

        async def post(name: str, body: dict[str, object]) -> dict[str, object]:
            async with http.post(f"{base}/{name}", json=body) as response:
                assert response.status == 200, await response.text()
                return dict(await response.json())

        await post("chat", {"chat_id": FORUM, "chat_type": "supergroup", "is_forum": True})
        await post("member", {"chat_id": FORUM, "user_id": 7, "status": "administrator"})
        topic = await post("topic", {"chat_id": FORUM, "name": "Sport"})
        thread = int(str(topic["message_thread_id"]))
        injected = await post(
            "topic_message", {"chat_id": FORUM, "message_thread_id": thread, "text": "hi"}
        )
        assert int(str(injected["update_id"])) > 0
        async with http.post(f"{base}/member", json={"chat_id": FORUM}) as response:
            assert response.status == 400
    assert standin._roles.members[(FORUM, 7)]["status"] == "administrator"
