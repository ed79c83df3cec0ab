"""Reference data around the plan: statuses, institutions, steering group, tasks, funding, properties."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kik_desktop.models.base import Base


class Status(Base):
    """One of the six fixed status keys; label and colour are the user's to adjust."""

    __tablename__ = "status"

    key: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str] = mapped_column(String(6), default="BFBFBF")
    # Short name for tables and the board, and a symbol so that print and colour-blind readers can tell
    # the six apart without the colour.
    short: Mapped[str] = mapped_column(Text, default="", server_default="")
    symbol: Mapped[str] = mapped_column(Text, default="", server_default="")


class Institution(Base):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    short_name: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class SteeringMember(Base):
    """A seat of the KIK-Steuerungsgruppe: area, the body or office it represents, the persons."""

    __tablename__ = "steering_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    area: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(Text, default="")
    members: Mapped[str] = mapped_column(Text, default="")


class CrossCuttingTask(Base):
    """One of the tasks common to all fields of action (Zusammenfassung der Aufgaben)."""

    __tablename__ = "cross_cutting_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text)


class FundingSource(Base):
    __tablename__ = "funding_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class DocumentProperty(Base):
    """Key/value texts of the concept itself: its name, council date, Integrationsverständnis, …"""

    __tablename__ = "document_property"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
