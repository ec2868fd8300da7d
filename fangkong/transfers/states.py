"""The state machines of transfer requests, vehicles, plans and trips (``core.states``),
from the tables in ``choices.py``. Every change of these fields goes through them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.states import StateMachine
from fangkong.transfers.choices import (
    PLAN_TRANSITIONS,
    REQUEST_TRANSITIONS,
    TRIP_TRANSITIONS,
    VEHICLE_TRANSITIONS,
)
from fangkong.transfers.models import Plan, TransferRequest, Trip, Vehicle

RequestMachine = StateMachine(
    TransferRequest.status,
    REQUEST_TRANSITIONS,
    describe=lambda r: _("Transfer request #%(n)s") % {"n": r.pk},
    changed_at="status_changed_at",
    error_field="request",
)

VehicleMachine = StateMachine(
    Vehicle.state,
    VEHICLE_TRANSITIONS,
    describe=lambda v: _("Vehicle %(plate)s") % {"plate": v.plate},
    changed_at="state_changed_at",
    error_field="vehicle",
    timeline=True,
)

PlanMachine = StateMachine(
    Plan.status,
    PLAN_TRANSITIONS,
    describe=lambda p: _("Plan #%(n)s") % {"n": p.pk},
    changed_at="status_changed_at",
    error_field="plan",
)

TripMachine = StateMachine(
    Trip.status,
    TRIP_TRANSITIONS,
    describe=lambda t: _("Trip %(plate)s/%(n)s") % {"plate": t.vehicle.plate, "n": t.seq},
    changed_at="status_changed_at",
    error_field="trip",
)
