"""Primary keys handed out before the rows are written (``BulkInserter`` with explicit ids)."""

from __future__ import annotations

from django.db import connection, models


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """``n`` primary keys for rows this transaction inserts with ``BulkInserter``.

    PostgreSQL hands them out from the table's own sequence, so concurrent writers never
    collide. SQLite runs every transaction ``BEGIN IMMEDIATE`` (settings): once inside it,
    no one else can insert until we commit, so the numbers after both the largest id and
    the AUTOINCREMENT high-water mark (never reusing a deleted row's id) are ours."""
    if n <= 0:
        return []
    table = model._meta.db_table
    pk = str(model._meta.pk.column)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, n],
            )
            return sorted(r[0] for r in cur.fetchall())
        # Identifiers come from the model and are quoted; there are no values to inject.
        qn = connection.ops.quote_name
        cur.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")  # noqa: S608
        top = cur.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cur.fetchone()
            top = max(top, seq[0] if seq else 0)
    return list(range(top + 1, top + 1 + n))
