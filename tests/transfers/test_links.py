"""Transfers wired to their neighbours: a household on home isolation's placement queue, a
close contact and a case are sent with one action, never retyped; a cancelled household
comes back to the queue; a positive handed over at the hospital has its case recorded there
by the driver who handed over."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.cases import services as cases
from fangkong.cases.choices import CaseState
from fangkong.core.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fangkong.core.models import AuditLog, Notice, TimelineEvent
from fangkong.core.roles import Role
from fangkong.home_isolation import selectors as home_selectors
from fangkong.home_isolation import services as home
from fangkong.home_isolation.choices import Origin, PlacementState
from fangkong.sites.services import check_in
from fangkong.transfers import services
from fangkong.transfers.choices import PlanStatus, RequestStatus, TransferKind
from fangkong.transfers.models import TransferRequest
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def placement_events(person) -> int:
    return TimelineEvent.objects.filter(subject_id=person.pk, kind="home_placement_taken").count()


# --- home isolation's placement queue --------------------------------------------------------
def test_the_household_is_requested_in_one_action_and_leaves_the_queue(failed, family, dispatcher):
    assert list(home_selectors.awaiting_placement(dispatcher)) == [failed]
    req = services.request_for_placement(failed, by=dispatcher)
    assert req.kind == TransferKind.HOME_INELIGIBLE and req.status == RequestStatus.REQUESTED
    assert set(req.members.values_list("person_id", flat=True)) == {p.pk for p in family}
    assert (req.source, req.source_ref) == ("home_isolation", str(failed.pk))
    assert "bathroom" in req.reason  # the dispatcher sees why without opening the check
    failed.refresh_from_db()
    assert failed.placement_state == PlacementState.TAKEN
    assert failed.placement_note == f"Transfer request #{req.pk}"
    assert not home_selectors.awaiting_placement(dispatcher).exists()


def test_asking_twice_is_the_same_request_and_takes_the_household_once(failed, family, dispatcher):
    first = services.request_for_placement(failed, by=dispatcher)
    again = services.request_for_placement(failed, by=dispatcher)
    assert again.pk == first.pk and TransferRequest.objects.count() == 1
    assert placement_events(family[0]) == 1


def test_a_role_that_may_not_take_from_the_queue_is_refused_and_nothing_written(failed, users):
    # a township officer may ask for transfers but does not take from the placement queue
    for who in (users["township_a"], users["auditor"]):
        with pytest.raises(PermissionDenied):
            services.request_for_placement(failed, by=who)
    failed.refresh_from_db()
    assert failed.placement_state == PlacementState.AWAITING
    assert not TransferRequest.objects.exists()


def test_another_areas_dispatcher_finds_no_such_household(failed, users):
    with pytest.raises(NotFound) as exc:
        services.request_for_placement(failed, by=users["dispatcher_b"])
    assert "assessment" in exc.value.fields
    assert not TransferRequest.objects.exists()


def test_a_household_not_awaiting_placement_is_refused_and_no_request_stays(
    failed, family, users, dispatcher
):
    home.cancel_placement(failed, reason_text="搬走了", by=users["county"])
    with pytest.raises(IllegalTransition) as exc:
        services.request_for_placement(failed, by=dispatcher)
    assert "assessment" in exc.value.fields and "Cancelled" in str(exc.value.message)
    assert not TransferRequest.objects.exists()  # the request was rolled back with the take
    eligible = home.assess_household(
        family[0], home.Answers(own_room=True, own_bathroom=True, children_with_parent=True),
        origin=Origin.CADRE, by=users["village_a"],
    )  # fmt: skip
    with pytest.raises(IllegalTransition):
        services.request_for_placement(eligible, by=dispatcher)
    assert not TransferRequest.objects.exists()


def test_a_member_already_in_a_site_leaves_the_household_on_the_queue(
    failed, family, site, dispatcher, users
):
    check_in(site.rooms.first(), family[:1], by=users["site_county"], reason="close_contact")
    with pytest.raises(ValidationFailed) as exc:
        services.request_for_placement(failed, by=dispatcher)
    assert "already in isolation" in str(exc.value.message)
    failed.refresh_from_db()
    assert failed.placement_state == PlacementState.AWAITING


def test_a_cancelled_transfer_puts_the_household_back_on_the_queue_saying_why(
    failed, family, dispatcher, make_user, placed, django_capture_on_commit_callbacks
):
    site_manager = make_user(Role.SITE_MANAGER, placed.town_a, username="site_a")
    req = services.request_for_placement(failed, by=dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_request(req, by=dispatcher, reason="车辆故障")
    failed.refresh_from_db()
    assert failed.placement_state == PlacementState.AWAITING
    assert failed.placement_note == f"Transfer request #{req.pk} cancelled: 车辆故障"
    assert list(home_selectors.awaiting_placement(site_manager)) == [failed]
    assert Notice.objects.filter(user=site_manager, kind="home.placement").exists()
    assert TimelineEvent.objects.filter(subject_id=family[0].pk,
                                        kind="home_placement_returned").exists()  # fmt: skip
    # and it can be sent again: a new request, taken again
    second = services.request_for_placement(failed, by=dispatcher)
    assert second.pk != req.pk and placement_events(family[0]) == 2


def test_cancelling_a_transfer_asked_for_otherwise_touches_no_queue(family, failed, dispatcher):
    req = services.request_transfer([PersonFactory(area=family[0].area)],
                                    TransferKind.CLOSE_CONTACT, by=dispatcher)  # fmt: skip
    services.cancel_request(req, by=dispatcher, reason="误报")
    failed.refresh_from_db()
    assert failed.placement_state == PlacementState.AWAITING and not failed.placement_note


# --- cases and contacts ----------------------------------------------------------------------
def test_a_close_contact_is_sent_to_centralized_isolation_in_one_action(case, contact, users):
    c = cases.register_contact(case, contact, by=users["county"]).contact
    req = services.request_for_contact(c, by=users["township_b"])
    assert req.kind == TransferKind.CLOSE_CONTACT and list(req.members.all())[0].person == contact
    assert (req.source, req.source_ref) == ("cases", str(c.pk))
    assert case.person.name not in req.reason  # the case by its number only
    assert services.request_for_contact(c, by=users["township_b"]).pk == req.pk


def test_contacts_that_cannot_be_sent_are_refused_naming_why(case, contact, placed, site, users):
    close = cases.register_contact(case, PersonFactory(area=placed.village_a),
                                   by=users["county"]).contact  # fmt: skip
    secondary = cases.register_contact(case, contact, kind="secondary", via=close,
                                       by=users["county"]).contact  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        services.request_for_contact(secondary, by=users["county"])
    assert "contact" in exc.value.fields
    with pytest.raises(NotFound):  # township A does not see township B's contact
        services.request_for_contact(secondary, by=users["township_a"])
    with pytest.raises(PermissionDenied):
        services.request_for_contact(close, by=users["auditor"])
    check_in(site.rooms.first(), [close.person], by=users["site_county"], reason="close_contact")
    with pytest.raises(ValidationFailed) as exc:
        services.request_for_contact(close, by=users["county"])
    assert "already in isolation" in str(exc.value.message)
    assert not TransferRequest.objects.exists()


def test_a_case_is_requested_to_the_designated_hospital_once(case, users, dispatcher):
    req = services.request_for_case(case, by=users["township_a"])
    assert req.kind == TransferKind.POSITIVE and (req.source, req.source_ref) == (
        "cases",
        str(case.pk),
    )
    assert services.request_for_case(case, by=dispatcher).pk == req.pk
    # the auditor may not ask; township B does not see township A's case
    with pytest.raises(PermissionDenied):
        services.request_for_case(case, by=users["auditor"])
    with pytest.raises(NotFound):
        services.request_for_case(case, by=users["township_b"])


def test_a_case_already_in_hospital_is_not_requested_again(case, users):
    cases.record_transfer(case, hospital="县人民医院", by=users["county"])
    with pytest.raises(IllegalTransition) as exc:
        services.request_for_case(case, by=users["county"])
    assert "case" in exc.value.fields and "In a designated hospital" in str(exc.value.message)
    assert not TransferRequest.objects.exists()


def test_a_person_on_a_positive_request_is_not_also_sent_as_a_contact(case, placed, users):
    other = cases.register_case(
        PersonFactory(area=placed.village_a), kind="confirmed", sampling_place="采样点",
        sampled_at=timezone.now() - dt.timedelta(hours=2), by=users["county"],
    )  # fmt: skip
    c = cases.register_contact(other, case.person, by=users["county"]).contact
    services.request_for_case(case, by=users["county"])
    with pytest.raises(Conflict):
        services.request_for_contact(c, by=users["county"])


# --- the hand-over at the hospital records the case's transfer --------------------------------
def run_trip(req, dispatcher, driver, area):
    plan = services.run_plan(area, by=dispatcher, background=False)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PROPOSED, plan.summary
    services.accept_plan(plan, by=dispatcher)
    trip = plan.trips.get()
    services.dispatch_trip(trip, by=driver)
    for m in req.members.all():
        services.pick_up(trip, person=m.person, by=driver)
    services.arrive(trip, by=driver)
    return trip


def test_handing_a_positive_over_records_the_case_in_that_hospital_by_the_driver(
    case, placed, ambulance, hospital, dispatcher, driver
):
    req = services.request_for_case(case, by=dispatcher)
    assert not driver.can("case.transfer")  # the driver's trip stands for it
    trip = run_trip(req, dispatcher, driver, placed.county)
    case.refresh_from_db()
    assert case.state == CaseState.TRANSFERRED and case.hospital == "县人民医院"
    assert case.transferred_at == trip.arrived_at
    row = AuditLog.objects.filter(object_type="cases.case", object_id=str(case.pk),
                                  action="update").get()  # fmt: skip
    assert row.actor == driver and "handed over on trip 渝H120/1" in row.detail
    event = TimelineEvent.objects.get(subject_id=case.person_id, kind="case_transferred")
    assert f"handed over by {driver}" in event.summary


def test_a_positive_without_an_open_case_arrives_with_nothing_to_record(
    case, placed, ambulance, hospital, dispatcher, driver, users
):
    nobody = PersonFactory(area=placed.village_a)  # positive elsewhere, no case here
    req = services.request_transfer([nobody], TransferKind.POSITIVE, by=dispatcher)
    run_trip(req, dispatcher, driver, placed.county)
    req.refresh_from_db()
    assert req.status == RequestStatus.ARRIVED
    # a case whose transfer was recorded by hand is left as it was
    second = services.request_for_case(case, by=dispatcher)
    cases.record_transfer(case, hospital="市传染病医院", by=users["county"])
    services.record_disinfection(ambulance, by=driver)
    run_trip(second, dispatcher, driver, placed.county)
    case.refresh_from_db()
    assert case.hospital == "市传染病医院"


def test_the_driver_may_not_record_a_transfer_outside_a_hand_over(case, driver):
    with pytest.raises(PermissionDenied):
        cases.record_transfer(case, hospital="县人民医院", by=driver)
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
