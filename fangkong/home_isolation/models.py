"""The models of home isolation (居家隔离): the household's eligibility assessment and its
place on the centralized-placement queue, the checks still to do, door seals, the
resident's personal links, health reports, alerts, service requests, reminders,
door-to-door test tasks and the reviews of phases that did not close by themselves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import BaseModel
from fangkong.core.scoping import ScopedManager
from fangkong.home_isolation.choices import (
    OPEN_REQUEST_STATES,
    AlertKind,
    Origin,
    Outcome,
    PlacementState,
    RequestKind,
    RequestState,
    ReviewState,
    SealKind,
    SealState,
    Window,
)

USER = settings.AUTH_USER_MODEL


class EligibilityAssessment(BaseModel):
    """Whether a household qualifies for home isolation (居家隔离条件评估), recorded with the
    answers, the conditions of the rule set in force and the outcome."""

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
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices)
    answers = models.JSONField(_("answers"), default=dict)
    members = models.JSONField(_("isolated with"), default=list, help_text=_("Person ids."))
    carer = models.ForeignKey(
        "people.Person", verbose_name=_("carer"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    rule_set_code = models.CharField(_("rule set code"), max_length=40)
    conditions = models.JSONField(_("conditions applied"), default=dict)
    placement_state = models.CharField(
        _("placement"), max_length=12, choices=PlacementState.choices,
        default=PlacementState.NOT_NEEDED,
    )  # fmt: skip
    placement_changed_at = models.DateTimeField(_("placement changed at"), null=True, blank=True)
    placement_note = models.CharField(_("placement note"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("eligibility assessment (居家条件评估)")
        verbose_name_plural = _("eligibility assessments")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["placement_state", "area"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_outcome_display()}"

    def get_absolute_url(self) -> str:
        return reverse("home_isolation:assessment_detail", args=[self.pk])


class PendingCheck(BaseModel):
    """A household whose home isolation started without a current eligible assessment (a
    release into the home phase of a rule): on the village's list of homes to check. Done
    when the household is assessed (``assessment``)."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices)
    phase = models.ForeignKey(
        "control.ControlPhase", verbose_name=_("phase"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    done_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    assessment = models.ForeignKey(
        EligibilityAssessment, verbose_name=_("assessment"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("eligibility check to do (待评估)")
        verbose_name_plural = _("eligibility checks to do")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["done_at", "area"])]
        constraints = [
            # one open check per household (per person for someone without one)
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(done_at__isnull=True, household__isnull=False),
                name="uniq_open_check_household",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(done_at__isnull=True, household__isnull=True),
                name="uniq_open_check_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.created_at:%m-%d}"


class DoorSeal(BaseModel):
    """A door seal or sensor (封条/门磁) on a household under home control, fitted with the
    household's consent."""

    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=SealKind.choices)
    number = models.CharField(_("number"), max_length=40)
    consent = models.BooleanField(_("consent given"), default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=SealState.choices, default=SealState.FITTED
    )
    fitted_at = models.DateTimeField(_("fitted at"))
    fitted_by = models.ForeignKey(
        USER, verbose_name=_("fitted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        USER, verbose_name=_("removed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("door seal (封条/门磁)")
        verbose_name_plural = _("door seals")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=~Q(state=SealState.REMOVED),
                name="uniq_seal_on_household",
            ),
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=~Q(state=SealState.REMOVED),
                name="uniq_seal_number_in_use",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class PortalLink(BaseModel):
    """A resident's personal link to the portal (no account): a random token, stored hashed,
    valid for its person until the control ends plus a grace day, revocable."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("portal link (居民链接)")
        verbose_name_plural = _("portal links")
        indexes = [models.Index(fields=["person", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.expires_at:%Y-%m-%d}"


class HealthReport(models.Model):
    """A twice-daily health report (健康申报): temperature and symptoms."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    phase = models.ForeignKey(
        "control.ControlPhase", verbose_name=_("phase"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    at = models.DateTimeField(_("reported at"))
    day = models.DateField(_("day"))
    window = models.CharField(_("window"), max_length=8, choices=Window.choices, blank=True)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    flagged = models.BooleanField(_("fever or symptoms"), default=False)
    reported_by = models.ForeignKey(
        "people.Person", verbose_name=_("reported by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    entered_by = models.ForeignKey(
        USER, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("health report (健康申报)")
        verbose_name_plural = _("health reports")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["person", "day"]),
            models.Index(fields=["day", "window", "area"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.temperature}"


class HomeAlert(models.Model):
    """Fever, symptoms or an opened door: for the township's medical follow-up or the
    village."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )  # fmt: skip
    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=AlertKind.choices)
    at = models.DateTimeField(_("at"))
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    report = models.ForeignKey(
        HealthReport, verbose_name=_("report"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        USER, verbose_name=_("handled by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    candidate_opened = models.BooleanField(_("sent for testing"), default=False)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("home alert (居家预警)")
        verbose_name_plural = _("home alerts")
        ordering = ["-at"]
        indexes = [models.Index(fields=["area", "handled_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%m-%d %H:%M}"


class ServiceRequest(BaseModel):
    """A door-to-door service request (上门服务): groceries, medicine, a medical visit,
    garbage removal..."""

    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RequestKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    from_portal = models.BooleanField(_("from the portal"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.NEW
    )
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"))
    assignee_name = models.CharField(_("assigned to"), max_length=60, blank=True)
    assignee = models.ForeignKey(
        USER, verbose_name=_("assigned user"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    confirmation = models.CharField(_("confirmation"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("service request (上门服务)")
        verbose_name_plural = _("service requests")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["state", "due_at", "area"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("home_isolation:request_detail", args=[self.pk])

    @property
    def overdue(self) -> bool:
        return self.state in OPEN_REQUEST_STATES and self.due_at < timezone.now()


class ReportReminder(models.Model):
    """The one reminder a person gets for a missed report window."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    window = models.CharField(_("window"), max_length=8, choices=Window.choices)
    sent_at = models.DateTimeField(_("sent at"))

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        constraints = [
            models.UniqueConstraint(fields=["person", "day", "window"], name="uniq_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.window}"


class HomeTest(models.Model):
    """A test day of a home phase turned into a door-to-door sampling task of the mass-
    testing follow-up (``testing.RetestTask``)."""

    phase = models.ForeignKey(
        "control.ControlPhase", verbose_name=_("phase"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    day = models.DateField(_("test day"))
    task = models.ForeignKey(
        "testing.RetestTask", verbose_name=_("door-to-door task"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("home test day")
        verbose_name_plural = _("home test days")
        constraints = [models.UniqueConstraint(fields=["phase", "day"], name="uniq_home_test")]

    def __str__(self) -> str:
        return f"{self.day}"


class CloseReview(BaseModel):
    """A home phase that did not close by itself at its planned end, with the reason."""

    phase = models.ForeignKey(
        "control.ControlPhase", verbose_name=_("phase"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    reasons = models.JSONField(_("reasons"), default=list)
    state = models.CharField(
        _("state"), max_length=6, choices=ReviewState.choices, default=ReviewState.OPEN
    )

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("close review (到期研判)")
        verbose_name_plural = _("close reviews")
        constraints = [models.UniqueConstraint(fields=["phase", "day"], name="uniq_close_review")]


class SensorGateway(BaseModel):
    """A door-sensor gateway allowed to post events, with its own token (stored hashed)."""

    name = models.CharField(_("name"), max_length=60)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)

    # a device credential holding no one's data; only system administrators manage it
    scope_field = None

    class Meta:
        verbose_name = _("door-sensor gateway (门磁网关)")
        verbose_name_plural = _("door-sensor gateways")

    def __str__(self) -> str:
        return self.name
