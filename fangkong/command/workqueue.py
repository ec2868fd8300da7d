"""The command centre's queue: open directives, a township's to answer, the centre's to
follow up."""

from django.utils.translation import gettext_lazy as _

from fangkong.command import selectors
from fangkong.core.roles import Role
from fangkong.core.workqueue import register

register(
    "command.directives",
    label=_("Open directives"),
    permission="directive.view",
    roles={Role.TOWNSHIP_OFFICER, Role.COUNTY_COMMAND},
    work=selectors.directives_work,
    by_township=selectors.directives_by_township,
    order=5,
)
