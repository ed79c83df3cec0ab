"""Indicators with targets and measured values, and frozen reporting dates (Berichtsstände)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kik_desktop.models.base import Base
from kik_desktop.models.plan import new_uid


class Indicator(Base):
    """A success indicator of a goal or of a measure (exactly one of the two owns it)."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goal.id", ondelete="CASCADE"), index=True, nullable=True
    )
    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("measure.id", ondelete="CASCADE"), index=True, nullable=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(Text, default="")
    baseline_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Month/year texts in the canonical form of domain.dates ("03/2022", "2022").
    baseline_date: Mapped[str] = mapped_column(Text, default="")
    target_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    target_date: Mapped[str] = mapped_column(Text, default="")
    # "higher" (more is better) or "lower" (less is better).
    direction: Mapped[str] = mapped_column(String(10), default="higher")
    measured_by: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="indicator",
        order_by="(IndicatorValue.year, IndicatorValue.month)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class IndicatorValue(Base):
    """One measured value of an indicator for a month."""

    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("indicator_id", "year", "month", name="uq_indicator_value_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")

    indicator: Mapped[Indicator] = relationship(back_populates="values")


class Snapshot(Base):
    """A reporting date: the frozen state of every measure and indicator under a label.

    The database refuses updates of a snapshot and its rows (triggers of migration 0005); a snapshot
    can only be deleted as a whole.
    """

    __tablename__ = "snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(Text, unique=True)
    date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SnapshotMeasure(Base):
    __tablename__ = "snapshot_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshot.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    field_number: Mapped[str] = mapped_column(Text, default="")
    field_name: Mapped[str] = mapped_column(Text, default="")
    status_key: Mapped[str | None] = mapped_column(String(20), nullable=True)
    start: Mapped[str] = mapped_column(Text, default="")
    end: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str] = mapped_column(Text, default="")


class SnapshotIndicator(Base):
    __tablename__ = "snapshot_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshot.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(32))
    owner_number: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(Text, default="")
    target_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    value_date: Mapped[str] = mapped_column(Text, default="")
