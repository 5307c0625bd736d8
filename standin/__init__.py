"""A local stand-in for the Telegram Bot API: tests, the demo and benchmarks drive the real bot
through it over HTTP, as Telegram would. It imports nothing of newsbrief."""
