"""Retention: personal data of people who left control is anonymised after the period;
counts by area, sex and birth year stay intact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import TruncYear
from django.utils import timezone

from fangkong.core import audit
from fangkong.people.models import Person

PURGED_NAME = "（已清除）"


@transaction.atomic
def purge_expired(
    *, by: Any = None, now: dt.datetime | None = None, days: int | None = None
) -> int:
    """Anonymise persons who left control more than the retention period ago."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days if days is not None else settings.FANGKONG_RETENTION_DAYS)
    qs = Person._base_manager.filter(left_control_at__lt=cutoff, purged_at__isnull=True)
    n = qs.update(
        name=PURGED_NAME,
        name_initials="",
        id_number="",
        id_number_index="",
        phone="",
        phone_index="",
        notes="",
        birth_date=TruncYear("birth_date"),
        purged_at=now,
    )
    audit.record(
        audit.Action.PURGE,
        by=by,
        object_type="people.person",
        detail=f"{n} persons anonymised (left control before {cutoff:%Y-%m-%d})",
    )
    return n
