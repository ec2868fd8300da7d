"""The hand-written statement of the compliance sync (``core.db``; see
docs/development/fast-sql.md): the kept compliance of many workers written in one
``executemany`` instead of the ORM's ``bulk_update`` (a CASE per field and row, which
cost 13 s for 2,000 workers on SQLite; this costs milliseconds)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from fangkong.core.db import statements
from fangkong.core.db.vendor import adapt_datetime, table
from fangkong.workforce.models import Worker

Row = tuple[dt.datetime | None, str, dt.datetime | None, dt.date | None, int]


def _update_compliance() -> str:
    return statements.statement(
        "workforce.update_compliance",
        lambda: (
            f'UPDATE {table(Worker)} SET "last_sampled_at" = %s, "last_result" = %s, '  # noqa: S608
            '"last_result_at" = %s, "next_due_on" = %s WHERE "id" = %s'
        ),
    )


def update_compliance(rows: Sequence[Row]) -> int:
    """Write (last sampled at, last result, last result at, next due on, worker id) rows."""
    if not rows:
        return 0
    ops = connection.ops
    params = [
        (adapt_datetime(s), r, adapt_datetime(ra), ops.adapt_datefield_value(due), pk)
        for s, r, ra, due, pk in rows
    ]
    with connection.cursor() as cur:
        cur.executemany(_update_compliance(), params)
    return len(rows)
