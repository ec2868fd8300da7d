"""Assigning and ending responsibilities: service rules, scoping, roles, pages and API."""

import datetime as dt

import pytest

from fangkong.areas.models import Responsibility
from fangkong.areas.services import assign_responsibility, end_responsibility
from fangkong.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditLog
from tests.areas.conftest import assign


def test_a_township_officer_assigns_a_building_coordinator(users, grid):
    r = assign_responsibility(
        by=users["township_a"],
        area=grid.building_a,
        role="grid_coordinator",
        person_name=" 王楼长 ",
        phone="138 0013 8000",
        title="楼栋长",
    )
    r.refresh_from_db()
    assert (r.person_name, r.phone, r.is_active()) == ("王楼长", "13800138000", True)
    assert AuditLog.objects.filter(object_type="areas.responsibility", action="create").exists()
    assert r.phone_masked == "138****8000"


def test_the_phone_is_encrypted_at_rest(users, grid):
    r = assign_responsibility(
        by=users["township_a"], area=grid.building_a, role="grid_coordinator",
        person_name="王楼长", phone="13800138000",
    )  # fmt: skip
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM areas_responsibility WHERE id = %s", [r.pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("v1:")  # encrypted, and still read back in full
    assert Responsibility.objects.get(pk=r.pk).phone == "13800138000"
    assert "13800138000" not in stored


def test_another_townships_area_does_not_exist_for_the_officer(users, grid):
    with pytest.raises(NotFound):
        assign_responsibility(
            by=users["township_a"], area=grid.group_b, role="grid_coordinator",
            person_name="张三", phone="13800138000",
        )  # fmt: skip


def test_a_village_cadre_may_not_assign(users, grid):
    with pytest.raises(PermissionDenied):
        assign_responsibility(
            by=users["village_a"], area=grid.building_a, role="grid_coordinator",
            person_name="张三", phone="13800138000",
        )  # fmt: skip


@pytest.mark.parametrize(
    "area,role,floor,phone,name,field",
    [
        ("building_a", "county_leader", None, "13800138000", "张三", "role"),  # wrong level
        ("building_a", "no_such_role", None, "13800138000", "张三", "role"),
        ("group_b", "party_branch", None, "13800138000", "张三", "role"),  # a group is no estate
        ("building_a", "floor_lead", None, "13800138000", "张三", "floor"),  # floor missing
        ("building_a", "grid_coordinator", 3, "13800138000", "张三", "floor"),  # floor not wanted
        ("building_a", "floor_lead", 0, "13800138000", "张三", "floor"),
        ("building_a", "floor_lead", 500, "13800138000", "张三", "floor"),
        ("building_a", "grid_coordinator", None, "12345678901", "张三", "phone"),  # bad prefix
        ("building_a", "grid_coordinator", None, "", "张三", "phone"),
        ("building_a", "grid_coordinator", None, "13800138000", "  ", "person_name"),
    ],
)
def test_bad_assignments_name_the_field(users, grid, area, role, floor, phone, name, field):
    with pytest.raises(ValidationFailed) as exc:
        assign_responsibility(
            by=users["county"], area=getattr(grid, area), role=role, person_name=name,
            phone=phone, floor=floor,
        )  # fmt: skip
    assert field in exc.value.fields
    assert not Responsibility.objects.exists()


def test_the_same_person_in_the_same_role_twice_is_refused(users, grid):
    kw = dict(area=grid.building_a, role="floor_lead", person_name="李四", phone="13800138000")
    assign_responsibility(by=users["county"], floor=2, **kw)
    with pytest.raises(ValidationFailed) as exc:
        assign_responsibility(by=users["county"], floor=2, **kw)
    assert exc.value.code == "duplicate"
    assign_responsibility(by=users["county"], floor=3, **kw)  # another floor is fine


def test_ending_an_assignment_takes_it_out_of_force(users, grid):
    r = assign(grid.building_a, "grid_coordinator", "王五", starts_on=dt.date(2022, 1, 1))
    end_responsibility(r, by=users["township_a"])
    r.refresh_from_db()
    assert r.ended_on is not None and not r.is_active()
    with pytest.raises(IllegalTransition):
        end_responsibility(r, by=users["township_a"])


def test_an_assignment_cannot_end_before_it_starts(users, grid):
    r = assign(grid.building_a, "grid_coordinator", "王五", starts_on=dt.date(2022, 5, 1))
    with pytest.raises(ValidationFailed) as exc:
        end_responsibility(r, by=users["county"], on=dt.date(2022, 4, 1))
    assert "ended_on" in exc.value.fields


def test_responsibilities_are_scoped_by_area(users, grid):
    mine = assign(grid.building_a, "grid_coordinator", "甲")
    theirs = assign(grid.group_b, "grid_coordinator", "乙")
    visible = set(Responsibility.objects.visible_to(users["township_a"]))
    assert mine in visible and theirs not in visible
    assert set(Responsibility.objects.visible_to(users["county"])) == {mine, theirs}


# --- pages -----------------------------------------------------------------------------------
def test_assign_page_access(access, grid):
    access.check(
        f"/areas/{grid.building_a.pk}/assign/",
        allowed=["county", "township_a"],
        denied_role=["village_a", "lab", "admin"],
        other_area=["township_b"],
    )


def test_assign_page_saves_and_shows_errors(users, login, grid):
    client = login(users["township_a"])
    url = f"/areas/{grid.building_a.pk}/assign/"
    bad = client.post(url, {"role": "floor_lead", "person_name": "赵六", "phone": "13800138000"})
    assert bad.status_code == 422
    assert "floor" in bad.content.decode()
    ok = client.post(
        url, {"role": "floor_lead", "person_name": "赵六", "phone": "13800138000", "floor": 4}
    )
    assert ok.status_code == 302
    assert Responsibility.objects.get().floor == 4


def test_end_button_of_another_township_is_not_found(users, login, grid):
    r = assign(grid.group_b, "grid_coordinator", "乙")
    resp = login(users["township_a"]).post(f"/areas/responsibilities/{r.pk}/end/")
    assert resp.status_code == 404
    r.refresh_from_db()
    assert r.ended_on is None


def test_end_button_ends(users, login, grid):
    r = assign(grid.building_a, "grid_coordinator", "甲", starts_on=dt.date(2022, 1, 1))
    resp = login(users["township_a"]).post(f"/areas/responsibilities/{r.pk}/end/")
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.ended_on is not None


# --- API -------------------------------------------------------------------------------------
def test_api_chain_for_a_floor(users, login, grid, chain_a):
    resp = login(users["township_a"]).get(f"/api/v1/areas/{grid.building_a.pk}/chain?floor=5")
    assert resp.status_code == 200
    body = resp.json()
    assert [link["name"] for link in body][:2] == ["五楼党员己", "楼栋长戊"]
    assert body[-1]["role"] == "county_leader"
    assert body[0]["phone"] == "13900000006"  # the township keeps these numbers


def test_api_chain_shows_masked_phones_to_other_roles(users, login, grid, chain_a):
    body = login(users["village_a"]).get(f"/api/v1/areas/{grid.building_a.pk}/chain").json()
    assert body[0]["phone"] is None and body[0]["phone_masked"].startswith("139****")


def test_api_chain_access(access, grid):
    access.check(
        f"/api/v1/areas/{grid.building_a.pk}/chain",
        allowed=["county", "township_a", "village_a", "lab"],
        other_area=["township_b"],
        api=True,
    )


def test_api_create_list_and_end(users, login, grid):
    client = login(users["township_a"])
    payload = {
        "area_id": grid.building_a.pk,
        "role": "floor_lead",
        "person_name": "钱七",
        "phone": "13800138000",
        "floor": 7,
    }
    created = client.post(
        "/api/v1/areas/responsibilities", payload, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    rid = created.json()["id"]
    listed = client.get(f"/api/v1/areas/responsibilities?area_id={grid.building_a.pk}").json()
    assert [r["id"] for r in listed["items"]] == [rid]
    ended = client.post(
        f"/api/v1/areas/responsibilities/{rid}/end", content_type="application/json"
    )
    assert ended.status_code == 200 and ended.json()["active"] is False
    again = client.post(
        f"/api/v1/areas/responsibilities/{rid}/end", content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "illegal_transition"


def test_api_create_errors_are_in_the_project_format(users, login, grid):
    client = login(users["township_a"])
    bad = client.post(
        "/api/v1/areas/responsibilities",
        {"area_id": grid.building_a.pk, "role": "floor_lead", "person_name": "钱七",
         "phone": "12345678901"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"floor", "phone"}
    other = client.post(
        "/api/v1/areas/responsibilities",
        {"area_id": grid.group_b.pk, "role": "grid_coordinator", "person_name": "钱七",
         "phone": "13800138000"},
        content_type="application/json",
    )  # fmt: skip
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"


def test_api_create_is_refused_to_other_roles(users, login, grid):
    resp = login(users["village_a"]).post(
        "/api/v1/areas/responsibilities",
        {"area_id": grid.building_a.pk, "role": "grid_coordinator", "person_name": "钱七",
         "phone": "13800138000"},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 403


def test_api_list_is_scoped(users, login, grid):
    assign(grid.building_a, "grid_coordinator", "甲")
    assign(grid.group_b, "grid_coordinator", "乙")
    body = login(users["township_b"]).get("/api/v1/areas/responsibilities").json()
    assert [r["person_name"] for r in body["items"]] == ["乙"]
    other = login(users["township_b"]).get(
        f"/api/v1/areas/responsibilities?area_id={grid.building_a.pk}"
    )
    # the list's filter set offers only the user's areas: another's is no choice
    assert other.status_code == 422
    assert "area_id" in other.json()["error"]["fields"]
    assert "甲" not in other.content.decode()
