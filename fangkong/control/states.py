"""The state machines of control episodes and their phases (``core.states``), from the
tables in ``choices.py``. Every change of ``ControlEpisode.status`` and
``ControlPhase.status`` goes through them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.control.choices import EPISODE_TRANSITIONS, PHASE_TRANSITIONS
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.core.states import StateMachine

PhaseMachine = StateMachine(
    ControlPhase.status,
    PHASE_TRANSITIONS,
    describe=lambda phase: phase.get_kind_display(),
    error_field="phase",
)

EpisodeMachine = StateMachine(
    ControlEpisode.status,
    EPISODE_TRANSITIONS,
    describe=lambda episode: _("The control of %(name)s") % {"name": episode.person},
    error_field="episode",
)
