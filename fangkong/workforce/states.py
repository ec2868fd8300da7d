"""The machines of a worker's closed-loop state and a roster's status (``core.states``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.models import IMPORT_TRANSITIONS
from fangkong.core.states import StateMachine
from fangkong.workforce.choices import LOOP_TRANSITIONS, ROSTER_TRANSITIONS
from fangkong.workforce.models import Roster, WhitelistImport, Worker

LoopMachine = StateMachine(
    Worker.loop_state,
    LOOP_TRANSITIONS,
    describe=lambda w: _("The closed loop of worker %(n)s") % {"n": w.pk},
    changed_at="loop_since",
)

RosterMachine = StateMachine(
    Roster.status,
    ROSTER_TRANSITIONS,
    describe=lambda r: _("The roster from %(d)s") % {"d": r.start_date},
    error_field="roster",
)

WhitelistImportMachine = StateMachine(
    WhitelistImport.status, IMPORT_TRANSITIONS, describe=str, error_field="job"
)
