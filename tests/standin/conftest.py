"""Fixtures for the stand-in's own tests (shared with other packages via tests.support)."""

from __future__ import annotations

from tests.support.standin import standin, standin_factory

__all__ = ["standin", "standin_factory"]
