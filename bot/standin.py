"""Placeholder: its owner replaces this module (see bot/cli.py COMMAND_MODULES)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:  # argparse._SubParsersAction
    del subparsers


__all__ = ["argparse", "register"]
