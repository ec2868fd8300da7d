"""Release on time: due lists, the flagging task, release into the next phase, overstays."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from fangkong.areas.models import Responsibility
from fangkong.control.models import ControlPhase
from fangkong.control.services import cancel_episode
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.models import TimelineEvent
from fangkong.people.models import Person
from fangkong.sites import selectors, services
from fangkong.sites.choices import DueFlag, RoomState, StayStatus
from fangkong.sites.models import Room, Stay
from tests.factories import PersonFactory
from tests.sites.conftest import room_of, under_control

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def placed(site, number, person, manager, days_ago):
    """Check a person in whose centralized phase started ``days_ago`` days back."""
    phase = under_control(person, days_ago=days_ago)
    [stay] = services.check_in(room_of(site, number), [person], by=manager, reason="close_contact")
    assert stay.phase_id == phase.pk
    return stay


@pytest.fixture
def four(county):
    return [PersonFactory(area=county.village_a) for _ in range(4)]


def test_due_list_holds_today_and_tomorrow_only(site, manager, four):
    # 5-day centralized phase: started 4 days ago ends today; 3 days ago ends tomorrow.
    today_ = placed(site, "101", four[0], manager, 4)
    tomorrow = placed(site, "102", four[1], manager, 3)
    placed(site, "103", four[2], manager, 1)
    overdue = placed(site, "104", four[3], manager, 6)
    due = list(selectors.due_stays(manager))
    assert [s.pk for s in due] == [today_.pk, tomorrow.pk]
    assert [s.pk for s in selectors.overstays(manager)] == [overdue.pk]


def test_flagging_marks_due_and_overdue_stays_and_is_idempotent(site, manager, four):
    stays = [
        placed(site, n, p, manager, d)
        for n, p, d in zip(["101", "102", "103", "104"], four, [4, 3, 1, 6], strict=True)
    ]
    counts = services.flag_due_releases()
    assert counts == {"overdue": 1, "today": 1, "tomorrow": 1}
    flags = dict(Stay.objects.values_list("pk", "due_flag"))
    assert [flags[s.pk] for s in stays] == [DueFlag.TODAY, DueFlag.TOMORROW, "", DueFlag.OVERDUE]
    assert services.flag_due_releases() == counts
    # A day later the flags move on.
    services.flag_due_releases(on=TODAY() + dt.timedelta(days=1))
    assert Stay.objects.get(pk=stays[1].pk).due_flag == DueFlag.TODAY
    assert Stay.objects.get(pk=stays[0].pk).due_flag == DueFlag.OVERDUE
    assert Stay.objects.get(pk=stays[2].pk).due_flag == DueFlag.NONE


def test_a_stay_whose_phase_was_extended_loses_its_due_flag(site, manager, four):
    from fangkong.control.models import ControlPhase

    stay = placed(site, "101", four[0], manager, 4)  # due today
    services.flag_due_releases()
    assert Stay.objects.get(pk=stay.pk).due_flag == DueFlag.TODAY
    ControlPhase.objects.filter(pk=stay.phase_id).update(
        planned_end_date=TODAY() + dt.timedelta(days=5)
    )
    assert services.flag_due_releases() == {"overdue": 0, "today": 0, "tomorrow": 0}
    assert Stay.objects.get(pk=stay.pk).due_flag == DueFlag.NONE


def test_management_command_flags_and_the_task_is_queued(site, manager, four, capsys):
    placed(site, "101", four[0], manager, 4)
    call_command("flag_due_releases")
    assert "today=1" in capsys.readouterr().out
    from django_tasks_db.models import DBTaskResult

    call_command("flag_due_releases", "--enqueue", "--every", "60")
    assert DBTaskResult.objects.filter(task_path__endswith="flag_due_releases").exists()


def test_the_task_flags_what_is_due(site, manager, four):
    from fangkong.sites.tasks import flag_due_releases

    placed(site, "101", four[0], manager, 4)
    assert flag_due_releases.call() == {"overdue": 0, "today": 1, "tomorrow": 0}


def test_release_on_time_starts_the_next_phase_handed_to_the_village(
    site, manager, county, four, users
):
    Responsibility.objects.create(
        area=county.village_a, role="village_cadre", person_name="孙书记", phone="13900139000"
    )
    person = four[0]
    stay = placed(site, "101", person, manager, 4)
    released = services.release(stay, by=manager)
    assert released.status == StayStatus.RELEASED and released.check_out_at
    phase = ControlPhase.objects.get(pk=stay.phase_id)
    assert phase.status == "completed"
    nxt = ControlPhase.objects.get(episode=phase.episode, status="active")
    assert nxt.kind == "home_isolation" and nxt.start_date == TODAY()
    event = TimelineEvent.objects.get(
        subject_type="people.person", subject_id=person.pk, kind="released"
    )
    assert event.area_id == county.village_a.pk
    assert event.data["village"] == county.village_a.pk and event.data["cadre"] == "孙书记"
    assert event.data["next_phase_kind"] == "home_isolation"
    room = Room.objects.get(pk=stay.room_id)
    assert room.state == RoomState.AWAITING_DISINFECTION and room.vacated_at


def test_the_day_of_release_is_day_1_of_the_home_phase_wherever_days_are_shown(
    site, manager, four, users, login
):
    person = four[0]
    stay = placed(site, "101", person, manager, 4)
    services.release(stay, by=manager)
    home = ControlPhase.objects.get(episode__person=person, status="active")
    client = login(users["county"])
    page = client.get(f"/people/persons/{person.pk}/").content.decode()
    assert "Home isolation" in page and "day 1 of 3" in page and "day 0 of" not in page
    detail = client.get(f"/control/episodes/{home.episode_id}/").content.decode()
    assert "day 1 of 3" in detail and "day 0 of" not in detail
    listing = client.get("/control/episodes/").content.decode()
    assert "day 1 of 3" in listing and "day 0 of" not in listing
    api = client.get(f"/api/v1/control/episodes/{home.episode_id}").json()
    [current] = [p for p in api["phases"] if p["status"] == "active"]
    assert (current["kind"], current["day"], current["of_days"]) == ("home_isolation", 1, 3)
    zh = client.get(f"/people/persons/{person.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "第1天" in zh.content.decode().replace(" ", "")


def test_release_before_planned_end_without_reason_is_refused(site, manager, four):
    stay = placed(site, "101", four[0], manager, 1)
    with pytest.raises(ValidationFailed) as exc:
        services.release(stay, by=manager)
    assert "early_reason" in exc.value.fields and "needs a reason" in str(exc.value.message)
    assert Stay.objects.get(pk=stay.pk).status == StayStatus.OPEN
    assert ControlPhase.objects.get(pk=stay.phase_id).status == "active"
    assert Room.objects.get(pk=stay.room_id).state == RoomState.OCCUPIED


def test_early_release_with_a_reason_is_recorded(site, manager, four):
    stay = placed(site, "101", four[0], manager, 1)
    services.release(stay, by=manager, early_reason="转定点医院")
    stay.refresh_from_db()
    assert stay.status == StayStatus.RELEASED and stay.early_reason == "转定点医院"
    assert ControlPhase.objects.get(pk=stay.phase_id).end_reason == "转定点医院"


def test_releasing_twice_is_a_conflict(site, manager, four):
    stay = placed(site, "101", four[0], manager, 4)
    services.release(stay, by=manager)
    with pytest.raises(Conflict):
        services.release(stay, by=manager)


def test_room_stays_occupied_until_its_last_occupant_leaves(make_site, manager, household):
    site = make_site(per_floor=1, beds=3)
    for p in household:
        under_control(p, days_ago=4)
    stays = services.check_in(room_of(site, "101"), household, by=manager, reason="close_contact")
    services.release(stays[0], by=manager)
    assert Room.objects.get(pk=stays[0].room_id).state == RoomState.OCCUPIED
    services.release_batch(stays[1:], by=manager)
    assert Room.objects.get(pk=stays[0].room_id).state == RoomState.AWAITING_DISINFECTION


def test_batch_release_is_all_or_nothing_and_names_each_refusal(site, manager, four):
    due = [placed(site, n, p, manager, 4) for n, p in zip(["101", "102"], four, strict=False)]
    early = placed(site, "103", four[2], manager, 1)
    with pytest.raises(ValidationFailed) as exc:
        services.release_batch([*due, early], by=manager)
    assert len(exc.value.fields["stays"]) == 1 and four[2].name in exc.value.fields["stays"][0]
    assert Stay.objects.filter(status=StayStatus.OPEN).count() == 3
    done = services.release_batch(due, by=manager)
    assert {s.status for s in done} == {StayStatus.RELEASED}


def test_overstay_page_data_and_reason(site, manager, four):
    stay = placed(site, "101", four[0], manager, 6)
    with pytest.raises(ValidationFailed) as exc:
        services.record_overstay_reason(stay, by=manager, reason="")
    assert "reason" in exc.value.fields
    services.record_overstay_reason(stay, by=manager, reason="复核阳性，待转运")
    [row] = selectors.overstays(manager)
    assert row.overstay_reason == "复核阳性，待转运" and row.overstay_recorded_by == manager


def test_release_queries_do_not_grow_with_the_batch(make_site, manager, county):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    site = make_site(per_floor=6)
    persons = [PersonFactory(area=county.village_a) for _ in range(6)]
    stays = [placed(site, f"10{i + 1}", p, manager, days_ago=4) for i, p in enumerate(persons)]
    from fangkong.areas.models import Area
    from fangkong.policy.home import home_policy

    home_policy(TODAY(), Area(path=county.county.path))  # remembered, as in a running server
    with CaptureQueriesContext(connection) as one:
        services.release(stays[0], by=manager)
    with CaptureQueriesContext(connection) as five:
        services.release_batch(stays[1:], by=manager)
    # 12 for the release, up to 5 for the home-isolation gate (the homes' latest checks,
    # the rule-set stamp, the village, the open checks, the new checks; households: one more)
    assert len(five) == len(one) <= 17, [q["sql"] for q in five.captured_queries]
    assert Room.objects.filter(site=site, state=RoomState.AWAITING_DISINFECTION).count() == 6


def test_a_person_living_in_a_building_is_handed_to_the_village_above_it(
    site, manager, county, four
):
    from tests.factories import add_area

    estate = add_area(county.village_a, "500242002001001", "桃花小区", "estate")
    building = add_area(estate, "500242002001001001", "1栋", "building")
    Responsibility.objects.create(
        area=county.village_a, role="village_cadre", person_name="孙书记", phone="13900139000"
    )
    person = four[1]
    person.area = building
    person.save(update_fields=["area"])
    stay = placed(site, "102", person, manager, 4)
    services.release(stay, by=manager)
    event = TimelineEvent.objects.get(
        subject_type="people.person", subject_id=person.pk, kind="released"
    )
    assert event.data["village"] == county.village_a.pk and event.data["cadre"] == "孙书记"


# --- leaving control --------------------------------------------------------------------
def left_at(person):
    return Person._base_manager.get(pk=person.pk).left_control_at


def test_an_episode_ending_while_the_person_is_still_in_a_room_waits_for_the_release(
    manager, users, person_a, make_site
):
    """Cancelled while in isolation: still in the room, so still under control until the
    release closes the stay."""
    site = make_site(person_a.area)
    phase = under_control(person_a, days_ago=1)
    [stay] = services.check_in(room_of(site, "101"), [person_a], by=manager, reason="close_contact")
    cancel_episode(phase.episode, reason_text="ruled out", by=users["township_a"])
    assert left_at(person_a) is None
    services.release(stay, by=manager, early_reason="ruled out")
    assert left_at(person_a) is not None


def test_a_release_into_home_isolation_keeps_the_person_under_control(manager, person_a, make_site):
    site = make_site(person_a.area)
    under_control(person_a, days_ago=6)
    [stay] = services.check_in(room_of(site, "101"), [person_a], by=manager, reason="close_contact")
    services.release(stay, by=manager)
    assert left_at(person_a) is None
