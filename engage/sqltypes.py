"""Column types shared by every domain."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL keeps the offset; SQLite drops it, so values read back are marked
    UTC again. Naive datetimes are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def str_enum(enum_cls: type[enum.Enum], name: str, length: int = 20) -> Enum:
    """A Python enum stored as its values in a VARCHAR with a named CHECK constraint
    (the same on SQLite and PostgreSQL; no native PostgreSQL enum types to migrate)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


def after_day(day: date) -> datetime | None:
    """The first moment (UTC) after ``day``, the end of a date range "up to ``day``";
    None after the last day there is (9999-12-31: the range has no end)."""
    if day >= date.max:
        return None
    return datetime.combine(day + timedelta(days=1), time(), UTC)
