"""Fast bulk inserts for generated data (the synthetic county at 850,000 persons).

``bulk_create`` prepares every field of every object through the ORM (measured: about two
thirds of the time of a full-county load). ``BulkInserter`` makes that plan once per model:
columns the caller gives are passed through (encrypted fields encrypted, blind indexes
computed from their source, dates adapted), every other column gets its default prepared
once. Rows go in with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) and explicit primary keys, so the caller knows the ids
without reading them back; sequences are reset afterwards (PostgreSQL).

Use only where nothing else writes the same tables at the same time (demo loads, benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from fangkong.core.pii import BlindIndexField, EncryptedTextField, blind_index, encrypt

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
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    """After inserting explicit ids (no-op on SQLite, which follows the largest id)."""
    sql = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if sql:
        with connection.cursor() as cur:
            for statement in sql:
                cur.execute(statement)
