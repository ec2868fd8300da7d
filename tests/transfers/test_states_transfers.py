"""The request, vehicle, plan and trip machines: every move of their tables performed, one
forbidden move refused naming both states."""

from __future__ import annotations

import itertools

from django.utils import timezone

from fangkong.transfers.choices import (
    PLAN_TRANSITIONS,
    REQUEST_TRANSITIONS,
    TRIP_TRANSITIONS,
    VEHICLE_TRANSITIONS,
    PlanStatus,
    TransferKind,
    VehicleKind,
    VehicleState,
)
from fangkong.transfers.models import Plan, TransferRequest, Trip, Vehicle
from fangkong.transfers.states import PlanMachine, RequestMachine, TripMachine, VehicleMachine
from tests.state_walk import walk

plates = itertools.count(1)


def test_the_request_machine_walks_its_table(placed, users):
    def make(status):
        return TransferRequest.objects.create(
            area=placed.village_a, kind=TransferKind.CLOSE_CONTACT, status=status,
            deadline=timezone.now(), lat=28.8, lon=108.7,
        )  # fmt: skip

    assert RequestMachine.table == {k: set(v) for k, v in REQUEST_TRANSITIONS.items()}
    walk(RequestMachine, make, by=users["county"])


def test_the_vehicle_machine_walks_its_table_and_disinfection_follows_every_trip(depot, users):
    def make(state):
        return Vehicle.objects.create(
            plate=f"渝H{next(plates)}", kind=VehicleKind.VAN, seats=7, depot=depot, state=state
        )

    assert VehicleMachine.table == {k: set(v) for k, v in VEHICLE_TRANSITIONS.items()}
    assert VehicleMachine.targets(VehicleState.ON_TRIP) == {VehicleState.DISINFECTING}
    assert VehicleMachine.sources(VehicleState.ON_TRIP) == {VehicleState.READY}
    walk(VehicleMachine, make, by=users["county"])


def test_the_plan_and_trip_machines_walk_their_tables(placed, depot, users):
    vehicle = Vehicle.objects.create(plate="渝H9", kind=VehicleKind.BUS, seats=20, depot=depot)

    def make_plan(status):
        return Plan.objects.create(area=placed.county, status=status, start_at=timezone.now())

    def make_trip(status):
        plan = make_plan(PlanStatus.ACCEPTED)
        now = timezone.now()
        return Trip.objects.create(
            plan=plan, area=placed.county, vehicle=vehicle, status=status, start_at=now, end_at=now
        )

    assert PlanMachine.table == {k: set(v) for k, v in PLAN_TRANSITIONS.items()}
    assert TripMachine.table == {k: set(v) for k, v in TRIP_TRANSITIONS.items()}
    walk(PlanMachine, make_plan, by=users["county"])
    walk(TripMachine, make_trip, by=users["county"])
