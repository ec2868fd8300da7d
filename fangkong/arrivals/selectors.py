"""Reads on arrivals, residents away and risk designations, each from ``visible_to``; the
work queues' and the command centre's aggregates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DateTimeField, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.arrivals.choices import ArrivalStatus, DesignationStatus, OriginRisk, RiskLevel
from fangkong.arrivals.models import Arrival, ResidentAway, RiskDesignation
from fangkong.cases.selectors import judged_by_cases, last_case_on, last_case_subquery
from fangkong.checkpoints.decisions import table_for
from fangkong.core.actors import Actor
from fangkong.core.workqueue import Work, per_township
from fangkong.people.choices import PersonStatus
from fangkong.people.models import Person
from fangkong.testing.choices import Outcome
from fangkong.testing.models import TubeMember


def arrivals_for(user: Actor) -> QuerySet[Arrival]:
    return Arrival.objects.visible_to(user)


def away_for(user: Actor) -> QuerySet[ResidentAway]:
    return ResidentAway.objects.visible_to(user)


def designations_for(user: Actor) -> QuerySet[RiskDesignation]:
    return RiskDesignation.objects.visible_to(user).select_related("area")


# --- infections inside an area: the one place that says where they come from ------------------
# The national rule (20 measures) counts a high-risk area's clean days from the last new
# infection inside it, i.e. the last case: the cases app's cases by area and report day.
# Positive results still count where the cases app has no record of them yet (a candidate
# not yet decided, a pooled tube whose members are being retested, results from before the
# cases app was used); a result the cases app judged (the person is a case, or this tube's
# candidate was dismissed) is counted by that judgement instead.
def _positives(path: Any) -> QuerySet[TubeMember]:
    """Positive results of people sampled inside the area that the cases app has not judged."""
    return TubeMember.objects.filter(
        area__path__startswith=path, tube__result__outcome=Outcome.POSITIVE
    ).exclude(judged_by_cases())


@dataclass(frozen=True)
class LastInfection:
    """The local day of the last new infection inside an area, and where it was read:
    ``case`` (its report day) or ``result`` (a positive not yet known to the cases app)."""

    day: dt.date | None
    source: str = ""


def _later(case_day: dt.date | None, result_at: dt.datetime | None) -> LastInfection:
    """The later of the last case's report day and the last unjudged positive's test."""
    result_day = timezone.localtime(result_at).date() if result_at else None
    if result_day and (case_day is None or result_day > case_day):
        return LastInfection(result_day, "result")
    return LastInfection(case_day, "case" if case_day else "")


def last_infection(path: str) -> LastInfection:
    at = _positives(path).aggregate(m=Max("tube__result__tested_at"))["m"]
    return _later(last_case_on(path), at)


def last_infection_on(path: str) -> dt.date | None:
    return last_infection(path).day


def with_last_infection(qs: QuerySet[RiskDesignation]) -> QuerySet[RiskDesignation]:
    """The designations with their last case and last unjudged positive read in the same
    query (correlated subqueries), for lists: ``annotated_last_infection`` reads them."""
    # The area's path read inside each subquery from the designation's own area_id, not
    # from a join in the outer query: with the join, SQLite ran the subqueries once per area
    # of the user's scope (3,400 at the county) before reaching the few designations, 140 ms
    # on the county's home page; this way they run per designation kept.
    path = Subquery(Area.objects.filter(pk=OuterRef(OuterRef("area_id"))).values("path")[:1])
    last = _positives(path).order_by("-tube__result__tested_at").values("tube__result__tested_at")
    return qs.annotate(
        _last=Subquery(last[:1], output_field=DateTimeField()),
        _last_case=last_case_subquery(path),
    )


def annotated_last_infection(d: RiskDesignation) -> LastInfection:
    """``last_infection`` of a designation read by ``with_last_infection``."""
    return _later(getattr(d, "_last_case", None), getattr(d, "_last", None))


def clean_days(
    d: RiskDesignation, today: dt.date | None = None, last: dt.date | None = None
) -> int:
    """Calendar days since the later of the designation's start and the last infection
    found inside it (``last``, when the caller has read it already; on a designation of
    ``with_last_infection`` it is read from the row)."""
    today = today or timezone.localdate()
    if last is None:  # read with the list's query (with_last_infection), else looked up
        read = hasattr(d, "_last_case")
        last = annotated_last_infection(d).day if read else last_infection_on(d.area.path)
    since = max(d.starts_on, last) if last else d.starts_on
    return max(0, (today - since).days)


def lift_on(d: RiskDesignation, last: dt.date | None, need: int) -> dt.date:
    """The first day the area may be lifted without a reason: ``need`` clean days after
    the later of its start and the last infection inside."""
    since = max(d.starts_on, last) if last else d.starts_on
    return since + dt.timedelta(days=need)


def residents_inside(d: RiskDesignation) -> QuerySet[Person]:
    return Person.objects.filter(area__path__startswith=d.area.path, status=PersonStatus.ACTIVE)


def _due_lift(qs: QuerySet[RiskDesignation], now: dt.datetime) -> QuerySet[RiskDesignation]:
    """Active high-risk designations whose clean days are reached: one query, the last
    case and the last positive not yet known to the cases app inside each read by
    correlated subqueries (``with_last_infection``)."""
    today = timezone.localdate(now)
    need = table_for(today).risk_area_clean_days
    cutoff = today - dt.timedelta(days=need)
    start = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time.min))
    return (
        with_last_infection(
            qs.filter(status=DesignationStatus.ACTIVE, level=RiskLevel.HIGH, starts_on__lte=cutoff)
        )
        .filter(Q(_last__isnull=True) | Q(_last__lt=start))
        .filter(Q(_last_case__isnull=True) | Q(_last_case__lte=cutoff))
    )


# --- work queues ---------------------------------------------------------------------------------
def _pending(user: Actor) -> QuerySet[Arrival]:
    return arrivals_for(user).filter(status=ArrivalStatus.PENDING)


def to_acknowledge_work(user: Actor, now: dt.datetime) -> Work:
    agg = _pending(user).aggregate(n=Count("pk"), first=Min("ack_due_at"))
    url = reverse("arrivals:arrival_list") + f"?status={ArrivalStatus.PENDING}"
    return Work(agg["n"], agg["first"], url)


def to_acknowledge_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_pending(user), "area__path")


def overdue_work(user: Actor, now: dt.datetime) -> Work:
    agg = (
        _pending(user).filter(ack_due_at__lt=now).aggregate(n=Count("pk"), first=Min("ack_due_at"))
    )
    return Work(agg["n"], agg["first"], reverse("arrivals:arrival_list") + "?overdue=1")


def overdue_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_pending(user).filter(ack_due_at__lt=now), "area__path")


def due_lift_work(user: Actor, now: dt.datetime) -> Work:
    n = _due_lift(RiskDesignation.objects.visible_to(user), now).count()
    return Work(n, None, reverse("arrivals:designation_list") + "?due=1")


def due_lift_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_due_lift(RiskDesignation.objects.visible_to(user), now), "area__path")


def due_lift_ids(user: Actor, now: dt.datetime | None = None) -> set[int]:
    qs = _due_lift(RiskDesignation.objects.visible_to(user), now or timezone.now())
    return set(qs.values_list("pk", flat=True))


# --- the command centre ----------------------------------------------------------------------------
def designation_counts(user: Actor) -> dict[str, Any]:
    active = designations_for(user).filter(status=DesignationStatus.ACTIVE)
    counts = {r["level"]: r["n"] for r in active.values("level").annotate(n=Count("pk")).order_by()}
    q = Q(pk__in=[])
    for path in active.values_list("area__path", flat=True):
        q |= Q(area__path__startswith=path)
    people = Person.objects.visible_to(user).filter(q, status=PersonStatus.ACTIVE).count()
    return {
        "high": counts.get(RiskLevel.HIGH, 0),
        "low": counts.get(RiskLevel.LOW, 0),
        "people": people,
    }


def figures(user: Actor, day: dt.date) -> list[Any]:
    """The arrivals' section of the daily picture: arrivals of ``day`` by origin risk,
    unacknowledged and overdue hand-overs, risk areas in force and the people in them.
    One grouped query for the day's arrivals, one for the hand-overs waiting."""
    from django.utils.translation import gettext_lazy as _

    from fangkong.core.figures import Figure, township_counts

    now = timezone.now()
    base = reverse("arrivals:arrival_list")
    today = arrivals_for(user).filter(arrival_date=day).exclude(status=ArrivalStatus.CANCELLED)
    by_risk, risk_t = township_counts(
        today, "area__path", **{r: Count("pk", filter=Q(risk=r)) for r in OriginRisk.values}
    )
    pending, pending_t = township_counts(
        _pending(user),
        "area__path",
        n=Count("pk"),
        overdue=Count("pk", filter=Q(ack_due_at__lt=now)),
    )
    areas = designation_counts(user)
    d = day.isoformat()
    return [
        Figure("arrivals.today_high", _("Arrivals today from high-risk areas"), by_risk["high"],
               url=f"{base}?risk=high&arrival_from={d}&arrival_to={d}",
               by_township=risk_t["high"]),
        Figure("arrivals.today_low", _("Arrivals today from low-risk areas"), by_risk["low"],
               url=f"{base}?risk=low&arrival_from={d}&arrival_to={d}",
               by_township=risk_t["low"]),
        Figure("arrivals.today_other", _("Arrivals today from elsewhere"), by_risk["none"],
               url=f"{base}?risk=none&arrival_from={d}&arrival_to={d}"),
        Figure("arrivals.unacknowledged", _("Hand-overs not yet acknowledged"), pending["n"],
               url=f"{base}?status={ArrivalStatus.PENDING}",
               by_township=pending_t["n"]),
        Figure("arrivals.overdue", _("Hand-overs overdue"), pending["overdue"], url=f"{base}?overdue=1",
               by_township=pending_t["overdue"]),
        Figure("arrivals.high_risk_areas", _("High-risk areas in the county"), areas["high"],
               url=reverse("arrivals:designation_list") + "?status=active&level=high"),
        Figure("arrivals.low_risk_areas", _("Low-risk areas in the county"), areas["low"],
               url=reverse("arrivals:designation_list") + "?status=active&level=low"),
        Figure("arrivals.people_in_risk_areas", _("People living in risk areas"), areas["people"]),
    ]  # fmt: skip
