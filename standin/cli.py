"""``newsbrief standin``: the stand-in's subcommand, found through the ``newsbrief.commands``
entry point (the bot does not import the stand-in)."""

from __future__ import annotations

from standin.server import register

__all__ = ["register"]
