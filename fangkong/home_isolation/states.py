"""The state machines of home isolation (``core.states``), from the tables in
``choices.py``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.states import StateMachine
from fangkong.home_isolation.choices import (
    PLACEMENT_TRANSITIONS,
    REQUEST_TRANSITIONS,
    REVIEW_TRANSITIONS,
    SEAL_TRANSITIONS,
)
from fangkong.home_isolation.models import (
    CloseReview,
    DoorSeal,
    EligibilityAssessment,
    ServiceRequest,
)

PlacementMachine = StateMachine(
    EligibilityAssessment.placement_state,
    PLACEMENT_TRANSITIONS,
    describe=lambda a: _("The placement of household of %(name)s") % {"name": a.person},
    error_field="assessment",
    changed_at="placement_changed_at",
)

SealMachine = StateMachine(
    DoorSeal.state,
    SEAL_TRANSITIONS,
    describe=lambda s: _("Seal %(number)s") % {"number": s.number},
    error_field="seal",
)

RequestMachine = StateMachine(
    ServiceRequest.state,
    REQUEST_TRANSITIONS,
    describe=lambda r: _("Request %(id)s") % {"id": r.pk},
    error_field="request",
    changed_at="state_changed_at",
)

ReviewMachine = StateMachine(
    CloseReview.state, REVIEW_TRANSITIONS, describe=lambda r: _("Review"), error_field="review"
)
