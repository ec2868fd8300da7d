"""API and pages: scoping (another area: 404), roles (403), the project's error format."""

import pytest

from fangkong.sites.choices import RoomState, StayStatus
from fangkong.sites.models import IsolationSite, Room, Stay
from tests.sites.conftest import api_post, body, room_of, under_control

pytestmark = pytest.mark.django_db
API = "/api/v1/sites"


def checkin(person, reason="close_contact"):
    """A check-in's body: the persons and why they are put under control."""
    return {"person_ids": [person.pk], "reason": reason}


def error_of(resp):
    data = body(resp)
    assert set(data) == {"error"} and set(data["error"]) == {"code", "message", "fields"}, data
    return data["error"]


# --- scoping and roles --------------------------------------------------------------------


def test_site_endpoints_are_scoped(access, site):
    access.check(
        f"{API}/{site.pk}",
        allowed=["county", "township_a", "site_a", "auditor"],
        denied_role=["sampler_a", "lab", "admin"],
        other_area=["township_b", "site_b"],
        api=True,
    )
    for path in ("rooms", "board", "capacity", "turnaround"):
        access.check(
            f"{API}/{site.pk}/{path}",
            allowed=["county", "site_a"],
            denied_role=["lab"],
            other_area=["site_b"],
            api=True,
        )


def test_room_and_stay_endpoints_are_scoped(access, site, manager, person_a):
    room = room_of(site, "101")
    access.check(
        f"{API}/rooms/{room.pk}",
        allowed=["site_a"],
        denied_role=["lab"],
        other_area=["site_b"],
        api=True,
    )
    [stay] = __import__("fangkong.sites.services", fromlist=["x"]).check_in(
        room, [person_a], by=manager, reason="close_contact"
    )
    access.check(
        f"{API}/stays/{stay.pk}",
        allowed=["county", "site_a"],
        denied_role=["lab"],
        other_area=["site_b", "township_b"],
        api=True,
    )


def test_writes_need_the_role_and_the_area(access, site, person_a):
    room = room_of(site, "101")
    access.check(
        f"{API}/rooms/{room.pk}/check-in",
        method="post",
        data=checkin(person_a),
        denied_role=["township_a", "auditor", "lab"],
        other_area=["site_b"],
        api=True,
    )
    access.check(
        f"{API}/rooms/{room.pk}/turnover",
        method="post",
        data={"step": "disinfection"},
        denied_role=["township_a", "auditor"],
        other_area=["site_b"],
        api=True,
    )
    assert not Stay.objects.exists()


def test_lists_show_only_the_users_sites(login, users, site, site_b):
    resp = login(users["site_a"]).get(API)
    assert [s["id"] for s in body(resp)["items"]] == [site.pk]
    cap = body(login(users["township_b"]).get(f"{API}/capacity"))
    assert [s["site_id"] for s in cap["sites"]] == [site_b.pk]


def test_pages_are_scoped(access, site):
    access.check(
        f"/sites/{site.pk}/",
        allowed=["county", "site_a", "township_a"],
        denied_role=["lab", "sampler_a"],
        other_area=["site_b"],
    )
    access.check(
        f"/sites/{site.pk}/board/",
        allowed=["county", "site_a"],
        denied_role=["lab"],
        other_area=["site_b"],
    )
    access.check(
        f"/sites/rooms/{room_of(site, '101').pk}/",
        allowed=["site_a"],
        denied_role=["lab"],
        other_area=["site_b"],
    )
    for url in ("/sites/", "/sites/capacity/", "/sites/due/", "/sites/overstays/"):
        access.check(url, allowed=["county", "site_a", "auditor"], denied_role=["lab", "admin"])


def test_the_add_rooms_page_is_scoped_like_the_site_page(access, site, login, users):
    url = f"/sites/{site.pk}/rooms/new/"
    access.check(url, allowed=["county", "site_a"], denied_role=["township_a", "lab"],
                 other_area=["site_b"])  # fmt: skip
    page = login(users["site_a"]).get(url).content.decode()
    assert 'name="floors"' in page and 'name="rooms_per_floor"' in page
    form = {"first_floor": 2, "floors": 1, "rooms_per_floor": 2, "first_number": 1, "beds": 1}
    before = Room.objects.filter(site=site).count()
    assert login(users["site_b"]).post(url, form).status_code == 404
    assert Room.objects.filter(site=site).count() == before
    assert login(users["site_a"]).post(url, form).status_code == 302
    assert Room.objects.filter(site=site).count() == before + 2


# --- the flow through the API -------------------------------------------------------------


def test_site_rooms_check_in_release_and_turnover_through_the_api(login, users, county, person_a):
    client = login(users["site_county"])
    resp = api_post(
        client,
        API,
        {
            "name": "县宾馆",
            "kind": "hotel",
            "address": "桃花路1号",
            "area_id": county.town_a.pk,
            "manager_phone": "13800138000",
        },
    )
    assert resp.status_code == 201, resp.content
    site_id = body(resp)["id"]
    resp = api_post(client, f"{API}/{site_id}/rooms/bulk", {"floors": 2, "rooms_per_floor": 20})
    assert body(resp) == {"created": 40, "first": "101", "last": "220"}
    room = Room.objects.get(site_id=site_id, number="101")
    under_control(person_a, days_ago=4)
    resp = api_post(client, f"{API}/rooms/{room.pk}/check-in", checkin(person_a))
    assert resp.status_code == 201, resp.content
    [stay] = body(resp)
    due = body(client.get(f"{API}/due"))
    assert [s["id"] for s in due["items"]] == [stay["id"]]
    resp = api_post(client, f"{API}/stays/{stay['id']}/release", {})
    assert resp.status_code == 200 and body(resp)["status"] == StayStatus.RELEASED
    for step in ("disinfection", "supplies", "waste", "inspection"):
        resp = api_post(client, f"{API}/rooms/{room.pk}/turnover", {"step": step})
        assert resp.status_code == 201, resp.content
    assert body(resp)["room_state"] == RoomState.READY
    board = body(client.get(f"{API}/{site_id}/board"))
    ready = next(g for g in board if g["state"] == "ready")
    assert len(ready["rooms"]) == 40


# --- bad input in the project's format ----------------------------------------------------


def test_check_in_errors(login, users, site, person_a, person_b):
    client = login(users["site_a"])
    room = room_of(site, "101")
    resp = api_post(client, f"{API}/rooms/{room.pk}/check-in", checkin(person_b))
    assert resp.status_code == 404 and error_of(resp)["fields"] == {
        "person_ids": ["No such person within your areas."]
    }
    api_post(client, f"{API}/rooms/{room.pk}/check-in", checkin(person_a))
    resp = api_post(client, f"{API}/rooms/{room.pk}/check-in", checkin(person_a))
    err = error_of(resp)
    assert resp.status_code == 409 and "room" in err["fields"]  # occupied: as to a race's loser
    assert "already occupied" in err["message"]
    resp = api_post(client, f"{API}/rooms/{room.pk}/check-in", {"person_ids": [], "x": 1})
    assert resp.status_code == 422 and {"person_ids", "x"} <= set(error_of(resp)["fields"])


def test_check_in_asks_for_the_reason_never_assumes_close_contact(login, users, site, person_a):
    client = login(users["site_a"])
    room = room_of(site, "101")
    url = f"{API}/rooms/{room.pk}/check-in"
    resp = api_post(client, url, {"person_ids": [person_a.pk]})
    assert resp.status_code == 422 and error_of(resp)["fields"] == {
        "reason": ["This field is required."]
    }
    for unknown in ("", "contact", "CLOSE_CONTACT"):
        resp = api_post(client, url, checkin(person_a, unknown))
        assert resp.status_code == 422 and error_of(resp)["fields"] == {
            "reason": ["Choose why these people are put under control."]
        }, unknown
    assert not Stay.objects.exists()  # nothing half-written
    resp = api_post(client, url, checkin(person_a, "inbound_traveller"))
    assert resp.status_code == 201 and Stay.objects.get().reason == "inbound_traveller"


def test_early_release_and_out_of_order_step_errors(login, users, site, person_a):
    client = login(users["site_a"])
    room = room_of(site, "101")
    under_control(person_a, days_ago=1)
    [stay] = body(api_post(client, f"{API}/rooms/{room.pk}/check-in", checkin(person_a)))
    resp = api_post(client, f"{API}/stays/{stay['id']}/release", {})
    assert resp.status_code == 422 and "early_reason" in error_of(resp)["fields"]
    resp = api_post(client, f"{API}/releases", {"stay_ids": [stay["id"]], "early_reason": "转院"})
    assert resp.status_code == 200
    resp = api_post(client, f"{API}/rooms/{room.pk}/turnover", {"step": "inspection"})
    err = error_of(resp)
    assert resp.status_code == 409 and err["code"] == "illegal_transition"
    assert "out of order" in err["message"] and "step" in err["fields"]


def test_bad_site_input_names_the_fields(login, users, county):
    resp = api_post(
        login(users["county"]),
        API,
        {
            "name": "",
            "kind": "hotel",
            "address": "x",
            "area_id": county.town_a.pk,
            "status": "building",
        },
    )
    err = error_of(resp)
    assert resp.status_code == 422 and {"name", "ready_date", "planned_beds"} <= set(err["fields"])
    assert not IsolationSite.objects.exists()


# --- pages do their work ------------------------------------------------------------------


def test_board_step_button_swaps_the_card(login, users, site):
    room = room_of(site, "101")
    Room.objects.filter(pk=room.pk).update(
        state=RoomState.AWAITING_DISINFECTION, vacated_at=room.created_at
    )
    client = login(users["site_a"])
    page = client.get(f"/sites/{site.pk}/board/")
    assert b'data-testid="step-101"' in page.content
    resp = client.post(
        f"/sites/rooms/{room.pk}/step/", {"step": "disinfection"}, headers={"HX-Request": "true"}
    )
    assert resp.status_code == 200 and b"state-disinfected" in resp.content
    resp = client.post(
        f"/sites/rooms/{room.pk}/step/", {"step": "inspection"}, headers={"HX-Request": "true"}
    )
    assert resp.status_code == 409 and b"out of order" in resp.content


def test_due_page_releases_a_batch(login, users, site, manager, county):
    from tests.factories import PersonFactory

    persons = [PersonFactory(area=county.village_a) for _ in range(2)]
    from fangkong.sites import services

    stays = []
    for number, p in zip(["101", "102"], persons, strict=True):
        under_control(p, days_ago=4)
        stays += services.check_in(room_of(site, number), [p], by=manager, reason="close_contact")
    client = login(users["site_a"])
    page = client.get("/sites/due/")
    assert persons[0].name.encode() in page.content
    client.post("/sites/due/", {"stay": [s.pk for s in stays]})
    assert set(Stay.objects.values_list("status", flat=True)) == {StayStatus.RELEASED}


def test_capacity_page_renders_for_the_command_centre(login, users, site):
    resp = login(users["county"]).get("/sites/capacity/")
    assert resp.status_code == 200 and site.name.encode() in resp.content
