"""The page of areas with no one assigned, per level, scoped."""

import datetime as dt

from fangkong.areas.selectors import unassigned_areas
from tests.areas.conftest import assign


def codes(qs):
    return {a.code for a in qs}


def test_areas_without_an_active_assignment_are_listed_per_level(users, county, grid):
    assign(grid.building_a, "grid_coordinator", "甲")
    ended = assign(county.village_a, "village_cadre", "乙", starts_on=dt.date(2020, 1, 1))
    ended.ended_on = dt.date(2021, 1, 1)
    ended.save()
    county_user = users["county"]
    assert codes(unassigned_areas(county_user, 5)) == set()
    assert codes(unassigned_areas(county_user, 4)) == {"500242002001001", "500242101001001"}
    assert codes(unassigned_areas(county_user, 3)) == {"500242002001", "500242101001"}
    assert codes(unassigned_areas(county_user, 2)) == {"500242002", "500242101"}


def test_unassigned_is_scoped(users, county, grid):
    assert codes(unassigned_areas(users["township_a"], 3)) == {"500242002001"}


def test_unassigned_page(users, login, county, grid, access):
    access.check(
        "/areas/unassigned/?level=4",
        allowed=["county", "township_a", "township_b"],
        denied_role=["village_a", "lab", "admin"],
    )
    html = login(users["township_a"]).get("/areas/unassigned/?level=4").content.decode()
    assert "桃源小区" in html and "一组" not in html
    assert html.count('data-testid="unassigned-area"') == 1


def test_unassigned_page_survives_a_bad_level(users, login, county):
    assert login(users["county"]).get("/areas/unassigned/?level=x").status_code == 200


def test_unassigned_api(users, login, county, grid):
    client = login(users["township_b"])
    body = client.get("/api/v1/areas/unassigned?level=4").json()
    assert [a["code"] for a in body["items"]] == ["500242101001001"]
    bad = client.get("/api/v1/areas/unassigned?level=9")
    assert bad.status_code == 422 and "level" in bad.json()["error"]["fields"]
    assert login(users["village_a"]).get("/api/v1/areas/unassigned").status_code == 403
