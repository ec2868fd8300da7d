"""Home isolation's work queues (see core.workqueue): homes to check, households awaiting
centralized placement, open service requests, fever/symptom and door alerts, phases to review."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role
from fangkong.core.workqueue import register
from fangkong.home_isolation import selectors

OPERATORS = {Role.COUNTY_COMMAND, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE}

register(
    "home_isolation.placement",
    label=_("Households needing centralized placement"),
    permission="home.placement.view",
    # the transfer dispatcher's queue comes with the transfers app (it reads the same
    # selector, ``awaiting_placement``)
    roles={Role.COUNTY_COMMAND, Role.SITE_MANAGER},
    work=selectors.placement_work,
    by_township=selectors.placement_by_township,
    order=20,
)
register(
    "home_isolation.checks",
    label=_("Homes to check: home isolation started unchecked"),
    permission="home.assess",
    roles=OPERATORS,
    work=selectors.checks_work,
    by_township=selectors.checks_by_township,
    order=19,
)
register(
    "home_isolation.requests",
    label=_("Door-to-door service requests open"),
    permission="home.manage",
    roles=OPERATORS,
    work=selectors.requests_work,
    by_township=selectors.requests_by_township,
    order=21,
)
register(
    "home_isolation.alerts",
    label=_("Home isolation alerts to handle"),
    permission="home.view",
    roles=OPERATORS,
    work=selectors.alerts_work,
    by_township=selectors.alerts_by_township,
    order=22,
)
register(
    "home_isolation.reviews",
    label=_("Home phases not closed at their end: review"),
    permission="home.manage",
    roles=OPERATORS,
    work=selectors.reviews_work,
    by_township=selectors.reviews_by_township,
    order=23,
)
