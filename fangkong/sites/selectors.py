"""Reads on sites worth naming: capacity, due releases, overstays, turnover figures."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from fangkong.core.actors import Actor
from fangkong.core.workqueue import Work, end_of_day, per_township
from fangkong.sites.choices import TURNOVER_STATES, RoomState, SiteStatus, StayStatus
from fangkong.sites.models import IsolationSite, Room, Stay, TurnoverStep

INFLOW_DAYS = 7


def sites_for(user: Actor) -> QuerySet[IsolationSite]:
    return IsolationSite.objects.visible_to(user).select_related("area")


def rooms_for(user: Actor) -> QuerySet[Room]:
    return Room.objects.visible_to(user).select_related("site")


def stays_for(user: Actor) -> QuerySet[Stay]:
    return Stay.objects.visible_to(user).select_related("person", "room", "site", "phase")


def open_stays_for(user: Actor) -> QuerySet[Stay]:
    return stays_for(user).filter(status=StayStatus.OPEN)


def room_counts(site: Any) -> list[tuple[str, int]]:
    """(state, rooms in it) for every room state of ``site``, zeros included: one query."""
    from django.db.models import Count

    from fangkong.sites.choices import RoomState
    from fangkong.sites.models import Room

    found = dict(
        Room.objects.filter(site=site).values_list("state").annotate(n=Count("id")).order_by()
    )
    return [(state, found.get(state, 0)) for state in RoomState.values]


def attach_next_phases(stays: list[Stay]) -> None:
    """``stay.next_phase``: what follows this stay's phase once the person is released (home
    isolation until a date, say), or None when control ends with it; one query."""
    from fangkong.control.models import ControlPhase

    current = {s.pk: s.phase for s in stays if s.phase is not None}
    episodes = {p.episode_id for p in current.values()}
    later = ControlPhase.objects.filter(episode_id__in=episodes).order_by("episode_id", "order")
    by_episode: dict[int, list[Any]] = {}
    for p in later:
        by_episode.setdefault(p.episode_id, []).append(p)
    for s in stays:
        now = current.get(s.pk)
        phases = by_episode.get(now.episode_id, []) if now is not None else []
        s.next_phase = next(  # type: ignore[attr-defined]
            (p for p in phases if now is not None and p.order > now.order), None
        )
    attach_home_checks(stays)


def attach_home_checks(stays: list[Stay]) -> None:
    """``stay.home_check``: for a release into home isolation, what the eligibility gate
    will find for the person's home (eligible, a check the village must still make, or the
    centralized placement queue); None otherwise. Needs ``next_phase``; a handful of
    queries whatever the number."""
    from fangkong.home_isolation.services.gate import check_homes
    from fangkong.policy.choices import PhaseKind

    going_home = [
        s for s in stays
        if getattr(s.next_phase, "kind", None) == PhaseKind.HOME_ISOLATION  # type: ignore[attr-defined]
    ]  # fmt: skip
    from fangkong.areas.models import Area

    areas = Area.objects.in_bulk({s.person.area_id for s in going_home}) if going_home else {}
    found = check_homes([s.person for s in going_home], timezone.localdate(), areas)
    for s in stays:
        s.home_check = found.get(s.person_id)  # type: ignore[attr-defined]


# --- capacity ---------------------------------------------------------------------------


@dataclass
class Capacity:
    """Beds by state (and persons in rooms) for one site or a total."""

    site: IsolationSite | None = None
    rooms: int = 0
    beds: int = 0
    ready: int = 0
    reserved: int = 0
    occupied: int = 0
    turnover: int = 0
    out_of_service: int = 0
    persons: int = 0
    planned: int = 0
    ready_date: dt.date | None = None
    reserve_ready: int = 0  # ready beds of reserve sites, not yet in use
    inflow: list[tuple[dt.date, int]] = field(default_factory=list)

    @property
    def inflow_total(self) -> int:
        return sum(n for _d, n in self.inflow)

    @property
    def inflow_per_day(self) -> float:
        return self.inflow_total / INFLOW_DAYS

    @property
    def days_until_full(self) -> float | None:
        """Ready (and reserved) beds over the mean daily check-ins of the last 7 days."""
        rate = self.inflow_per_day
        if rate <= 0:
            return None
        return round((self.ready + self.reserved) / rate, 1)

    @property
    def occupancy_percent(self) -> int:
        usable = self.beds - self.out_of_service
        return round(100 * self.occupied / usable) if usable > 0 else 0

    def add_state(self, state: str, rooms: int, beds: int) -> None:
        self.rooms += rooms
        self.beds += beds
        if state == RoomState.READY:
            self.ready += beds
        elif state == RoomState.RESERVED:
            self.reserved += beds
        elif state == RoomState.OCCUPIED:
            self.occupied += beds
        elif state in TURNOVER_STATES:
            self.turnover += beds
        elif state == RoomState.OUT_OF_SERVICE:
            self.out_of_service += beds


@dataclass
class CapacityReport:
    sites: list[Capacity]
    total: Capacity
    days: list[dt.date]


def capacity(user: Actor, *, site: IsolationSite | None = None, now: Any = None) -> CapacityReport:
    """Capacity per visible site and in total: four grouped queries, whatever the number
    of sites and rooms. Closed sites are left out; the ready beds of reserve sites are
    counted apart (``reserve_ready``); sites being built count their planned beds."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sites_qs = sites_for(user).exclude(status=SiteStatus.CLOSED).order_by("name", "pk")
    if site is not None:
        sites_qs = sites_qs.filter(pk=site.pk)
    sites = list(sites_qs)
    by_site = {s.pk: Capacity(site=s) for s in sites}
    ids = list(by_site)
    for row in (
        Room.objects.filter(site_id__in=ids)
        .values("site_id", "state")
        .annotate(n=Count("pk"), beds=Sum("beds"))
        .order_by()
    ):
        by_site[row["site_id"]].add_state(row["state"], row["n"], row["beds"] or 0)
    for row in (
        Stay.objects.filter(site_id__in=ids, status=StayStatus.OPEN)
        .values("site_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_site[row["site_id"]].persons = row["n"]
    days = [today - dt.timedelta(days=i) for i in range(INFLOW_DAYS - 1, -1, -1)]
    since = timezone.make_aware(
        dt.datetime.combine(days[0], dt.time.min), timezone.get_current_timezone()
    )
    inflow: dict[int, dict[dt.date, int]] = {pk: {} for pk in ids}
    for row in (
        Stay.objects.filter(site_id__in=ids, check_in_at__gte=since, moved_from__isnull=True)
        .annotate(day=TruncDate("check_in_at", tzinfo=timezone.get_current_timezone()))
        .values("site_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        inflow[row["site_id"]][row["day"]] = row["n"]
    total = Capacity()
    total_inflow: dict[dt.date, int] = {}
    for s in sites:
        cap = by_site[s.pk]
        cap.inflow = [(d, inflow[s.pk].get(d, 0)) for d in days]
        for d, n in cap.inflow:
            total_inflow[d] = total_inflow.get(d, 0) + n
        if s.status == SiteStatus.BUILDING:
            cap.planned, cap.ready_date = s.planned_beds, s.ready_date
        if s.status == SiteStatus.RESERVE:
            cap.reserve_ready, cap.ready = cap.ready, 0
        for name in (
            "rooms",
            "beds",
            "ready",
            "reserved",
            "occupied",
            "turnover",
            "out_of_service",
            "persons",
            "planned",
            "reserve_ready",
        ):
            setattr(total, name, getattr(total, name) + getattr(cap, name))
    total.inflow = [(d, total_inflow.get(d, 0)) for d in days]
    planned_dates = [c.ready_date for c in by_site.values() if c.ready_date and c.planned]
    total.ready_date = min(planned_dates) if planned_dates else None
    return CapacityReport(sites=[by_site[s.pk] for s in sites], total=total, days=days)


# --- release on time --------------------------------------------------------------------


def due_stays(user: Actor, *, on: dt.date | None = None, site: IsolationSite | None = None):
    """Open stays whose centralized phase ends today or tomorrow, by site then end date."""
    today = on or timezone.localdate()
    qs = open_stays_for(user).filter(
        phase__planned_end_date__gte=today,
        phase__planned_end_date__lte=today + dt.timedelta(days=1),
    )
    if site is not None:
        qs = qs.filter(site=site)
    return qs.order_by("site__name", "phase__planned_end_date", "room__number", "pk")


def overstays(user: Actor, *, on: dt.date | None = None, site: IsolationSite | None = None):
    """Open stays past the planned end of their centralized phase."""
    today = on or timezone.localdate()
    qs = open_stays_for(user).filter(phase__planned_end_date__lt=today)
    if site is not None:
        qs = qs.filter(site=site)
    return qs.order_by("phase__planned_end_date", "site__name", "pk")


# --- turnover ---------------------------------------------------------------------------


@dataclass
class Turnaround:
    count: int
    median_minutes: float | None
    p90_minutes: float | None


def _summary(seconds: list[int]) -> Turnaround:
    if not seconds:
        return Turnaround(0, None, None)
    minutes = sorted(s / 60 for s in seconds)
    median = statistics.median(minutes)
    if len(minutes) == 1:
        p90 = minutes[0]
    else:
        p90 = statistics.quantiles(minutes, n=10, method="inclusive")[8]
    return Turnaround(len(minutes), round(median, 1), round(p90, 1))


def turnaround(
    user: Actor, *, site: IsolationSite | None = None, days: int = 30, by_room: bool = False
) -> dict[Any, Turnaround]:
    """Median and p90 minutes from vacated to ready, per site (or per room of one site),
    over turnovers finished in the last ``days`` days."""
    since = timezone.now() - dt.timedelta(days=days)
    qs = TurnoverStep.objects.visible_to(user).filter(
        turnaround_seconds__isnull=False, at__gte=since
    )
    if site is not None:
        qs = qs.filter(site=site)
    key = "room_id" if by_room else "site_id"
    groups: dict[Any, list[int]] = {}
    for k, secs in qs.values_list(key, "turnaround_seconds").iterator():
        groups.setdefault(k, []).append(secs)
    return {k: _summary(v) for k, v in groups.items()}


def overdue_turnovers(user: Actor, *, site: IsolationSite | None = None, now: Any = None):
    """Rooms vacated longer ago than their site's turnover target and not ready yet."""
    now = now or timezone.now()
    qs = rooms_for(user).filter(
        Q(state__in=TURNOVER_STATES) | Q(state=RoomState.OUT_OF_SERVICE), vacated_at__isnull=False
    )
    if site is not None:
        qs = qs.filter(site=site)
    out = []
    for room in qs.order_by("vacated_at"):
        assert room.vacated_at is not None  # filtered above
        limit = room.vacated_at + dt.timedelta(hours=room.site.turnover_target_hours)
        if now > limit:
            room.overdue_minutes = int((now - limit).total_seconds() // 60)  # type: ignore[attr-defined]
            out.append(room)
    return out


BOARD_ORDER = [
    RoomState.AWAITING_DISINFECTION,
    RoomState.DISINFECTED,
    RoomState.RESTOCKED,
    RoomState.READY,
    RoomState.RESERVED,
    RoomState.OCCUPIED,
    RoomState.OUT_OF_SERVICE,
]


def board(site: IsolationSite) -> list[tuple[str, list[Room]]]:
    """The site's rooms grouped by state, turnover first (what the site team acts on)."""
    groups: dict[str, list[Room]] = {s: [] for s in BOARD_ORDER}
    for room in Room.objects.filter(site=site).order_by("floor", "number"):
        groups.setdefault(room.state, []).append(room)
    return [(state, groups[state]) for state in BOARD_ORDER]


def board_group(site: IsolationSite, state: str) -> list[Room]:
    """The rooms of one group of the board, in the board's order."""
    return list(Room.objects.filter(site=site, state=state).order_by("floor", "number"))


# --- the work queue (core.workqueue) ------------------------------------------------------------
def _open_stays(user: Actor) -> QuerySet[Stay]:
    return Stay.objects.visible_to(user).filter(status=StayStatus.OPEN)


def _releases_due(user: Actor, now: dt.datetime) -> QuerySet[Stay]:
    return _open_stays(user).filter(phase__planned_end_date=timezone.localdate(now))


def _overstaying(user: Actor, now: dt.datetime) -> QuerySet[Stay]:
    return _open_stays(user).filter(phase__planned_end_date__lt=timezone.localdate(now))


def releases_due_work(user: Actor, now: dt.datetime) -> Work:
    """People whose centralized isolation ends today, still in their rooms."""
    n = _releases_due(user, now).count()
    return Work(n, end_of_day(timezone.localdate(now)), reverse("sites:due"))


def releases_due_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_releases_due(user, now), "site__area__path")


def overstays_work(user: Actor, now: dt.datetime) -> Work:
    """People past the planned end of their centralized isolation; due since the end of
    the earliest planned end day."""
    row = _overstaying(user, now).aggregate(n=Count("pk"), first=Min("phase__planned_end_date"))
    due = end_of_day(row["first"]) if row["first"] else None
    return Work(row["n"], due, reverse("sites:overstays"))


def overstays_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_overstaying(user, now), "site__area__path")


def _in_turnover(user: Actor) -> QuerySet[Room]:
    return Room.objects.visible_to(user).filter(state__in=TURNOVER_STATES)


def turnover_work(user: Actor, now: dt.datetime) -> Work:
    """Rooms waiting for a turnover step; due when their site's turnover target has passed
    since they were vacated. One grouped query (a row per site with rooms in turnover).
    The page: that site's board, or the capacity page when several sites have such rooms."""
    rows = (
        _in_turnover(user)
        .values("site_id", "site__turnover_target_hours")
        .annotate(n=Count("pk"), first=Min("vacated_at"))
        .order_by()
    )
    n, due, sites = 0, None, set()
    for r in rows:
        n += r["n"]
        sites.add(r["site_id"])
        if r["first"] is not None:
            at = r["first"] + dt.timedelta(hours=r["site__turnover_target_hours"])
            due = at if due is None else min(due, at)
    url = (
        reverse("sites:board", args=[sites.pop()]) if len(sites) == 1 else reverse("sites:capacity")
    )
    return Work(n, due, url)


def turnover_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(_in_turnover(user), "site__area__path")
