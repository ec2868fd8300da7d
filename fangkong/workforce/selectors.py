"""Reads of the essential workers and rosters: the compliance list and counts (per sector,
employer and township), the figures of the command centre, the work queues, a person's
published shifts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.actors import Actor
from fangkong.core.figures import Figure, township_counts
from fangkong.core.workqueue import Work, end_of_day, per_township
from fangkong.workforce.choices import RosterStatus
from fangkong.workforce.models import Assignment, Employer, Post, Roster, Sector, Worker
from fangkong.workforce.services.compliance import compliant_q, overdue_q, pass_valid_q


def workers_for(user: Actor) -> QuerySet[Worker]:
    return Worker.objects.visible_to(user).filter(active=True)


def compliance_list(
    user: Actor,
    *,
    today: dt.date | None = None,
    sector: Sector | None = None,
    employer: Employer | None = None,
    only: str = "",
) -> QuerySet[Worker]:
    """The user's active workers with their last sample and result, most overdue first;
    ``only`` = "overdue" or "due" narrows to those overdue or due today."""
    today = today or timezone.localdate()
    qs = workers_for(user).select_related("person", "employer", "sector", "area")
    if sector is not None:
        qs = qs.filter(sector=sector)
    if employer is not None:
        qs = qs.filter(employer=employer)
    if only == "overdue":
        qs = qs.filter(overdue_q(today))
    elif only == "due":
        qs = qs.filter(next_due_on=today)
    return qs.order_by("next_due_on", "pk")


@dataclass(frozen=True)
class ComplianceRow:
    key: Any
    label: str
    workers: int
    due_today: int
    overdue: int
    pass_valid: int

    @property
    def percent(self) -> float | None:
        return (
            round(100 * (self.workers - self.overdue) / self.workers, 1) if self.workers else None
        )


def _counts(qs: QuerySet, today: dt.date, group: str) -> list[dict[str, Any]]:
    return list(
        qs.values(group)
        .annotate(
            n=Count("pk"),
            due=Count("pk", filter=Q(next_due_on=today)),
            late=Count("pk", filter=overdue_q(today)),
            ok=Count("pk", filter=pass_valid_q(today)),
        )
        .order_by(group)
    )


def compliance_by(user: Actor, group: str, *, today: dt.date | None = None) -> list[ComplianceRow]:
    """Counts per ``group``: "sector", "employer" or "township" (one grouped query)."""
    today = today or timezone.localdate()
    qs = workers_for(user)
    if group == "township":
        from fangkong.areas.models import Area
        from fangkong.core.workqueue import TOWNSHIP_DEPTH

        cut = Area.steplen * TOWNSHIP_DEPTH
        from django.db.models.functions import Substr

        rows = _counts(qs.annotate(t=Substr("area__path", 1, cut)), today, "t")
        names = dict(
            Area.objects.filter(path__in=[r["t"] for r in rows]).values_list("path", "name")
        )
        return [ComplianceRow(r["t"], names.get(r["t"], r["t"]), r["n"], r["due"], r["late"], r["ok"])
                for r in rows]  # fmt: skip
    field = {"sector": "sector", "employer": "employer"}[group]
    rows = _counts(qs, today, field)
    model = Sector if field == "sector" else Employer
    names = dict(model.objects.filter(pk__in=[r[field] for r in rows]).values_list("pk", "name"))
    return [ComplianceRow(r[field], names.get(r[field], ""), r["n"], r["due"], r["late"], r["ok"])
            for r in rows]  # fmt: skip


def overdue_count(user: Actor, *, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return workers_for(user).filter(overdue_q(today)).count()


# --- work queues ----------------------------------------------------------------------------


def overdue_work(user: Actor, now: dt.datetime) -> Work:
    """Workers whose test is overdue: due since the end of the earliest missed day."""
    today = timezone.localdate(now)
    qs = workers_for(user).filter(overdue_q(today))
    n = qs.count()
    return Work(n, end_of_day(today - dt.timedelta(days=1)) if n else None,
                reverse("workforce:compliance") + "?only=overdue")  # fmt: skip


def overdue_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(workers_for(user).filter(overdue_q(timezone.localdate(now))), "area__path")


def _gaps(user: Actor, start: dt.date, days: int) -> int:
    """Places not covered in the published rosters over ``days`` days from ``start``, and
    posts with no published roster at all on those days (each of their places)."""
    end = start + dt.timedelta(days=days)
    rosters = Roster.objects.visible_to(user).filter(
        status=RosterStatus.PUBLISHED, start_date__lt=end
    )
    missing = 0
    covered_days: dict[int, set[dt.date]] = {}
    for r in rosters.only("pk", "pool_id", "start_date", "days", "uncovered"):
        r_end = r.start_date + dt.timedelta(days=r.days)
        if r_end <= start:
            continue
        for d in range(r.days):
            day = r.start_date + dt.timedelta(days=d)
            if start <= day < end:
                covered_days.setdefault(r.pool_id, set()).add(day)
        for u in r.uncovered or []:
            if start.isoformat() <= str(u.get("day", "")) < end.isoformat():
                missing += int(u.get("missing", 0))
    for pool_id, shifts in Post.objects.visible_to(user).values_list("pool_id", "shifts"):
        per_day = sum(int(s.get("needed", 0)) for s in shifts or [])
        have = covered_days.get(pool_id, set())
        missing += per_day * sum(1 for d in range(days) if start + dt.timedelta(days=d) not in have)
    return missing


def my_shifts(user: Actor, *, start: dt.date | None = None) -> QuerySet[Assignment]:
    """A person's shifts in published rosters from ``start`` (today)."""
    start = start or timezone.localdate()
    return (
        Assignment.objects.filter(
            member__user=user, roster__status=RosterStatus.PUBLISHED, day__gte=start
        )
        .select_related("post", "roster__pool")
        .order_by("starts_at")
    )


# --- the command centre ---------------------------------------------------------------------


def figures(user: Actor, day: dt.date) -> list[Figure]:
    row, row_t = township_counts(
        workers_for(user), "area__path",
        n=Count("pk"),
        late=Count("pk", filter=overdue_q(day)),
        ok=Count("pk", filter=compliant_q(day)),
    )  # fmt: skip
    by_sector = compliance_by(user, "sector", today=day)
    url = reverse("workforce:compliance")
    out = [
        Figure("workforce.workers", _("Essential workers"), row["n"], _("persons"), url),
        Figure(
            "workforce.compliance_pct", _("Tested on schedule today"),
            round(100 * row["ok"] / row["n"], 1) if row["n"] else None, "%", url,
            note=_("Workers whose next test is not yet overdue."),
        ),
        Figure("workforce.overdue", _("Essential workers overdue for a test"), row["late"],
               _("persons"), url + "?only=overdue",
               by_township=row_t["late"]),
    ]  # fmt: skip
    for r in by_sector:
        out.append(Figure(f"workforce.sector.{r.key}", r.label, r.percent, "%", url + f"?sector={r.key}",
                          note=_("%(n)d workers, %(o)d overdue") % {"n": r.workers, "o": r.overdue}))  # fmt: skip
    out.append(Figure("workforce.roster_gaps", _("Roster places uncovered, next 3 days"),
                      _gaps(user, day, 3), _("places"), reverse("workforce:pool_list")))  # fmt: skip
    return out


def hours_by_member(roster: Roster) -> dict[int, float]:
    return dict(
        roster.assignments.values("member_id")
        .annotate(h=Sum("hours"))
        .values_list("member_id", "h")
    )
