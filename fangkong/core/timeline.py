"""The domain timeline: typed events an operator reads on a person's or a room's page."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from fangkong.core.models import TimelineEvent


def record_event(
    subject: models.Model,
    kind: str,
    summary: str = "",
    *,
    by: Any = None,
    area: Any = None,
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        at=at or timezone.now(),
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        kind=kind,
        summary=str(summary)[:300],
        data=data or {},
        actor=by if getattr(by, "is_authenticated", False) else None,
        area=area if area is not None else getattr(subject, "area", None),
    )


def timeline_of(subject: models.Model, limit: int = 200):
    return (
        TimelineEvent.objects.filter(subject_type=subject._meta.label_lower, subject_id=subject.pk)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
