"""Keyword filters and "Why this?" end to end (issues 15 and 16): through the stand-in, a
filtered topic alerts only on the stories its filters allow, and an alert's "Why this?" says
how its topic matched (the words found, or similar in meaning) and mutes the source.

Runs on the session's bot after test_e2e_commands (which counts the stories the shared site
holds) and before test_e2e_delivery restarts it: file order."""

from __future__ import annotations

import asyncio

import pytest

from standin.server import StandIn
from tests.e2e.conftest import START_TIMEOUT, BotProcess, Chat, NewsSite, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STRIKE_TITLE = "Ferry crews end strike after pay deal"
STRIKE = [
    "Ferry crews returned to work on Friday after a week-long strike, once the operator agreed "
    "a pay rise of six percent. Sailings between the island and the mainland resume on "
    "Saturday morning, the company said.",
    "The union said its members had voted by a large majority to accept the offer, which also "
    "limits night shifts, and thanked passengers for their patience during the dispute.",
    "Hauliers who had waited days for a crossing were given priority on the first sailings, "
    "and extra departures were added over the weekend to clear the backlog of lorries.",
]
NIGHT_TITLE = "New ferry night service starts in spring"
NIGHT = [
    "A new night service will carry foot passengers across the bay from April, the harbour "
    "authority announced. The late crossings run every hour until two in the morning.",
    "The authority expects the service to help restaurant and hospital staff who finish late, "
    "and said tickets would cost the same as on the daytime boats, with monthly passes too.",
    "Residents of the old quarter asked for quiet engines at the landing stage; the operator "
    "said the two boats on the route are electric and make little noise.",
]
WITHOUT_STRIKES, PHRASE, PLAIN, MEANING = 6001, 6002, 6003, 6004


def alerts(standin: StandIn, chat_id: int, title: str) -> list:
    return [m for m in standin.sent(chat_id) if title in m.plain_text]


async def test_filtered_topics_alert_only_on_matching_stories_and_say_why(
    standin: StandIn, bot: BotProcess, site: NewsSite
) -> None:
    await Chat(standin, WITHOUT_STRIKES).say("/start", wait=START_TIMEOUT)
    # The first /subscribe may wait for MiniLM to load (the bot loads it on first use).
    commands = {
        WITHOUT_STRIKES: "/subscribe ferry -strike",
        PHRASE: '/subscribe ferry "night service"',
        PLAIN: "/subscribe ferry",
        MEANING: "/subscribe boat crew strike",
    }
    made = {c: await Chat(standin, c).say(t, wait=START_TIMEOUT) for c, t in commands.items()}
    assert all("Subscribed to" in m.plain_text for m in made.values())
    assert "only stories with -strike" in made[WITHOUT_STRIKES].plain_text
    listed = await Chat(standin, PHRASE).say("/topics")
    assert '• ferry "night service"' in listed.plain_text

    site.add("ferry-strike", STRIKE_TITLE, STRIKE)
    await wait_until(
        lambda: bool(
            alerts(standin, PLAIN, STRIKE_TITLE) and alerts(standin, MEANING, STRIKE_TITLE)
        ),
        90,
        what="the strike alerts",
    )
    site.add("ferry-night", NIGHT_TITLE, NIGHT)
    await wait_until(
        lambda: all(alerts(standin, c, NIGHT_TITLE) for c in (WITHOUT_STRIKES, PHRASE, PLAIN)),
        90,
        what="the night service alerts",
    )
    await asyncio.sleep(2)  # room for an alert that should not come
    assert alerts(standin, WITHOUT_STRIKES, STRIKE_TITLE) == []  # -strike
    assert alerts(standin, PHRASE, STRIKE_TITLE) == []  # no "night service" in it
    assert alerts(standin, MEANING, NIGHT_TITLE) == []

    # "Why this?" on a words match, then on a meaning match.
    [plain_alert] = alerts(standin, PLAIN, STRIKE_TITLE)
    assert "New on \u201cferry\u201d" in plain_alert.plain_text
    chat = Chat(standin, PLAIN)
    after = standin.last_id
    await chat.press(plain_alert, plain_alert.button("Why this?")["callback_data"])
    why = await standin.wait_for(PLAIN, after_id=after, timeout=20)
    assert "It matched your topic \u201cferry\u201d" in why.plain_text
    assert "the word \u201cferry\u201d is in its headline" in why.plain_text
    assert "Source: \u201cCoast Daily\u201d" in why.plain_text
    assert why.button("Unsubscribe: ferry")
    muted = await chat.press(why, why.button("Mute Coast Daily")["callback_data"])
    assert muted.params.get("text") == (
        "Muted \u201cCoast Daily\u201d: its stories will not alert you again."
    )

    [meaning_alert] = alerts(standin, MEANING, STRIKE_TITLE)
    after = standin.last_id
    await Chat(standin, MEANING).press(
        meaning_alert, meaning_alert.button("Why this?")["callback_data"]
    )
    why = await standin.wait_for(MEANING, after_id=after, timeout=20)
    assert "It matched your topic \u201cboat crew strike\u201d" in why.plain_text
    assert "similar in meaning to \u201cboat crew strike\u201d" in why.plain_text

    # Muted: Coast Daily's next ferry story alerts the other ferry chats, not this one.
    later = "Ferry timetable changes for the winter"
    site.add(
        "ferry-winter",
        later,
        [
            "The ferry operator published its winter timetable on Monday, with fewer crossings "
            "on weekdays and an extra late boat on Fridays and Saturdays until March.",
            "Season tickets bought before the change stay valid, and the operator said it would "
            "refund passengers whose regular crossing no longer runs.",
        ],
    )
    await wait_until(
        lambda: bool(alerts(standin, WITHOUT_STRIKES, later)), 90, what="the winter alert"
    )
    await asyncio.sleep(2)
    assert alerts(standin, PLAIN, later) == []
    assert bot.alive
