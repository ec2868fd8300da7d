"""A lab's results file, recorded in the background.

``start_result_import`` checks the file's header at once (a file that is not a readable
.xlsx/.csv, or lacks the barcode or outcome column, is refused on upload) and queues
``run_result_import``. The run reads the file with ``read_result_file`` and records it with
``record_results`` part by part: each part's results, its bad rows and the job's progress
commit together, so the job's page sees the progress as it goes, and a run that stops
half-way (a crash, a retry) carries on after the last part committed instead of recording
any row twice. A positive tube starts its follow-up as it is recorded, as by hand.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import DomainError, ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.services.imports import queue_import_job
from fangkong.testing.models import Lab, ResultImportJob, ResultImportRowError
from fangkong.testing.services.lab import (
    check_result_file,
    lab_for,
    read_result_file,
    record_results,
)
from fangkong.testing.states import ResultImportMachine

log = logging.getLogger("fangkong.testing.result_import")
MAX_BYTES = 20 * 1024 * 1024  # 100,000 rows of barcode, outcome and Ct are a few MB
CHUNK_ROWS = 500  # rows a part: one transaction, one progress step, IN (...) under 900
Status = ResultImportJob.Status


def start_result_import(
    *, by: Actor, lab: Lab | None, filename: str, content: bytes
) -> ResultImportJob:
    """Check the file's shape and queue its results to be recorded for ``lab`` (the
    uploader's lab when None). A file that cannot be read is refused here, naming ``file``."""
    require(by, "testing.lab")
    lab = lab_for(by, lab)
    if lab is None:
        raise ValidationFailed(_("Which lab? You belong to none; choose one."), field="lab")
    if not content:
        raise ValidationFailed(_("The file is empty."), field="file")
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    try:
        check_result_file(content, filename or "")
    except ValidationFailed as exc:
        # the upload has one input: a missing column is the file's fault, so name the file
        raise ValidationFailed(exc.message, field="file") from None
    from fangkong.testing.tasks import run_result_import_task

    return queue_import_job(
        ResultImportJob,
        run_result_import_task,
        by=by,
        detail=f"queued for lab {lab.code}",
        lab=lab,
        filename=(filename or "")[-200:],  # the end keeps the extension the parser reads
        content=content,
    )


def run_result_import(job_id: int) -> ResultImportJob:
    """Record one results file (called by the background task). Run again after a failure,
    it carries on after the last part recorded; run again once done, it does nothing."""
    job = ResultImportJob.objects.select_related("created_by", "lab").get(pk=job_id)
    if job.status in (Status.DONE, Status.REJECTED):
        return job
    with translation.override(job.language):
        try:
            rows = _read(job)
        except DomainError as exc:
            # refused before a row is written (too many rows, the role withdrawn), or, on a
            # run carrying on after a stop, before any more is: what was recorded stands
            stopped = job.processed_rows > 0
            message = str(exc.message)
            if stopped:
                message = _(
                    "Stopped after %(n)d of %(total)d rows; the results recorded so far stand. %(why)s"
                ) % {"n": job.processed_rows, "total": job.total_rows, "why": message}
            job.set_progress(
                status=Status.FAILED if stopped else Status.REJECTED,
                message=message[:500],
                finished_at=timezone.now(),
                content=b"",  # refused, not retried: nothing will read the file again
            )
            return job
        try:
            _write(job, rows)
        except Exception:
            log.exception("results import failed", extra={"job": job.pk})
            job.refresh_from_db(fields=["processed_rows", "total_rows"])
            job.set_progress(
                status=Status.FAILED,
                message=_(
                    "The import stopped after %(n)d of %(total)d rows. The results recorded "
                    "so far stand; running it again carries on from there."
                )
                % {"n": job.processed_rows, "total": job.total_rows},
                finished_at=timezone.now(),
            )
            raise
    return job


def _read(job: ResultImportJob) -> list[dict[str, Any]]:
    require(job.created_by, "testing.lab")
    _unless_finished(
        job, status=Status.VALIDATING, started_at=job.started_at or timezone.now(), finished_at=None
    )
    if not job.content:
        raise ValidationFailed(
            _("The file was deleted when this import failed for good; upload it again."),
            field="file",
        )
    rows = read_result_file(bytes(job.content), job.filename)
    _unless_finished(job, status=Status.WRITING, total_rows=len(rows))
    return rows


def _unless_finished(job: ResultImportJob, **fields: Any) -> None:
    """Progress of a run starting, written only while the job is not done: a second run
    that starts just as the first finishes must not set a done job back to running."""
    status = fields.pop("status")
    ResultImportMachine.move(job, status)
    for k, v in fields.items():
        setattr(job, k, v)
    # the rows the table lets into ``status``: not a finished job
    ResultImportMachine.bulk(ResultImportJob.objects.filter(pk=job.pk), status, **fields)


def _write(job: ResultImportJob, rows: list[dict[str, Any]]) -> None:
    start = job.processed_rows  # rows an earlier run of this job has recorded already
    # the tubes of those rows count as seen, so a repeat further down is still caught
    seen = {r["barcode"] for r in rows[:start] if r["barcode"]}
    for offset in range(start, len(rows), CHUNK_ROWS):
        if not _record_part(job, rows, offset, seen):
            job.refresh_from_db()  # another run of this job is ahead of this one: it finishes
            return
    job.set_progress(
        status=Status.DONE,
        finished_at=timezone.now(),
        message=_("%(r)d results recorded (%(p)d positive), %(b)d bad rows.")
        % {"r": job.recorded_count, "p": job.positive_count, "b": job.error_count},
    )
    audit.record(
        audit.Action.IMPORT,
        job,
        by=job.created_by,
        detail=f"{job.recorded_count} results, {job.positive_count} positive, "
        f"{job.error_count} bad rows",
    )


def _record_part(
    job: ResultImportJob, rows: list[dict[str, Any]], offset: int, seen: set[str]
) -> bool:
    """Record ``rows[offset:offset + CHUNK_ROWS]`` with its bad rows and the job's progress
    in one transaction; False when another run has recorded this part already."""
    part = rows[offset : offset + CHUNK_ROWS]
    by = job.created_by
    assert by is not None  # _read's require refused a job that lost its author
    with transaction.atomic():
        # The job's row is the claim on the part: a second run waits here, then finds the
        # count moved on and stops, so no row is recorded twice.
        done, recorded, positive, bad = (
            ResultImportJob.objects.select_for_update()
            .values_list("processed_rows", "recorded_count", "positive_count", "error_count")
            .get(pk=job.pk)
        )
        if done != offset:
            return False
        report = record_results(part, by=by, lab=job.lab, seen=seen)
        ResultImportRowError.objects.bulk_create(
            ResultImportRowError(
                job=job,
                row=e["row"],
                barcode=str(e.get("barcode", ""))[:40],
                field=str(e["field"])[:40],
                message=str(e["message"])[:300],
            )
            for e in report.errors
        )
        job.set_progress(
            status=Status.WRITING,
            processed_rows=offset + len(part),
            recorded_count=recorded + report.recorded,
            positive_count=positive + len(report.positives),
            error_count=bad + len(report.errors),
        )
    return True
