"""Scheduled work of home isolation: the nightly close of the home phases due that day, and
each morning the day's test days turned into door-to-door tasks."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from fangkong.core.services.tasks import bind_retry, retrying

log = logging.getLogger("fangkong.home_isolation")


def _next_local(hour: int) -> dt.datetime:
    now = timezone.localtime()
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + dt.timedelta(days=1)


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=60)
def close_home_phases(repeat: bool = False) -> dict[str, int]:
    """Close today's due home phases (or put them on the review list); with ``repeat`` the
    task queues its next run for 22:00 tomorrow (local time)."""
    from fangkong.home_isolation.services import close_due_phases

    result = close_due_phases(timezone.localdate())
    counts = {"closed": result.closed, "to_review": result.to_review}
    log.info("home phases closed", extra={"counts": counts})
    if repeat:
        close_home_phases.using(run_after=_next_local(22)).enqueue(repeat=True)
    return counts


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=60)
def schedule_home_tests(repeat: bool = False) -> int:
    """The day's home test days as door-to-door tasks; with ``repeat``, again at 06:00."""
    from fangkong.home_isolation import services

    n = services.schedule_home_tests(timezone.localdate())
    if repeat:
        schedule_home_tests.using(run_after=_next_local(6)).enqueue(repeat=True)
    return n
