"""A release into home isolation passes the eligibility gate: the person leaves the site as
the rule says, but a home never checked goes onto the village's list of homes to check
(never taken as eligible), and a home that failed sends the person to centralized
placement; the release page says which."""

import pytest
from django.utils import timezone

from fangkong.core.errors import NotFound
from fangkong.core.models import Notice, TimelineEvent
from fangkong.core.roles import Role
from fangkong.core.workqueue import Work
from fangkong.home_isolation import selectors as home
from fangkong.home_isolation import services as home_services
from fangkong.home_isolation.choices import Origin, PlacementState
from fangkong.home_isolation.models import PendingCheck
from fangkong.sites import services
from fangkong.sites.choices import StayStatus
from tests.sites.conftest import room_of, under_control

pytestmark = pytest.mark.django_db

GOOD = dict(own_room=True, own_bathroom=True, children_with_parent=True)


def placed(site, number, person, manager):
    """A close contact (5 days at the site, then 3 of home isolation) due today."""
    under_control(person, days_ago=4)
    [stay] = services.check_in(room_of(site, number), [person], by=manager, reason="close_contact")
    return stay


def assess(person, by, **answers):
    return home_services.assess_household(
        person, home_services.Answers(**answers), origin=Origin.RELEASE, by=by
    )


def test_a_home_found_eligible_lets_the_person_go_home_with_nothing_to_do(
    site, manager, household, users
):
    a = assess(household[0], users["village_a"], **GOOD)
    released = services.release(placed(site, "101", household[0], manager), by=manager)
    assert released.status == StayStatus.RELEASED
    assert released.home_check.state == "eligible"
    assert timezone.localdate(a.created_at).isoformat() in str(released.home_check)
    assert not PendingCheck.objects.exists()


def test_a_home_never_checked_is_released_but_put_on_the_villages_list(
    site, manager, household, users, county, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        released = services.release(placed(site, "101", household[0], manager), by=manager)
    # the person left the site as the rule says, into home isolation
    assert released.status == StayStatus.RELEASED
    check = released.home_check
    assert check.state == "pending"
    assert str(check) == f"home isolation pending an eligibility check by {county.village_a.name}"
    [todo] = home.checks_to_do(users["village_a"])
    assert (todo.person, todo.household_id, todo.area) == (
        household[0], household[0].household_id, county.village_a,
    )  # fmt: skip
    work = home.checks_work(users["village_a"], timezone.now())
    assert isinstance(work, Work) and work.count == 1 and work.url == "/home-isolation/checks/"
    assert Notice.objects.filter(user=users["village_a"], kind="home.check").exists()
    event = TimelineEvent.objects.get(subject_id=household[0].pk, kind="home_gate")
    assert event.data["state"] == "pending"


def test_a_second_member_released_does_not_queue_the_household_twice_and_the_check_clears_it(
    site, manager, household, users
):
    services.release(placed(site, "101", household[0], manager), by=manager)
    services.release(placed(site, "102", household[1], manager), by=manager)
    assert PendingCheck.objects.filter(done_at__isnull=True).count() == 1
    a = assess(household[1], users["village_a"], **GOOD)
    assert not home.checks_to_do(users["village_a"]).exists()
    assert PendingCheck.objects.get().assessment == a


def test_a_home_that_failed_sends_the_person_to_centralized_placement_and_the_page_says_so(
    site, manager, household, users, login
):
    a = assess(household[0], users["village_a"], own_room=True)  # no own bathroom
    assert a.placement_state == PlacementState.AWAITING
    stay = placed(site, "101", household[0], manager)
    client = login(manager)
    room = client.get(f"/sites/rooms/{stay.room_id}/").content.decode()
    assert "centralized placement queue" in room
    page = client.post(f"/sites/stays/{stay.pk}/release/", follow=True).content.decode()
    assert "centralized placement queue" in page and "not home" in page
    assert not PendingCheck.objects.exists()
    assert list(home.awaiting_placement(manager)) == [a]


def test_the_release_page_says_the_home_is_pending_a_check_by_the_village_in_chinese(
    site, manager, household, county, login
):
    stay = placed(site, "101", household[0], manager)
    client = login(manager)
    due = client.get("/sites/due/").content.decode()
    assert f"pending an eligibility check by {county.village_a.name}" in due
    page = client.post(
        f"/sites/stays/{stay.pk}/release/", follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert f"居家隔离待{county.village_a.name}" in page
    api = client.get(f"/api/v1/sites/stays/{stay.pk}").json()
    assert api["status"] == "released"


def test_a_placement_cancelled_or_a_neighbours_check_does_not_count(
    site, manager, household, users, county
):
    from tests.factories import HouseholdFactory, PersonFactory

    neighbour = PersonFactory(
        area=county.village_a, household=HouseholdFactory(area=county.village_a)
    )
    assess(neighbour, users["village_a"], **GOOD)
    failed = assess(household[0], users["village_a"], own_room=True)
    home_services.cancel_placement(failed, reason_text="moved away", by=users["village_a"])
    released = services.release(placed(site, "101", household[0], manager), by=manager)
    assert released.home_check.state == "pending"


def test_the_check_is_the_villages_alone(site, manager, household, users, county, make_user):
    services.release(placed(site, "101", household[0], manager), by=manager)
    cadre_b = make_user(Role.VILLAGE_CADRE, county.village_b, username="village_b")
    assert not home.checks_to_do(cadre_b).exists()
    assert home.checks_work(cadre_b, timezone.now()).count == 0
    with pytest.raises(NotFound):
        assess(household[0], cadre_b, **GOOD)
    assert PendingCheck.objects.filter(done_at__isnull=True).count() == 1
    # the site manager releasing sees what was decided, not the village's list
    assert manager.can("home.assess") is False


def test_the_api_release_answers_what_the_gate_found(site, manager, household, login):
    stay = placed(site, "101", household[0], manager)
    resp = login(manager).post(f"/api/v1/sites/stays/{stay.pk}/release", {},
                               content_type="application/json")  # fmt: skip
    assert resp.status_code == 200, resp.content
    assert resp.json()["home_check"] == "pending"
    assert "pending an eligibility check" in resp.json()["home_check_text"]
