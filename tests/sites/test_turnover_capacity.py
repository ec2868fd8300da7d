"""Room turnover in order, turnaround figures, overdue alerts; capacity figures."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.core.errors import IllegalTransition, PermissionDenied
from fangkong.sites import selectors, services
from fangkong.sites.choices import RoomState, SiteStatus
from fangkong.sites.models import Room, TurnoverStep
from tests.factories import PersonFactory
from tests.sites.conftest import room_of

pytestmark = pytest.mark.django_db
ORDER = ["disinfection", "supplies", "waste", "inspection"]


def vacate(room, hours_ago: float) -> Room:
    """A room just left: awaiting disinfection since ``hours_ago`` hours."""
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    Room.objects.filter(pk=room.pk).update(
        state=RoomState.AWAITING_DISINFECTION, vacated_at=at, state_changed_at=at, last_step=""
    )
    room.refresh_from_db()
    return room


def run_turnover(room, by, minutes: list[int]):
    """Record the four steps, ``minutes`` after vacated for each."""
    start = room.vacated_at
    for step, m in zip(ORDER, minutes, strict=True):
        services.record_step(room, step, by=by, at=start + dt.timedelta(minutes=m))


def test_steps_in_order_move_the_room_back_to_ready(site, manager):
    room = vacate(room_of(site, "101"), hours_ago=3)
    states = []
    for step in ORDER:
        services.record_step(room, step, by=manager, note="ok")
        states.append(Room.objects.get(pk=room.pk).state)
    assert states == [
        RoomState.DISINFECTED,
        RoomState.RESTOCKED,
        RoomState.RESTOCKED,
        RoomState.READY,
    ]
    room.refresh_from_db()
    assert room.vacated_at is None and room.last_step == ""
    last = TurnoverStep.objects.get(room=room, step="inspection")
    assert 3 * 3600 - 60 <= last.turnaround_seconds <= 3 * 3600 + 60


@pytest.mark.parametrize(
    "done,attempt",
    [
        ([], "supplies"),
        (["disinfection"], "inspection"),
        (["disinfection", "supplies"], "disinfection"),
    ],
)
def test_a_step_out_of_order_is_refused_naming_the_next(site, manager, done, attempt):
    room = vacate(room_of(site, "101"), hours_ago=1)
    for step in done:
        services.record_step(room, step, by=manager)
    before = Room.objects.get(pk=room.pk).state
    with pytest.raises(IllegalTransition) as exc:
        services.record_step(room, attempt, by=manager)
    assert "out of order" in str(exc.value.message) and "step" in exc.value.fields
    assert Room.objects.get(pk=room.pk).state == before
    assert TurnoverStep.objects.filter(room=room).count() == len(done)


def test_no_turnover_on_a_ready_room(site, manager):
    with pytest.raises(IllegalTransition) as exc:
        services.record_step(room_of(site, "101"), "disinfection", by=manager)
    assert "no turnover" in str(exc.value.message)


def test_turnover_needs_the_role(site, users):
    room = vacate(room_of(site, "101"), 1)
    with pytest.raises(PermissionDenied):
        services.record_step(room, "disinfection", by=users["township_a"])


def test_release_then_turnover_end_to_end(site, manager, person_a):
    from tests.sites.conftest import under_control

    under_control(person_a, days_ago=4)
    [stay] = services.check_in(room_of(site, "101"), [person_a], by=manager, reason="close_contact")
    services.release(stay, by=manager)
    room = room_of(site, "101")
    for step in ORDER:
        services.record_step(room, step, by=manager)
    assert Room.objects.get(pk=room.pk).state == RoomState.READY


def test_turnaround_median_and_p90_per_site_and_room(make_site, manager):
    site = make_site(per_floor=10)
    rooms = list(site.rooms.order_by("number"))
    for i, room in enumerate(rooms):  # 60, 120, ..., 600 minutes
        vacate(room, hours_ago=12)
        run_turnover(room, manager, [10, 20, 30, 60 * (i + 1)])
    stats = selectors.turnaround(manager, site=site)[site.pk]
    assert stats.count == 10
    assert stats.median_minutes == 330.0
    assert stats.p90_minutes == 546.0
    per_room = selectors.turnaround(manager, site=site, by_room=True)
    assert per_room[rooms[0].pk].median_minutes == 60.0


def test_overdue_turnover_alert_uses_the_site_target(make_site, manager):
    site = make_site(turnover_target_hours=4)
    late = vacate(room_of(site, "101"), hours_ago=5)
    vacate(room_of(site, "102"), hours_ago=3)
    [alert] = selectors.overdue_turnovers(manager)
    assert alert.pk == late.pk and 55 <= alert.overdue_minutes <= 61


def test_board_groups_rooms_by_state(site, manager, person_a):
    services.check_in(room_of(site, "101"), [person_a], by=manager, reason="close_contact")
    vacate(room_of(site, "102"), 1)
    groups = dict(selectors.board(site))
    assert [r.number for r in groups[RoomState.OCCUPIED]] == ["101"]
    assert [r.number for r in groups[RoomState.AWAITING_DISINFECTION]] == ["102"]
    assert [r.number for r in groups[RoomState.READY]] == ["103", "104"]


# --- capacity -----------------------------------------------------------------------------


def test_capacity_counts_beds_by_state_per_site_and_total(make_site, manager, users, county):
    a = make_site(per_floor=4, beds=2)  # 8 beds
    b = make_site(county.town_b, name="龙潭", per_floor=2, beds=1)  # 2 beds
    make_site(
        name="新板房",
        floors=0,
        status=SiteStatus.BUILDING,
        ready_date=dt.date(2030, 1, 5),
        planned_beds=300,
    )
    reserve = make_site(name="备用酒店", per_floor=3, status=SiteStatus.RESERVE)
    services.check_in(
        room_of(a, "101"),
        [PersonFactory(area=county.village_a)],
        by=manager,
        reason="close_contact",
    )
    services.set_room_state(room_of(a, "102"), RoomState.RESERVED, by=manager)
    services.set_room_state(room_of(a, "103"), RoomState.OUT_OF_SERVICE, by=manager, reason="修")
    vacate(room_of(b, "101"), 1)
    report = selectors.capacity(manager)
    caps = {c.site.pk: c for c in report.sites}
    ca = caps[a.pk]
    assert (ca.ready, ca.occupied, ca.reserved, ca.out_of_service, ca.persons) == (2, 2, 2, 2, 1)
    assert (caps[b.pk].ready, caps[b.pk].turnover) == (1, 1)
    assert caps[reserve.pk].ready == 0 and caps[reserve.pk].reserve_ready == 3
    t = report.total
    assert (t.ready, t.occupied, t.reserved, t.turnover, t.out_of_service) == (3, 2, 2, 1, 2)
    assert (t.planned, t.ready_date, t.reserve_ready) == (300, dt.date(2030, 1, 5), 3)
    assert t.inflow[-1][1] == 1 and t.inflow_per_day == pytest.approx(1 / 7)
    assert t.days_until_full == round((3 + 2) / (1 / 7), 1)
    # A township officer of B sees only B's site.
    assert [c.site.pk for c in selectors.capacity(users["township_b"]).sites] == [b.pk]


def test_days_until_full_is_none_without_inflow(site, manager):
    assert selectors.capacity(manager).total.days_until_full is None


def test_capacity_page_query_count_does_not_grow_with_sites(make_site, login, users):
    make_site(name="一")
    client = login(users["county"])
    with CaptureQueriesContext(connection) as small:
        assert client.get("/sites/capacity/").status_code == 200
    for i in range(6):
        make_site(name=f"站{i}", per_floor=3)
    with CaptureQueriesContext(connection) as big:
        assert client.get("/sites/capacity/").status_code == 200
    assert len(big) == len(small)


def test_turnover_steps_are_visible_to_their_sites_area_only(site, site_b, users):
    # TurnoverStep is scoped by its site's area (scope_field = "site__area").
    steps = {}
    for s, manager in ((site, users["site_a"]), (site_b, users["site_b"])):
        room = vacate(room_of(s, "101"), hours_ago=1)
        steps[s.pk] = services.record_step(room, "disinfection", by=manager)
    mine, theirs = steps[site.pk], steps[site_b.pk]
    assert list(TurnoverStep.objects.visible_to(users["site_a"])) == [mine]
    assert list(TurnoverStep.objects.visible_to(users["township_a"])) == [mine]
    assert list(TurnoverStep.objects.visible_to(users["site_b"])) == [theirs]
    assert set(TurnoverStep.objects.visible_to(users["county"])) == {mine, theirs}
    assert not TurnoverStep.objects.visible_to(users["township_b"]).filter(pk=mine.pk).exists()
