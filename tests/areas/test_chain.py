"""The chain of responsibility: for a place, who answers, from the floor up to the county."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.areas.selectors import responsibility_chain
from tests.areas.conftest import assign


def names(chain):
    return [link.name for link in chain]


def test_chain_runs_from_the_floor_lead_up_to_the_county_leader(grid, chain_a):
    chain = responsibility_chain(grid.building_a, floor=5)
    assert names(chain) == [
        "五楼党员己",
        "楼栋长戊",
        "支部书记丁",
        "社区书记丙",
        "乡领导乙",
        "县领导甲",
    ]
    assert [link.level for link in chain] == [5, 5, 4, 3, 3, 2]
    assert chain[0].floor == 5
    assert chain[0].role == "floor_lead"
    assert chain[-1].role == "county_leader"


def test_each_link_has_masked_and_full_phone_and_labels(grid, chain_a):
    top = responsibility_chain(grid.building_a, floor=5)[-1]
    assert top.phone == "13900000001"
    assert top.phone_masked == "139****0001"
    assert top.area.name == "钟多街道"
    assert top.role_label and top.level_label


def test_only_the_floor_lead_of_that_floor_appears(grid, chain_a):
    assert "六楼党员庚" in names(responsibility_chain(grid.building_a, floor=6))
    assert "五楼党员己" not in names(responsibility_chain(grid.building_a, floor=6))


def test_without_a_floor_no_floor_lead_appears(grid, chain_a):
    chain = responsibility_chain(grid.building_a)
    assert names(chain)[0] == "楼栋长戊"
    assert all(link.role != "floor_lead" for link in chain)


def test_a_higher_area_gets_only_its_own_chain(county, grid, chain_a):
    assert names(responsibility_chain(county.village_a)) == ["社区书记丙", "乡领导乙", "县领导甲"]


def test_other_townships_people_are_not_in_the_chain(county, grid, chain_a):
    assign(county.town_b, "county_leader", "别的县领导")
    assert "别的县领导" not in names(responsibility_chain(grid.building_a, floor=5))
    assert names(responsibility_chain(grid.group_b)) == ["别的县领导"]


def test_ended_and_future_assignments_are_left_out(county, grid, chain_a):
    chain_a["cadre"].ended_on = dt.date(2020, 1, 1)
    chain_a["cadre"].starts_on = dt.date(2019, 1, 1)
    chain_a["cadre"].save()
    assign(county.village_a, "village_cadre", "未来干部", starts_on=dt.date(2999, 1, 1))
    chain = names(responsibility_chain(grid.building_a, floor=5))
    assert "楼栋长戊" in chain and "县领导甲" in chain  # the rest of the chain is there
    assert "社区书记丙" not in chain
    assert "未来干部" not in chain


def test_the_chain_is_one_query_whatever_the_depth(grid, chain_a):
    with CaptureQueriesContext(connection) as ctx:
        responsibility_chain(grid.building_a, floor=5)
    assert len(ctx.captured_queries) == 1


def test_an_area_with_no_one_gives_an_empty_chain(grid):
    assert responsibility_chain(grid.group_b) == []
