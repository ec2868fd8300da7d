"""The work queues of cases and contacts (see core.workqueue): case candidates to decide."""

from django.utils.translation import gettext_lazy as _

from fangkong.cases import selectors
from fangkong.core.workqueue import register

register(
    "cases.candidates",
    label=_("Case candidates to confirm or dismiss"),
    permission="case.candidate.decide",
    work=selectors.candidates_work,
    by_township=selectors.candidates_by_township,
    order=1,
)
register(
    "cases.uncontrolled_contacts",
    label=_("Contacts registered but not under control"),
    permission="contact.register",
    work=selectors.uncontrolled_work,
    by_township=selectors.uncontrolled_by_township,
    order=2,
)
