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
