"""The essential workers' work queue (see core.workqueue): workers overdue for a test.
Roster gaps and supplies to reorder are figures of the daily picture and notices, not
queues: neither is one indexed count."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role
from fangkong.core.workqueue import register
from fangkong.workforce import selectors

register(
    "workforce.overdue",
    label=_("Essential workers overdue for a test"),
    permission="worker.view",
    roles={Role.COUNTY_COMMAND, Role.TOWNSHIP_OFFICER},
    work=selectors.overdue_work,
    by_township=selectors.overdue_by_township,
    order=60,
)
