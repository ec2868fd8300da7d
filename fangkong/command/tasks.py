"""Background work of the command centre: the daily report at its hour, the check for
overdue directives, the SMS to a directive's people."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from fangkong.core.services.tasks import bind_retry, retrying
from fangkong.core.sms import get_gateway

log = logging.getLogger("fangkong.command")


def next_build_at(now: dt.datetime | None = None) -> dt.datetime:
    """The next ``FANGKONG_REPORT_BUILD_AT`` (local time, "06:00" by default)."""
    now = timezone.localtime(now or timezone.now())
    at = dt.time.fromisoformat(getattr(settings, "FANGKONG_REPORT_BUILD_AT", "06:00"))
    when = dt.datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    return when if when > now else when + dt.timedelta(days=1)


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=60)
def build_daily_reports(repeat: bool = False) -> list[int]:
    """Build yesterday's report for each county not built yet; with ``repeat`` the task
    queues its own next run at the next build hour, so one
    ``fangkong build_daily_reports --enqueue --repeat`` keeps the worker doing it."""
    from fangkong.command.services.reports import build_due_reports

    ids = [r.pk for r in build_due_reports()]
    log.info("daily reports built", extra={"reports": ids})
    if repeat:
        build_daily_reports.using(run_after=next_build_at()).enqueue(repeat=True)
    return ids


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=30)
def check_overdue_directives(every_minutes: int = 0) -> int:
    """Tell the recipients of directives past their deadline (once each)."""
    from fangkong.command.services.directives import notify_overdue

    told = notify_overdue()
    if every_minutes > 0:
        check_overdue_directives.using(
            run_after=timezone.now() + dt.timedelta(minutes=every_minutes)
        ).enqueue(every_minutes=every_minutes)
    return told


def deliver(notice_ids: list[int]) -> int:
    """Each notice's title by SMS to its recipient's work phone, read now (a number changed
    since is the new one); returns how many were sent."""
    from fangkong.core.models import Notice

    gateway = get_gateway()
    sent = 0
    for notice in Notice.objects.filter(pk__in=notice_ids).select_related("user"):
        if not notice.user.phone:
            continue
        try:
            gateway.send(notice.user.phone, notice.title)
            sent += 1
        except Exception:  # one refused number does not stop the others
            log.warning("sms failed", extra={"notice": notice.pk}, exc_info=True)
    return sent


@bind_retry
@task()
@retrying(max_attempts=3, base_delay=5)
def send_sms(notice_ids: list[int]) -> int:
    """The SMS of notices (a directive's: no resident's data in them)."""
    return deliver(notice_ids)
