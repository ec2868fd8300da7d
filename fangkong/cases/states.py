"""The state machines of cases and contacts (``core.states``), from the tables in
``choices.py``. Every change of their state goes through them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.cases.choices import CANDIDATE_TRANSITIONS, CASE_TRANSITIONS
from fangkong.cases.models import Case, CaseCandidate
from fangkong.core.states import StateMachine

CandidateMachine = StateMachine(
    CaseCandidate.state,
    CANDIDATE_TRANSITIONS,
    describe=lambda c: _("The case candidate %(name)s") % {"name": c.person},
    error_field="candidate",
)

CaseMachine = StateMachine(
    Case.state,
    CASE_TRANSITIONS,
    describe=lambda c: _("The case of %(name)s") % {"name": c.person},
    error_field="case",
)
