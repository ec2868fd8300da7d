"""Importing persons and households from a spreadsheet, in the background.

``start_import`` checks the file's columns at once (a file that is not a spreadsheet, or
lacks columns, is refused on upload) and queues ``run_import``. The run checks every row,
matches document numbers already registered (or repeated in the sheet) to one person, and
writes in one transaction: in all-or-nothing mode a single bad row means nothing is written.

Writing is bulk work (50,000 rows in well under a minute, ``bench/bench_people.py``):
persons, households and their timeline events go in through ``BulkInserter`` with primary
keys reserved up front, and the change log gets one row per import listing the counts and
the ids written (ids only: the values are in the rows themselves) instead of one per person.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.selectors import areas_for
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db.bulk import BulkInserter
from fangkong.core.db.ids import reserve_ids
from fangkong.core.errors import ValidationFailed
from fangkong.core.models import TimelineEvent
from fangkong.core.permissions import require
from fangkong.core.pii import blind_index
from fangkong.core.scoping import get_visible_or_404
from fangkong.core.services.imports import queue_import_job, refuse_bad_rows, run_import_job
from fangkong.people import sheet
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Household, ImportJob, ImportRowError, KeyCategory, Person
from fangkong.people.services.persons import RECONCILE, persons_written, pinyin_initials

log = logging.getLogger("fangkong.people.import")
MAX_BYTES = 50 * 1024 * 1024
PROGRESS_EVERY = 1000
CHUNK = 900  # parameters per IN (...) list: safe on every SQLite build


@dataclass
class Context:
    areas: dict[str, int]
    categories: dict[str, int]


def start_import(*, by: Actor, filename: str, content: bytes, mode: str) -> ImportJob:
    """Check the file's shape and queue its import; SheetError when it cannot be read."""
    require(by, "person.import")
    if mode not in ImportJob.Mode.values:
        raise ValidationFailed(_("Choose all-or-nothing or good rows only."), field="mode")
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // (1024 * 1024)}, field="file"
        )
    sheet.open_sheet(content).close()  # reads the header row only
    from fangkong.people.tasks import run_import_task

    return queue_import_job(
        ImportJob,
        run_import_task,
        by=by,
        detail=f"queued, mode {mode}",
        filename=(filename or "import.xlsx")[:200],
        content=content,
        mode=mode,
    )


def import_jobs_for(user: Actor):
    """A user sees the imports they started."""
    return ImportJob.objects.visible_to(user).defer("content")


def get_import_job(user: Actor, pk: Any) -> ImportJob:
    return get_visible_or_404(import_jobs_for(user), user, pk=pk)


def _context(user: Actor) -> Context:
    areas = dict(areas_for(user).values_list("code", "pk"))
    categories: dict[str, int] = {}
    for pk, code, name in KeyCategory.objects.filter(active=True).values_list("pk", "code", "name"):
        categories[code] = categories[code.lower()] = categories[name] = pk
    return Context(areas=areas, categories=categories)


def run_import(job_id: int) -> ImportJob:
    """Check and write one import job (called by the background task)."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    return run_import_job(job, _run, refused=sheet.SheetError, log=log)


def _run(job: ImportJob) -> None:
    by = job.created_by
    assert by is not None  # set by start_import; accounts are deactivated, not deleted
    job.set_progress(status=ImportJob.Status.VALIDATING, started_at=timezone.now())
    with sheet.open_sheet(bytes(job.content)) as book:
        columns = book.columns
        all_rows = []
        for item in sheet.data_rows(book):
            all_rows.append(item)
            if len(all_rows) > sheet.MAX_ROWS:
                raise sheet.SheetError(
                    _("At most %(n)d rows in one import.") % {"n": sheet.MAX_ROWS}, field="file"
                )
    job.set_progress(total_rows=len(all_rows))
    ctx = _context(by)
    good: list[sheet.Row] = []
    bad: list[tuple[int, list[tuple[str, str]]]] = []
    for i, (number, cells) in enumerate(all_rows):
        row = sheet.read_row(number, cells, columns, ctx)
        if row.errors:
            bad.append((row.number, row.errors))
        else:
            good.append(row)
        if (i + 1) % PROGRESS_EVERY == 0:
            job.set_progress(processed_rows=i + 1)
    all_or_nothing = job.mode == ImportJob.Mode.ALL_OR_NOTHING
    if refuse_bad_rows(
        job, ImportRowError, bad, total=len(all_rows), all_or_nothing=all_or_nothing
    ):
        return
    bad_rows = len(bad)
    job.set_progress(status=ImportJob.Status.WRITING)
    with transaction.atomic():
        counts = _write(job, by, good, bad_rows)
    job.set_progress(
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


def _existing_by_index(indexes: list[str], by: Actor) -> tuple[dict[str, int], int]:
    """Blind index -> person id of the active persons already registered in ``by``'s areas;
    and how many of the other numbers are held outside them (those rows are registered as
    new, never reported as matched, and wait for the county to reconcile)."""
    found: dict[str, int] = {}
    elsewhere: set[str] = set()
    for start in range(0, len(indexes), CHUNK):
        chunk = indexes[start : start + CHUNK]
        rows = (
            Person.objects.filter(id_number_index__in=chunk, status=PersonStatus.ACTIVE)
            .order_by("-pk")
            .values_list("pk", "id_number_index")
        )
        visible = set(
            Person.objects.visible_to(by)
            .filter(id_number_index__in=chunk)
            .values_list("pk", flat=True)
        )
        for pk, idx in rows:
            if pk in visible:
                found[idx] = pk
            else:
                elsewhere.add(idx)
    return found, len(elsewhere - found.keys())


def _households(by: Actor, rows: list[sheet.Row]) -> tuple[dict, list[int]]:
    """(area, address, floor) -> household id, creating the missing ones; and the new ids."""
    keys = {(r.area_id, r.address, r.floor) for r in rows if r.address}
    by_key: dict[tuple, int] = {}
    area_ids = sorted({k[0] for k in keys if k[0] is not None})
    for start in range(0, len(area_ids), CHUNK):
        for pk, area_id, address, floor in Household.objects.filter(
            area_id__in=area_ids[start : start + CHUNK]
        ).values_list("pk", "area_id", "address", "floor"):
            by_key.setdefault((area_id, address, floor), pk)
    missing = sorted(keys - by_key.keys(), key=str)
    ids = reserve_ids(Household, len(missing))
    by_key.update(zip(missing, ids, strict=True))
    BulkInserter(Household, ["id", "area_id", "address", "floor", "created_by_id"]).insert(
        (pk, a, addr, fl, getattr(by, "pk", None))
        for pk, (a, addr, fl) in zip(ids, missing, strict=True)
    )
    return by_key, ids


PERSON_COLUMNS = [
    "id",
    "area_id",
    "household_id",
    "name",
    "name_initials",
    "doc_type",
    "id_number",
    "id_number_index",
    "sex",
    "birth_date",
    "phone",
    "notes",
    "created_by_id",
]


def _write(job: ImportJob, by: Actor, rows: list[sheet.Row], bad_rows: int) -> dict[str, int]:
    """Insert the new persons, households, category links and timeline events in bulk
    (``BulkInserter``: values prepared once per column, not per field per object)."""
    indexes = {}
    for r in rows:
        number = r.person["id_number"]
        if number and number not in indexes:
            indexes[number] = blind_index(number)
    existing, to_reconcile = _existing_by_index(sorted(set(indexes.values())), by)
    first_of: dict[str, sheet.Row] = {}
    new_rows: list[sheet.Row] = []
    matched: list[tuple[sheet.Row, int | None]] = []  # (row, existing person id or None)
    for r in rows:
        idx = indexes.get(r.person["id_number"], "")
        if idx and idx in existing:
            matched.append((r, existing[idx]))
        elif idx and idx in first_of:
            matched.append((r, None))  # repeated within the sheet: the first row's person
            first_of[idx].category_ids.extend(
                c for c in r.category_ids if c not in first_of[idx].category_ids
            )
        else:
            if idx:
                first_of[idx] = r
            new_rows.append(r)
    households, household_ids = _households(by, new_rows)
    person_ids = reserve_ids(Person, len(new_rows))
    initials: dict[str, str] = {}  # names repeat: pypinyin once per distinct name
    by_id = getattr(by, "pk", None)
    values = []
    for pk, r in zip(person_ids, new_rows, strict=True):
        p = r.person
        name = p["name"]
        if name not in initials:
            initials[name] = pinyin_initials(name)
        values.append(
            (
                pk,
                r.area_id,
                households.get((r.area_id, r.address, r.floor)) if r.address else None,
                name,
                initials[name],
                p["doc_type"],
                p["id_number"],
                indexes.get(p["id_number"], ""),
                p["sex"],
                p["birth_date"],
                p["phone"],
                p["notes"],
                by_id,
            )
        )
    BulkInserter(Person, PERSON_COLUMNS).insert(values)
    Through = Person.categories.through
    links = [
        Through(person_id=pk, keycategory_id=c)
        for pk, r in zip(person_ids, new_rows, strict=True)
        for c in r.category_ids
    ]
    links += [
        Through(person_id=pid, keycategory_id=c)
        for r, pid in matched
        if pid
        for c in r.category_ids
    ]
    Through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
    persons_written(person_ids)
    # One "registered" event per new person: the person's page says where it came from.
    now = timezone.now()
    summary = (_("Registered by import of %(f)s") % {"f": job.filename})[:300]
    data = json.dumps({"import_job": job.pk})
    actor = by_id if getattr(by, "is_authenticated", False) else None
    BulkInserter(
        TimelineEvent,
        ["at", "subject_type", "subject_id", "kind", "summary", "data", "actor_id", "area_id"],
    ).insert(
        (now, "people.person", pk, "registered", summary, data, actor, r.area_id)
        for pk, r in zip(person_ids, new_rows, strict=True)
    )
    # One audit row for the whole import: the counts and the ids written (ids only, no
    # personal data; each person's values are in the database and the job's file).
    matched_ids = sorted({pid for _r, pid in matched if pid})
    audit.record(
        audit.Action.IMPORT,
        job,
        by=by,
        detail=(
            f"{len(new_rows)} created, {len(matched)} matched, {len(household_ids)} households"
            + (f", {to_reconcile} {RECONCILE}" if to_reconcile else "")
        ),
        after={
            "mode": job.mode,
            "to_reconcile": to_reconcile,
            "created": len(new_rows),
            "matched": len(matched),
            "households_created": len(household_ids),
            "bad_rows": bad_rows,
            "person_ids": person_ids,
            "household_ids": household_ids,
            "matched_person_ids": matched_ids,
        },
    )
    return {"created": len(new_rows), "matched": len(matched), "households": len(household_ids)}
