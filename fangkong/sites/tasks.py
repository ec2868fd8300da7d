"""Scheduled work: flag the releases due today and tomorrow (and overdue ones)."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from fangkong.core.services.tasks import bind_retry, retrying

log = logging.getLogger("fangkong.sites")


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=30)
def flag_due_releases(every_minutes: int = 0) -> dict[str, int]:
    """Flag due releases; with ``every_minutes`` the task queues its own next run, so one
    ``fangkong flag_due_releases --enqueue --every 60`` keeps the worker doing it."""
    from fangkong.sites import services

    counts = services.flag_due_releases()
    log.info("due releases flagged", extra={"counts": counts})
    if every_minutes > 0:
        flag_due_releases.using(
            run_after=timezone.now() + dt.timedelta(minutes=every_minutes)
        ).enqueue(every_minutes=every_minutes)
    return counts
