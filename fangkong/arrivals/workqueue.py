"""The arrivals' work queues (see core.workqueue): arrivals the village must acknowledge,
hand-overs past their time limit, high-risk areas due for lifting."""

from django.utils.translation import gettext_lazy as _

from fangkong.arrivals import selectors
from fangkong.core.roles import Role
from fangkong.core.workqueue import register

register(
    "arrivals.to_acknowledge",
    label=_("Arrivals to acknowledge (来返人员待对接)"),
    permission="arrival.acknowledge",
    roles={Role.VILLAGE_CADRE, Role.TOWNSHIP_OFFICER},
    work=selectors.to_acknowledge_work,
    by_township=selectors.to_acknowledge_by_township,
    order=20,
)
register(
    "arrivals.overdue",
    label=_("Arrival hand-overs not acknowledged in time"),
    permission="arrival.view",
    roles={Role.TOWNSHIP_OFFICER, Role.COUNTY_COMMAND},
    work=selectors.overdue_work,
    by_township=selectors.overdue_by_township,
    order=21,
)
register(
    "arrivals.lift_due",
    label=_("High-risk areas due for lifting (5 days without infection)"),
    permission="riskarea.lift",
    roles={Role.COUNTY_COMMAND},
    work=selectors.due_lift_work,
    by_township=selectors.due_lift_by_township,
    order=22,
)
