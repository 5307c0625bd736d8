"""The browser demo: a Telegram-like chat page, the Bot API stand-in and a fictional news site."""
