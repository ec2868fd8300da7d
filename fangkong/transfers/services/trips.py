"""The trip: dispatch (the vehicle must be ready: disinfected since its last trip), the
pick-up of each person (ticked or scanned; only persons on this trip, only with a
reserved bed), and the arrival, which hands the persons to the site's check-in so their
room is occupied from that moment. Every step goes on the persons' timelines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actors import Actor
from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.core.logbatch import LogBatch
from fangkong.core.permissions import require
from fangkong.core.scoping import user_covers_area
from fangkong.policy.choices import Reason
from fangkong.sites.choices import RoomState
from fangkong.sites.models import Room
from fangkong.transfers.choices import (
    POSITIVE_KINDS,
    TO_ROOM_KINDS,
    PlanStatus,
    RequestStatus,
    TransferKind,
    TripStatus,
    VehicleState,
)
from fangkong.transfers.models import Stop, TransferPerson, TransferRequest, Trip, Vehicle
from fangkong.transfers.states import PlanMachine, RequestMachine, TripMachine, VehicleMachine


def _lock_trip(trip: Trip, by: Actor) -> Trip:
    if not user_covers_area(by, trip.area):
        raise NotFound(_("No such trip within your areas."), field="trip")
    return (
        Trip.objects.select_for_update(of=("self",))
        .select_related("vehicle__depot__area", "site", "plan")
        .get(pk=trip.pk)
    )


def _requests(trip: Trip) -> list[TransferRequest]:
    ids = set(Stop.objects.filter(trip=trip).values_list("request_id", flat=True))
    return list(
        TransferRequest.objects.select_for_update()
        .filter(pk__in=ids)
        .prefetch_related("members__person")
        .order_by("pk")
    )


def dispatch_trip(trip: Trip, *, by: Actor) -> Trip:
    """The vehicle leaves: it must be ready (a vehicle being disinfected or out of service
    is refused by its machine), the plan accepted and every room still reserved."""
    if not (by.can("transfer.dispatch") or by.can("transfer.trip.run")):
        require(by, "transfer.dispatch")
    with transaction.atomic():
        locked = _lock_trip(trip, by)
        if locked.plan.status != PlanStatus.ACCEPTED:
            raise PlanMachine.error(
                locked.plan,
                PlanStatus.ACCEPTED,
                field="trip",
                detail=_("Accept the plan before dispatching its trips."),
            )
        TripMachine.check(locked, TripStatus.DISPATCHED)
        vehicle = (
            Vehicle.objects.select_for_update()
            .select_related("depot__area")
            .get(pk=locked.vehicle_id)
        )
        VehicleMachine.check(
            vehicle,
            VehicleState.ON_TRIP,
            detail=_("Every trip is followed by a disinfection before the next.")
            if vehicle.state == VehicleState.DISINFECTING
            else "",
        )
        reqs = _requests(locked)
        for r in reqs:
            if r.kind in TO_ROOM_KINDS and not _reserved(r):
                raise ValidationFailed(
                    _("Request #%(n)s has no reserved bed any more; re-plan it before the trip.")
                    % {"n": r.pk},
                    field="trip",
                )
        now = timezone.now()
        logs = LogBatch()
        crew = getattr(by, "crew_member", None)
        VehicleMachine.perform(
            vehicle, VehicleState.ON_TRIP, by=by, at=now, logs=logs, data={"trip": locked.pk}
        )
        TripMachine.perform(
            locked,
            TripStatus.DISPATCHED,
            by=by,
            at=now,
            logs=logs,
            also={"departed_at": now, **({"driver": crew} if crew else {})},
        )
        for r in reqs:
            RequestMachine.perform(r, RequestStatus.DISPATCHED, by=by, at=now, logs=logs)
            for m in r.members.all():
                logs.event(
                    m.person,
                    "transfer_dispatched",
                    _("Vehicle %(plate)s on its way") % {"plate": vehicle.plate},
                    by=by,
                    area_id=m.person.area_id,
                    at=now,
                    data={"trip": locked.pk, "request": r.pk},
                )
        logs.write()
    TripMachine.follow(trip, locked, "departed_at")
    return trip


def _reserved(r: TransferRequest) -> bool:
    return bool(r.room_id) and Room.objects.filter(pk=r.room_id, state=RoomState.RESERVED).exists()


def pick_up(
    trip: Trip,
    *,
    member: int | None = None,
    person: Any = None,
    by: Actor,
    at: dt.datetime | None = None,
) -> TransferPerson:
    """Tick (``person``) or scan (``member``: the code on the person's transfer ticket) one
    person aboard. Refused: a person not on this trip, a trip not under way, a transfer
    into isolation without a reserved bed. Ticking twice is harmless."""
    require(by, "transfer.trip.run")
    with transaction.atomic():
        locked = _lock_trip(trip, by)
        if locked.status != TripStatus.DISPATCHED:
            raise TripMachine.error(
                locked,
                TripStatus.DONE,
                field="trip",
                detail=_("Pick-ups are ticked on a trip under way."),
            )
        rows = TransferPerson.objects.select_related("request", "person").filter(
            request__stops__trip=locked
        )
        if member is not None:
            row = rows.filter(pk=member).first()
        else:
            row = rows.filter(person=person).first() if person is not None else None
        if row is None:
            raise ValidationFailed(
                _("This person is not on this trip: do not take them aboard."), field="person"
            )
        if row.picked_up_at:
            return row
        req = TransferRequest.objects.select_for_update().get(pk=row.request_id)
        if req.kind in TO_ROOM_KINDS and not _reserved(req):
            raise ValidationFailed(
                _("No bed is reserved for this person: nobody boards without one."), field="person"
            )
        now = at or timezone.now()
        row.picked_up_at = now
        row.save(update_fields=["picked_up_at"])
        logs = LogBatch()
        if req.status == RequestStatus.DISPATCHED:
            RequestMachine.perform(req, RequestStatus.PICKED_UP, by=by, at=now, logs=logs)
        logs.event(
            row.person,
            "picked_up",
            _("Picked up by vehicle %(plate)s") % {"plate": locked.vehicle.plate},
            by=by,
            area_id=row.person.area_id,
            at=now,
            data={"trip": locked.pk, "request": req.pk},
        )
        logs.write()
    return row


# Why a request's persons are under control, when they arrive without an episode.
KIND_REASON: dict[str, str] = {TransferKind.CLOSE_CONTACT: Reason.CLOSE_CONTACT}


def _under_control(persons: list[Any], *, kind: str, on: dt.date) -> str:
    """Whoever the request brought without a control episode gets one now, by the system:
    the request stood for that decision (check-in would otherwise need the crew to hold
    "episode.manage"). Returns the reason the household is under control, for its stay:
    the episode's it already had (a household not eligible for home isolation keeps its
    own), else the request's kind's."""
    from fangkong.control import selectors as control_selectors
    from fangkong.control import services as control_services

    episodes = control_selectors.active_episodes_for([p.pk for p in persons])
    have = {e.person_id: e.reason for e in episodes}
    reason = next(iter(have.values()), KIND_REASON.get(kind, Reason.CLOSE_CONTACT))
    for p in persons:
        if p.pk not in have:
            control_services.start_episode(p, reason, start_date=on, by=None)
    return reason


def arrive(trip: Trip, *, by: Actor, at: dt.datetime | None = None) -> Trip:
    """The trip reaches its destination. Into isolation: each household is handed to the
    site's check-in (``sites.services.check_in``), the reserved room becomes occupied now.
    To hospital or home: handed over; a positive's open case is recorded as in that
    hospital and a stay in the site it was picked up at ends (``links.after_arrival``), by
    whoever handed over. A request nobody was picked
    up for goes back to the queue (its room released); a household picked up in part is
    refused: it travels whole. The vehicle is then being disinfected."""
    from fangkong.sites.services import check_in
    from fangkong.transfers.services.links import after_arrival
    from fangkong.transfers.services.plans import release_room

    require(by, "transfer.trip.run")
    with transaction.atomic():
        locked = _lock_trip(trip, by)
        TripMachine.check(locked, TripStatus.DONE)
        reqs = _requests(locked)
        now = at or timezone.now()
        logs = LogBatch()
        for r in reqs:
            members = list(r.members.all())
            aboard = [m for m in members if m.picked_up_at]
            if aboard and len(aboard) < len(members):
                raise ValidationFailed(
                    _(
                        "Request #%(n)s: %(a)d of %(b)d persons were picked up; a household travels whole."
                    )
                    % {"n": r.pk, "a": len(aboard), "b": len(members)},
                    field="trip",
                )
            if not aboard:  # missed: back to the queue
                if r.room_id:
                    release_room(r, by=by, logs=logs)
                RequestMachine.perform(
                    r,
                    RequestStatus.REQUESTED,
                    by=by,
                    at=now,
                    logs=logs,
                    also={"trip": None, "room": None},
                )
                continue
            if r.kind in TO_ROOM_KINDS:
                persons = [m.person for m in members]
                reason = _under_control(persons, kind=r.kind, on=timezone.localdate(now))
                room = Room.objects.select_related("site__area").get(pk=r.room_id)
                check_in(room, persons, by=by, reason=reason, at=now, handover=True)
            where = (
                locked.site.name
                if locked.site and r.kind not in POSITIVE_KINDS
                else str(locked.hospital or "")
            )
            RequestMachine.perform(
                r, RequestStatus.ARRIVED, by=by, at=now, logs=logs, also={"arrived_at": now}
            )
            after_arrival(r, [m.person for m in members], hospital=locked.hospital,
                          trip=f"{locked.vehicle.plate}/{locked.seq}", by=by, at=now)  # fmt: skip
            for m in members:
                logs.event(
                    m.person,
                    "transfer_arrived",
                    (
                        _("Arrived home, handed over")
                        if r.kind == TransferKind.RELEASE_HOME
                        else _("Arrived at %(where)s, handed over") % {"where": where}
                    ),
                    by=by,
                    area_id=m.person.area_id,
                    at=now,
                    data={"trip": locked.pk, "request": r.pk},
                )
        vehicle = (
            Vehicle.objects.select_for_update()
            .select_related("depot__area")
            .get(pk=locked.vehicle_id)
        )
        VehicleMachine.perform(
            vehicle, VehicleState.DISINFECTING, by=by, at=now, logs=logs, data={"trip": locked.pk}
        )
        TripMachine.perform(
            locked, TripStatus.DONE, by=by, at=now, logs=logs, also={"arrived_at": now}
        )
        logs.write()
    TripMachine.follow(trip, locked, "arrived_at")
    return trip
