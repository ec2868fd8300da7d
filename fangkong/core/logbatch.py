"""Change-log rows and timeline events collected during a service and written in one insert
each: the rows are exactly what ``audit.record`` and ``record_event`` write one by one.

A service that calls another (check-in starting an episode, release completing phases)
passes its own ``LogBatch`` down, so all the rows of one transaction go in two inserts.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.sql import InsertQuery

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db import statements
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.core.timeline import build_event


class LogBatch:
    """Unsaved audit rows and timeline events, in the order they were recorded."""

    def __init__(self) -> None:
        self.audits: list[AuditLog] = []
        self.events: list[TimelineEvent] = []

    def audit(self, action: str, obj: models.Model, *, by: Actor | None, **kwargs: Any) -> AuditLog:
        row = audit.build(action, obj, by=by, **kwargs)
        self.audits.append(row)
        return row

    def event(
        self, subject: models.Model | tuple[str, int], kind: str, summary: str = "", **kw: Any
    ) -> TimelineEvent:
        row = build_event(subject, kind, summary, **kw)
        self.events.append(row)
        return row

    def write(self, *, using: str = DEFAULT_DB_ALIAS) -> None:
        """Insert what was collected and start empty again. On PostgreSQL the audit rows and
        the events go in one statement (``WITH _audit AS (INSERT ...) INSERT ...``): one
        round trip instead of two on the check-in and release hot paths."""
        conn = connections[using]
        audits, events = self.audits, self.events
        if (
            conn.vendor != "postgresql"
            or not audits
            or not events
            or max(len(audits), len(events)) > 500
            or any(o._is_pk_set() for o in (*audits, *events))  # type: ignore[attr-defined]
        ):
            self.write_separately(using=using)
            return
        built = []
        for objs in (audits, events):
            model = type(objs[0])
            model._default_manager.using(using)._prepare_for_bulk_create(objs)  # type: ignore[union-attr]
            fields = [
                f
                for f in model._meta.concrete_fields
                if not f.generated and not isinstance(f, models.AutoField)
            ]
            query = InsertQuery(model)
            query.insert_values(fields, objs)  # type: ignore[arg-type]
            ((sql, params),) = query.get_compiler(using=using).as_sql()
            built.append((sql, list(params)))
        (a_sql, a_params), (e_sql, e_params) = built
        statements.execute(f"WITH _audit AS ({a_sql}) {e_sql}", [*a_params, *e_params], using=using)
        for obj in (*audits, *events):
            obj._state.adding = False
            obj._state.db = using
        self.audits, self.events = [], []

    def write_separately(self, *, using: str = DEFAULT_DB_ALIAS) -> None:
        """One bulk insert per table (every database)."""
        if self.audits:
            AuditLog.objects.using(using).bulk_create(self.audits, batch_size=500)
        if self.events:
            TimelineEvent.objects.using(using).bulk_create(self.events, batch_size=500)
        self.audits, self.events = [], []
