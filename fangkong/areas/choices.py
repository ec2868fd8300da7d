from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    COUNTY = "county", _("County")
    STREET = "street", _("Street (街道)")
    TOWN = "town", _("Town (镇)")
    TOWNSHIP = "township", _("Township (乡)")
    COMMUNITY = "community", _("Community (社区)")
    VILLAGE = "village", _("Village (村)")
    ESTATE = "estate", _("Estate (小区)")
    GROUP = "group", _("Group (组)")
    BUILDING = "building", _("Building (楼栋)")


class AreaLevel(models.IntegerChoices):
    COUNTY = 1, _("County")
    TOWNSHIP = 2, _("Township/street")
    VILLAGE = 3, _("Village/community")
    GROUP = 4, _("Group/estate")
    BUILDING = 5, _("Building")


LEVEL_OF_KIND: dict[str, int] = {
    AreaKind.COUNTY: AreaLevel.COUNTY,
    AreaKind.STREET: AreaLevel.TOWNSHIP,
    AreaKind.TOWN: AreaLevel.TOWNSHIP,
    AreaKind.TOWNSHIP: AreaLevel.TOWNSHIP,
    AreaKind.COMMUNITY: AreaLevel.VILLAGE,
    AreaKind.VILLAGE: AreaLevel.VILLAGE,
    AreaKind.ESTATE: AreaLevel.GROUP,
    AreaKind.GROUP: AreaLevel.GROUP,
    AreaKind.BUILDING: AreaLevel.BUILDING,
}


KINDS_OF_LEVEL: dict[int, tuple[str, ...]] = {
    level: tuple(k for k, lv in LEVEL_OF_KIND.items() if lv == level) for level in AreaLevel.values
}

# Names an area sheet may use for a kind, besides the code itself (Chinese ledgers).
KIND_ALIASES: dict[str, str] = {
    "县": AreaKind.COUNTY,
    "区县": AreaKind.COUNTY,
    "街道": AreaKind.STREET,
    "镇": AreaKind.TOWN,
    "乡": AreaKind.TOWNSHIP,
    "社区": AreaKind.COMMUNITY,
    "村": AreaKind.VILLAGE,
    "小区": AreaKind.ESTATE,
    "楼盘": AreaKind.ESTATE,
    "组": AreaKind.GROUP,
    "村民小组": AreaKind.GROUP,
    "楼栋": AreaKind.BUILDING,
    "楼": AreaKind.BUILDING,
}


def kind_fits_under(kind: str, parent_kind: str | None) -> bool:
    """A node sits exactly one level below its parent; only a county has no parent."""
    if parent_kind is None:
        return LEVEL_OF_KIND[kind] == AreaLevel.COUNTY
    return LEVEL_OF_KIND[kind] == LEVEL_OF_KIND[parent_kind] + 1


class ResponsibilityRole(models.TextChoices):
    """Who answers for an area (三级包保 and the grid: 楼盘见支部、楼栋见小组、楼层见党员)."""

    COUNTY_LEADER = "county_leader", _("County leader (县领导包保乡镇)")
    TOWNSHIP_LEADER = "township_leader", _("Township leader (乡镇领导包保村社区)")
    VILLAGE_CADRE = "village_cadre", _("Village/community cadre (村社区干部)")
    SENT_DOWN_STAFF = "sent_down_staff", _("Sent-down staff (下沉干部)")
    GRID_COORDINATOR = "grid_coordinator", _("Grid coordinator (网格员/楼栋长)")
    PARTY_BRANCH = "party_branch", _("Estate party branch secretary (临时党支部)")
    PARTY_GROUP = "party_group", _("Building party group leader (楼栋党小组)")
    FLOOR_LEAD = "floor_lead", _("Floor lead (楼层党员中心户)")


RR = ResponsibilityRole

# The levels at which each role may be assigned.
ROLE_LEVELS: dict[str, frozenset[int]] = {
    RR.COUNTY_LEADER: frozenset({AreaLevel.TOWNSHIP}),
    RR.TOWNSHIP_LEADER: frozenset({AreaLevel.VILLAGE}),
    RR.VILLAGE_CADRE: frozenset({AreaLevel.VILLAGE, AreaLevel.GROUP, AreaLevel.BUILDING}),
    RR.SENT_DOWN_STAFF: frozenset({AreaLevel.VILLAGE, AreaLevel.GROUP, AreaLevel.BUILDING}),
    RR.GRID_COORDINATOR: frozenset({AreaLevel.GROUP, AreaLevel.BUILDING}),
    RR.PARTY_BRANCH: frozenset({AreaLevel.GROUP}),
    RR.PARTY_GROUP: frozenset({AreaLevel.BUILDING}),
    RR.FLOOR_LEAD: frozenset({AreaLevel.BUILDING}),
}

# Within one area, the order in which roles appear in a chain (the most local first).
ROLE_ORDER: dict[str, int] = {
    RR.FLOOR_LEAD: 0,
    RR.GRID_COORDINATOR: 1,
    RR.PARTY_GROUP: 2,
    RR.PARTY_BRANCH: 3,
    RR.VILLAGE_CADRE: 4,
    RR.SENT_DOWN_STAFF: 5,
    RR.TOWNSHIP_LEADER: 6,
    RR.COUNTY_LEADER: 7,
}
