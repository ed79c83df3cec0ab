"""Opening, creating and migrating KIK documents (one SQLite file each); no Qt here."""

from kik_desktop.store.database import (
    APPLICATION_ID,
    Document,
    DocumentDamagedError,
    DocumentError,
    DocumentLockedError,
    DocumentTooNewError,
    NotADocumentError,
    ReadOnlyDocumentError,
    StorageError,
    create_document,
    open_document,
)

__all__ = [
    "APPLICATION_ID",
    "Document",
    "DocumentDamagedError",
    "DocumentError",
    "DocumentLockedError",
    "DocumentTooNewError",
    "NotADocumentError",
    "ReadOnlyDocumentError",
    "StorageError",
    "create_document",
    "open_document",
]
