"""Which village a place belongs to and who there answers for it: release hands the next
phase of control to them."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.areas.selectors import villages_and_cadres
from tests.areas.conftest import assign


def test_a_building_and_its_estate_belong_to_the_community_above_them(county, grid):
    assign(county.village_a, "village_cadre", "社区书记丙")
    found = villages_and_cadres([grid.building_a, grid.estate_a, county.village_a])
    for area in (grid.building_a, grid.estate_a, county.village_a):
        village, cadre = found[area.pk]
        assert village.pk == county.village_a.pk and village.name == county.village_a.name
        assert cadre == "社区书记丙"


def test_a_township_or_the_county_has_no_village(county):
    found = villages_and_cadres([county.town_a, county.county])
    assert found == {county.town_a.pk: (None, ""), county.county.pk: (None, "")}


def test_a_village_with_nobody_assigned_has_an_empty_cadre(county, grid):
    village, cadre = villages_and_cadres([grid.group_b])[grid.group_b.pk]
    assert village.pk == county.village_b.pk
    assert cadre == ""


def test_the_village_cadre_answers_before_sent_down_staff(county, grid):
    assign(county.village_a, "sent_down_staff", "下沉干部甲")
    assign(county.village_a, "village_cadre", "村书记乙")
    assert villages_and_cadres([grid.building_a])[grid.building_a.pk][1] == "村书记乙"


def test_assignments_not_in_force_on_the_day_are_passed_over(county, grid):
    day = dt.date(2022, 11, 25)
    assign(county.village_a, "village_cadre", "已卸任", starts_on=dt.date(2022, 1, 1),
           ended_on=day)  # fmt: skip
    assign(county.village_a, "village_cadre", "将上任", starts_on=day + dt.timedelta(days=1))
    assign(county.village_a, "sent_down_staff", "在岗", starts_on=dt.date(2022, 1, 1))
    assert villages_and_cadres([grid.building_a], on=day)[grid.building_a.pk][1] == "在岗"


def test_other_roles_of_the_village_are_not_its_cadre(county, grid):
    assign(county.village_a, "grid_coordinator", "网格员")
    assign(grid.estate_a, "village_cadre", "小区里的人")  # below the village, not of it
    assert villages_and_cadres([grid.building_a])[grid.building_a.pk][1] == ""


def test_a_whole_batch_costs_one_query(county, grid):
    areas = [grid.building_a, grid.estate_a, grid.group_b, county.village_a, county.town_b]
    with CaptureQueriesContext(connection) as ctx:
        found = villages_and_cadres(areas)
    assert len(ctx.captured_queries) == 1
    assert {v.pk for v, _c in found.values() if v} == {county.village_a.pk, county.village_b.pk}
