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


class CaseKind(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed case (确诊病例)")
    ASYMPTOMATIC = "asymptomatic", _("Asymptomatic infection (无症状感染者)")


class FoundWhere(models.TextChoices):
    """Where a case was found, from the person's control at sampling time."""

    UNDER_CONTROL = "under_control", _("Found under control (管控中发现)")
    COMMUNITY = "community", _("Found in the community (社会面发现)")


class CaseOrigin(models.TextChoices):
    CANDIDATE = "candidate", _("Confirmed case candidate")
    MANUAL = "manual", _("Registered by hand")
    IMPORT = "import", _("Imported from Excel")


class CaseState(models.TextChoices):
    REPORTED = "reported", _("Reported (已报告)")
    TRANSFERRED = "transferred", _("In a designated hospital (已转运定点医院)")
    DISCHARGED = "discharged", _("Discharged (出院)")


CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseState.REPORTED: frozenset({CaseState.TRANSFERRED}),
    CaseState.TRANSFERRED: frozenset({CaseState.DISCHARGED}),
    CaseState.DISCHARGED: frozenset(),
}


class ContactKind(models.TextChoices):
    CLOSE = "close", _("Close contact (密切接触者)")
    SECONDARY = "secondary", _("Contact of a close contact (次密接)")
