"""The hand-written statement of the checkpoint's fast lane (``core.db``; see
docs/development/fast-sql.md): a pass by its number, one lookup on the unique index,
the statement text built once instead of a queryset compiled at every scan."""

from __future__ import annotations

from typing import Any

from fangkong.core.db import statements
from fangkong.core.db.vendor import qn, table
from fangkong.logistics.models import FreightPass

PASS_COLUMNS = ("id", "status", "valid_from", "valid_to", "plate", "goods_class", "origin",
                "destination", "reason")  # fmt: skip


def pass_by_number(number: str) -> tuple[Any, ...] | None:
    """(id, status, valid from, valid to, plate, goods class, origin, destination, reason)
    of the pass numbered ``number``; None when there is none."""
    sql = statements.statement(
        "logistics.pass_by_number",
        lambda: (
            f"SELECT {', '.join(map(qn, PASS_COLUMNS))} FROM {table(FreightPass)} "  # noqa: S608
            f"WHERE {qn('number')} = %s"
        ),
    )
    return statements.query_one(sql, [number])
