"""The models of cases and contacts (病例与密接): case candidates (a positive single tube
awaiting the command centre's decision), cases, contacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import CandidateState
from fangkong.core.models import BaseModel
from fangkong.core.scoping import ScopedManager

USER = settings.AUTH_USER_MODEL


class CaseCandidate(BaseModel):
    """A positive single tube: a person the command centre must act on at once."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    tube = models.ForeignKey(
        "testing.Tube",
        verbose_name=_("tube"),
        on_delete=models.PROTECT,
        related_name="case_candidates",
    )
    chain = models.JSONField(_("responsibility chain"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CandidateState.choices, default=CandidateState.OPEN
    )
    decided_by = models.ForeignKey(
        USER, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(
        _("note"), blank=True, help_text=_("Why it was dismissed, or a note on the confirmation.")
    )

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        db_table = "testing_casecandidate"  # moved from testing with its rows
        verbose_name = _("case candidate (阳性待核)")
        verbose_name_plural = _("case candidates (阳性待核)")
        indexes = [models.Index(fields=["area", "state"])]

    def __str__(self) -> str:
        return f"{self.person} ({self.tube})"
