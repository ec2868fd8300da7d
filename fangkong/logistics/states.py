"""The freight pass machine (``core.states``): applied, approved, refused, revoked."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.states import StateMachine
from fangkong.logistics.choices import PASS_TRANSITIONS
from fangkong.logistics.models import FreightPass

PassMachine = StateMachine(
    FreightPass.status,
    PASS_TRANSITIONS,
    describe=lambda p: _("Pass %(n)s") % {"n": p.number},
    changed_at="status_changed_at",
    error_field="freight_pass",
)
