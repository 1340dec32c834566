"""Digest subscriptions and runs (placeholder until the full module lands)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine


class DigestsMixin:
    _engine: AsyncEngine
