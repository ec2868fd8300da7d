"""Mass testing's work queues (see core.workqueue): door-to-door retests to take, case
candidates to decide, tubes on their way to a lab for too long."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role
from fangkong.core.workqueue import register
from fangkong.testing import selectors, selectors_work

R = Role

register(
    "testing.candidates",
    label=_("Case candidates to confirm or dismiss"),
    permission="testing.candidate.decide",
    work=selectors.candidates_work,
    by_township=selectors.candidates_by_township,
    order=1,
)
register(
    "testing.retests",
    label=_("Door-to-door retests to take"),
    permission="testing.retest.view",
    # the auditor reads the list; taking the swabs is the others' work
    roles={R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.VILLAGE_CADRE, R.SAMPLER},
    work=selectors_work.retests_work,
    by_township=selectors_work.retests_by_township,
    order=2,
)
register(
    "testing.late_tubes",
    label=_("Tubes not at the lab within their target time"),
    permission="testing.transport",
    work=selectors_work.late_tubes_work,
    by_township=selectors_work.late_tubes_by_township,
    order=3,
)
