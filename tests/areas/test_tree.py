"""Browsing the grid with people counts; adding, editing and moving areas."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.areas.models import Area
from fangkong.areas.selectors import children_with_counts, person_counts
from fangkong.areas.services import create_area, update_area
from fangkong.core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.factories import HouseholdFactory, PersonFactory


@pytest.fixture
def people(county, grid):
    hh = HouseholdFactory(area=grid.building_a, floor=5)
    for _ in range(3):
        PersonFactory(area=grid.building_a, household=hh)
    PersonFactory(area=county.village_a)
    for _ in range(2):
        PersonFactory(area=grid.group_b)


def counts(nodes):
    return {n.area.code: n.persons for n in nodes}


def test_counts_roll_up_the_tree(users, county, grid, people):
    nodes = children_with_counts(users["county"], county.county)
    assert counts(nodes) == {"500242002": 4, "500242101": 2}
    assert person_counts(users["county"], [county.county])[county.county.pk] == 6
    below = children_with_counts(users["county"], county.village_a)
    assert counts(below) == {"500242002001001": 3}
    assert below[0].has_children


def test_counts_only_include_what_the_user_may_see(users, county, grid, people):
    assert person_counts(users["township_a"], [county.county])[county.county.pk] == 4


def test_merged_persons_are_not_counted(users, county, grid, people):
    PersonFactory(area=grid.group_b, status="merged")
    assert person_counts(users["county"], [county.town_b])[county.town_b.pk] == 2


def test_counting_takes_a_fixed_number_of_queries(users, county, grid, people):
    # warm the user's cached areas, then count the children of the county
    users["county"].area_paths  # noqa: B018
    with CaptureQueriesContext(connection) as ctx:
        children_with_counts(users["county"], county.county)
    few = len(ctx.captured_queries)
    for i in range(5):
        Area.objects.add_child(
            Area.objects.get(pk=county.county.pk),
            create_kwargs={"code": f"50024230{i}", "name": f"乡{i}", "kind": "township"},
        )
    parent = Area.objects.get(pk=county.county.pk)
    with CaptureQueriesContext(connection) as ctx:
        children_with_counts(users["county"], parent)
    # the children, the registry's generation (core.counts), the area paths, the counts
    assert len(ctx.captured_queries) == few <= 4


def test_tree_page_shows_the_users_own_areas_with_counts(users, login, county, grid, people):
    html = login(users["township_a"]).get("/areas/").content.decode()
    assert "钟多街道" in html and "龙潭镇" not in html
    assert "4 persons" in html


def test_children_load_on_demand(users, login, county, grid, people):
    resp = login(users["township_a"]).get(f"/areas/{county.village_a.pk}/children/")
    assert resp.status_code == 200
    assert "桃源小区" in resp.content.decode() and "3 persons" in resp.content.decode()


def test_children_and_detail_of_another_township_are_not_found(access, county, grid):
    for url in (f"/areas/{county.village_b.pk}/children/", f"/areas/{county.village_b.pk}/"):
        access.check(
            url, allowed=["county", "township_b", "lab"], other_area=["township_a", "village_a"]
        )


def test_area_detail_shows_who_answers(users, login, grid, chain_a):
    html = login(users["township_a"]).get(f"/areas/{grid.building_a.pk}/").content.decode()
    assert "楼栋长戊" in html and "13900000005" in html  # the township keeps the numbers
    assert "县领导甲" in html  # further up
    masked = login(users["village_a"]).get(f"/areas/{grid.building_a.pk}/").content.decode()
    assert "13900000005" not in masked and "139****0005" in masked


def test_api_tree_and_children(users, login, county, grid, people):
    client = login(users["township_a"])
    top = client.get("/api/v1/areas/tree").json()
    assert [(n["code"], n["persons"]) for n in top] == [("500242002", 4)]
    kids = client.get(f"/api/v1/areas/{county.village_a.pk}/children").json()
    assert kids[0]["persons"] == 3 and kids[0]["has_children"] is True
    other = client.get(f"/api/v1/areas/{county.village_b.pk}/children")
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"


# --- create, edit, move ----------------------------------------------------------------------
def test_create_area_under_a_parent(users, county):
    area = create_area(
        by=users["county"], parent=county.village_b, code="500242101001002", name="二组",
        kind="group",
    )  # fmt: skip
    assert Area.objects.get_parent(area).pk == county.village_b.pk


@pytest.mark.parametrize(
    "code,name,kind,field",
    [
        ("", "二组", "group", "code"),
        ("bad code!", "二组", "group", "code"),
        ("500242101001002", "", "group", "name"),
        ("500242101001002", "二组", "hamlet", "kind"),
        ("500242101001002", "二组", "building", "kind"),  # not one level below a village
        ("500242101", "二组", "group", "code"),  # taken
    ],
)
def test_create_area_refuses_bad_input(users, county, code, name, kind, field):
    with pytest.raises(ValidationFailed) as exc:
        create_area(by=users["county"], parent=county.village_b, code=code, name=name, kind=kind)
    assert field in exc.value.fields


def test_create_area_roles_and_scope(users, county, make_user):
    from fangkong.core.roles import Role

    with pytest.raises(PermissionDenied):
        create_area(
            by=users["township_b"], parent=county.village_b, code="1", name="a", kind="group"
        )
    admin_a = make_user(Role.SYSTEM_ADMIN, county.town_a)
    with pytest.raises(NotFound):
        create_area(by=admin_a, parent=county.village_b, code="1", name="a", kind="group")


def test_rename_and_move_an_area_with_its_subtree(users, county, grid):
    moved = update_area(grid.group_b, by=users["county"], name="新一组", parent=county.village_a)
    assert moved.name == "新一组"
    assert moved.path.startswith(Area.objects.get(pk=county.village_a.pk).path)
    assert Area.objects.find_problems() == ([], [], [], [], [])


def test_moving_an_area_under_its_own_subtree_is_a_cycle(users, county, grid):
    with pytest.raises(ValidationFailed) as exc:
        update_area(county.village_a, by=users["county"], parent=grid.estate_a)
    assert "parent" in exc.value.fields
    with pytest.raises(ValidationFailed):
        update_area(county.village_a, by=users["county"], parent=county.village_a)


def test_a_move_must_keep_the_level(users, county, grid):
    with pytest.raises(ValidationFailed) as exc:
        update_area(grid.building_a, by=users["county"], parent=county.village_b)
    assert "kind" in exc.value.fields


def test_edit_page_moves_and_reports_errors(users, login, county, grid):
    client = login(users["county"])
    url = f"/areas/{grid.group_b.pk}/edit/"
    bad = client.post(url, {"name": "一组", "kind": "group", "parent": grid.estate_a.pk})
    assert bad.status_code == 422
    ok = client.post(url, {"name": "一组", "kind": "group", "parent": county.village_a.pk})
    assert ok.status_code == 302


def test_edit_and_create_pages_access(access, county):
    for url in (f"/areas/{county.village_b.pk}/edit/", f"/areas/{county.village_b.pk}/new/"):
        access.check(url, allowed=["county", "admin"], denied_role=["township_b", "lab"])
