"""The state machine of a directive's recipients (``core.states``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.command.choices import RECIPIENT_TRANSITIONS
from fangkong.command.models import DirectiveRecipient
from fangkong.core.states import StateMachine

RecipientMachine = StateMachine(
    DirectiveRecipient.state,
    RECIPIENT_TRANSITIONS,
    describe=lambda r: _("The directive for %(to)s") % {"to": str(r)},
    changed_at="state_changed_at",
    error_field="state",
)
