"""The domain's error for the user, apart from ``plan`` so that helpers of ``plan`` (``conflicts``)
can raise it without importing ``plan`` back."""

from __future__ import annotations


class PlanError(ValueError):
    """An edit that cannot be made; the message is German and meant for the user."""
