"""SQLAlchemy ORM classes of a KIK document; no Qt here."""

from kik_desktop.models.base import Base
from kik_desktop.models.cycle import (
    Dispatch,
    DispatchValue,
    ValueSource,
    WorkingGroup,
    working_group_field,
    working_group_member,
)
from kik_desktop.models.edition import ItemOrigin
from kik_desktop.models.indicators import (
    Indicator,
    IndicatorValue,
    Snapshot,
    SnapshotIndicator,
    SnapshotMeasure,
)
from kik_desktop.models.plan import ChangeLogEntry, Field, Goal, Measure, StatusChange, measure_task
from kik_desktop.models.registry import (
    CrossCuttingTask,
    DocumentProperty,
    FundingSource,
    Institution,
    Status,
    SteeringMember,
)

__all__ = [
    "Base",
    "ChangeLogEntry",
    "CrossCuttingTask",
    "Dispatch",
    "DispatchValue",
    "DocumentProperty",
    "Field",
    "FundingSource",
    "Goal",
    "Indicator",
    "IndicatorValue",
    "Institution",
    "ItemOrigin",
    "Measure",
    "Snapshot",
    "SnapshotIndicator",
    "SnapshotMeasure",
    "Status",
    "StatusChange",
    "SteeringMember",
    "ValueSource",
    "WorkingGroup",
    "measure_task",
    "working_group_field",
    "working_group_member",
]
