"""Importing persons and households from a spreadsheet, in the background.

``start_import`` checks the file's columns at once (a file that is not a spreadsheet, or
lacks columns, is refused on upload) and queues ``run_import``. The run checks every row,
matches document numbers already registered (or repeated in the sheet) to one person, and
writes in one transaction: in all-or-nothing mode a single bad row means nothing is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.areas.selectors import areas_for
from fangkong.core import audit
from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.core.models import TimelineEvent
from fangkong.core.permissions import require
from fangkong.core.pii import blind_index
from fangkong.people import sheet
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Household, ImportJob, ImportRowError, KeyCategory, Person
from fangkong.people.services.persons import pinyin_initials

log = logging.getLogger("fangkong.people.import")
MAX_BYTES = 50 * 1024 * 1024
PROGRESS_EVERY = 1000
CHUNK = 900  # parameters per IN (...) list: safe on every SQLite build


@dataclass
class Context:
    areas: dict[str, int]
    categories: dict[str, int]


def start_import(*, by: Any, filename: str, content: bytes, mode: str) -> ImportJob:
    """Check the file's shape and queue its import; SheetError when it cannot be read."""
    require(by, "person.import")
    if mode not in ImportJob.Mode.values:
        raise ValidationFailed(_("Choose all-or-nothing or good rows only."), field="mode")
    if len(content) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 50 MB."), field="file")
    wb, _rows, _columns = sheet.open_sheet(content)
    wb.close()
    with transaction.atomic():
        job = ImportJob.objects.create(
            filename=(filename or "import.xlsx")[:200],
            content=content,
            mode=mode,
            created_by=by,
            language=translation.get_language() or "zh-hans",
        )
        audit.record(audit.Action.IMPORT, job, by=by, detail=f"queued, mode {mode}")

        def enqueue() -> None:
            from fangkong.people.tasks import run_import_task

            run_import_task.enqueue(job.pk)

        transaction.on_commit(enqueue)
    return job


def import_jobs_for(user: Any):
    """A user sees the imports they started."""
    if not getattr(user, "is_authenticated", False):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(created_by=user).defer("content")


def get_import_job(user: Any, pk: Any) -> ImportJob:
    job = import_jobs_for(user).filter(pk=pk).first()
    if job is None:
        raise NotFound(_("No such import."))
    return job


def _context(user: Any) -> Context:
    areas = dict(areas_for(user).values_list("code", "pk"))
    categories: dict[str, int] = {}
    for pk, code, name in KeyCategory.objects.filter(active=True).values_list("pk", "code", "name"):
        categories[code] = categories[code.lower()] = categories[name] = pk
    return Context(areas=areas, categories=categories)


def _progress(job: ImportJob, **fields: Any) -> None:
    for k, v in fields.items():
        setattr(job, k, v)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def run_import(job_id: int) -> ImportJob:
    """Check and write one import job (called by the background task)."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.finished:
        return job
    with translation.override(job.language):
        try:
            _run(job)
        except sheet.SheetError as exc:
            _progress(
                job,
                status=ImportJob.Status.REJECTED,
                message=str(exc.message)[:500],
                finished_at=timezone.now(),
            )
        except Exception:
            log.exception("import failed", extra={"job": job.pk})
            _progress(
                job,
                status=ImportJob.Status.FAILED,
                message=_("The import failed unexpectedly; nothing was written."),
                finished_at=timezone.now(),
            )
            raise
    return job


def _run(job: ImportJob) -> None:
    by = job.created_by
    _progress(job, status=ImportJob.Status.VALIDATING, started_at=timezone.now())
    wb, rows_iter, columns = sheet.open_sheet(bytes(job.content))
    all_rows = [r for r in rows_iter if any(c not in (None, "") for c in r)]
    wb.close()
    if len(all_rows) > sheet.MAX_ROWS:
        raise sheet.SheetError(
            _("At most %(n)d rows in one import.") % {"n": sheet.MAX_ROWS}, field="file"
        )
    _progress(job, total_rows=len(all_rows))
    ctx = _context(by)
    good: list[sheet.Row] = []
    errors: list[ImportRowError] = []
    bad_rows = 0
    for i, cells in enumerate(all_rows):
        row = sheet.read_row(i + 2, cells, columns, ctx)
        if row.errors:
            bad_rows += 1
            errors.extend(
                ImportRowError(job=job, row=row.number, field=f[:40], message=m[:300])
                for f, m in row.errors
            )
        else:
            good.append(row)
        if (i + 1) % PROGRESS_EVERY == 0:
            _progress(job, processed_rows=i + 1)
    ImportRowError.objects.bulk_create(errors, batch_size=2000)
    _progress(job, processed_rows=len(all_rows), error_count=bad_rows)
    if bad_rows and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        _progress(
            job,
            status=ImportJob.Status.REJECTED,
            message=_("%(n)d rows are not valid; nothing was imported.") % {"n": bad_rows},
            finished_at=timezone.now(),
        )
        return
    _progress(job, status=ImportJob.Status.WRITING)
    with transaction.atomic():
        counts = _write(job, by, good)
    _progress(
        job,
        status=ImportJob.Status.DONE,
        finished_at=timezone.now(),
        message=_(
            "%(c)d persons added, %(m)d matched to persons already registered, %(b)d bad rows."
        )
        % {"c": counts["created"], "m": counts["matched"], "b": bad_rows},
        created_count=counts["created"],
        matched_count=counts["matched"],
        households_created=counts["households"],
    )


def _existing_by_index(indexes: list[str]) -> dict[str, tuple[int, int]]:
    """Blind index -> (person id, area id) of active persons already registered."""
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(indexes), CHUNK):
        chunk = indexes[start : start + CHUNK]
        for pk, idx, area_id in (
            Person.objects.filter(id_number_index__in=chunk, status=PersonStatus.ACTIVE)
            .order_by("-pk")
            .values_list("pk", "id_number_index", "area_id")
        ):
            found[idx] = (pk, area_id)
    return found


def _households(job: ImportJob, by: Any, rows: list[sheet.Row]) -> tuple[dict, list[Household]]:
    keys = {(r.area_id, r.address, r.floor) for r in rows if r.address}
    by_key: dict[tuple, int] = {}
    area_ids = sorted({k[0] for k in keys})
    for start in range(0, len(area_ids), CHUNK):
        for pk, area_id, address, floor in Household.objects.filter(
            area_id__in=area_ids[start : start + CHUNK]
        ).values_list("pk", "area_id", "address", "floor"):
            by_key.setdefault((area_id, address, floor), pk)
    new = [
        Household(area_id=a, address=addr, floor=fl, created_by=by)
        for (a, addr, fl) in sorted(keys - by_key.keys(), key=str)
    ]
    Household.objects.bulk_create(new, batch_size=2000)
    for h in new:
        by_key[(h.area_id, h.address, h.floor)] = h.pk
    return by_key, new


def _write(job: ImportJob, by: Any, rows: list[sheet.Row]) -> dict[str, int]:
    for r in rows:
        r.person["_index"] = blind_index(r.person["id_number"]) if r.person["id_number"] else ""
    existing = _existing_by_index(sorted({r.person["_index"] for r in rows if r.person["_index"]}))
    visible_areas = set(areas_for(by).values_list("pk", flat=True))
    first_of: dict[str, sheet.Row] = {}
    new_rows: list[sheet.Row] = []
    matched: list[tuple[sheet.Row, int | None]] = []  # (row, existing person id or None)
    for r in rows:
        idx = r.person["_index"]
        if idx and idx in existing:
            matched.append((r, existing[idx][0] if existing[idx][1] in visible_areas else None))
        elif idx and idx in first_of:
            matched.append((r, None))  # repeated within the sheet: the first row's person
            first_of[idx].category_ids.extend(
                c for c in r.category_ids if c not in first_of[idx].category_ids
            )
        else:
            if idx:
                first_of[idx] = r
            new_rows.append(r)
    households, new_households = _households(job, by, new_rows)
    persons = []
    for r in new_rows:
        values = {k: v for k, v in r.person.items() if k != "_index"}
        persons.append(
            Person(
                area_id=r.area_id,
                household_id=households.get((r.area_id, r.address, r.floor)) if r.address else None,
                name_initials=pinyin_initials(values["name"]),
                created_by=by,
                **values,
            )
        )
    Person.objects.bulk_create(persons, batch_size=2000)
    Through = Person.categories.through
    links = [
        Through(person_id=p.pk, keycategory_id=c)
        for p, r in zip(persons, new_rows, strict=True)
        for c in r.category_ids
    ]
    links += [
        Through(person_id=pid, keycategory_id=c)
        for r, pid in matched
        if pid
        for c in r.category_ids
    ]
    Through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
    detail = f"import job {job.pk} ({job.filename})"
    audit.record_many_created(new_households, by=by, detail=detail)
    audit.record_many_created(persons, by=by, detail=detail)
    now = timezone.now()
    summary = _("Registered by import of %(f)s") % {"f": job.filename}
    TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                at=now,
                subject_type="people.person",
                subject_id=p.pk,
                kind="registered",
                summary=summary[:300],
                data={"import_job": job.pk},
                actor=by,
                area_id=p.area_id,
            )
            for p in persons
        ],
        batch_size=2000,
    )
    audit.record(
        audit.Action.IMPORT,
        job,
        by=by,
        detail=f"{len(persons)} created, {len(matched)} matched, {len(new_households)} households",
    )
    return {"created": len(persons), "matched": len(matched), "households": len(new_households)}
