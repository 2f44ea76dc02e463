"""Column types shared by the tables.

SQLite has no time-zone aware timestamp type and PostgreSQL hands back datetimes in the
session's zone; `UTCDateTime` makes both backends store UTC and always return aware UTC
datetimes, so comparisons and arithmetic never mix naive and aware values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and returned as an aware UTC datetime.

    Naive datetimes are refused on the way in: they are almost always a bug (local time
    mistaken for UTC) and silently guessing would corrupt leaderboards' "since" windows.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: storage only accepts aware datetimes")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite stores text without an offset; everything stored there is UTC.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
