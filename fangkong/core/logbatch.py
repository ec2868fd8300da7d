"""Change-log rows and timeline events collected during a service and written in one insert
each: the rows are exactly what ``audit.record`` and ``record_event`` write one by one.

A service that calls another (check-in starting an episode, release completing phases)
passes its own ``LogBatch`` down, so all the rows of one transaction go in two inserts.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from fangkong.core import audit
from fangkong.core.models import AuditLog, TimelineEvent
from fangkong.core.timeline import build_event


class LogBatch:
    """Unsaved audit rows and timeline events, in the order they were recorded."""

    def __init__(self) -> None:
        self.audits: list[AuditLog] = []
        self.events: list[TimelineEvent] = []

    def audit(self, action: str, obj: models.Model, *, by: Any, **kwargs: Any) -> AuditLog:
        row = audit.build(action, obj, by=by, **kwargs)
        self.audits.append(row)
        return row

    def event(
        self, subject: models.Model | tuple[str, int], kind: str, summary: str = "", **kw: Any
    ) -> TimelineEvent:
        row = build_event(subject, kind, summary, **kw)
        self.events.append(row)
        return row

    def write(self) -> None:
        """Insert what was collected (one insert per table) and start empty again."""
        if self.audits:
            AuditLog.objects.bulk_create(self.audits, batch_size=500)
        if self.events:
            TimelineEvent.objects.bulk_create(self.events, batch_size=500)
        self.audits, self.events = [], []
