"""The area picker in forms and filters: it renders the chosen area's path, round-trips the
id, offers only the user's areas, and refuses another area's id naming the field."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.areas.models import Area
from fangkong.areas.widgets import AreaTreeWidget
from fangkong.people.filters import PersonFilter
from fangkong.people.forms import HouseholdForm, PersonForm
from fangkong.sites.forms import SiteForm
from tests.factories import HouseholdFactory, PersonFactory, add_area

OUTSIDE = "This area is not within your areas. Pick one from the tree."


def household_data(area):
    return {"area": area.pk, "address": "桃花路9号", "floor": 2}


def test_the_widget_renders_the_chosen_path_a_search_box_and_the_tree(users, county):
    form = HouseholdForm(initial={"area": county.village_a.pk}, user=users["township_a"])
    html = str(form["area"])
    assert f'type="hidden" name="area" value="{county.village_a.pk}"' in html
    assert 'value="钟多街道 › 桃花社区"' in html  # the path, not the leaf alone
    assert 'type="search"' in html and "data-area-search" in html
    assert 'data-url="/api/v1/areas/picker"' in html
    assert 'data-search-url="/api/v1/areas/picker/search"' in html
    assert "<script" not in html and "style=" not in html  # the CSP forbids both
    # the label points at the search box, which a keyboard reaches
    assert form["area"].id_for_label == "id_area_search"
    assert 'id="id_area_search"' in html


def test_a_form_round_trips_the_area_id(users, county):
    form = HouseholdForm(household_data(county.village_a), user=users["township_a"])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["area"] == county.village_a
    html = str(form["area"])
    assert f'name="area" value="{county.village_a.pk}"' in html
    assert "钟多街道 › 桃花社区" in html


def test_a_form_refuses_an_area_outside_the_users_areas(users, county):
    form = HouseholdForm(household_data(county.village_b), user=users["township_a"])
    assert not form.is_valid()
    assert form.errors["area"] == [OUTSIDE]
    html = str(form["area"])
    assert 'name="area" value=""' in html  # the foreign id is not echoed back ...
    assert "龙潭" not in html  # ... nor the foreign area's name
    assert "data-area-picker" in html


def test_the_page_names_the_field_of_a_refused_area(users, county, login):
    client = login(users["township_a"])
    resp = client.post("/people/households/new/", household_data(county.village_b))
    assert resp.status_code == 422
    page = resp.content.decode()
    assert f'data-field="area">Area: {OUTSIDE}' in page
    assert not __import__("fangkong.people.models", fromlist=["x"]).Household.objects.exists()
    ok = client.post("/people/households/new/", household_data(county.village_a))
    assert ok.status_code == 302


def test_the_person_form_offers_only_the_users_areas(users, county):
    form = PersonForm(user=users["village_a"])
    assert list(form.fields["area"].queryset) == [county.village_a]
    assert form.fields["area"].widget.queryset.get() == county.village_a


def test_a_field_limited_to_villages_refuses_a_group(users, county, grid):
    form = SiteForm(user=users["county"])
    assert form.fields["area"].widget.max_depth == 3
    assert 'data-max-depth="3"' in str(form["area"])
    data = {
        "name": "县宾馆",
        "kind": "hotel",
        "address": "桃花路1号",
        "status": "active",
        "planned_beds": 0,
        "turnover_target_hours": 4,
    }
    assert SiteForm({**data, "area": county.village_a.pk}, user=users["county"]).is_valid()
    deep = SiteForm({**data, "area": grid.estate_a.pk}, user=users["county"])
    assert not deep.is_valid() and deep.errors["area"] == [OUTSIDE]


def test_rendering_a_chosen_area_takes_two_queries_whatever_its_depth(users, county, grid):
    widget = AreaTreeWidget()
    widget.queryset = Area.objects.all()
    with CaptureQueriesContext(connection) as ctx:
        html = widget.render("area", grid.building_a.pk)
    assert "钟多街道 › 桃花社区 › 桃源小区 › 3栋" in html
    assert len(ctx.captured_queries) == 2  # the area, then the names of its ancestors


def test_the_filter_takes_an_area_and_everything_below(users, county, grid, rf):
    inside = PersonFactory(area=grid.building_a, name="王五")
    PersonFactory(area=county.town_a, name="赵六")  # above the chosen area
    request = rf.get("/")
    request.user = users["township_a"]
    fs = PersonFilter({"area": county.village_a.pk}, request=request)
    assert fs.is_valid()
    assert list(fs.qs) == [inside]


def test_the_filter_refuses_an_area_outside_the_users_areas(users, county, rf):
    request = rf.get("/")
    request.user = users["township_a"]
    fs = PersonFilter({"area": county.village_b.pk}, request=request)
    assert not fs.is_valid()
    assert fs.errors["area"] == [OUTSIDE]
    assert PersonFilter({"area": county.village_a.pk}, request=request).is_valid()


def test_the_filter_bar_gives_the_picker_its_own_label(users, county, login):
    page = login(users["township_a"]).get("/people/persons/").content.decode()
    assert '<div class="filter-field"><label for="id_area_search">Area</label>' in page
    assert "data-submit-on-pick" in page


# --- lists show an area as its path ---------------------------------------------------------
@pytest.fixture
def two_fours(county):
    """四组 in each township: the leaf alone would not tell them apart."""
    return (
        add_area(county.village_a, "500242002001004", "四组", "group"),
        add_area(county.village_b, "500242101001004", "四组", "group"),
    )


def test_the_person_list_shows_the_path_of_each_area(users, county, login, two_fours):
    PersonFactory(area=two_fours[0], name="王五")
    PersonFactory(area=two_fours[1], name="赵六")
    page = login(users["county"]).get("/people/persons/").content.decode()
    assert "钟多街道 › 桃花社区 › 四组" in page
    assert "龙潭镇 › 龙潭村 › 四组" in page


def test_the_household_list_shows_the_path_of_each_area(users, county, login, two_fours):
    HouseholdFactory(area=two_fours[0], address="桃花路1号")
    page = login(users["township_a"]).get("/people/households/").content.decode()
    assert "桃花路1号" in page
    assert "钟多街道 › 桃花社区 › 四组" in page


def test_the_export_shows_the_path_of_each_area(users, county, login, two_fours):
    from io import BytesIO

    from openpyxl import load_workbook

    PersonFactory(area=two_fours[1], name="赵六")
    resp = login(users["county"]).get("/people/persons/?export=xlsx")
    sheet = load_workbook(
        BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content)
    ).active
    cells = {c.value for row in sheet.iter_rows() for c in row}
    assert "龙潭镇 › 龙潭村 › 四组" in cells


def test_paths_for_a_page_cost_one_query(users, county, login, two_fours):
    client = login(users["county"])
    PersonFactory(area=two_fours[0])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/people/persons/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(5):
        village = Area.objects.get(pk=county.village_b.pk)
        PersonFactory(area=add_area(village, f"5002421010019{i}", f"{i}组", "group"))
    assert count() == few


# --- several areas: a user's areas in the users admin ---------------------------------------
def user_data(**kw):
    return {"username": "new_one", "roles": ["village_cadre"], "password": "x" * 12, **kw}


def test_the_users_admin_lists_each_chosen_area_with_its_path(users, county, login):
    from fangkong.core.forms import UserForm

    form = UserForm(user_data(areas=[county.village_a.pk, county.town_b.pk]))
    assert form.is_valid(), form.errors
    assert set(form.cleaned_data["areas"]) == {county.village_a, county.town_b}
    html = str(form["areas"])
    assert f'name="areas" value="{county.village_a.pk}"' in html
    assert f'name="areas" value="{county.town_b.pk}"' in html
    assert "钟多街道 › 桃花社区" in html and "龙潭镇" in html
    assert "data-multiple" in html and "data-area-remove" in html

    page = login(users["admin"]).get(f"/admin/users/{users['village_a'].pk}/")
    assert page.status_code == 200
    assert "钟多街道 › 桃花社区" in page.content.decode()  # the cadre's area, as a path


def test_the_users_admin_refuses_an_area_deeper_than_a_village(users, county, grid):
    from fangkong.core.forms import UserForm

    form = UserForm(user_data(areas=[grid.estate_a.pk]))
    assert not form.is_valid()
    assert form.errors["areas"] == [OUTSIDE]
