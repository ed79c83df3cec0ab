"""The store's errors for the user, apart from ``database`` so that the modules below it (``server``,
``migrations``, ``backup``) can raise them without importing ``database`` back."""

from __future__ import annotations


class DocumentError(Exception):
    """A document cannot be opened or written; the message is German and meant for the user."""


class StorageError(DocumentError):
    """The environment failed (disk full, I/O error, locked, read-only): not a bug of ours."""


class DocumentDamagedError(StorageError):
    """SQLite reports the file as damaged (corrupt, not a database): restore a backup."""
