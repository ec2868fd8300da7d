"""The domain timeline: typed events an operator reads on a person's or a room's page."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from fangkong.core.actors import Actor
from fangkong.core.models import TimelineEvent


def build_event(
    subject: models.Model | tuple[str, int],
    kind: str,
    summary: str = "",
    *,
    by: Actor | None = None,
    area: Any = None,
    area_id: int | None = None,
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> TimelineEvent:
    """An unsaved event. ``subject`` is a model instance or ``(label_lower, pk)``; the area is
    ``area`` / ``area_id``, else the subject's own ``area``."""
    if isinstance(subject, tuple):
        subject_type, subject_id = subject
    else:
        subject_type, subject_id = subject._meta.label_lower, subject.pk
        if area is None and area_id is None:
            area = getattr(subject, "area", None)
    event = TimelineEvent(
        at=at or timezone.now(),
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        summary=str(summary)[:300],
        data=data or {},
        actor=by if getattr(by, "is_authenticated", False) else None,
    )
    if area is not None:
        event.area = area
    elif area_id is not None:
        event.area_id = area_id
    return event


def record_event(
    subject: models.Model, kind: str, summary: str = "", **kwargs: Any
) -> TimelineEvent:
    """Write one timeline event now (see ``build_event`` for the arguments)."""
    event = build_event(subject, kind, summary, **kwargs)
    event.save()
    return event


def timeline_of(subject: models.Model, limit: int = 200):
    return (
        TimelineEvent.objects.filter(subject_type=subject._meta.label_lower, subject_id=subject.pk)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
