"""Control's work queue (see core.workqueue): phases ending today or overdue, to complete or
extend (home isolation and monitoring end at the village; centralized isolation ends with
the site's release)."""

from django.utils.translation import gettext_lazy as _

from fangkong.control import selectors
from fangkong.core.roles import Role
from fangkong.core.workqueue import register

register(
    "control.phases_due",
    label=_("Control phases ending today or overdue"),
    permission="episode.manage",
    roles={Role.COUNTY_COMMAND, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE},
    work=selectors.phases_due_work,
    by_township=selectors.phases_due_by_township,
    order=20,
)
