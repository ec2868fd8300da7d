"""The few things that differ between the databases we run on, asked in one place."""

from __future__ import annotations

from typing import Any

from django.db import connection, models


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def qn(name: str) -> str:
    """A quoted identifier."""
    return connection.ops.quote_name(name)


def table(model: type[models.Model] | Any) -> str:
    """The model's table name, quoted (for statements built from the models)."""
    return connection.ops.quote_name(model._meta.db_table)


def marks(n: int) -> str:
    """``%s, %s, ...``: ``n`` placeholders for an ``IN (...)`` list."""
    return ", ".join(["%s"] * n)


def adapt_datetime(value: Any) -> Any:
    """A datetime as this database takes it as a bound parameter."""
    return connection.ops.adapt_datetimefield_value(value)
