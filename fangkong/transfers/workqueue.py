"""The transfer dispatcher's and the drivers' work on their home pages."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role
from fangkong.core.workqueue import register
from fangkong.transfers import selectors

register(
    "transfers.to_plan",
    label=_("Transfer requests to plan"),
    permission="transfer.dispatch",
    roles={Role.TRANSFER_DISPATCHER, Role.COUNTY_COMMAND},
    work=selectors.to_plan_work,
    by_township=selectors.to_plan_by_township,
    order=40,
)

register(
    "transfers.trips",
    label=_("Transfer trips to run"),
    permission="transfer.trip.run",
    roles={Role.DRIVER, Role.TRANSFER_DISPATCHER},
    work=selectors.trips_work,
    by_township=selectors.trips_by_township,
    order=41,
)
