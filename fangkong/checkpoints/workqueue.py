"""The checkpoints' work queue: open checkpoints of the officer's areas with nobody on shift
(逢车必查 needs someone there)."""

from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints import selectors
from fangkong.core.roles import Role
from fangkong.core.workqueue import register

register(
    "checkpoints.unstaffed",
    label=_("Open checkpoints with nobody on shift"),
    permission="checkpoint.view",
    roles={Role.CHECKPOINT_OFFICER, Role.COUNTY_COMMAND},
    work=selectors.unstaffed_work,
    by_township=selectors.unstaffed_by_township,
    order=30,
)
