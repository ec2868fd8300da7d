"""States of episodes and phases, and the moves allowed between them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EpisodeStatus(models.TextChoices):
    ACTIVE = "active", _("Under control (管控中)")
    COMPLETED = "completed", _("Completed (解除管控)")
    CANCELLED = "cancelled", _("Cancelled (撤销)")


class PhaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


P = PhaseStatus
PHASE_TRANSITIONS: dict[str, frozenset[str]] = {
    P.PLANNED: frozenset({P.ACTIVE, P.CANCELLED}),
    P.ACTIVE: frozenset({P.COMPLETED, P.CANCELLED}),
    P.COMPLETED: frozenset(),
    P.CANCELLED: frozenset(),
}

E = EpisodeStatus
EPISODE_TRANSITIONS: dict[str, frozenset[str]] = {
    E.ACTIVE: frozenset({E.COMPLETED, E.CANCELLED}),
    E.COMPLETED: frozenset(),
    E.CANCELLED: frozenset(),
}
