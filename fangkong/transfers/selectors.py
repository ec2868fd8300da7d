"""Reads of transfers worth a name: the dispatch board, the trip page, the work queues
and the command centre's figures. Every read starts from ``visible_to(user)``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from fangkong.core.actors import Actor
from fangkong.core.workqueue import Work, per_township
from fangkong.transfers.choices import (
    OPEN_REQUEST_STATES,
    PlanStatus,
    RequestStatus,
    TransferKind,
    TripStatus,
    VehicleState,
)
from fangkong.transfers.models import Plan, Stop, TransferPerson, TransferRequest, Trip, Vehicle


def requests(user: Actor):
    return TransferRequest.objects.visible_to(user).select_related("area", "site", "room")


def open_requests(user: Actor):
    return requests(user).filter(status__in=OPEN_REQUEST_STATES)


def requests_from(user: Actor, source: str, kind: str, refs: list[Any]) -> dict[str, Any]:
    """The latest request ``source`` asked for about each of its rows ``refs`` (the
    neighbours' pages show it beside the row), by ``source_ref``; one query."""
    out: dict[str, Any] = {}
    rows = TransferRequest.objects.visible_to(user).filter(
        source=source, kind=kind, source_ref__in=[str(r) for r in refs]
    )
    for r in rows.order_by("pk"):
        out[r.source_ref] = r
    return out


@dataclass
class BoardTrip:
    trip: Trip
    stops: list[Stop] = field(default_factory=list)
    stops_html: str = ""  # the page's rendering of the stops, set by the view

    @property
    def seats_used(self) -> int:
        return sum(s.persons for s in self.stops)


@dataclass
class BoardVehicle:
    vehicle: Vehicle
    trips: list[BoardTrip] = field(default_factory=list)


def board(plan: Plan) -> list[BoardVehicle]:
    """Per vehicle, its trips in order, each with its stops: three queries in all."""
    trips = list(
        plan.trips.select_related("vehicle", "site", "hospital").order_by("vehicle__plate", "seq")
    )
    stops: dict[int, list[Stop]] = {}
    for s in (
        Stop.objects.filter(trip__plan=plan)
        .select_related("request__area", "request__site", "room")
        .order_by("seq")
    ):
        stops.setdefault(s.trip_id, []).append(s)
    out: dict[int, BoardVehicle] = {}
    for t in trips:
        out.setdefault(t.vehicle_id, BoardVehicle(t.vehicle)).trips.append(
            BoardTrip(t, stops.get(t.pk, []))
        )
    return list(out.values())


def trip_persons(trip: Trip) -> list[tuple[Stop, list[TransferPerson]]]:
    """The trip's stops with the persons to tick at each."""
    stops = list(
        trip.stops.select_related("request__area", "request__site", "room").order_by("seq")
    )
    members: dict[int, list[TransferPerson]] = {}
    for m in (
        TransferPerson.objects.filter(request__stops__trip=trip)
        .select_related("person")
        .order_by("pk")
    ):
        members.setdefault(m.request_id, []).append(m)
    return [(s, members.get(s.request_id, [])) for s in stops]


def my_trips(user: Actor):
    """The trips a driver runs (by crew account), else every trip under way or planned."""
    qs = (
        Trip.objects.visible_to(user)
        .filter(
            status__in=[TripStatus.PLANNED, TripStatus.DISPATCHED], plan__status=PlanStatus.ACCEPTED
        )
        .select_related("vehicle", "site", "hospital")
    )
    crew = getattr(user, "crew_member", None) if hasattr(user, "crew_member") else None
    if crew is not None:
        qs = qs.filter(Q(driver=crew) | Q(driver__isnull=True, vehicle__depot=crew.depot))
    return qs.order_by("start_at")


# --- work queues -------------------------------------------------------------------------
def to_plan_work(user: Actor, now: dt.datetime) -> Work:
    agg = (
        requests(user)
        .filter(status=RequestStatus.REQUESTED)
        .order_by()
        .aggregate(n=Count("pk"), first=Min("deadline"))
    )
    return Work(
        agg["n"],
        agg["first"],
        reverse("transfers:request_list") + f"?status={RequestStatus.REQUESTED}",
    )


def to_plan_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(requests(user).filter(status=RequestStatus.REQUESTED), "area__path")


def trips_work(user: Actor, now: dt.datetime) -> Work:
    agg = (
        Trip.objects.visible_to(user)
        .filter(
            status__in=[TripStatus.PLANNED, TripStatus.DISPATCHED], plan__status=PlanStatus.ACCEPTED
        )
        .order_by()
        .aggregate(n=Count("pk"), first=Min("start_at"))
    )
    return Work(agg["n"], agg["first"], reverse("transfers:my_trips"))


def trips_by_township(user: Actor, now: dt.datetime) -> dict[str, int]:
    return per_township(
        Trip.objects.visible_to(user).filter(
            status__in=[TripStatus.PLANNED, TripStatus.DISPATCHED], plan__status=PlanStatus.ACCEPTED
        ),
        "area__path",
    )


# --- figures -----------------------------------------------------------------------------
def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def figures_data(user: Actor, day: dt.date) -> dict[str, Any]:
    """Open and overdue requests by kind (now), request-to-arrival p50/p90 in hours for
    the arrivals of ``day`` (local), vehicles in use and trips done that day."""
    now = timezone.now()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    rows = (
        open_requests(user)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=now)))
    )
    by_kind = {k: {"open": 0, "overdue": 0} for k in TransferKind.values}
    for r in rows:
        by_kind[r["kind"]] = {"open": r["n"], "overdue": r["overdue"]}
    pairs = (
        requests(user)
        .filter(status=RequestStatus.ARRIVED, arrived_at__gte=start, arrived_at__lt=end)
        .values_list("created_at", "arrived_at")
    )
    hours = [(b - a).total_seconds() / 3600 for a, b in pairs]
    vehicles = (
        Vehicle.objects.visible_to(user)
        .order_by()
        .aggregate(
            total=Count("pk"),
            on_trip=Count("pk", filter=Q(state=VehicleState.ON_TRIP)),
            disinfecting=Count("pk", filter=Q(state=VehicleState.DISINFECTING)),
        )
    )
    trips_done = (
        Trip.objects.visible_to(user)
        .filter(status=TripStatus.DONE, arrived_at__gte=start, arrived_at__lt=end)
        .count()
    )
    overdue_by_township = per_township(open_requests(user).filter(deadline__lt=now), "area__path")
    return {
        "by_kind": by_kind,
        "p50": _percentile(hours, 0.5),
        "p90": _percentile(hours, 0.9),
        "arrived": len(hours),
        "vehicles": vehicles,
        "trips_done": trips_done,
        "overdue_by_township": overdue_by_township,
    }
