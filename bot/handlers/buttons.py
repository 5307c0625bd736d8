"""Inline buttons: "Full article" (a story's sources), "More stories" (a briefing's next page),
"Unsubscribe" (under ``/topics`` and "Why this?"), an alert's "Why this?" and "Mute <source>"."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import BadRequest

from bot import render, render_why
from bot.context import BotContext
from bot.handlers.briefing import more_stories
from bot.handlers.common import answer_place
from bot.handlers.subscriptions import topics_message
from bot.keyboards import parse_callback
from bot.permissions import may_manage

__all__ = ["callback"]


async def callback(update: Update, context: BotContext) -> None:
    """Inline buttons: "Full article" and "Unsubscribe". Stale or forged data is answered, not
    trusted: ids are looked up again and scoped to the pressing chat."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None:
        return
    action = parse_callback(query.data)
    if action is None or chat is None:
        await query.answer("This button is no longer valid.", show_alert=False)
        return
    news = context.bot_data.news
    if action.action == "more":
        await more_stories(update, context)
        return
    if action.action == "full":
        story = await news.briefings.story(action.id)
        if story is None:
            await query.answer("That story is no longer available.")
            return
        await query.answer()
        differences = await news.updates.disagreements(story.id)  # figures the sources differ on
        await context.bot.send_message(
            chat.id,
            render.render_story_links(story, differences),
            **answer_place(query.message),  # in the button's forum topic
        )
        return
    if action.action == "why":  # anyone in the chat may ask
        reason = await news.topics.explain(chat.id, action.id)
        if reason is None:
            await query.answer(render_why.render_why_missing())
            return
        await query.answer()
        why = render_why.render_why(reason, action.id)
        await context.bot.send_message(
            chat.id, why.text, reply_markup=why.keyboard, **answer_place(query.message)
        )
        return
    if not await may_manage(update, context):  # a group's topics: its administrators
        await query.answer("Only this group's administrators can change its topics.")
        return
    if action.action == "mute":
        muted = await news.topics.mute_source(chat.id, action.id)
        await query.answer(render_why.render_muted(muted))
        return
    removed = await news.topics.unsubscribe(chat.id, action.id)
    await query.answer("Unsubscribed." if removed else "That topic was already removed.")
    if query.message is not None:
        refreshed = await topics_message(context, chat.id)
        with contextlib.suppress(BadRequest):  # "message is not modified", or too old to edit
            await query.edit_message_text(refreshed.text, reply_markup=refreshed.keyboard)
