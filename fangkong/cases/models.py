"""The models of cases and contacts (病例与密接): case candidates (a positive single tube
awaiting the command centre's decision), cases, contacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import (
    CandidateState,
    CaseKind,
    CaseOrigin,
    CaseState,
    ContactKind,
    FoundWhere,
)
from fangkong.core.models import BaseModel
from fangkong.core.scoping import ScopedManager

USER = settings.AUTH_USER_MODEL
# The WHO tracing indicator's bound: a contact under control within 24 h of the case's report.
CONTROL_WITHIN = dt.timedelta(hours=24)


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


class Case(BaseModel):
    """A confirmed case or an asymptomatic infection (确诊病例 / 无症状感染者), with the
    sampling that found it and where it was found: under control or in the community."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The person's area when the case was registered."),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    origin = models.CharField(_("origin"), max_length=12, choices=CaseOrigin.choices)
    candidate = models.OneToOneField(
        CaseCandidate, verbose_name=_("case candidate"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="case",
    )  # fmt: skip
    sampled_at = models.DateTimeField(_("sampled at"))
    sampling_place = models.CharField(_("sampling place"), max_length=200)
    reported_at = models.DateTimeField(_("reported at"))
    reported_on = models.DateField(_("reported on"), help_text=_("Local day of the report."))
    found = models.CharField(_("found"), max_length=16, choices=FoundWhere.choices)
    found_basis = models.CharField(
        _("basis of the classification"), max_length=40, blank=True,
        help_text=_("The kind of control the person was under at sampling time, if any."),
    )  # fmt: skip
    source_contact = models.ForeignKey(
        "cases.Contact", verbose_name=_("was a contact"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="became_cases",
    )  # fmt: skip
    cluster = models.BigIntegerField(
        _("cluster"), null=True, blank=True, db_index=True,
        help_text=_("The first case of the chain this case belongs to."),
    )  # fmt: skip
    state = models.CharField(
        _("state"), max_length=12, choices=CaseState.choices, default=CaseState.REPORTED
    )
    hospital = models.CharField(_("designated hospital"), max_length=100, blank=True)
    transferred_at = models.DateTimeField(_("transferred at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("case (病例)")
        verbose_name_plural = _("cases (病例)")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["found", "reported_on"]),
            models.Index(fields=["area", "reported_on"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person"], name="uniq_case_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.pk])

    @property
    def in_community(self) -> bool:
        return self.found == FoundWhere.COMMUNITY


class Contact(BaseModel):
    """A close contact (密接) or a contact of one (次密接) of a case, registered by an
    investigator: linked to the person's control episode (started for it, or the one under
    way)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="contacts"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ContactKind.choices)
    via = models.ForeignKey(
        "self", verbose_name=_("through the close contact"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="secondary",
    )  # fmt: skip
    last_exposure = models.DateField(_("last exposure"), null=True, blank=True)
    episode = models.ForeignKey(
        "control.ControlEpisode", verbose_name=_("control episode"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    controlled_at = models.DateTimeField(_("under control since"), null=True, blank=True)
    # Stored when the control is set (the case's report time never changes afterwards): the
    # tracing indicator counts it by an index instead of comparing two tables' times per row.
    controlled_in_time = models.BooleanField(
        _("under control within 24 h"), default=False,
        help_text=_("Under control within 24 hours of the case's report (the WHO indicator)."),
    )  # fmt: skip
    control_note = models.CharField(
        _("why not under control"), max_length=300, blank=True,
        help_text=_("Why the control could not start when the contact was registered."),
    )  # fmt: skip

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("contact (密接)")
        verbose_name_plural = _("contacts (密接)")
        indexes = [
            models.Index(fields=["area", "episode"]),
            models.Index(fields=["case", "controlled_in_time"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="uniq_contact_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_kind_display()})"

    def mark_controlled(self, episode: Any, at: dt.datetime) -> None:
        """Under the control of ``episode`` since ``at``: in time when within
        ``CONTROL_WITHIN`` of the case's report (a control already under way counts)."""
        self.episode, self.controlled_at = episode, at
        self.controlled_in_time = at <= self.case.reported_at + CONTROL_WITHIN
