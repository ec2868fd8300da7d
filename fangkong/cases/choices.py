"""States and kinds of cases and contacts, with their allowed transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CandidateState(models.TextChoices):
    OPEN = "open", pgettext_lazy("case candidate", "Open")
    CONFIRMED = "confirmed", _("Confirmed case")
    DISMISSED = "dismissed", _("Dismissed")


CANDIDATE_TRANSITIONS: dict[str, frozenset[str]] = {
    CandidateState.OPEN: frozenset({CandidateState.CONFIRMED, CandidateState.DISMISSED}),
    CandidateState.CONFIRMED: frozenset(),
    CandidateState.DISMISSED: frozenset(),
}
