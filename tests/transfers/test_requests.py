"""Transfer requests: who may ask, for whom, the deadline from policy, and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fangkong.core.models import TimelineEvent
from fangkong.sites.services import check_in
from fangkong.transfers import services
from fangkong.transfers.choices import RequestStatus, TransferKind
from fangkong.transfers.models import TransferRequest
from tests.factories import PersonFactory


def test_a_household_is_one_request_with_the_close_contact_deadline(family, dispatcher):
    before = timezone.now()
    req = services.request_transfer(
        family, TransferKind.CLOSE_CONTACT, by=dispatcher, source="cases"
    )
    assert req.status == RequestStatus.REQUESTED
    assert sorted(req.members.values_list("person__name", flat=True)) == ["赵子", "赵父"]
    assert (
        before + dt.timedelta(hours=12) <= req.deadline <= timezone.now() + dt.timedelta(hours=12)
    )
    assert (req.lat, req.lon) == (28.86, 108.80)  # the village's place
    kinds = TimelineEvent.objects.filter(subject_type="people.person", kind="transfer_requested")
    assert kinds.count() == 2


def test_the_deadline_is_a_setting(family, dispatcher, settings):
    settings.TRANSFERS_DEADLINE_HOURS = {TransferKind.CLOSE_CONTACT: 8}
    req = services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=dispatcher)
    assert req.deadline <= timezone.now() + dt.timedelta(hours=8)


def test_asking_again_is_the_same_request(family, dispatcher):
    first = services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=dispatcher)
    again = services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=dispatcher)
    assert again.pk == first.pk
    assert TransferRequest.objects.count() == 1


def test_a_person_on_an_open_request_cannot_be_on_another(family, dispatcher):
    services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=dispatcher)
    with pytest.raises(Conflict):
        services.request_transfer(family[:1], TransferKind.CLOSE_CONTACT, by=dispatcher)
    assert TransferRequest.objects.count() == 1


def test_a_person_outside_the_users_areas_is_refused(contact, placed, make_user):
    from fangkong.core.roles import Role

    officer_a = make_user(Role.TOWNSHIP_OFFICER, placed.town_a, username="officer_a2")
    with pytest.raises(NotFound) as exc:
        services.request_transfer([contact], TransferKind.CLOSE_CONTACT, by=officer_a)
    assert "persons" in exc.value.fields
    assert not TransferRequest.objects.exists()
    mine = PersonFactory(area=placed.village_a)
    assert services.request_transfer([mine], TransferKind.CLOSE_CONTACT, by=officer_a).pk


def test_a_person_already_in_a_site_is_refused(family, site, dispatcher, users):
    check_in(site.rooms.first(), family, by=users["site_county"], reason="close_contact")
    with pytest.raises(ValidationFailed) as exc:
        services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=dispatcher)
    assert "persons" in exc.value.fields and "already in isolation" in str(exc.value.message)
    assert not TransferRequest.objects.exists()
    # but going home from there is what a release home is for
    req = services.request_transfer(family, TransferKind.RELEASE_HOME, by=dispatcher)
    assert req.site == site


def test_persons_of_two_households_are_refused(family, contact, dispatcher):
    with pytest.raises(ValidationFailed) as exc:
        services.request_transfer([*family, contact], TransferKind.CLOSE_CONTACT, by=dispatcher)
    assert "persons" in exc.value.fields
    assert services.request_transfer([contact], TransferKind.CLOSE_CONTACT, by=dispatcher).pk


def test_a_pick_up_place_without_coordinates_is_refused(county, dispatcher):
    person = PersonFactory(area=county.village_a)  # the county is not on the map here
    with pytest.raises(ValidationFailed) as exc:
        services.request_transfer([person], TransferKind.CLOSE_CONTACT, by=dispatcher)
    assert "pickup" in exc.value.fields
    assert not TransferRequest.objects.exists()


def test_a_release_home_from_a_site_without_coordinates_is_refused(
    family, make_site, dispatcher, users
):
    site = make_site(name="无坐标宾馆", lat=None, lon=None)
    check_in(site.rooms.first(), family[:1], by=users["site_county"], reason="close_contact")
    with pytest.raises(ValidationFailed) as exc:
        services.request_transfer(family[:1], TransferKind.RELEASE_HOME, by=dispatcher)
    assert "site" in exc.value.fields and "no coordinates" in str(exc.value.message)
    assert not TransferRequest.objects.exists()


def test_roles_that_may_not_ask(family, users):
    with pytest.raises(PermissionDenied):
        services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=users["sampler_a"])
    assert services.request_transfer(family, TransferKind.CLOSE_CONTACT, by=users["village_a"]).pk


def test_cancel_needs_a_reason_and_is_final(requested, dispatcher):
    with pytest.raises(ValidationFailed):
        services.cancel_request(requested, by=dispatcher, reason=" ")
    services.cancel_request(requested, by=dispatcher, reason="核酸复核阴性")
    requested.refresh_from_db()
    assert requested.status == RequestStatus.CANCELLED and requested.cancel_reason == "核酸复核阴性"
    with pytest.raises(IllegalTransition):
        services.cancel_request(requested, by=dispatcher, reason="again")
