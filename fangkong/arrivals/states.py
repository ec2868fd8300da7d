"""The state machines of arrivals, residents away and risk designations (``core.states``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.arrivals.choices import (
    ARRIVAL_TRANSITIONS,
    AWAY_TRANSITIONS,
    DESIGNATION_TRANSITIONS,
)
from fangkong.arrivals.models import Arrival, LedgerImport, ResidentAway, RiskDesignation
from fangkong.core.models import IMPORT_TRANSITIONS
from fangkong.core.states import StateMachine

ArrivalMachine = StateMachine(
    Arrival.status,
    ARRIVAL_TRANSITIONS,
    describe=lambda a: _("Arrival %(ref)s") % {"ref": a.reference},
    changed_at="status_changed_at",
    error_field="arrival",
)

AwayMachine = StateMachine(
    ResidentAway.status,
    AWAY_TRANSITIONS,
    describe=lambda r: _("The away entry of %(name)s") % {"name": r.name},
)

DesignationMachine = StateMachine(
    RiskDesignation.status,
    DESIGNATION_TRANSITIONS,
    describe=lambda d: _("The risk designation of %(area)s") % {"area": d.area},
    changed_at="status_changed_at",
    error_field="designation",
)

LedgerImportMachine = StateMachine(
    LedgerImport.status, IMPORT_TRANSITIONS, describe=str, error_field="job"
)
