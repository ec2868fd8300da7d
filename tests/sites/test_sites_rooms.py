"""Sites and rooms: registration, bulk creation, and the room state machine's table."""

import datetime as dt

import pytest

from fangkong.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog
from fangkong.sites import services
from fangkong.sites.choices import ROOM_TRANSITIONS, RoomState, SiteKind, SiteStatus
from fangkong.sites.models import IsolationSite, Room
from tests.sites.conftest import room_of

S = RoomState
pytestmark = pytest.mark.django_db


def site_data(county, **kw):
    values = {
        "name": "县宾馆",
        "kind": SiteKind.HOTEL,
        "address": "桃花路1号",
        "area": county.town_a,
        "manager_phone": "13800138000",
    }
    values.update(kw)
    return services.SiteData(**values)


def test_site_is_registered_with_its_phone_encrypted_and_audited(county, users):
    site = services.create_site(by=users["county"], data=site_data(county))
    assert site.manager_phone == "13800138000"
    assert site.manager_phone_masked != site.manager_phone
    entry = AuditLog.objects.get(object_type="sites.isolationsite", object_id=str(site.pk))
    assert entry.after["manager_phone"] == site.manager_phone_masked


@pytest.mark.parametrize("kind", SiteKind.values)
def test_every_kind_of_the_seed_can_be_registered(county, users, kind):
    assert services.create_site(by=users["county"], data=site_data(county, kind=kind)).kind == kind


def test_site_being_built_needs_ready_date_and_planned_beds(county, users):
    with pytest.raises(ValidationFailed) as exc:
        services.create_site(by=users["county"], data=site_data(county, status=SiteStatus.BUILDING))
    assert set(exc.value.fields) == {"ready_date", "planned_beds"}
    assert not IsolationSite.objects.exists()


def test_bad_site_fields_are_named(county, users):
    with pytest.raises(ValidationFailed) as exc:
        services.create_site(
            by=users["county"],
            data=site_data(county, name=" ", kind="castle", manager_phone="123"),
        )
    assert {"name", "kind", "manager_phone"} <= set(exc.value.fields)


def test_site_outside_the_users_areas_is_refused(county, users):
    with pytest.raises(NotFound):
        services.create_site(by=users["site_a"], data=site_data(county, area=county.town_b))


def test_only_site_roles_register_sites(county, users):
    with pytest.raises(PermissionDenied):
        services.create_site(by=users["township_a"], data=site_data(county))


def test_bulk_creation_numbers_floors_and_rooms(site, users):
    rooms = services.bulk_create_rooms(
        site, by=users["county"], first_floor=2, floors=3, rooms_per_floor=20, beds=2
    )
    numbers = [r.number for r in rooms]
    assert len(rooms) == 60
    assert numbers[:2] == ["201", "202"] and numbers[19] == "220" and numbers[-1] == "420"
    assert {r.floor for r in rooms} == {2, 3, 4}
    assert all(r.beds == 2 and r.state == S.READY for r in rooms)


def test_bulk_creation_refuses_existing_numbers_and_writes_nothing(site, users):
    before = Room.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.bulk_create_rooms(site, by=users["county"], floors=2, rooms_per_floor=5)
    assert "101" in str(exc.value.message)
    assert Room.objects.count() == before


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"floors": 0, "rooms_per_floor": 5}, "floors"),
        ({"floors": 2, "rooms_per_floor": 100}, "rooms_per_floor"),
        ({"floors": 2, "rooms_per_floor": 5, "beds": 0}, "beds"),
        ({"floors": 2, "rooms_per_floor": 5, "first_number": 98}, "first_number"),
    ],
)
def test_bulk_creation_names_the_bad_field(site, users, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        services.bulk_create_rooms(site, by=users["county"], first_floor=5, **kw)
    assert field in exc.value.fields


def test_rooms_of_a_site_being_built_start_out_of_service(make_site):
    site = make_site(status=SiteStatus.BUILDING, ready_date=dt.date(2030, 1, 1), planned_beds=40)
    assert set(site.rooms.values_list("state", flat=True)) == {S.OUT_OF_SERVICE}


# --- the state machine --------------------------------------------------------------------

EXPECTED_TABLE = {
    S.READY: {S.OCCUPIED, S.RESERVED, S.OUT_OF_SERVICE},
    S.RESERVED: {S.READY, S.OCCUPIED, S.OUT_OF_SERVICE},
    S.OCCUPIED: {S.AWAITING_DISINFECTION},
    S.AWAITING_DISINFECTION: {S.DISINFECTED, S.OUT_OF_SERVICE},
    S.DISINFECTED: {S.RESTOCKED, S.OUT_OF_SERVICE},
    S.RESTOCKED: {S.READY, S.OUT_OF_SERVICE},
    S.OUT_OF_SERVICE: {S.READY, S.AWAITING_DISINFECTION},
}


def test_transition_table_is_exactly_the_documented_one():
    assert {k: set(v) for k, v in ROOM_TRANSITIONS.items()} == EXPECTED_TABLE
    assert set(ROOM_TRANSITIONS) == set(S.values)


def test_an_occupied_room_cannot_be_taken_out_of_service(site, users):
    from fangkong.sites.states import RoomMachine

    room = room_of(site, "101")
    Room.objects.filter(pk=room.pk).update(state=S.OCCUPIED)
    room.refresh_from_db()
    with pytest.raises(IllegalTransition) as exc:
        RoomMachine.check(room, S.OUT_OF_SERVICE)
    assert "Occupied" in str(exc.value.message) and "Out of service" in str(exc.value.message)


@pytest.mark.parametrize(
    "start,target,ok",
    [
        (S.READY, S.RESERVED, True),
        (S.RESERVED, S.READY, True),
        (S.READY, S.OUT_OF_SERVICE, True),
        (S.OUT_OF_SERVICE, S.READY, True),
        (S.READY, S.AWAITING_DISINFECTION, False),
        (S.AWAITING_DISINFECTION, S.RESERVED, False),
    ],
)
def test_manual_state_changes_follow_the_table(site, users, start, target, ok):
    room = room_of(site, "101")
    Room.objects.filter(pk=room.pk).update(state=start)
    room.refresh_from_db()
    if ok:
        services.set_room_state(room, target, by=users["county"], reason="维修")
        assert Room.objects.get(pk=room.pk).state == target
    else:
        with pytest.raises(IllegalTransition):
            services.set_room_state(room, target, by=users["county"], reason="维修")
        assert Room.objects.get(pk=room.pk).state == start


def test_states_that_follow_operations_cannot_be_set_by_hand(site, users):
    with pytest.raises(ValidationFailed) as exc:
        services.set_room_state(room_of(site, "101"), S.OCCUPIED, by=users["county"])
    assert "state" in exc.value.fields


def test_out_of_service_needs_a_reason(site, users):
    with pytest.raises(ValidationFailed) as exc:
        services.set_room_state(room_of(site, "101"), S.OUT_OF_SERVICE, by=users["county"])
    assert "reason" in exc.value.fields


def test_room_taken_out_mid_turnover_goes_back_to_disinfection(site, users):
    room = room_of(site, "101")
    services.set_room_state(room, S.OUT_OF_SERVICE, by=users["county"], reason="漏水")
    services.set_room_state(room, S.AWAITING_DISINFECTION, by=users["county"])
    services.set_room_state(room, S.OUT_OF_SERVICE, by=users["county"], reason="漏水")
    with pytest.raises(IllegalTransition):
        services.set_room_state(room, S.READY, by=users["county"])
    services.set_room_state(room, S.AWAITING_DISINFECTION, by=users["county"])
    assert Room.objects.get(pk=room.pk).last_step == ""
