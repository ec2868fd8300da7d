"""Many rows at once: bulk inserts, insert-ignore, COPY, and long ``IN`` lists.

- ``BulkInserter(model, columns).insert(rows)``: ``bulk_create`` prepares every field of
  every object through the ORM (measured: about two thirds of the time of a full-county
  load). The inserter makes that plan once per model: columns the caller gives are passed
  through (encrypted fields encrypted, blind indexes computed from their source, dates
  adapted), every other column gets its default prepared once. Rows go in with
  ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) with explicit primary keys (from
  ``core.db.ids.reserve_ids`` where others may write the table at the same time; else
  ``next_id`` and ``reset_sequences`` afterwards, for demo loads and benchmarks).
- ``insert_many(table, columns, rows, conflict)``: rows of precomputed tuples that skip
  those whose ``conflict`` key exists (``INSERT ... ON CONFLICT DO NOTHING`` many rows a
  statement; on PostgreSQL big batches through ``COPY``), returning how many went in.
- ``select_in(sql, values)``: a SELECT with ``IN ({IN})`` over any number of values (one
  array parameter on PostgreSQL, chunks under the parameter limit elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from fangkong.core.db.limits import chunks
from fangkong.core.pii import BlindIndexField, EncryptedTextField, blind_index, encrypt

CHUNK = 5000  # values in one IN (...) list: under SQLite's 32,766 and PostgreSQL's 65,535

Converter = Callable[[Any], Any] | None


def _encrypt(value: Any) -> str:
    return encrypt(value) if value else ""


class BulkInserter:
    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        self.model = model
        self.columns = list(columns)
        ops = connection.ops
        now = timezone.now()
        plan: list[tuple[int | None, Converter, Any]] = []
        names: list[str] = []
        index = {c: i for i, c in enumerate(self.columns)}
        for f in model._meta.concrete_fields:
            i = index.get(f.name, index.get(f.attname))
            conv: Converter = None
            if i is not None:
                if isinstance(f, EncryptedTextField):
                    conv = _encrypt
                elif isinstance(f, models.DateTimeField):
                    conv = ops.adapt_datetimefield_value
                elif isinstance(f, models.DateField):
                    conv = ops.adapt_datefield_value
                plan.append((i, conv, None))
            elif isinstance(f, BlindIndexField) and f.source in index:
                plan.append((index[f.source], blind_index, None))
            elif f.primary_key:
                continue  # the database numbers the rows
            else:
                auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                value = now if auto else f.get_default()
                plan.append((None, None, f.get_db_prep_save(value, connection)))
            names.append(f.column)
        self.plan = plan
        qn = connection.ops.quote_name
        self.copy_sql = "COPY {} ({}) FROM STDIN".format(
            qn(model._meta.db_table), ", ".join(qn(n) for n in names)
        )
        # Identifiers come from the model and are quoted; values are parameters.
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            qn(model._meta.db_table),
            ", ".join(qn(n) for n in names),
            ", ".join(["%s"] * len(names)),
        )

    def prepare(self, row: Sequence[Any]) -> tuple:
        return tuple(
            (conv(row[i]) if conv else row[i]) if i is not None else const
            for i, conv, const in self.plan
        )

    def insert(self, rows: Iterable[Sequence[Any]], batch_size: int = 5000) -> int:
        if connection.vendor == "postgresql":
            return self._copy(rows)
        n = 0
        batch: list[tuple] = []
        with connection.cursor() as cur:
            for row in rows:
                batch.append(self.prepare(row))
                if len(batch) >= batch_size:
                    cur.executemany(self.sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                cur.executemany(self.sql, batch)
                n += len(batch)
        return n

    def _copy(self, rows: Iterable[Sequence[Any]]) -> int:
        """PostgreSQL: COPY is several times faster than INSERT for bulk loads."""
        n = 0
        with connection.cursor() as cur, cur.copy(self.copy_sql) as copy:
            for row in rows:
                copy.write_row(self.prepare(row))
                n += 1
        return n


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1  # type: ignore[attr-defined]


def reset_sequences(*models_: type[models.Model]) -> None:
    """After inserting explicit ids (no-op on SQLite, which follows the largest id)."""
    sql = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if sql:
        with connection.cursor() as cur:
            for statement in sql:
                cur.execute(statement)


def select_in(sql: str, values: Sequence[Any], head: Sequence[Any] = ()) -> list[tuple]:
    """Run ``sql`` over ``values`` in chunks, its ``IN ({IN})`` filled with placeholders
    (``head``: the parameters before them)."""
    out: list[tuple] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":  # one array parameter: nothing to parse
            any_sql = sql.replace("IN ({IN})", "= ANY(%s)")
            for part in chunks(values, 50_000):
                cur.execute(any_sql, [*head, list(part)])
                out.extend(cur.fetchall())
            return out
        for part in chunks(values, CHUNK):
            cur.execute(sql.replace("{IN}", ", ".join(["%s"] * len(part))), [*head, *part])
            out.extend(cur.fetchall())
    return out


def insert_ignore(table: str, columns: Sequence[str], rows: list[tuple], conflict: str,
                   returning: str = "") -> tuple[int, list[tuple]]:  # fmt: skip
    """INSERT ... ON CONFLICT (conflict) DO NOTHING, many rows a statement; returns how many
    rows went in and, with ``returning``, their returned columns."""
    if not rows:
        return 0, []
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per = max(1, min(2000, 30000 // len(columns)))  # stays under either database's limit
    tail = f" RETURNING {returning}" if returning else ""
    inserted, back = 0, []
    with connection.cursor() as cur:
        for i in range(0, len(rows), per):
            part = rows[i : i + per]
            sql = (
                f"INSERT INTO {qn(table)} ({cols}) VALUES {', '.join([one] * len(part))} "  # noqa: S608
                f"ON CONFLICT ({qn(conflict)}) DO NOTHING{tail}"
            )  # names from the model's meta, values bound
            cur.execute(sql, [v for row in part for v in row])
            if returning:
                got = cur.fetchall()
                back.extend(got)
                inserted += len(got)
            else:
                inserted += max(cur.rowcount, 0)
    return inserted, back


def copy_ignore(table: str, columns: Sequence[str], rows: list[tuple], conflict: str,
                 returning: str = "") -> tuple[int, list[tuple]]:  # fmt: skip
    """PostgreSQL: COPY the rows into a temporary table (no per-row statements, no SQL text
    to build), then one ``INSERT ... SELECT ... ON CONFLICT (conflict) DO NOTHING``; returns
    rows inserted and, with ``returning``, their returned columns."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    tmp = qn(f"fk_upload_{table}")
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {tmp} ON COMMIT DELETE ROWS "  # noqa: S608
            f"AS SELECT {cols} FROM {qn(table)} WITH NO DATA"
        )
        raw = cur.cursor  # the driver's cursor: COPY is not in the DB-API
        with raw.copy(f"COPY {tmp} ({cols}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row(row)
        tail = f" RETURNING {returning}" if returning else ""
        cur.execute(
            f"INSERT INTO {qn(table)} ({cols}) SELECT {cols} FROM {tmp} "  # noqa: S608
            f"ON CONFLICT ({qn(conflict)}) DO NOTHING{tail}"
        )
        back = cur.fetchall() if returning else []
        inserted = len(back) if returning else max(cur.rowcount, 0)
        cur.execute(f"DELETE FROM {tmp}")  # noqa: S608
    return inserted, back


def copy_new(table: str, columns: Sequence[str], rows: list[tuple]) -> bool:
    """PostgreSQL: COPY rows believed new straight into ``table``, in a savepoint. False
    (and nothing written) when one of them is there after all: a concurrent upload
    recorded it between our probe and now."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    try:
        with (
            transaction.atomic(),
            connection.cursor() as cur,
            cur.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy,  # noqa: S608
        ):
            for row in rows:
                copy.write_row(row)
    except (IntegrityError, connection.Database.IntegrityError):  # type: ignore[attr-defined]  # COPY runs on the driver
        return False
    return True


def insert_many(table: str, columns: Sequence[str], rows: list[tuple], conflict: str,
                 returning: str = "", probed: bool = False) -> tuple[int, list[tuple]]:  # fmt: skip
    """Big batches through COPY on PostgreSQL, multi-row INSERTs otherwise. ``probed``:
    the caller has checked that no row's ``conflict`` key is in the table, so on
    PostgreSQL the rows are copied straight in, and only if a concurrent writer proves
    that wrong do they take the ON CONFLICT path."""
    if connection.vendor == "postgresql" and len(rows) > 200:
        if probed and not returning and copy_new(table, columns, rows):
            return len(rows), []
        return copy_ignore(table, columns, rows, conflict, returning)
    return insert_ignore(table, columns, rows, conflict, returning)
