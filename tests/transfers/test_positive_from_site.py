"""A positive found in an isolation site: picked up at the site, alone in an ambulance, and
checked out of the site at the hand-over at the hospital (room into turnover once empty,
control ended there, the case recorded in that hospital)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.cases import services as cases
from fangkong.cases.choices import CaseState
from fangkong.control.choices import EpisodeStatus, PhaseStatus
from fangkong.control.models import ControlEpisode
from fangkong.core.errors import ValidationFailed
from fangkong.core.models import TimelineEvent
from fangkong.sites.choices import RoomState, StayStatus
from fangkong.sites.models import Stay
from fangkong.sites.services import check_in
from fangkong.transfers import services
from fangkong.transfers.choices import PlanStatus, RequestStatus, TransferKind
from fangkong.transfers.models import TransferRequest
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def register(person, users):
    return cases.register_case(
        person, kind="confirmed", sampled_at=timezone.now() - dt.timedelta(hours=2),
        sampling_place="隔离点采样", by=users["county"],
    )  # fmt: skip


@pytest.fixture
def in_site(placed, site, users):
    """钱阳性, alone in room 1 of the site as a close contact, found positive there."""
    person = PersonFactory(area=placed.village_a, name="钱阳性")
    room = site.rooms.order_by("number").first()
    check_in(room, [person], by=users["site_county"], reason="close_contact")
    return register(person, users)


def accepted_plan(dispatcher, area):
    plan = services.run_plan(area, by=dispatcher, background=False)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PROPOSED, plan.summary
    services.accept_plan(plan, by=dispatcher)
    return plan


def run(trip, driver):
    services.dispatch_trip(trip, by=driver)
    for req in trip.requests.all():
        for m in req.members.all():
            services.pick_up(trip, person=m.person, by=driver)
    services.arrive(trip, by=driver)


def test_a_case_in_a_site_is_requested_from_the_site(in_site, site, placed, users):
    req = services.request_for_case(in_site, by=users["township_a"])
    assert req.kind == TransferKind.POSITIVE and req.site == site and req.picks_up_at_site
    assert (req.lat, req.lon) == (site.lat, site.lon)  # not the village's place
    assert req.pickup_address == site.address
    assert req.pickup_place == f"Isolation site {site.name}"
    assert req.area == placed.village_a  # the household's area still says who sees it
    # asking again is the same request
    assert services.request_for_case(in_site, by=users["county"]).pk == req.pk


def test_a_positive_at_home_still_picks_up_at_home(case, placed, users):
    req = services.request_for_case(case, by=users["county"])
    assert req.site is None and not req.picks_up_at_site
    assert (req.lat, req.lon) == (placed.village_a.lat, placed.village_a.lon)
    assert req.pickup_place == placed.village_a.name


def test_household_members_not_in_the_same_site_are_refused(
    family, site, make_site, dispatcher, users
):
    rooms = list(site.rooms.order_by("number"))
    check_in(rooms[0], family[:1], by=users["site_county"], reason="close_contact")
    # one in the site, the other at home
    with pytest.raises(ValidationFailed) as exc:
        services.request_transfer(family, TransferKind.POSITIVE, by=dispatcher)
    assert "persons" in exc.value.fields
    assert f"{family[1].name} is not in isolation at {site.name}" in str(exc.value.message)
    # one in each of two sites
    other = make_site(name="城南公寓", beds=3, lat=28.80, lon=108.74)
    check_in(other.rooms.first(), family[1:], by=users["site_county"], reason="close_contact")
    with pytest.raises(ValidationFailed):
        services.request_transfer(family, TransferKind.POSITIVE, by=dispatcher)
    assert not TransferRequest.objects.exists()
    # each alone from their own site is fine
    req = services.request_transfer(family[1:], TransferKind.POSITIVE, by=dispatcher)
    assert req.site == other and (req.lat, req.lon) == (28.80, 108.74)


def test_a_household_in_one_site_may_go_together(family, site, dispatcher, users):
    check_in(site.rooms.first(), family, by=users["site_county"], reason="close_contact")
    req = services.request_transfer(family, TransferKind.POSITIVE, by=dispatcher)
    assert req.site == site and req.members.count() == 2


def test_a_positive_in_a_site_without_coordinates_is_refused(make_site, dispatcher, users):
    site = make_site(name="无坐标宾馆", lat=None, lon=None)
    person = PersonFactory(area=site.area)
    check_in(site.rooms.first(), [person], by=users["site_county"], reason="close_contact")
    with pytest.raises(ValidationFailed) as exc:
        services.request_transfer([person], TransferKind.POSITIVE, by=dispatcher)
    assert "site" in exc.value.fields and "无坐标宾馆" in str(exc.value.message)
    assert not TransferRequest.objects.exists()


def test_the_old_refusals_still_stand(family, contact, site, dispatcher, users):
    # a release home of someone not in a site
    with pytest.raises(ValidationFailed) as exc:
        services.request_transfer([contact], TransferKind.RELEASE_HOME, by=dispatcher)
    assert "not in one" in str(exc.value.message)
    # a transfer into isolation of someone in a site
    check_in(site.rooms.first(), family, by=users["site_county"], reason="close_contact")
    for kind in (TransferKind.CLOSE_CONTACT, TransferKind.HOME_INELIGIBLE):
        with pytest.raises(ValidationFailed) as exc:
            services.request_transfer(family, kind, by=dispatcher)
        assert "already in isolation" in str(exc.value.message)
    assert not TransferRequest.objects.exists()


def test_the_board_and_the_trip_page_show_the_site_as_the_pick_up(
    in_site, site, requested, van, ambulance, hospital, dispatcher, driver, placed, login
):
    positive = services.request_for_case(in_site, by=dispatcher)
    plan = accepted_plan(dispatcher, placed.county)
    assert plan.summary["violations"] == []
    stops = {s.request_id: s for t in plan.trips.all() for s in t.stops.all()}
    trip = stops[positive.pk].trip
    # alone: the ambulance to the hospital, nobody negative aboard
    assert trip.vehicle == ambulance and trip.hospital == hospital and trip.positive
    assert [s.request_id for s in trip.stops.all()] == [positive.pk]
    assert stops[requested.pk].trip != trip
    board = login(dispatcher).get(f"/transfers/plans/{plan.pk}/").content.decode()
    assert f"Isolation site {site.name}" in board
    page = login(driver).get(f"/transfers/trips/{trip.pk}/").content.decode()
    assert f"Isolation site {site.name}" in page and site.address in page
    detail = login(dispatcher).get(f"/transfers/requests/{positive.pk}/").content.decode()
    assert f"Isolation site {site.name}" in detail


def test_the_hand_over_ends_the_stay_frees_the_room_into_turnover_and_records_the_case(
    in_site, site, ambulance, hospital, dispatcher, driver, placed
):
    stay = Stay.objects.get(person=in_site.person, status=StayStatus.OPEN)
    room = stay.room
    req = services.request_for_case(in_site, by=dispatcher)
    plan = accepted_plan(dispatcher, placed.county)
    trip = plan.trips.get()
    services.dispatch_trip(trip, by=driver)
    services.pick_up(trip, person=in_site.person, by=driver)
    stay.refresh_from_db()
    assert stay.status == StayStatus.OPEN  # still the site's until handed over
    services.arrive(trip, by=driver)
    trip.refresh_from_db()
    req.refresh_from_db()
    stay.refresh_from_db()
    room.refresh_from_db()
    in_site.refresh_from_db()
    assert req.status == RequestStatus.ARRIVED
    assert stay.status == StayStatus.RELEASED and stay.check_out_at == trip.arrived_at
    assert stay.early_reason == (
        f"Transferred to the designated hospital {hospital.name} (transfer #{req.pk})"
    )
    assert room.state == RoomState.AWAITING_DISINFECTION  # the turnover's first step
    assert in_site.state == CaseState.TRANSFERRED and in_site.hospital == hospital.name
    assert in_site.transferred_at == trip.arrived_at
    # control ends there: no home phase is started for someone in hospital
    episode = ControlEpisode.objects.get(person=in_site.person)
    assert episode.status == EpisodeStatus.COMPLETED
    phases = list(episode.phases.order_by("order"))
    assert phases[0].status == PhaseStatus.COMPLETED
    assert phases[0].end_reason == stay.early_reason
    assert len(phases) > 1 and all(p.status == PhaseStatus.CANCELLED for p in phases[1:])
    event = TimelineEvent.objects.get(subject_id=in_site.person_id, kind="released")
    assert event.actor == driver and "Checked out of" in event.summary
    assert hospital.name in event.summary


def test_a_household_member_left_in_the_room_keeps_it_occupied(
    family, site, ambulance, hospital, dispatcher, driver, placed, users
):
    room = site.rooms.order_by("number").first()
    check_in(room, family, by=users["site_county"], reason="close_contact")
    case = register(family[0], users)
    services.request_for_case(case, by=dispatcher)
    plan = accepted_plan(dispatcher, placed.county)
    run(plan.trips.get(), driver)
    room.refresh_from_db()
    assert room.state == RoomState.OCCUPIED
    stays = {s.person_id: s.status for s in Stay.objects.filter(room=room)}
    assert stays == {family[0].pk: StayStatus.RELEASED, family[1].pk: StayStatus.OPEN}


def test_a_positive_missed_at_the_site_stays_in_it(
    in_site, ambulance, hospital, dispatcher, driver, placed
):
    req = services.request_for_case(in_site, by=dispatcher)
    plan = accepted_plan(dispatcher, placed.county)
    trip = plan.trips.get()
    services.dispatch_trip(trip, by=driver)
    services.arrive(trip, by=driver)  # nobody picked up: back to the queue
    req.refresh_from_db()
    assert req.status == RequestStatus.REQUESTED
    assert Stay.objects.get(person=in_site.person).status == StayStatus.OPEN
