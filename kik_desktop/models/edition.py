"""Editions of the concept: where each carried item of a next edition (Fortschreibung) came from."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kik_desktop.models.base import Base


class ItemOrigin(Base):
    """An item of this document (by uid, in table ``kind``) carried over from the previous edition.

    Kept apart from the item tables so that any table with a ``uid`` column (fields, goals, measures,
    and whatever later tables have one) can say where its rows came from without a schema change.
    """

    __tablename__ = "item_origin"

    uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    origin_uid: Mapped[str] = mapped_column(String(32))
    origin_edition: Mapped[str] = mapped_column(Text, default="", server_default="")
