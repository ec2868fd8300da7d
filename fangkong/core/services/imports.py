"""Queuing a background import: the one way every app's import job is saved and started."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import translation

from fangkong.core import audit
from fangkong.core.actors import Actor


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
