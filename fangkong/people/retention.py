"""Retention: the personal data of people who left control more than the retention period
ago (``FANGKONG_RETENTION_DAYS``) is taken out of everywhere it lives, in batches.

For each person: the person's row is anonymised (name, document number, phone, notes and
their indexes emptied, the birth date cut to the year), and the name, numbers and birth
date are scrubbed from every text that may quote them: the free-text and JSON fields of
every row that points at the person (episodes, stays, tubes, retest tasks, case candidates,
...) and of the rows pointing at those (phases, notifications of the person's tubes, ...),
and the timeline events and change-log rows about any of them, the person's rooms and tubes
included. The relations are found from the models, so a new model pointing at a person is
covered without a change here. Every row stays: counts by area, day, category, sex and
birth year are what they were.

Then, once per run: import files still stored past the period are deleted, and finished
background-task results older than the period (their error texts may quote anyone) too.
A person under control again is never purged. Running it again purges nothing more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import TruncYear
from django.utils import timezone

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db import chunks
from fangkong.core.models import AuditLog, ImportJobBase
from fangkong.core.redact import (
    Scrubber,
    person_values,
    scrub_logs,
    scrub_rows,
    text_fields,
    values_of_keys,
)
from fangkong.people import duplicates, fragments
from fangkong.people.models import Person
from fangkong.people.services.control_state import under_control

PURGED_NAME = "（已清除）"
BATCH = 500
# Rows a person's rows point at whose own timeline and change log may name the person (a
# room's "checked in", a tube's follow-up): they are scrubbed, and the rows pointing at them.
HUBS = {"sites.room", "testing.tube"}
# In the person's own change-log snapshots these values go whole, whatever they were then.
PERSONAL_KEYS = frozenset({"name", "name_initials", "id_number", "phone", "notes", "birth_date"})


def _due(cutoff: dt.datetime) -> Any:
    return (
        Person._base_manager.filter(left_control_at__lt=cutoff, purged_at__isnull=True)
        .exclude(under_control())
        .order_by("pk")
    )


def _with_merged(ids: list[int]) -> list[int]:
    """``ids`` and the records merged into them (the same persons' other records)."""
    found, frontier = set(ids), list(ids)
    while frontier:
        more = set(
            Person._base_manager.filter(merged_into__in=frontier).values_list("pk", flat=True)
        )
        frontier = sorted(more - found)
        found |= more
    return sorted(found)


def _pointing_at(targets: dict[type[models.Model], set[Any]]) -> dict[type[models.Model], set]:
    """Rows of every model with a foreign key to one of ``targets`` (model -> pks)."""
    found: dict[type[models.Model], set[Any]] = {}
    for model in apps.get_models():
        if model is Person:
            continue
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            pks = targets.get(target) if isinstance(target, type) else None
            if not pks:
                continue
            rows = found.setdefault(model, set())
            for part in chunks(sorted(pks)):
                rows.update(
                    model._base_manager.filter(**{f"{field.name}__in": part}).values_list(
                        "pk", flat=True
                    )
                )
    return {m: pks for m, pks in found.items() if pks}


def _hubs_of(rows: dict[type[models.Model], set[Any]]) -> dict[type[models.Model], set[Any]]:
    """The rooms and tubes ``rows`` point at."""
    hubs: dict[type[models.Model], set[Any]] = {}
    for model, pks in rows.items():
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if not isinstance(target, type) or target._meta.label_lower not in HUBS:
                continue
            for part in chunks(sorted(pks)):
                hubs.setdefault(target, set()).update(
                    v
                    for v in model._base_manager.filter(pk__in=part).values_list(
                        field.attname, flat=True
                    )
                    if v is not None
                )
    return hubs


def _purge_batch(ids: list[int], *, now: dt.datetime) -> int:
    ids = _with_merged(ids)
    fragments.forget(ids)  # the search index holds pieces of the names: dropped, not scrubbed
    values: list[str] = []
    for p in Person._base_manager.filter(pk__in=ids).only(
        "name", "id_number", "phone", "birth_date"
    ):
        values += person_values(p.name, p.id_number, p.phone)
        if p.birth_date:  # beside a masked number it rebuilds the number
            values.append(p.birth_date.isoformat())
    # names the person had before an edit are in the snapshots of their own change log
    for before, after in AuditLog._base_manager.filter(
        object_type="people.person", object_id__in=[str(i) for i in ids]
    ).values_list("before", "after"):
        values += values_of_keys([before, after], frozenset({"name"}))
    scrubber = Scrubber(values)
    first = _pointing_at({Person: set(ids)})
    hubs = _hubs_of(first)
    second = _pointing_at({**first, **hubs})
    rows: dict[type[models.Model], set[Any]] = {}
    for found in (first, second):
        for model, pks in found.items():
            rows.setdefault(model, set()).update(pks)
    for model, pks in rows.items():
        if model._meta.label_lower in ("core.auditlog", "core.timelineevent"):
            continue  # scrubbed below, by the objects they are about
        scrub_rows(model, pks, scrubber, text_fields(model))
    scrub_logs({"people.person": set(ids)}, Scrubber(values, keys=PERSONAL_KEYS))
    subjects: dict[str, set[Any]] = {}
    for model, pks in (*rows.items(), *hubs.items()):
        subjects.setdefault(model._meta.label_lower, set()).update(pks)
    scrub_logs(subjects, scrubber)
    return Person._base_manager.filter(pk__in=ids).update(
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


def _sweep(cutoff: dt.datetime) -> None:
    """What is kept for a while whoever it concerns: import files never collected (a job
    that never ran), finished background-task results (error texts quote values)."""
    for model in apps.get_models():
        if issubclass(model, ImportJobBase):
            model._base_manager.filter(created_at__lt=cutoff).exclude(content=b"").update(
                content=b""
            )
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(finished_at__lt=cutoff).delete()


def purge_expired(
    *,
    by: Actor | None = None,
    now: dt.datetime | None = None,
    days: int | None = None,
    batch: int = BATCH,
) -> int:
    """Purge the persons who left control more than the retention period ago, ``batch`` at
    a time (one transaction each); returns how many were purged. The change log gets one
    row for the run, with the count only."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days if days is not None else settings.FANGKONG_RETENTION_DAYS)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(_due(cutoff).select_for_update().values_list("pk", flat=True)[:batch])
            if not ids:
                break
            _purge_batch(ids, now=now)
            duplicates.refresh(ids)  # purged records match no one
            fragments.refresh(ids)  # found by the placeholder name only, as any other
            total += len(ids)
    with transaction.atomic():
        _sweep(cutoff)
        audit.record(
            audit.Action.PURGE,
            by=by,
            object_type="people.person",
            detail=f"{total} persons anonymised (left control before {cutoff:%Y-%m-%d})",
        )
    return total
