"""Background tasks of the essential workers: whitelist imports, the compliance sync."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from fangkong.core.services.tasks import bind_retry, retrying


@bind_retry
@task()
@retrying(max_attempts=1)
def run_whitelist_import_task(job_id: int) -> str:
    """Check and write one whitelist import (one attempt: a failure writes nothing)."""
    from fangkong.workforce.services.whitelist import run_whitelist_import

    return run_whitelist_import(job_id).status


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=30)
def sync_compliance_task(every_minutes: int = 0) -> int:
    """Bring the workers' kept compliance up to the testing records of the last
    ``2 × every_minutes`` (everyone when 0); with ``every_minutes`` it queues its next run."""
    from fangkong.workforce.services.compliance import sync

    if every_minutes > 0:
        changed = sync(since=timezone.now() - dt.timedelta(minutes=2 * every_minutes))
        sync_compliance_task.using(
            run_after=timezone.now() + dt.timedelta(minutes=every_minutes)
        ).enqueue(every_minutes=every_minutes)
    else:
        changed = sync()
    return changed
