"""A small grid below the shared county: an estate with a building in township A's
community, a group in township B's village, and who answers for them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fangkong.areas.models import Responsibility
from tests.factories import add_area


@dataclass
class Grid:
    estate_a: object  # under 桃花社区 (township A)
    building_a: object
    group_b: object  # under 龙潭村 (township B)


@pytest.fixture
def grid(county) -> Grid:
    estate = add_area(county.village_a, "500242002001001", "桃源小区", "estate")
    building = add_area(estate, "500242002001001001", "3栋", "building")
    group = add_area(county.village_b, "500242101001001", "一组", "group")
    return Grid(estate_a=estate, building_a=building, group_b=group)


def assign(area, role, name, phone="13800138000", floor=None, **kw):
    """A responsibility written directly (fixture data, not the service under test)."""
    return Responsibility.objects.create(
        area=area, role=role, person_name=name, phone=phone, floor=floor, **kw
    )


@pytest.fixture
def chain_a(county, grid):
    """Someone at every level above 3栋 in township A (and a floor lead of floor 5 and 6)."""
    return {
        "county_leader": assign(county.town_a, "county_leader", "县领导甲", "13900000001"),
        "township_leader": assign(county.village_a, "township_leader", "乡领导乙", "13900000002"),
        "cadre": assign(county.village_a, "village_cadre", "社区书记丙", "13900000003"),
        "branch": assign(grid.estate_a, "party_branch", "支部书记丁", "13900000004"),
        "coordinator": assign(grid.building_a, "grid_coordinator", "楼栋长戊", "13900000005"),
        "floor5": assign(grid.building_a, "floor_lead", "五楼党员己", "13900000006", floor=5),
        "floor6": assign(grid.building_a, "floor_lead", "六楼党员庚", "13900000007", floor=6),
    }
