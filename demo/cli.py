"""``newsbrief demo``: the demo's subcommand, found through the ``newsbrief.commands`` entry point
(the demo sits above the bot, which does not import it)."""

from __future__ import annotations

from demo.app import register

__all__ = ["register"]
