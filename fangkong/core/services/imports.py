"""The one way every app's import job is queued, run and refused.

- ``queue_import_job``: save the uploaded file as a job and queue its task;
- ``run_import_job``: run a job's work in the uploader's language, a refusal of the file
  (a ``DomainError`` such as ``XlsxRefused``) ending it as rejected, anything else as failed
  with nothing written;
- ``refuse_bad_rows``: save every bad row's reasons (row and column named) and, in
  all-or-nothing mode, end the job as rejected before anything is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import DomainError

J = TypeVar("J", bound=Any)  # an ImportJobBase


def queue_import_job(
    model: type[models.Model], task: Any, *, by: Actor, detail: str, **fields: Any
) -> Any:
    """Save the uploaded file as a job of ``model`` (an ``ImportJobBase``), in the
    uploader's language for its messages, audit it, and queue ``task`` with the job's id
    once the job is committed (a worker must find it)."""
    with transaction.atomic():
        job = model._default_manager.create(
            created_by=by, language=translation.get_language() or "zh-hans", **fields
        )
        audit.record(audit.Action.IMPORT, job, by=by, detail=detail)
        transaction.on_commit(lambda: task.enqueue(job.pk))
    return job


def run_import_job(
    job: J,
    work: Callable[[J], None],
    *,
    refused: type[DomainError] | tuple[type[DomainError], ...],
    log: logging.Logger,
) -> J:
    """Run ``work(job)`` once (a finished job is left as it is), in the uploader's language.
    ``refused`` (the file cannot be read, too many rows) ends the job as rejected with its
    message; any other error as failed, logged and raised again (``work`` writes in one
    transaction, so nothing is left half-written)."""
    if job.finished:
        return job
    with translation.override(job.language):
        try:
            work(job)
        except refused as exc:
            job.set_progress(
                status=job.Status.REJECTED,
                message=str(exc.message)[:500],
                finished_at=timezone.now(),
            )
        except Exception:
            log.exception("import failed", extra={"job": job.pk})
            job.set_progress(
                status=job.Status.FAILED,
                message=_("The import failed unexpectedly; nothing was written."),
                finished_at=timezone.now(),
            )
            raise
    return job


def refuse_bad_rows(
    job: Any,
    error_model: type[models.Model],
    bad: Sequence[tuple[int, Sequence[tuple[str, str]]]],
    *,
    total: int,
    all_or_nothing: bool,
) -> bool:
    """Save the reasons of the ``bad`` rows ((row number, [(column, reason), ...])) and
    count them on the job; True when the job is thereby rejected (all or nothing and at
    least one bad row: the caller writes nothing)."""
    error_model._default_manager.bulk_create(
        [
            error_model(job=job, row=number, field=f[:40], message=m[:300])
            for number, errors in bad
            for f, m in errors
        ],
        batch_size=2000,
    )
    job.set_progress(processed_rows=total, error_count=len(bad))
    if not (bad and all_or_nothing):
        return False
    job.set_progress(
        status=job.Status.REJECTED,
        message=ngettext(
            "%(n)d row is not valid; nothing was imported.",
            "%(n)d rows are not valid; nothing was imported.",
            len(bad),
        )
        % {"n": len(bad)},
        finished_at=timezone.now(),
    )
    return True
