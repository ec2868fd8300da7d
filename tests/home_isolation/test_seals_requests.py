"""Door seals (with consent, never twice) and service requests through their states, due
by kind, assigned to the grid coordinator, on the overdue board."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.areas.choices import ResponsibilityRole
from fangkong.areas.models import Responsibility
from fangkong.core.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fangkong.core.models import TimelineEvent
from fangkong.home_isolation import selectors, services
from fangkong.home_isolation.choices import RequestState, SealState
from fangkong.home_isolation.models import DoorSeal, ServiceRequest

pytestmark = pytest.mark.django_db


def test_a_seal_is_fitted_with_consent_once_and_removed(users, home_a, at_home, family):
    by = users["village_a"]
    with pytest.raises(ValidationFailed) as e:
        services.fit_seal(home_a, kind="seal", number="FT-001", consent=False, by=by)
    assert "consent" in e.value.fields
    seal = services.fit_seal(home_a, kind="seal", number="FT-001", consent=True, by=by)
    assert seal.fitted_by == by and seal.consent and seal.state == SealState.FITTED
    with pytest.raises(Conflict) as e:
        services.fit_seal(home_a, kind="sensor", number="MC-9", consent=True, by=by)
    assert e.value.code == "fitted"
    assert DoorSeal.objects.count() == 1
    assert TimelineEvent.objects.filter(subject_id=family[0].pk, kind="home_seal_fitted").exists()
    services.remove_seal(seal, by=by)
    seal.refresh_from_db()
    assert seal.state == SealState.REMOVED and seal.removed_by == by
    with pytest.raises(IllegalTransition):
        services.remove_seal(seal, by=by)
    again = services.fit_seal(home_a, kind="seal", number="FT-001", consent=True, by=by)
    assert again.pk != seal.pk


def test_a_seal_on_a_home_not_under_control_or_elsewhere_is_refused(users, home_a, county):
    from tests.factories import HouseholdFactory

    with pytest.raises(ValidationFailed):
        services.fit_seal(home_a, kind="seal", number="X1", consent=True, by=users["village_a"])
    other = HouseholdFactory(area=county.village_b)
    with pytest.raises(NotFound):
        services.fit_seal(other, kind="seal", number="X1", consent=True, by=users["village_a"])
    assert not DoorSeal.objects.exists()


def test_a_request_goes_new_accepted_delivered_closed_and_is_assigned_to_the_grid(
    users, family, at_home, county
):
    Responsibility.objects.create(area=county.village_a, role=ResponsibilityRole.VILLAGE_CADRE,
                                  person_name="刘网格", phone="13600136000")  # fmt: skip
    by = users["village_a"]
    req = services.create_request(family[0], kind="groceries", note="米和油", by=by)
    assert req.state == RequestState.NEW and req.assignee_name == "刘网格"
    assert 23.9 < (req.due_at - req.created_at).total_seconds() / 3600 < 24.1
    with pytest.raises(IllegalTransition):
        services.deliver_request(req, confirmation="交给张三", by=by)
    services.accept_request(req, by=by)
    with pytest.raises(ValidationFailed):
        services.deliver_request(req, confirmation="  ", by=by)
    services.deliver_request(req, confirmation="米和油交给张三", by=by)
    services.close_request(req, by=by)
    req.refresh_from_db()
    assert req.state == RequestState.CLOSED and req.confirmation == "米和油交给张三"
    with pytest.raises(IllegalTransition):
        services.cancel_request(req, reason_text="x", by=by)


def test_a_cancel_needs_a_reason_wrong_role_and_area_refused(
    users, family, at_home, stranger_b, make_user, county
):
    from fangkong.core.roles import Role

    by = users["village_a"]
    req = services.create_request(family[0], kind="garbage", by=by)
    with pytest.raises(ValidationFailed):
        services.cancel_request(req, reason_text="", by=by)
    with pytest.raises(PermissionDenied):
        services.accept_request(req, by=make_user(Role.SAMPLER, county.town_a))
    with pytest.raises(NotFound):
        services.create_request(stranger_b, kind="garbage", by=by)
    services.cancel_request(req, reason_text="家人已送", by=by)
    req.refresh_from_db()
    assert req.state == RequestState.CANCELLED and req.cancel_reason == "家人已送"


def test_the_overdue_board_counts_per_village_in_the_users_areas(
    users, family, at_home, stranger_b
):
    late = services.create_request(family[0], kind="urgent_medicine", by=users["village_a"])
    ServiceRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    services.create_request(family[0], kind="groceries", by=users["village_a"])
    services.create_request(stranger_b, kind="groceries", by=users["township_b"])
    board = selectors.overdue_board(users["township_a"], timezone.now())
    assert [(r["name"], r["open"], r["overdue"]) for r in board] == [("桃花社区", 2, 1)]
    county_board = selectors.overdue_board(users["county"], timezone.now())
    assert len(county_board) == 2
    assert [r.pk for r in selectors.overdue_requests(users["township_a"], timezone.now())] == [
        late.pk
    ]
