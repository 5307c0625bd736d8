"""Thin update handlers, one module per feature: parse the update, call one news service,
render, reply.

No SQL and no HTML here: services live in ``context.bot_data.news`` (``bot.context``), messages
come from ``bot.render``, keyboards from ``bot.keyboards``; ``common`` holds the parsing and
replying helpers they share. Slow work (fetching a link, summarizing) happens in the services,
off the event loop; updates of different chats run concurrently
(``bot.updates.PerChatUpdateProcessor``), and a link is read by the background runner
(``bot.background``) instead of in its update's slot, so one slow request holds no other chat,
nor its own chat's next message. They are registered, in order, by ``bot.app``.
"""
