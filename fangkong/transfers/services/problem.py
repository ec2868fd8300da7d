"""The planner's problem read from the database (``planner.model``), and the words for
the planner's reasons. Reads only: the writes are in ``plans``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.scoping import subtree_q
from fangkong.sites.choices import RoomState, SiteStatus
from fangkong.sites.models import IsolationSite, Room
from fangkong.transfers import geo
from fangkong.transfers.choices import (
    POSITIVE_KINDS,
    TO_ROOM_KINDS,
    PlanStatus,
    RequestStatus,
    TripStatus,
    VehicleKind,
    VehicleState,
)
from fangkong.transfers.models import Hospital, TransferRequest, Trip, Vehicle
from fangkong.transfers.planner import model as pm


def reason_text(code: str) -> str:
    return {
        pm.NO_ROOM_FITS: _("No ready room has enough beds (or is accessible) for this household."),
        pm.NO_BEDS_LEFT: _("Every fitting ready room is taken by more urgent requests."),
        pm.NO_HOSPITAL: _("No designated hospital with coordinates."),
        pm.NO_VEHICLE_FITS: _(
            "No vehicle has enough seats (positives need a negative-pressure ambulance)."
        ),
        pm.NO_SHIFT_LEFT: _("Every fitting vehicle's shift is full."),
        pm.NO_ORIGIN: _("The site to leave from has no coordinates."),
    }.get(code, code)


def params() -> pm.Params:
    custom = getattr(settings, "TRANSFERS_PLANNER", {}) or {}
    return pm.Params(**{k: v for k, v in custom.items() if k in pm.Params.__dataclass_fields__})


@dataclass
class Loaded:
    problem: pm.Problem
    start: dt.datetime
    requests: dict[int, TransferRequest] = field(default_factory=dict)


def load(area: Any, *, by: Actor, start: dt.datetime, locked: list[Trip] | None = None) -> Loaded:
    """Open requests, ready rooms, hospitals and usable vehicles within ``area`` as the
    user sees them. A site or depot without coordinates is refused by name."""
    within = subtree_q([area.path], "area__path")
    reqs = list(
        TransferRequest.objects.visible_to(by)
        .filter(within, status=RequestStatus.REQUESTED)
        .select_related("area")
        .prefetch_related("members")
    )
    locked = locked or []
    for t in locked:
        reqs += [
            s.request
            for s in t.stops.select_related("request__area")
            if s.request.status == RequestStatus.REQUESTED
        ]
    sites = list(
        IsolationSite.objects.visible_to(by)
        .filter(within, status=SiteStatus.ACTIVE)
        .filter(rooms__state=RoomState.READY)
        .distinct()
    )
    for s in sites:
        geo.point_of(s, field="site", what=_("Site %(name)s") % {"name": s.name})
    vehicles = list(
        Vehicle.objects.visible_to(by)
        .exclude(state=VehicleState.OUT_OF_SERVICE)
        .select_related("depot")
    )
    for v in vehicles:
        geo.point_of(v.depot, field="depot", what=_("Depot %(name)s") % {"name": v.depot.name})
    hospitals = [h for h in Hospital.objects.all() if h.lat is not None and h.lon is not None]
    points: list[geo.Point] = []
    index: dict[tuple[str, int], int] = {}

    def at(key: tuple[str, int], obj: Any, kind: str = "") -> int:
        if key not in index:
            index[key] = len(points)
            points.append(geo.Point(float(obj.lat), float(obj.lon), kind))
        return index[key]

    def secs(when: dt.datetime) -> int:
        return int((when - start).total_seconds())

    p = params()
    origin_sites = {r.site_id for r in reqs if r.kind not in TO_ROOM_KINDS and r.site_id}
    extra = [s for s in IsolationSite.objects.filter(pk__in=origin_sites) if s not in sites]
    site_objs = sites + [s for s in extra if s.lat is not None]
    preqs = []
    for r in reqs:
        preqs.append(
            pm.Req(
                id=r.pk,
                kind=r.kind,
                persons=len(r.members.all()) or 1,
                point=at(("req", r.pk), r, r.area.kind),
                deadline=secs(r.deadline),
                priority=r.priority,
                accessible=r.accessible,
                positive=r.kind in POSITIVE_KINDS,
                to_room=r.kind in TO_ROOM_KINDS,
                origin_site=r.site_id if r.kind not in TO_ROOM_KINDS else None,
            )
        )
    psites = [pm.Dest(s.pk, at(("site", s.pk), s, "town")) for s in site_objs]
    rooms = [
        pm.Room(rm.pk, rm.site_id, rm.beds, rm.accessible)
        for rm in Room.objects.filter(site__in=sites, state=RoomState.READY).order_by("pk")
    ]
    phosp = [pm.Dest(h.pk, at(("hosp", h.pk), h, "street")) for h in hospitals]
    busy_until: dict[int, dt.datetime] = {}
    for t in Trip.objects.filter(
        vehicle__in=vehicles,
        status__in=[TripStatus.PLANNED, TripStatus.DISPATCHED],
        plan__status=PlanStatus.ACCEPTED,
    ):
        busy_until[t.vehicle_id] = max(busy_until.get(t.vehicle_id, start), t.end_at)
    pveh = []
    for v in vehicles:
        ready = 0
        if v.state == VehicleState.DISINFECTING:
            ready = p.disinfect_s
        if v.pk in busy_until:
            ready = max(ready, secs(busy_until[v.pk]) + p.unload_s + p.disinfect_s)
        pveh.append(
            pm.Vehicle(
                v.pk,
                v.seats,
                v.kind == VehicleKind.AMBULANCE,
                at(("depot", v.depot_id), v.depot, "town"),
                ready,
                v.shift_hours * 3600,
            )
        )
    plocked, fixed = [], {}
    for t in locked:
        stops = [(s.request_id, secs(s.eta)) for s in t.stops.all()]
        fixed.update({s.request_id: s.room_id for s in t.stops.all() if s.room_id})
        home = any(
            s.request.kind not in TO_ROOM_KINDS and s.request.kind not in POSITIVE_KINDS
            for s in t.stops.all()
        )
        kind = pm.HOSPITAL if t.hospital_id else pm.HOME if home else pm.SITE
        plocked.append(
            pm.PTrip(
                t.vehicle_id,
                kind,
                t.hospital_id or t.site_id or 0,
                t.positive,
                stops,
                secs(t.start_at),
                secs(t.end_at),
                sum(s.persons for s in t.stops.all()),
                t.seq,
                locked=True,
            )
        )
    dur = geo.get_router().matrix(points)[1] if points else []
    problem = pm.Problem(
        points, dur, preqs, rooms, psites, phosp, pveh, params=p, locked=plocked, fixed_rooms=fixed
    )
    return Loaded(problem, start, {r.pk: r for r in reqs})


def check_sites_placed(sites: list[IsolationSite]) -> None:
    for s in sites:
        if s.lat is None or s.lon is None:
            raise ValidationFailed(
                _("Site %(name)s has no coordinates; put it on the map first.") % {"name": s.name},
                field="site",
            )
