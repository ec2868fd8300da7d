"""States of a directive's recipients, kinds of their updates, and the allowed moves."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecipientState(models.TextChoices):
    ISSUED = "issued", _("Issued (已下发)")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged (已签收)")
    IN_PROGRESS = "in_progress", _("In progress (办理中)")
    CLOSED = "closed", _("Closed (已办结)")
    CANCELLED = "cancelled", _("Withdrawn (已撤回)")


S = RecipientState
RECIPIENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.ISSUED: frozenset({S.ACKNOWLEDGED, S.CANCELLED}),
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.CLOSED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.CLOSED, S.CANCELLED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# still to be done: what "open" and "overdue" count
OPEN_STATES = frozenset({S.ISSUED, S.ACKNOWLEDGED, S.IN_PROGRESS})


class UpdateKind(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("Acknowledged (签收)")
    PROGRESS = "progress", _("Progress report (进展)")
    CLOSED = "closed", _("Closed (办结)")
    ESCALATED = "escalated", _("Escalated (督促升级)")
    CANCELLED = "cancelled", _("Withdrawn (撤回)")
