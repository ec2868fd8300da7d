"""Writes on control episodes. Every write is checked, atomic, audited and put on the
person's timeline.

``by`` is the user acting; ``by=None`` is the system itself (a scheduled task or a pipeline
acting on a lab result), which passes the role and area checks. A signed-out user never does.
"""

from fangkong.control.selectors import active_episode_for
from fangkong.control.services.completion import complete_phase, complete_phases
from fangkong.control.services.episodes import adjust_phase, cancel_episode, start_episode

__all__ = [
    "active_episode_for",  # re-exported: callers of the services often need it too
    "adjust_phase",
    "cancel_episode",
    "complete_phase",
    "complete_phases",
    "start_episode",
]
