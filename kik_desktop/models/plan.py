"""The plan itself: fields of action, their goals and the goals' measures."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kik_desktop.models.base import Base
from kik_desktop.models.registry import CrossCuttingTask


def new_uid() -> str:
    return uuid.uuid4().hex


measure_task = Table(
    "measure_task",
    Base.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", ForeignKey("cross_cutting_task.id", ondelete="CASCADE"), primary_key=True),
)


class Field(Base):
    """A field of action (Handlungsfeld)."""

    __tablename__ = "field"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    adopted_goals: Mapped[int | None] = mapped_column(Integer, nullable=True)
    adopted_measures: Mapped[int | None] = mapped_column(Integer, nullable=True)
    working_group: Mapped[str] = mapped_column(Text, default="")
    actors: Mapped[str] = mapped_column(Text, default="")
    # Optimistic locking (team database): every ORM update checks and bumps it (migration 0007_team).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    goals: Mapped[list[Goal]] = relationship(
        back_populates="field", order_by="Goal.position", cascade="all, delete-orphan"
    )


class Goal(Base):
    """A goal (Ziel) of a field, with the indicator still to be developed (column 2)."""

    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    field_id: Mapped[int] = mapped_column(ForeignKey("field.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    indicator: Mapped[str] = mapped_column(Text, default="")
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optimistic locking (team database): every ORM update checks and bumps it (migration 0007_team).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    field: Mapped[Field] = relationship(back_populates="goals")
    measures: Mapped[list[Measure]] = relationship(
        back_populates="goal", order_by="Measure.position", cascade="all, delete-orphan"
    )


class Measure(Base):
    """A measure (Maßnahme): one row of the implementation table."""

    __tablename__ = "measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    target_group: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str] = mapped_column(Text, default="")
    actors: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[str] = mapped_column(Text, default="")
    end: Mapped[str] = mapped_column(Text, default="")
    success_indicator: Mapped[str] = mapped_column(Text, default="")
    status_key: Mapped[str | None] = mapped_column(
        ForeignKey("status.key", ondelete="SET NULL"), nullable=True
    )
    priority: Mapped[int | None] = mapped_column(Integer, nullable=True)
    funding: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Optimistic locking (team database): every ORM update checks and bumps it (migration 0007_team).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    goal: Mapped[Goal] = relationship(back_populates="measures")
    tasks: Mapped[list[CrossCuttingTask]] = relationship(
        secondary=measure_task, order_by="CrossCuttingTask.position"
    )


class StatusChange(Base):
    """One recorded status change of a measure (the status history)."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    old_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    new_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Who made the change (login name or the name in the settings); "" for changes before 0007_team.
    changed_by: Mapped[str] = mapped_column(Text, default="", server_default="")


class ChangeLogEntry(Base):
    """One changed item of one transaction, numbered by revision: what other editors poll (team database)."""

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_item", "kind", "item_id"),)

    revision: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(10))
    # JSON object: the changed attributes with their new values (scalars only).
    attrs: Mapped[str] = mapped_column(Text, default="{}")
    author: Mapped[str] = mapped_column(Text, default="")
    session: Mapped[str] = mapped_column(String(32), default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime)
