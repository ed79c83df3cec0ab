"""The store's error for the user, apart from ``database`` so that ``server`` can raise it without
importing ``database`` back."""

from __future__ import annotations


class DocumentError(Exception):
    """A document cannot be opened or written; the message is German and meant for the user."""
