"""Check-in and moves: households together, beds respected, flags, the last bed race."""

import json
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from fangkong.control.selectors import active_episode_for
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import TimelineEvent
from fangkong.sites import services
from fangkong.sites.choices import RoomState, StayStatus
from fangkong.sites.models import Room, Stay
from tests.factories import HouseholdFactory, PersonFactory
from tests.sites.conftest import room_of, under_control, years_ago

pytestmark = pytest.mark.django_db


def events(subject, kind):
    return TimelineEvent.objects.filter(
        subject_type=subject._meta.label_lower, subject_id=subject.pk, kind=kind
    )


def test_check_in_starts_an_episode_and_links_its_centralized_phase(site, manager, person_a):
    room = room_of(site, "101")
    [stay] = services.check_in(room, [person_a], by=manager, reason="close_contact")
    episode = active_episode_for(person_a)
    assert episode.reason == "close_contact"
    assert stay.phase.kind == "centralized_isolation" and stay.phase.episode == episode
    assert stay.status == StayStatus.OPEN and stay.site == site
    assert Room.objects.get(pk=room.pk).state == RoomState.OCCUPIED
    assert events(person_a, "checked_in").count() == 1
    assert events(room, "occupied").count() == 1


def test_check_in_uses_the_episode_already_under_way(site, manager, person_a):
    phase = under_control(person_a, days_ago=2, reason="inbound_traveller")
    [stay] = services.check_in(room_of(site, "101"), [person_a], by=manager, reason="close_contact")
    assert stay.phase_id == phase.pk


def test_a_household_shares_one_room(make_site, manager, household):
    site = make_site(name="公租房", per_floor=2, beds=3)
    stays = services.check_in(room_of(site, "101"), household, by=manager, reason="close_contact")
    assert {s.room_id for s in stays} == {room_of(site, "101").pk}
    assert {s.household_id for s in stays} == {household[0].household_id}


def test_members_of_different_households_are_not_put_together(make_site, manager, county):
    site = make_site(per_floor=1, beds=2)
    a = PersonFactory(area=county.village_a, household=HouseholdFactory(area=county.village_a))
    b = PersonFactory(area=county.village_a, household=HouseholdFactory(area=county.village_a))
    with pytest.raises(ValidationFailed) as exc:
        services.check_in(room_of(site, "101"), [a, b], by=manager, reason="close_contact")
    assert "persons" in exc.value.fields
    assert not Stay.objects.exists()


def test_over_its_beds_is_refused_and_nothing_changes(site, manager, household):
    room = room_of(site, "101")  # one bed
    with pytest.raises(ValidationFailed) as exc:
        services.check_in(room, household, by=manager, reason="close_contact")
    assert "1 bed" in str(exc.value.message) and "persons" in exc.value.fields
    assert not Stay.objects.exists()
    assert Room.objects.get(pk=room.pk).state == RoomState.READY
    assert active_episode_for(household[0]) is None


@pytest.mark.parametrize("state", [RoomState.AWAITING_DISINFECTION, RoomState.OUT_OF_SERVICE])
def test_a_room_not_ready_is_refused(site, manager, person_a, state):
    room = room_of(site, "101")
    Room.objects.filter(pk=room.pk).update(state=state)
    room.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        services.check_in(room, [person_a], by=manager, reason="close_contact")
    assert "room" in exc.value.fields and "only a ready or reserved room" in str(exc.value)
    assert not Stay.objects.exists()


def test_a_check_in_into_an_occupied_room_is_a_conflict(site, manager, county):
    first, second = (PersonFactory(area=county.village_a) for _ in range(2))
    services.check_in(room_of(site, "101"), [first], by=manager, reason="close_contact")
    with pytest.raises(Conflict) as exc:  # the room as read now, after the first check-in
        services.check_in(room_of(site, "101"), [second], by=manager, reason="close_contact")
    assert "room" in exc.value.fields and "already occupied" in str(exc.value.message)
    assert list(Stay.objects.values_list("person_id", flat=True)) == [first.pk]
    assert active_episode_for(second) is None


def test_a_reserved_room_takes_a_check_in(site, manager, person_a, users):
    room = room_of(site, "101")
    services.set_room_state(room, RoomState.RESERVED, by=users["county"])
    services.check_in(room, [person_a], by=manager, reason="close_contact")
    assert Room.objects.get(pk=room.pk).state == RoomState.OCCUPIED


def test_a_person_already_in_isolation_is_refused(site, manager, person_a):
    services.check_in(room_of(site, "101"), [person_a], by=manager, reason="close_contact")
    with pytest.raises(ValidationFailed) as exc:
        services.check_in(room_of(site, "102"), [person_a], by=manager, reason="close_contact")
    assert "already in isolation" in str(exc.value.message)
    assert Room.objects.get(pk=room_of(site, "102").pk).state == RoomState.READY
    assert Stay.objects.count() == 1


def test_a_person_outside_the_users_areas_is_refused(site, users, person_b):
    # site_a covers township A only; person_b lives in township B.
    with pytest.raises(NotFound) as exc:
        services.check_in(
            room_of(site, "101"), [person_b], by=users["site_a"], reason="close_contact"
        )
    assert "persons" in exc.value.fields
    assert not Stay.objects.exists()


def test_a_site_outside_the_users_areas_is_refused(site_b, users, person_a):
    with pytest.raises(NotFound):
        services.check_in(
            room_of(site_b, "101"), [person_a], by=users["site_a"], reason="close_contact"
        )


def test_roles_without_stay_management_cannot_check_in(site, users, person_a):
    with pytest.raises(PermissionDenied):
        services.check_in(
            room_of(site, "101"), [person_a], by=users["township_a"], reason="close_contact"
        )


def test_unaccompanied_minor_and_elderly_are_flagged(make_site, manager, county):
    site = make_site(per_floor=3, beds=2)
    child = PersonFactory(area=county.village_a, birth_date=years_ago(15))
    old = PersonFactory(area=county.village_a, birth_date=years_ago(70))
    adult = PersonFactory(area=county.village_a, birth_date=years_ago(69))
    [c] = services.check_in(room_of(site, "101"), [child], by=manager, reason="close_contact")
    [o] = services.check_in(room_of(site, "102"), [old], by=manager, reason="close_contact")
    [a] = services.check_in(room_of(site, "103"), [adult], by=manager, reason="close_contact")
    assert (c.minor_unaccompanied, c.elderly) == (True, False)
    assert (o.minor_unaccompanied, o.elderly) == (False, True)
    assert (a.minor_unaccompanied, a.elderly) == (False, False)
    assert "unaccompanied minor" in events(child, "checked_in").get().summary


def test_a_child_with_a_parent_is_not_unaccompanied(make_site, manager, household):
    site = make_site(per_floor=1, beds=3)
    stays = services.check_in(room_of(site, "101"), household, by=manager, reason="close_contact")
    assert not any(s.minor_unaccompanied for s in stays)


def test_a_stale_second_check_in_into_the_taken_room_gets_conflict(site, manager, county):
    first, second = (PersonFactory(area=county.village_a) for _ in range(2))
    seen_by_operator_b = room_of(site, "101")  # both operators loaded the room while ready
    services.check_in(room_of(site, "101"), [first], by=manager, reason="close_contact")
    assert seen_by_operator_b.state == RoomState.READY
    with pytest.raises(Conflict) as exc:
        services.check_in(seen_by_operator_b, [second], by=manager, reason="close_contact")
    assert "just taken by someone else" in str(exc.value.message)
    assert list(Stay.objects.values_list("person_id", flat=True)) == [first.pk]
    assert active_episode_for(second) is None


@pytest.mark.django_db(transaction=True)
def test_two_operators_giving_the_last_bed_at_once_one_wins(make_site, manager, county):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot hold two writers at once")
    site = make_site(per_floor=1)
    room = room_of(site, "101")
    persons = [PersonFactory(area=county.village_a) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list = []

    def operator(person):
        try:
            barrier.wait()
            services.check_in(room, [person], by=manager, reason="close_contact")
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(str(exc.message))
        except Exception as exc:  # noqa: BLE001 - shown by the assertion below
            outcomes.append(f"unexpected: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=operator, args=(p,)) for p in persons]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1 and len(outcomes) == 2, outcomes
    assert any("just taken by someone else" in o for o in outcomes)
    assert Stay.objects.filter(room=room).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_check_ins_racing_for_one_bed_one_wins_every_other_gets_409(
    make_site, users, county, login
):
    """Through the API, each request reading the room itself: whether a loser's request
    read the room before or after the winner's commit, it is told 409 Conflict."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot hold two writers at once")
    site = make_site(per_floor=1)
    room = room_of(site, "101")
    persons = [PersonFactory(area=county.village_a) for _ in range(20)]
    clients = [login(users["site_county"]) for _ in persons]
    barrier = threading.Barrier(len(persons))
    answers: list = []

    def operator(client, person):
        try:
            barrier.wait()
            resp = client.post(f"/api/v1/sites/rooms/{room.pk}/check-in",
                               json.dumps({"person_ids": [person.pk], "reason": "close_contact"}),
                               content_type="application/json")  # fmt: skip
            answers.append((resp.status_code, resp.json()))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=operator, args=cp) for cp in zip(clients, persons, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(code for code, _ in answers)
    assert codes == [201] + [409] * 19, answers
    for code, answer in answers:
        if code == 409:
            assert answer["error"]["code"] == "conflict" and "room" in answer["error"]["fields"]
            assert "101" in answer["error"]["message"]
    assert Stay.objects.filter(room=room).count() == 1


# --- moves --------------------------------------------------------------------------------


def test_move_takes_the_household_along_and_sends_the_old_room_to_turnover(
    make_site, manager, household
):
    site = make_site(per_floor=3, beds=3)
    old_room, new_room = room_of(site, "101"), room_of(site, "102")
    stays = services.check_in(old_room, household, by=manager, reason="close_contact")
    moved = services.move(stays[0], new_room, by=manager, reason="空调故障")
    assert {s.person_id for s in moved} == {p.pk for p in household}
    assert all(s.room_id == new_room.pk and s.moved_from_id for s in moved)
    assert {s.phase_id for s in moved} == {s.phase_id for s in stays}
    assert Stay.objects.filter(room=old_room, status=StayStatus.MOVED).count() == 3
    old_room.refresh_from_db()
    assert old_room.state == RoomState.AWAITING_DISINFECTION and old_room.vacated_at
    assert Room.objects.get(pk=new_room.pk).state == RoomState.OCCUPIED
    assert events(household[0], "moved").exists()


def test_move_needs_a_reason_and_a_ready_room(site, manager, person_a, person_b):
    a = services.check_in(room_of(site, "101"), [person_a], by=manager, reason="close_contact")[0]
    services.check_in(room_of(site, "102"), [person_b], by=manager, reason="close_contact")
    with pytest.raises(ValidationFailed) as exc:
        services.move(a, room_of(site, "103"), by=manager, reason=" ")
    assert "reason" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.move(a, room_of(site, "102"), by=manager, reason="调房")
    assert "to_room" in exc.value.fields
    assert Stay.objects.get(pk=a.pk).status == StayStatus.OPEN


def test_move_over_the_new_rooms_beds_is_refused(make_site, manager, household):
    site = make_site(per_floor=1, beds=3)
    small = services.create_room(site, by=manager, number="199", floor=1, beds=2)
    stays = services.check_in(room_of(site, "101"), household, by=manager, reason="close_contact")
    with pytest.raises(ValidationFailed):
        services.move(stays[0], small, by=manager, reason="调房")
    assert Stay.objects.filter(status=StayStatus.OPEN, room=room_of(site, "101")).count() == 3


def test_inflow_counts_check_ins_not_moves(site, manager, person_a):
    from fangkong.sites.selectors import capacity

    stay = services.check_in(room_of(site, "101"), [person_a], by=manager, reason="close_contact")[
        0
    ]
    services.move(stay, room_of(site, "102"), by=manager, reason="调房")
    report = capacity(manager)
    assert report.total.inflow[-1] == (timezone.localdate(), 1)


def test_check_in_queries_are_few_and_do_not_grow_with_the_household(make_site, manager, county):
    from django.test.utils import CaptureQueriesContext

    site = make_site(per_floor=3, beds=3)
    services.check_in(
        room_of(site, "101"),
        [PersonFactory(area=county.village_a)],
        by=manager,
        reason="close_contact",
    )
    one = PersonFactory(area=county.village_a)
    h = HouseholdFactory(area=county.village_a)
    three = [PersonFactory(area=county.village_a, household=h) for _ in range(3)]
    room, other = (
        Room.objects.select_related("site__area").get(site=site, number=n) for n in ("102", "103")
    )
    with CaptureQueriesContext(connection) as single:
        services.check_in(room, [one], by=manager, reason="close_contact")
    with CaptureQueriesContext(connection) as family:
        services.check_in(other, three, by=manager, reason="close_contact")
    # (savepoint) take the room, open stays?, episodes under way, per person the rule stamp,
    # an episode and its phases, then one insert each for the stays, the log and the timeline
    assert len(single) <= 11, [q["sql"] for q in single.captured_queries]
    assert len(family) == len(single) + 2 * 3, [q["sql"][:90] for q in family.captured_queries]
