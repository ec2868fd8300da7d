"""Mass testing's work queues (``testing/workqueue.py``, see ``core.workqueue``): door-to-door
retests to take and tubes on their way to a lab for too long, each one aggregate query."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, QuerySet
from django.urls import reverse

from fangkong.core.actors import Actor
from fangkong.core.workqueue import Work, per_township
from fangkong.testing.choices import RetestState
from fangkong.testing.models import RetestTask, Tube
from fangkong.testing.selectors import _oldest_work, follow_up_hours, overdue, target_hours


def _open_retests(user: Actor, now: dt.datetime) -> QuerySet[RetestTask]:
    return RetestTask.objects.visible_to(user).filter(state=RetestState.OPEN)


def retests_work(user: Actor, now: dt.datetime) -> Work:
    """Door-to-door retests waiting in the user's areas; due two hours after the oldest."""
    qs = _open_retests(user, now)
    return _oldest_work(qs, follow_up_hours()["retest"], reverse("testing:retests"))


def retests_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_open_retests(user, now), "area__path")


def _late_for_receipt(user: Actor, now: dt.datetime) -> QuerySet[Tube]:
    return overdue(Tube.objects.visible_to(user), "receipt", now=now).order_by()


def late_tubes_work(user: Actor, now: dt.datetime) -> Work:
    """Tubes not yet received at a lab, past their kind's turnaround target since the first
    swab (the turnaround page's "waiting for receipt"); due when the oldest passed it."""
    hours = target_hours()
    rows = (
        _late_for_receipt(user, now)
        .values("kind")
        .annotate(n=Count("pk"), first=Min("first_sampled_at"))
        .order_by()
    )
    n, due = 0, None
    for r in rows:  # one row per tube kind
        n += r["n"]
        at = r["first"] + dt.timedelta(hours=hours[r["kind"]])
        due = at if due is None else min(due, at)
    return Work(n, due, reverse("testing:turnaround") + "?stage=receipt")


def late_tubes_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_late_for_receipt(user, now), "area__path")
