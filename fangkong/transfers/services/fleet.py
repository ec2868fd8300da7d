"""Depots and vehicles; a vehicle's state moves through ``VehicleMachine`` only: a trip
leaves it ``on_trip``, the arrival ``disinfecting``, and only a recorded disinfection
makes it ``ready`` for its next trip."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.transfers.choices import VehicleKind, VehicleState
from fangkong.transfers.models import Depot, Vehicle
from fangkong.transfers.states import VehicleMachine


def _coords(lat: Any, lon: Any) -> tuple[float | None, float | None]:
    if lat is None and lon is None:
        return None, None
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Give both latitude and longitude as numbers."), field="lat"
        ) from None
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise ValidationFailed(_("These coordinates are not on the earth."), field="lat")
    return la, lo


@transaction.atomic
def create_depot(*, name: str, area: Any, lat: Any = None, lon: Any = None, by: Actor) -> Depot:
    require(by, "fleet.manage")
    require_area(by, area)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the depot a name."), field="name")
    la, lo = _coords(lat, lon)
    depot = Depot.objects.create(name=name[:100], area=area, lat=la, lon=lo, created_by=by)
    audit.record(audit.Action.CREATE, depot, by=by, after=audit.snapshot(depot))
    return depot


@transaction.atomic
def create_vehicle(
    *, plate: str, kind: str, seats: int, depot: Depot, shift_hours: int = 10, by: Actor
) -> Vehicle:
    require(by, "fleet.manage")
    require_area(by, depot.area, field="depot")
    plate = (plate or "").strip().upper()
    if not plate:
        raise ValidationFailed(_("Give the plate."), field="plate")
    if kind not in VehicleKind.values:
        raise ValidationFailed(_("Unknown vehicle kind."), field="kind")
    if not isinstance(seats, int) or not 1 <= seats <= 60:
        raise ValidationFailed(_("Seats must be between 1 and 60."), field="seats")
    if not 1 <= int(shift_hours) <= 24:
        raise ValidationFailed(_("A shift is 1 to 24 hours."), field="shift_hours")
    if Vehicle.objects.filter(plate=plate).exists():
        raise ValidationFailed(
            _("A vehicle with plate %(p)s exists.") % {"p": plate}, field="plate"
        )
    v = Vehicle.objects.create(
        plate=plate,
        kind=kind,
        seats=seats,
        depot=depot,
        shift_hours=shift_hours,
        state_changed_at=timezone.now(),
        created_by=by,
    )
    audit.record(audit.Action.CREATE, v, by=by, after=audit.snapshot(v))
    return v


def _lock(vehicle: Vehicle) -> Vehicle:
    return Vehicle.objects.select_for_update().select_related("depot__area").get(pk=vehicle.pk)


@transaction.atomic
def record_disinfection(vehicle: Vehicle, *, by: Actor, note: str = "") -> Vehicle:
    """The disinfection after a trip (or before a vehicle comes back into service) is done:
    the vehicle is ready."""
    if not (by.can("transfer.trip.run") or by.can("fleet.manage")):
        require(by, "transfer.trip.run")
    require_area(by, vehicle.depot.area, field="vehicle")
    locked = _lock(vehicle)
    VehicleMachine.perform(
        locked,
        VehicleState.READY,
        by=by,
        event="disinfected",
        summary=_("Disinfected (消杀) and ready") + (f": {note[:100]}" if note else ""),
    )
    VehicleMachine.follow(vehicle, locked)
    return vehicle


@transaction.atomic
def set_vehicle_out_of_service(vehicle: Vehicle, *, by: Actor, reason: str) -> Vehicle:
    """Out of service with a reason; it comes back through a disinfection."""
    require(by, "fleet.manage")
    require_area(by, vehicle.depot.area, field="vehicle")
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the vehicle is out of service."), field="reason")
    locked = _lock(vehicle)
    VehicleMachine.perform(locked, VehicleState.OUT_OF_SERVICE, by=by, detail=reason[:200])
    VehicleMachine.follow(vehicle, locked)
    return vehicle
