"""Django's PostgreSQL backend, with batch sizes that respect the protocol's parameter
limit when parameters are bound server-side, and prepared statements only where the code
asks for them (``core.db.plans``).

Django leaves PostgreSQL's ``bulk_batch_size`` unlimited because client-side binding puts
the values into the SQL text. With ``server_side_binding`` each value is a protocol
parameter and a statement holds at most 65,535, so ``bulk_update`` of many rows, a
``bulk_create`` that cannot use UNNEST, or a ``delete()`` whose collector gathers 70,000
related ids would fail. Batches are sized here
the way Django sizes them for SQLite and Oracle.

Not covered: ``delete()`` of more than 65,535 objects that other rows point to with
SET_NULL, whose updates Django's collector merges into one statement. Nothing in the
application deletes on that scale; delete in parts if something must.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations

from fangkong.core.db import MAX_PARAMS
from fangkong.core.db.plans import PREPARED


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields: Any, objs: Any) -> int:
        if not getattr(self.connection.features, "uses_server_side_binding", False):
            return super().bulk_batch_size(fields, objs)
        fields = list(fields)
        if len(fields) >= 2 and fields[0] is fields[1] and getattr(fields[0], "primary_key", False):
            # bulk_update asks with [pk, pk, *fields]: each object binds its pk once in the
            # WHERE and a (pk, value) pair in each field's CASE
            per_row = 2 * (len(fields) - 2) + 1
        else:
            # an insert through UNNEST binds one array per column, but Django falls back to
            # one parameter per value for some columns: size for the fallback
            per_row = len(fields)
        return max(1, min(len(objs), MAX_PARAMS // max(1, per_row)))


class PreparingCursor(base.ServerBindingCursor):  # type: ignore[name-defined]
    """Server-side binding; prepared (by psycopg, after ``prepare_threshold`` runs) only
    inside ``core.db.plans.prepared()``: any other statement is planned for its values."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kw: Any):
        if prepare is None and not PREPARED.get():
            prepare = False
        return super().execute(query, params, prepare=prepare, **kw)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:  # type: ignore[attr-defined]
            params["cursor_factory"] = PreparingCursor
        return params
