"""The planner over real rows, the dispatch board's edits, and the trip from dispatch to
the hand-over at check-in."""

from __future__ import annotations

import pytest

from fangkong.core.errors import Conflict, IllegalTransition, ValidationFailed
from fangkong.core.models import TimelineEvent
from fangkong.sites.choices import RoomState, StayStatus
from fangkong.sites.models import Stay
from fangkong.sites.services import set_room_state
from fangkong.transfers import services
from fangkong.transfers.choices import (
    PlanStatus,
    RequestStatus,
    TransferKind,
    TripStatus,
    VehicleState,
)
from fangkong.transfers.models import Plan, Trip
from tests.factories import HouseholdFactory, PersonFactory


def plan_now(area, by):
    plan = services.run_plan(area, by=by, background=False)
    plan.refresh_from_db()
    return plan


def test_a_plan_gives_the_household_one_room_and_one_trip(requested, site, van, dispatcher, placed):
    plan = plan_now(placed.county, dispatcher)
    assert plan.status == PlanStatus.PROPOSED, plan.summary
    assert plan.summary["violations"] == [] and plan.summary["left"] == []
    (trip,) = plan.trips.all()
    (stop,) = trip.stops.all()
    assert stop.request == requested and stop.persons == 2 and stop.room.site == site
    assert trip.vehicle == van and trip.site == site and not trip.positive
    # proposed only: nothing reserved yet
    stop.room.refresh_from_db()
    assert stop.room.state == RoomState.READY
    requested.refresh_from_db()
    assert requested.status == RequestStatus.REQUESTED


def test_accepting_reserves_the_rooms_and_plans_the_requests(
    requested, site, van, dispatcher, placed
):
    plan = plan_now(placed.county, dispatcher)
    services.accept_plan(plan, by=dispatcher)
    requested.refresh_from_db()
    assert plan.status == PlanStatus.ACCEPTED
    assert requested.status == RequestStatus.PLANNED and requested.room.state == RoomState.RESERVED
    assert requested.trip.plan == plan


def test_a_plan_accepted_after_its_room_was_taken_is_refused(
    requested, site, van, dispatcher, placed, users
):
    plan = plan_now(placed.county, dispatcher)
    room = plan.trips.get().stops.get().room
    set_room_state(room, RoomState.RESERVED, by=users["county"])  # someone else took it
    with pytest.raises(Conflict) as exc:
        services.accept_plan(plan, by=dispatcher)
    assert exc.value.code == "room_taken" and room.number in str(exc.value.message)
    plan.refresh_from_db()
    requested.refresh_from_db()
    assert plan.status == PlanStatus.PROPOSED and requested.status == RequestStatus.REQUESTED
    # re-plan: another room
    again = services.run_plan(placed.county, by=dispatcher, replaces=plan, background=False)
    again.refresh_from_db()
    assert again.trips.get().stops.get().room != room
    services.accept_plan(again, by=dispatcher)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED


def test_an_infeasible_day_gives_a_partial_plan_saying_who_is_left_and_why(
    make_site, van, dispatcher, placed
):
    make_site(rooms=2, beds=1)  # two single rooms
    reqs = [
        services.request_transfer(
            [PersonFactory(area=placed.village_a)], TransferKind.CLOSE_CONTACT, by=dispatcher
        )
        for _ in range(3)
    ]
    h = HouseholdFactory(area=placed.village_a)
    family = [PersonFactory(area=placed.village_a, household=h) for _ in range(2)]
    big = services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=dispatcher)
    plan = plan_now(placed.county, dispatcher)
    assert plan.status == PlanStatus.PROPOSED
    left = {x["request"]: x["reason"] for x in plan.summary["left"]}
    assert left[big.pk] == "no_room_fits"  # no double room at all
    assert sum(1 for r in reqs if left.get(r.pk) == "no_beds_left") == 1
    assert plan.summary["planned"] == 2 and all(x["text"] for x in plan.summary["left"])


def test_positives_never_share_a_vehicle_with_others(
    requested, contact, site, van, ambulance, hospital, dispatcher, placed
):
    positive = services.request_transfer([contact], TransferKind.POSITIVE, by=dispatcher)
    plan = plan_now(placed.county, dispatcher)
    assert plan.summary["violations"] == []
    trips = {stop.request_id: stop.trip for t in plan.trips.all() for stop in t.stops.all()}
    assert trips[positive.pk].vehicle == ambulance and trips[positive.pk].hospital == hospital
    assert trips[positive.pk].positive and not trips[requested.pk].positive
    assert trips[requested.pk].vehicle != ambulance


def test_a_site_without_coordinates_fails_the_plan_by_name(
    requested, make_site, van, dispatcher, placed
):
    make_site(name="无坐标宾馆", lat=None, lon=None)
    with pytest.raises(ValidationFailed) as exc:
        services.run_plan(placed.county, by=dispatcher, background=False)
    assert "site" in exc.value.fields and "无坐标宾馆" in str(exc.value.message)
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.FAILED and not plan.trips.exists()


def test_move_a_stop_and_lock_a_trip(family, contact, site, depot, dispatcher, placed):
    from fangkong.transfers.choices import VehicleKind

    services.create_vehicle(plate="渝H1", kind=VehicleKind.VAN, seats=3, depot=depot, by=dispatcher)
    services.create_vehicle(plate="渝H2", kind=VehicleKind.VAN, seats=3, depot=depot, by=dispatcher)
    a = services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=dispatcher)
    b = services.request_transfer([contact], TransferKind.CLOSE_CONTACT, by=dispatcher)
    plan = plan_now(placed.county, dispatcher)
    stops = {s.request_id: s for t in plan.trips.all() for s in t.stops.all()}
    # to the front of the contact's trip (another van's, or a reorder of the same one):
    # three seats take the family of two and the contact
    services.move_stop(stops[a.pk], to_trip=stops[b.pk].trip, position=1, by=dispatcher)
    trip = Trip.objects.get(pk=stops[b.pk].trip_id)
    assert [s.request_id for s in trip.stops.order_by("seq")] == [a.pk, b.pk] and trip.locked
    services.lock_trip(trip, locked=False, by=dispatcher)
    trip.refresh_from_db()
    assert not trip.locked


def test_a_stop_cannot_join_a_full_vehicle(family, contact, site, depot, dispatcher, placed):
    from fangkong.transfers.choices import VehicleKind

    services.create_vehicle(plate="渝H1", kind=VehicleKind.VAN, seats=2, depot=depot, by=dispatcher)
    services.create_vehicle(plate="渝H2", kind=VehicleKind.VAN, seats=2, depot=depot, by=dispatcher)
    a = services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=dispatcher)
    b = services.request_transfer([contact], TransferKind.CLOSE_CONTACT, by=dispatcher)
    plan = plan_now(placed.county, dispatcher)
    stops = {s.request_id: s for t in plan.trips.all() for s in t.stops.all()}
    assert stops[a.pk].trip_id != stops[b.pk].trip_id  # 2 + 1 > 2 seats
    with pytest.raises(ValidationFailed) as exc:
        services.move_stop(stops[b.pk], to_trip=stops[a.pk].trip, position=2, by=dispatcher)
    assert "to_trip" in exc.value.fields and "seats" in str(exc.value.message)
    assert stops[a.pk].trip.stops.count() == 1


@pytest.fixture
def accepted(requested, site, van, dispatcher, placed):
    plan = plan_now(placed.county, dispatcher)
    services.accept_plan(plan, by=dispatcher)
    return plan.trips.get()


def test_the_whole_trip_ends_with_the_family_checked_in(accepted, family, driver, van):
    services.dispatch_trip(accepted, by=driver)
    van.refresh_from_db()
    assert accepted.status == TripStatus.DISPATCHED and van.state == VehicleState.ON_TRIP
    for p in family:
        services.pick_up(accepted, person=p, by=driver)
    services.arrive(accepted, by=driver)
    req = accepted.requests.get()
    assert req.status == RequestStatus.ARRIVED and req.arrived_at
    stays = Stay.objects.filter(person__in=family, status=StayStatus.OPEN)
    assert stays.count() == 2 and {s.room_id for s in stays} == {req.room_id}
    req.room.refresh_from_db()
    assert req.room.state == RoomState.OCCUPIED
    van.refresh_from_db()
    assert van.state == VehicleState.DISINFECTING
    kinds = set(
        TimelineEvent.objects.filter(
            subject_type="people.person", subject_id=family[0].pk
        ).values_list("kind", flat=True)
    )
    assert {
        "transfer_requested",
        "transfer_dispatched",
        "picked_up",
        "transfer_arrived",
        "checked_in",
    } <= kinds


def test_a_vehicle_being_disinfected_is_not_dispatched(accepted, driver, van, dispatcher):
    from fangkong.transfers.states import VehicleMachine

    VehicleMachine.bulk(type(van).objects.filter(pk=van.pk), VehicleState.ON_TRIP)
    VehicleMachine.bulk(type(van).objects.filter(pk=van.pk), VehicleState.DISINFECTING)
    with pytest.raises(IllegalTransition) as exc:
        services.dispatch_trip(accepted, by=driver)
    assert "disinfection" in str(exc.value.message)
    accepted.refresh_from_db()
    assert accepted.status == TripStatus.PLANNED
    services.record_disinfection(van, by=driver)
    services.dispatch_trip(accepted, by=driver)
    assert accepted.status == TripStatus.DISPATCHED


def test_a_person_not_on_the_trip_is_not_picked_up(accepted, family, contact, driver):
    services.dispatch_trip(accepted, by=driver)
    with pytest.raises(ValidationFailed) as exc:
        services.pick_up(accepted, person=contact, by=driver)
    assert "person" in exc.value.fields and "not on this trip" in str(exc.value.message)
    row = services.pick_up(accepted, person=family[0], by=driver)
    assert row.picked_up_at
    assert services.pick_up(accepted, member=row.pk, by=driver).pk == row.pk  # twice: harmless


def test_nobody_boards_without_a_reserved_bed(accepted, family, driver, users):
    services.dispatch_trip(accepted, by=driver)
    room = accepted.requests.get().room
    set_room_state(room, RoomState.OUT_OF_SERVICE, by=users["county"], reason="水管爆裂")
    with pytest.raises(ValidationFailed) as exc:
        services.pick_up(accepted, person=family[0], by=driver)
    assert "No bed is reserved" in str(exc.value.message)
    assert not accepted.requests.get().members.filter(picked_up_at__isnull=False).exists()


def test_a_household_picked_up_in_part_does_not_arrive(accepted, family, driver):
    services.dispatch_trip(accepted, by=driver)
    services.pick_up(accepted, person=family[0], by=driver)
    with pytest.raises(ValidationFailed):
        services.arrive(accepted, by=driver)
    assert not Stay.objects.filter(person__in=family).exists()
    services.pick_up(accepted, person=family[1], by=driver)
    services.arrive(accepted, by=driver)
    assert Stay.objects.filter(person__in=family).count() == 2


def test_cancelling_a_planned_request_gives_its_room_back(accepted, dispatcher):
    req = accepted.requests.get()
    room = req.room
    services.cancel_request(req, by=dispatcher, reason="已居家隔离")
    room.refresh_from_db()
    req.refresh_from_db()
    assert room.state == RoomState.READY and req.status == RequestStatus.CANCELLED
    assert req.room is None and req.trip is None


def test_a_picked_up_transfer_cannot_be_cancelled(accepted, family, driver, dispatcher):
    services.dispatch_trip(accepted, by=driver)
    services.pick_up(accepted, person=family[0], by=driver)
    req = accepted.requests.get()
    with pytest.raises(IllegalTransition):
        services.cancel_request(req, by=dispatcher, reason="改变主意")
    req.refresh_from_db()
    assert req.status == RequestStatus.PICKED_UP and req.room.state == RoomState.RESERVED


def test_the_driver_may_not_plan_and_the_dispatcher_may_not_tick(
    accepted, family, driver, users, placed
):
    from fangkong.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.run_plan(placed.county, by=driver, background=False)
    services.dispatch_trip(accepted, by=driver)
    with pytest.raises(PermissionDenied):
        services.pick_up(accepted, person=family[0], by=users["county"])
    assert services.pick_up(accepted, person=family[0], by=driver).picked_up_at


def test_the_stay_says_why_the_household_is_under_control_not_close_contact_by_default(
    accepted, family, driver
):
    """A household already under control (here: arrived from a high-risk area) keeps its
    reason at the site; one brought without an episode is under control for the request's."""
    from fangkong.control.services import start_episode

    start_episode(family[0], "left_high_risk_area", start_date=accepted.created_at.date(), by=None)
    services.dispatch_trip(accepted, by=driver)
    for p in family:
        services.pick_up(accepted, person=p, by=driver)
    services.arrive(accepted, by=driver)
    stays = Stay.objects.filter(person__in=family, status=StayStatus.OPEN)
    assert {s.reason for s in stays} == {"left_high_risk_area"}
    assert {s.phase.episode.reason for s in stays if s.phase} <= {"left_high_risk_area"}
