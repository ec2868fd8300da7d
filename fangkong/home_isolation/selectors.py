"""Reads of home isolation: households under home control, the household page, missed
reports, alerts, service requests and the overdue board, the placement queue, the review
list, the work queues and the command centre's figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Lower, Substr
from django.urls import reverse
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.areas.selectors import responsibility_chain
from fangkong.control.models import ControlPhase
from fangkong.core.actors import Actor
from fangkong.core.workqueue import Work, end_of_day, per_township
from fangkong.home_isolation.choices import (
    OPEN_REQUEST_STATES,
    PlacementState,
    ReviewState,
    SealState,
)
from fangkong.home_isolation.models import (
    CloseReview,
    DoorSeal,
    EligibilityAssessment,
    HealthReport,
    HomeAlert,
    HomeTest,
    PendingCheck,
    PortalLink,
    ServiceRequest,
)
from fangkong.home_isolation.phases import HOME_KINDS, day_n_of_m
from fangkong.people.models import Household, Person
from fangkong.policy.choices import PhaseKind

VILLAGE_DEPTH = 3


def _home(user: Actor) -> QuerySet[ControlPhase]:
    """Home phases in progress in the user's areas (one scoped filter, no subquery)."""
    from fangkong.control.choices import EpisodeStatus, PhaseStatus

    return ControlPhase.objects.visible_to(user).filter(
        status=PhaseStatus.ACTIVE, kind__in=HOME_KINDS, episode__status=EpisodeStatus.ACTIVE
    )


# --- the household page -----------------------------------------------------------------
@dataclass
class Member:
    person: Person
    phase: ControlPhase | None
    day: int = 0
    days: int = 0
    reported_today: int = 0
    link: PortalLink | None = None
    tests: list[HomeTest] = field(default_factory=list)


@dataclass
class HouseholdView:
    household: Household
    members: list[Member]
    seal: DoorSeal | None
    assessment: EligibilityAssessment | None
    chain: list[Any]
    requests: list[ServiceRequest]
    alerts: list[HomeAlert]


def household_view(user: Actor, household: Household, today: dt.date) -> HouseholdView:
    """Everyone of the household (visible to the user), their home phase and day N of M,
    the door seal, the latest assessment, the responsibility chain, open requests."""
    persons = list(Person.objects.visible_to(user).filter(household=household).order_by("pk"))
    ids = [p.pk for p in persons]
    phases = {
        p.episode.person_id: p for p in _home(user).filter(episode__person_id__in=ids)
        .select_related("episode")
    }  # fmt: skip
    reports = dict(
        HealthReport.objects.filter(person_id__in=ids, day=today)
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    links = {
        link.person_id: link
        for link in PortalLink.objects.filter(person_id__in=ids, revoked_at__isnull=True)
    }
    tests: dict[int, list[HomeTest]] = {}
    for t in HomeTest.objects.filter(phase_id__in=[p.pk for p in phases.values()]).select_related(
        "task"
    ):
        tests.setdefault(t.phase_id, []).append(t)
    members = []
    for p in persons:
        ph = phases.get(p.pk)
        n, m = day_n_of_m(ph, today) if ph else (0, 0)
        members.append(Member(p, ph, n, m, reports.get(p.pk, 0), links.get(p.pk),
                              tests.get(ph.pk, []) if ph else []))  # fmt: skip
    seal = (
        DoorSeal.objects.visible_to(user)
        .filter(household=household)
        .exclude(state=SealState.REMOVED)
        .select_related("fitted_by")
        .first()
    )
    assessment = (
        EligibilityAssessment.objects.visible_to(user)
        .filter(household=household)
        .order_by("-created_at", "-pk")
        .first()
    )
    requests = list(
        ServiceRequest.objects.visible_to(user)
        .filter(household=household)
        .order_by("-created_at")[:20]
    )
    alerts = list(HomeAlert.objects.visible_to(user).filter(household=household)[:10])
    chain = responsibility_chain(household.area, household.floor)
    return HouseholdView(household, members, seal, assessment, chain, requests, alerts)


def households_for(user: Actor, today: dt.date) -> list[dict[str, Any]]:
    """The village's list: each household with someone in a home phase, how many, the
    earliest end."""
    rows = (
        _home(user)
        .values("episode__person__household_id", "episode__person__household__address")
        .annotate(n=Count("pk"), end=Min("planned_end_date"))
        .order_by("episode__person__household__address")
    )
    return [
        {
            "household_id": r["episode__person__household_id"],
            "address": r["episode__person__household__address"],
            "n": r["n"],
            "end": r["end"],
        }
        for r in rows[:500]
    ]


# --- missed reports ---------------------------------------------------------------------
def window_bounds(day: dt.date, window: str) -> tuple[dt.datetime, dt.datetime]:
    start, end = settings.FANGKONG_HOME_REPORT_WINDOWS[window]
    tz = timezone.get_current_timezone()

    def at(hhmm: str) -> dt.datetime:
        h, m = (int(x) for x in hhmm.split(":"))
        return dt.datetime.combine(day, dt.time(h, m), tzinfo=tz)

    return at(start), at(end)


# Above this many episodes under way in the user's areas the list is driven from the home
# phases in progress (a township or the county: most of them are the user's anyway).
MISSED_BY_EPISODE_IDS = 5000


def missed_reports(user: Actor, day: dt.date, window: str) -> QuerySet[Any]:
    """Home phases in progress whose person has not reported in ``window`` of ``day``
    (people whose phase started that day included), with the person's name and household
    (only the columns the list shows); no reminder yet is ``reminded`` False."""
    from fangkong.control.choices import EpisodeStatus, PhaseStatus
    from fangkong.control.models import ControlEpisode
    from fangkong.home_isolation.models import ReportReminder

    reported = HealthReport.objects.filter(
        person_id=OuterRef("episode__person_id"), day=day, window=window
    )
    reminded = ReportReminder.objects.filter(
        person_id=OuterRef("episode__person_id"), day=day, window=window
    )
    # A village's episodes under way, read first by their (area, status) index, then their
    # phases by episode: given the subquery, SQLite (no statistics) walked every home phase
    # in progress in the county by (status, kind) and tested each (bench/README.md, home
    # isolation). Given the ids it still preferred that index, so the phase's status is
    # compared through an expression no index serves: two or three phases per episode.
    episodes = ControlEpisode.objects.visible_to(user).filter(status=EpisodeStatus.ACTIVE)
    ids = list(episodes.order_by().values_list("pk", flat=True)[: MISSED_BY_EPISODE_IDS + 1])
    if len(ids) > MISSED_BY_EPISODE_IDS:
        phases = ControlPhase.objects.filter(episode_id__in=episodes.values("pk"))
        phases = phases.filter(status=PhaseStatus.ACTIVE)
    else:
        phases = ControlPhase.objects.filter(episode_id__in=ids)
        phases = phases.alias(_status=Lower("status")).filter(_status=PhaseStatus.ACTIVE)
    return (
        phases.filter(kind__in=HOME_KINDS, start_date__lte=day)
        .exclude(Exists(reported))
        .annotate(reminded=Exists(reminded))
        .select_related("episode__person__household")
        # what the list shows: not the episode's rule snapshot, nor the person's encrypted
        # numbers, decoded for every row
        .only(
            "episode", "episode__person", "episode__person__name",
            "episode__person__household", "episode__person__household__address",
        )
        .order_by("episode__person__household__address", "episode__person_id")
    )  # fmt: skip


def missed_counts(user: Actor, day: dt.date, windows: list[str]) -> dict[str, int]:
    """How many ``missed_reports(user, day, window)`` lists, for each of ``windows``: one
    aggregate over the home phases in progress (the same phases, the same reports looked
    for), without the list's columns or its order."""
    phases = _home(user).filter(start_date__lte=day)
    missed = {
        w: Count("pk", filter=~Exists(HealthReport.objects.filter(
            person_id=OuterRef("episode__person_id"), day=day, window=w)))
        for w in windows
    }  # fmt: skip
    return phases.aggregate(**missed) if missed else {}


def closed_windows(now: dt.datetime) -> list[str]:
    day = timezone.localdate(now)
    return [w for w in settings.FANGKONG_HOME_REPORT_WINDOWS if window_bounds(day, w)[1] <= now]


# --- requests and alerts ----------------------------------------------------------------
def requests_for(user: Actor) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.visible_to(user).select_related("person", "household", "area")


def overdue_requests(user: Actor, now: dt.datetime) -> QuerySet[ServiceRequest]:
    return requests_for(user).filter(state__in=OPEN_REQUEST_STATES, due_at__lt=now)


def overdue_board(user: Actor, now: dt.datetime) -> list[dict[str, Any]]:
    """Open and overdue requests per village (one grouped query), the most overdue first."""
    cut = Area.steplen * VILLAGE_DEPTH
    rows = (
        ServiceRequest.objects.visible_to(user)
        .filter(state__in=OPEN_REQUEST_STATES)
        .annotate(village=Substr("area__path", 1, cut))
        .values("village")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)),
                  first_due=Min("due_at"))
        .order_by("first_due")
    )  # fmt: skip
    rows = list(rows)
    names = dict(
        Area.objects.filter(path__in=[r["village"] for r in rows]).values_list("path", "name")
    )
    return [r | {"name": names.get(r["village"], r["village"])} for r in rows]


def alerts_for(user: Actor) -> QuerySet[HomeAlert]:
    return HomeAlert.objects.visible_to(user).select_related("person", "household", "area")


def awaiting_placement(user: Actor) -> QuerySet[EligibilityAssessment]:
    """The "needs centralized placement" queue: households that failed the eligibility
    check and are not yet taken for transfer, in the user's areas, the longest waiting
    first (since the check: a household back from a cancelled transfer does not go to the
    end). The transfers app takes a household with
    ``transfers.services.request_for_placement(assessment, by=...)``."""
    return (
        EligibilityAssessment.objects.visible_to(user)
        .filter(placement_state=PlacementState.AWAITING)
        .select_related("person", "household", "area")
        .order_by("created_at", "pk")
    )


def checks_to_do(user: Actor) -> QuerySet[PendingCheck]:
    """Homes to check: households whose home isolation started without a current eligible
    assessment (a release into the home phase), in the user's areas, the oldest first."""
    return (
        PendingCheck.objects.visible_to(user)
        .filter(done_at__isnull=True)
        .select_related("person", "household", "area")
        .defer("person__id_number", "person__phone")
        .order_by("created_at", "pk")
    )


def reviews_for(user: Actor) -> QuerySet[CloseReview]:
    return (
        CloseReview.objects.visible_to(user)
        .filter(state=ReviewState.OPEN)
        .select_related("person", "phase", "area")
        .order_by("day", "pk")
    )


# --- work queues (core.workqueue) --------------------------------------------------------
# A household failing the check should reach a site within 12 hours (FACTS: close contacts
# within 12 h); an alert is the medical follow-up's within 2 hours.
PLACEMENT_HOURS = 12
# A person at home unchecked: the village checks the home the same day (within 12 hours,
# as a failing home must reach a site).
CHECK_HOURS = 12
ALERT_HOURS = 2


def _work(qs: QuerySet, due_field: str, url: str, *, by_day: bool = False, hours: int = 0) -> Work:
    row = qs.aggregate(n=Count("pk"), first=Min(due_field))
    first = row["first"]
    if by_day and first is not None:
        first = end_of_day(first)
    elif first is not None and hours:
        first = first + dt.timedelta(hours=hours)
    return Work(row["n"], first, url)


def placement_work(user: Actor, now: dt.datetime) -> Work:
    qs = EligibilityAssessment.objects.visible_to(user).filter(
        placement_state=PlacementState.AWAITING
    )
    return _work(
        qs, "placement_changed_at", reverse("home_isolation:placement"), hours=PLACEMENT_HOURS
    )


def placement_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(awaiting_placement(user), "area__path")


def _open_checks(user: Actor) -> QuerySet[PendingCheck]:
    return PendingCheck.objects.visible_to(user).filter(done_at__isnull=True)


def checks_work(user: Actor, now: dt.datetime) -> Work:
    return _work(_open_checks(user), "created_at", reverse("home_isolation:checks"),
                 hours=CHECK_HOURS)  # fmt: skip


def checks_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_open_checks(user), "area__path")


def _open_requests(user: Actor) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.visible_to(user).filter(state__in=OPEN_REQUEST_STATES)


def requests_work(user: Actor, now: dt.datetime) -> Work:
    return _work(_open_requests(user), "due_at", reverse("home_isolation:requests"))


def requests_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_open_requests(user), "area__path")


def _open_alerts(user: Actor) -> QuerySet[HomeAlert]:
    return HomeAlert.objects.visible_to(user).filter(handled_at__isnull=True)


def alerts_work(user: Actor, now: dt.datetime) -> Work:
    return _work(_open_alerts(user), "at", reverse("home_isolation:alerts"), hours=ALERT_HOURS)


def alerts_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_open_alerts(user), "area__path")


def _open_reviews(user: Actor) -> QuerySet[CloseReview]:
    return CloseReview.objects.visible_to(user).filter(state=ReviewState.OPEN)


def reviews_work(user: Actor, now: dt.datetime) -> Work:
    return _work(_open_reviews(user), "day", reverse("home_isolation:reviews"), by_day=True)


def reviews_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_open_reviews(user), "area__path")


# --- the command centre's figures --------------------------------------------------------
def figures(user: Actor, day: dt.date) -> list[Any]:
    """Persons in home isolation and in home health monitoring by township, reports missed
    today (the windows closed so far), open and overdue service requests, households
    awaiting centralized placement."""
    from django.utils.translation import gettext_lazy as _

    from fangkong.core.figures import Figure, township_counts

    now = timezone.now()
    # one grouped query per table: home phases by kind, open requests with the overdue,
    # households awaiting placement
    home, home_t = township_counts(
        _home(user), "episode__area__path",
        iso=Count("pk", filter=Q(kind=PhaseKind.HOME_ISOLATION)),
        mon=Count("pk", filter=Q(kind=PhaseKind.HOME_HEALTH_MONITORING)),
    )  # fmt: skip
    missed = 0
    if day == timezone.localdate(now):
        missed = sum(missed_counts(user, day, closed_windows(now)).values())
    req, req_t = township_counts(
        _open_requests(user), "area__path", open=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
    )  # fmt: skip
    placement, placement_t = township_counts(awaiting_placement(user), "area__path", n=Count("pk"))
    return [
        Figure("home.isolation", _("Persons in home isolation"), home["iso"],
               by_township=home_t["iso"], url=reverse("home_isolation:households")),
        Figure("home.monitoring", _("Persons in home health monitoring"),
               home["mon"], by_township=home_t["mon"]),
        Figure("home.missed_today", _("Health reports missed today"), missed,
               url=reverse("home_isolation:missed"), note=_("In the report windows closed so far.")),
        Figure("home.requests_open", _("Open service requests"), req["open"],
               by_township=req_t["open"], url=reverse("home_isolation:requests")),
        Figure("home.requests_overdue", _("Overdue service requests"), req["overdue"],
               by_township=req_t["overdue"], url=reverse("home_isolation:board")),
        Figure("home.awaiting_placement", _("Households awaiting centralized placement"),
               placement["n"], by_township=placement_t["n"],
               url=reverse("home_isolation:placement")),
    ]  # fmt: skip
