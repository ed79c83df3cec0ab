"""The working-group cycle: working groups, dispatches (what was sent, with the base of every value) and
the provenance of values an import changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kik_desktop.models.base import Base
from kik_desktop.models.plan import Field
from kik_desktop.models.registry import Institution

working_group_field = Table(
    "working_group_field",
    Base.metadata,
    Column("group_id", ForeignKey("working_group.id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", ForeignKey("field.id", ondelete="CASCADE"), primary_key=True),
)

working_group_member = Table(
    "working_group_member",
    Base.metadata,
    Column("group_id", ForeignKey("working_group.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institution.id", ondelete="CASCADE"), primary_key=True),
)


class WorkingGroup(Base):
    """An Arbeitsgruppe: the field(s) it covers, its members (institutions), a contact."""

    __tablename__ = "working_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Text, unique=True)
    contact: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(Text, default="")

    fields: Mapped[list[Field]] = relationship(secondary=working_group_field, order_by="Field.position")
    members: Mapped[list[Institution]] = relationship(
        secondary=working_group_member, order_by="Institution.name"
    )


class Dispatch(Base):
    """One export sent out (a return workbook, a full export, a workshop copy) with its base values."""

    __tablename__ = "dispatch"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(20), default="workbook")  # workbook, copy
    scope: Mapped[str] = mapped_column(Text, default="all")  # all, field:N, group:NAME, institution:NAME
    scope_label: Mapped[str] = mapped_column(Text, default="")
    recipient: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(Text, default="")
    due: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(Text, default="")
    returned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    returned_file: Mapped[str] = mapped_column(Text, default="")

    values: Mapped[list[DispatchValue]] = relationship(
        back_populates="dispatch", cascade="all, delete-orphan", passive_deletes=True
    )


class DispatchValue(Base):
    """The base: the value of one exported cell when it was sent."""

    __tablename__ = "dispatch_value"
    __table_args__ = (Index("ix_dispatch_value_dispatch", "dispatch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatch.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # field, goal, measure
    item_uid: Mapped[str] = mapped_column(String(32))
    attribute: Mapped[str] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(Text, nullable=True)

    dispatch: Mapped[Dispatch] = relationship(back_populates="values")


class ValueSource(Base):
    """Where a value an import changed came from (file, dispatch, group): the provenance in the history."""

    __tablename__ = "value_source"
    __table_args__ = (Index("ix_value_source_item", "item_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(10))
    item_uid: Mapped[str] = mapped_column(String(32))
    attribute: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_file: Mapped[str] = mapped_column(Text, default="")
    dispatch_uid: Mapped[str | None] = mapped_column(String(32), nullable=True)
    group_name: Mapped[str] = mapped_column(Text, default="")
