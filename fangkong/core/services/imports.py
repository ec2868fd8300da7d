"""Background imports: the one way every app's import job is saved and started
(``queue_import_job``), run (``run_import_job``) and refused for bad rows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.core import audit
from fangkong.core.actors import Actor

log = logging.getLogger("fangkong.import")


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
    job: Any, work: Callable[[], None], *, refused: type[Exception] | tuple[type[Exception], ...]
) -> Any:
    """Run ``work`` for ``job`` (an ``ImportJobBase`` not yet finished) in the uploader's
    language. A file refused as a whole (one of ``refused``, carrying a ``message``) rejects
    the job with that message; any other failure fails it, says nothing was written, and is
    raised again (the task's failure, listed for the administrators)."""
    if job.finished:
        return job
    with translation.override(job.language):
        try:
            work()
        except refused as exc:
            job.set_progress(
                status=job.Status.REJECTED,
                message=str(getattr(exc, "message", exc))[:500],
                finished_at=timezone.now(),
            )
        except Exception:
            log.exception("import failed", extra={"job": job.pk, "model": job._meta.label})
            job.set_progress(
                status=job.Status.FAILED,
                message=_("The import failed unexpectedly; nothing was written."),
                finished_at=timezone.now(),
            )
            raise
    return job


def refuse_bad_rows(job: Any, bad_rows: int) -> None:
    """All or nothing: the job ends rejected, saying how many rows are not valid."""
    job.set_progress(
        status=job.Status.REJECTED,
        message=ngettext(
            "%(n)d row is not valid; nothing was imported.",
            "%(n)d rows are not valid; nothing was imported.",
            bad_rows,
        )
        % {"n": bad_rows},
        finished_at=timezone.now(),
    )
