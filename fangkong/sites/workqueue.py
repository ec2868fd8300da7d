"""The isolation sites' work queues (see core.workqueue): releases due today, overstays,
rooms waiting for a turnover step."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role
from fangkong.core.workqueue import register
from fangkong.sites import selectors

SITE_TEAM = {Role.COUNTY_COMMAND, Role.SITE_MANAGER}

register(
    "sites.releases_due",
    label=_("Releases due today (centralized isolation ends)"),
    permission="stay.manage",
    roles=SITE_TEAM,
    work=selectors.releases_due_work,
    by_township=selectors.releases_due_by_township,
    order=10,
)
register(
    "sites.overstays",
    label=_("Past the planned end, still in a room"),
    permission="stay.manage",
    roles=SITE_TEAM,
    work=selectors.overstays_work,
    by_township=selectors.overstays_by_township,
    order=11,
)
register(
    "sites.turnover",
    label=_("Rooms waiting for a turnover step"),
    permission="room.turnover",
    roles=SITE_TEAM,
    work=selectors.turnover_work,
    by_township=selectors.turnover_by_township,
    order=12,
)
