"""Plans: run the planner (a background task), accept a plan (its rooms are reserved then,
refused if one was taken meanwhile), edit a proposed plan (move a stop, lock a trip) and
re-plan around the locked trips."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.core.permissions import require, require_area
from fangkong.core.scoping import user_covers_area
from fangkong.sites.choices import RoomState
from fangkong.sites.models import Room
from fangkong.sites.states import RoomMachine
from fangkong.transfers.choices import PlanStatus, RequestStatus, TripStatus
from fangkong.transfers.models import Plan, Stop, TransferRequest, Trip
from fangkong.transfers.planner import core as planner
from fangkong.transfers.planner import model as pm
from fangkong.transfers.planner.validate import late, validate
from fangkong.transfers.services import problem as loader
from fangkong.transfers.states import PlanMachine, RequestMachine, TripMachine


def run_plan(
    area: Any, *, by: Actor, replaces: Plan | None = None, background: bool = True
) -> Plan:
    """Start a plan over the open requests of ``area``; the planner runs as a background
    task (``background=False``: now, in this call). ``replaces``: a proposed plan whose
    locked trips the new one keeps (re-plan)."""
    require(by, "transfer.dispatch")
    require_area(by, area)
    if replaces is not None and replaces.status != PlanStatus.PROPOSED:
        raise PlanMachine.error(
            replaces, PlanStatus.SUPERSEDED, detail=_("Only a proposed plan is re-planned.")
        )
    now = timezone.now()
    with transaction.atomic():
        plan = Plan.objects.create(
            area=area, start_at=now, status_changed_at=now, replaces=replaces, created_by=by
        )
        audit.record(audit.Action.CREATE, plan, by=by, after=audit.snapshot(plan))
        if background:
            from fangkong.transfers.tasks import compute_plan_task

            transaction.on_commit(lambda: compute_plan_task.enqueue(plan.pk, by.pk))
    if not background:
        compute_plan(plan, by=by)
    return plan


def compute_plan(plan: Plan, *, by: Actor) -> Plan:
    """Run the planner and the validator, write the trips; PROPOSED when every hard rule
    holds, FAILED (with the broken rules) otherwise. A bad input (a site without
    coordinates) fails the plan with its message."""
    locked = (
        list(plan.replaces.trips.filter(locked=True).prefetch_related("stops__request"))
        if plan.replaces
        else []
    )
    try:
        data = loader.load(plan.area, by=by, start=plan.start_at, locked=locked)
    except ValidationFailed as exc:
        with transaction.atomic():
            PlanMachine.perform(
                plan,
                PlanStatus.FAILED,
                by=by,
                also={
                    "summary": {"error": str(exc.message), "fields": list(exc.fields)},
                    "finished_at": timezone.now(),
                },
            )
        raise
    sol = planner.plan(data.problem)
    broken = validate(data.problem, sol)
    lateness = late(data.problem, sol)
    with transaction.atomic():
        _write(plan, data, sol, by=by)
        arrivals = sol.arrival()
        summary = {
            "requests": len(data.problem.requests),
            "planned": len(arrivals),
            "persons": sum(r.persons for r in data.problem.requests if r.id in arrivals),
            "left": [
                {"request": rid, "reason": code, "text": loader.reason_text(code)}
                for rid, code in sorted(sol.left.items())
            ],
            "late": len(lateness),
            "violations": [{"rule": c, "detail": d} for c, d in broken],
            "vehicle_hours": round(sol.vehicle_seconds() / 3600, 2),
            "latest_arrival": (
                plan.start_at + dt.timedelta(seconds=max(arrivals.values()))
            ).isoformat()
            if arrivals
            else None,
            "seconds": round(sol.seconds, 2),
        }
        target = PlanStatus.FAILED if broken else PlanStatus.PROPOSED
        PlanMachine.perform(
            plan, target, by=by, also={"summary": summary, "finished_at": timezone.now()}
        )
        if plan.replaces_id and target == PlanStatus.PROPOSED:
            old = Plan.objects.select_for_update().get(pk=plan.replaces_id)
            if old.status == PlanStatus.PROPOSED:
                PlanMachine.perform(old, PlanStatus.SUPERSEDED, by=by)
    return plan


def _write(plan: Plan, data: loader.Loaded, sol: pm.Solution, *, by: Actor) -> None:
    at = lambda s: data.start + dt.timedelta(seconds=s)  # noqa: E731
    persons = {r.id: r.persons for r in data.problem.requests}
    for t in sol.trips:
        trip = Trip.objects.create(
            plan=plan,
            area=plan.area,
            vehicle_id=t.vehicle,
            seq=t.seq,
            positive=t.positive,
            site_id=t.dest if t.dest_kind in (pm.SITE, pm.HOME) else None,
            hospital_id=t.dest if t.dest_kind == pm.HOSPITAL else None,
            start_at=at(t.start),
            end_at=at(t.end),
            locked=t.locked,
            created_by=by,
        )
        Stop.objects.bulk_create(
            Stop(
                trip=trip,
                seq=i,
                request_id=rid,
                room_id=sol.rooms.get(rid),
                eta=at(eta),
                persons=persons[rid],
            )
            for i, (rid, eta) in enumerate(t.stops, start=1)
        )


def _lock_plan(plan: Plan, by: Actor) -> Plan:
    require(by, "transfer.dispatch")
    if not user_covers_area(by, plan.area):
        raise NotFound(_("No such plan within your areas."), field="plan")
    return Plan.objects.select_for_update().get(pk=plan.pk)


def accept_plan(plan: Plan, *, by: Actor) -> Plan:
    """Accept a proposed plan: every room it uses is reserved and every request planned,
    all or nothing. A room taken since the plan was made, or a request cancelled, refuses
    the whole acceptance (Conflict): re-plan."""
    with transaction.atomic():
        locked = _lock_plan(plan, by)
        PlanMachine.check(locked, PlanStatus.ACCEPTED)
        stops = list(Stop.objects.filter(trip__plan=locked).select_related("request", "trip"))
        room_ids = sorted({s.room_id for s in stops if s.room_id})
        rooms = {
            r.pk: r
            for r in Room.objects.select_for_update().filter(pk__in=room_ids).select_related("site")
        }
        for rid in room_ids:
            room = rooms[rid]
            if room.state != RoomState.READY:
                raise Conflict(
                    _(
                        "Room %(room)s at %(site)s was taken since this plan was made (now “%(state)s”); re-plan."
                    )
                    % {
                        "room": room.number,
                        "site": room.site.name,
                        "state": RoomMachine.label(room.state),
                    },
                    field="plan",
                    code="room_taken",
                )
        reqs = {
            r.pk: r
            for r in TransferRequest.objects.select_for_update().filter(
                pk__in={s.request_id for s in stops}
            )
        }
        for r in reqs.values():
            if r.status != RequestStatus.REQUESTED:
                raise RequestMachine.error(
                    r,
                    RequestStatus.PLANNED,
                    field="plan",
                    detail=_("It changed since this plan was made; re-plan."),
                )
        logs = LogBatch()
        now = timezone.now()
        for room in rooms.values():
            RoomMachine.perform(
                room,
                RoomState.RESERVED,
                by=by,
                at=now,
                logs=logs,
                event="reserved",
                summary=_("Reserved for a transfer (plan #%(n)s)") % {"n": locked.pk},
                area=room.site.area,
                data={"plan": locked.pk},
            )
        for s in stops:
            r = reqs[s.request_id]
            site_id = s.trip.site_id if s.room_id or not r.site_id else r.site_id
            RequestMachine.perform(
                r,
                RequestStatus.PLANNED,
                by=by,
                at=now,
                logs=logs,
                also={"trip": s.trip, "room_id": s.room_id, "site_id": site_id},
            )
        PlanMachine.perform(locked, PlanStatus.ACCEPTED, by=by, at=now, logs=logs)
        for other in (
            Plan.objects.select_for_update()
            .filter(area=locked.area, status=PlanStatus.PROPOSED)
            .exclude(pk=locked.pk)
        ):
            PlanMachine.perform(other, PlanStatus.SUPERSEDED, by=by, at=now, logs=logs)
        logs.write()
    PlanMachine.follow(plan, locked)
    return plan


def release_room(req: TransferRequest, *, by: Actor, logs: LogBatch) -> None:
    """A reserved room goes back to ready (the request was cancelled or re-planned)."""
    room = Room.objects.select_for_update().select_related("site__area").get(pk=req.room_id)
    if room.state == RoomState.RESERVED:
        RoomMachine.perform(
            room,
            RoomState.READY,
            by=by,
            logs=logs,
            event="reservation_released",
            summary=_("Reservation released (transfer #%(n)s)") % {"n": req.pk},
            area=room.site.area,
            data={"request": req.pk},
        )


def _editable(trip: Trip, by: Actor) -> Plan:
    plan = _lock_plan(trip.plan, by)
    if plan.status != PlanStatus.PROPOSED:
        raise PlanMachine.error(
            plan, PlanStatus.ACCEPTED, field="plan", detail=_("Only a proposed plan can be edited.")
        )
    return plan


@transaction.atomic
def lock_trip(trip: Trip, *, locked: bool, by: Actor) -> Trip:
    """Lock (keep as it is in a re-plan) or unlock a trip of a proposed plan."""
    _editable(trip, by)
    before = audit.snapshot(trip, ["locked"])
    Trip.objects.filter(pk=trip.pk).update(locked=locked, updated_at=timezone.now())
    trip.locked = locked
    audit.record(audit.Action.UPDATE, trip, by=by, before=before, after={"locked": locked})
    return trip


@transaction.atomic
def move_stop(stop: Stop, *, to_trip: Trip, position: int, by: Actor) -> Stop:
    """Move a stop to ``position`` (1-based) of ``to_trip`` of the same proposed plan. The
    trip must go where the stop's request goes, keep positives apart and have the seats.
    Both trips are locked afterwards (a re-plan keeps the dispatcher's edit) and re-timed."""
    plan = _editable(stop.trip, by)
    if to_trip.plan_id != plan.pk:
        raise ValidationFailed(_("The trip is not in this plan."), field="to_trip")
    src = stop.trip
    if to_trip.pk != src.pk:
        if (to_trip.site_id, to_trip.hospital_id, to_trip.positive) != (
            src.site_id,
            src.hospital_id,
            src.positive,
        ):
            raise ValidationFailed(
                _(
                    "That trip goes elsewhere (or carries positives apart): the stop cannot join it."
                ),
                field="to_trip",
            )
        load = sum(to_trip.stops.values_list("persons", flat=True)) + stop.persons
        if load > to_trip.vehicle.seats:
            raise ValidationFailed(
                _("Vehicle %(plate)s has %(seats)d seats; %(n)d persons do not fit.")
                % {"plate": to_trip.vehicle.plate, "seats": to_trip.vehicle.seats, "n": load},
                field="to_trip",
            )
    order = [s for s in to_trip.stops.exclude(pk=stop.pk).order_by("seq")]
    position = max(1, min(int(position), len(order) + 1))
    order.insert(position - 1, stop)
    stop.trip = to_trip
    for i, s in enumerate(order, start=1):
        s.seq = 1000 + i  # two passes: no clash with the seqs being replaced
    Stop.objects.bulk_update(order, ["trip", "seq"])
    for s in order:
        s.seq -= 1000
    Stop.objects.bulk_update(order, ["seq"])
    for t in {src.pk: src, to_trip.pk: to_trip}.values():
        _retime(t)
        Trip.objects.filter(pk=t.pk).update(locked=True)
    audit.record(audit.Action.UPDATE, stop, by=by, after={"trip": to_trip.pk, "seq": position})
    return stop


def _retime(trip: Trip) -> None:
    """Times along the trip's stops again (estimate router), from its planned start."""
    from fangkong.transfers import geo

    stops = list(trip.stops.select_related("request").order_by("seq"))
    if not stops:
        TripMachine.check(trip, TripStatus.CANCELLED)
        TripMachine.bulk(Trip.objects.filter(pk=trip.pk), TripStatus.CANCELLED)
        return
    dest = trip.hospital or trip.site
    pts = [geo.point_of(trip.vehicle.depot, field="depot", what=trip.vehicle.depot.name)]
    pts += [geo.Point(s.request.lat, s.request.lon) for s in stops]
    pts.append(geo.point_of(dest, field="site", what=str(dest)))
    dur = geo.get_router().matrix(pts)[1]
    p = loader.params()
    t = trip.start_at + dt.timedelta(seconds=dur[0][1])
    for i, s in enumerate(stops, start=1):
        if i > 1:
            t += dt.timedelta(seconds=p.board_s + dur[i - 1][i])
        s.eta = t
    Stop.objects.bulk_update(stops, ["eta"])
    end = t + dt.timedelta(seconds=p.board_s + dur[len(stops)][len(stops) + 1])
    Trip.objects.filter(pk=trip.pk).update(end_at=end)
