"""Mass testing (核酸筛查): testing points, screening rounds, tubes and their members, boxes,
labs, results, and the follow-up of a positive tube (retests, notifications, case
candidates)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import BaseModel, ImportJobBase, ImportRowErrorBase
from fangkong.core.pii import EncryptedTextField
from fangkong.core.scoping import ScopedManager, ScopedQuerySet, area_q, mark_visible, subtree_q
from fangkong.testing.choices import (
    BoxState,
    CandidateState,
    NotificationState,
    Outcome,
    PointKind,
    RecipientKind,
    RetestReason,
    RetestState,
    TubeKind,
    TubeState,
)

if TYPE_CHECKING:
    from fangkong.core.actors import MaybeActor

USER = settings.AUTH_USER_MODEL


class TestingPoint(BaseModel):
    """A place where samplers take swabs (采样点)."""

    __test__ = False  # not a pytest test class, despite its name

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PointKind.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    hours = models.CharField(_("opening hours"), max_length=60, blank=True)
    samplers = models.ManyToManyField(  # type: ignore[var-annotated]
        USER, verbose_name=_("samplers"), blank=True, related_name="testing_points"
    )
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("testing point (采样点)")
        verbose_name_plural = _("testing points (采样点)")
        ordering = ["area__path", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("testing:point_detail", args=[self.pk])


class Lab(BaseModel):
    """A testing lab (检测机构)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    technicians = models.ManyToManyField(  # type: ignore[var-annotated]
        USER, verbose_name=_("technicians"), blank=True, related_name="labs"
    )

    scope_field = None  # a lab holds no one's data: every sampler may name it

    class Meta:
        verbose_name = _("lab (检测机构)")
        verbose_name_plural = _("labs (检测机构)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoundQuerySet(ScopedQuerySet):
    def visible_to(self, user: MaybeActor) -> RoundQuerySet:
        """Rounds covering any area within the user's areas, or above them (a county round
        is visible to a township it covers)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return mark_visible(self.none(), user)
        paths = user.area_paths
        if not paths:
            return mark_visible(self.none(), user)
        # below the user's areas, or one of their areas' ancestors (``scoping.overlaps``)
        above = [p[: 4 * i] for p in paths for i in range(1, len(p) // 4 + 1)]
        q = subtree_q(paths, "areas__path") | Q(areas__path__in=above)
        return mark_visible(self.filter(pk__in=self.model.objects.filter(q).values("pk")), user)


class ScreeningRound(BaseModel):
    """A screening round (轮次): which areas, when, how many swabs a pooled tube holds."""

    name = models.CharField(_("name"), max_length=100)
    areas = models.ManyToManyField(
        "areas.Area", verbose_name=_("areas"), related_name="screening_rounds"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    pooling_ratio = models.PositiveSmallIntegerField(_("pooling ratio (混采比例)"), default=10)
    single_categories = models.ManyToManyField(  # type: ignore[var-annotated]
        "people.KeyCategory",
        verbose_name=_("key categories sampled singly (单管单检)"),
        blank=True,
        related_name="+",
    )

    objects = RoundQuerySet.as_manager()
    scope_field = "areas"

    class Meta:
        verbose_name = _("screening round (筛查轮次)")
        verbose_name_plural = _("screening rounds (筛查轮次)")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("testing:round_detail", args=[self.pk])


class Box(BaseModel):
    """A transport box (转运箱) of closed tubes, handed to a courier, received at a lab."""

    barcode = models.CharField(_("box barcode"), max_length=40, unique=True)
    state = models.CharField(
        _("state"), max_length=12, choices=BoxState.choices, default=BoxState.PACKING
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    point = models.ForeignKey(
        TestingPoint, verbose_name=_("testing point"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="boxes",
    )  # fmt: skip
    lab = models.ForeignKey(
        Lab, verbose_name=_("lab"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="boxes",
    )  # fmt: skip
    courier_name = models.CharField(_("courier"), max_length=60, blank=True)
    courier_phone = EncryptedTextField(_("courier phone"), kind="phone")
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    missing = models.JSONField(_("tubes missing at receipt"), default=list, blank=True)
    extra = models.JSONField(_("tubes extra at receipt"), default=list, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("transport box (转运箱)")
        verbose_name_plural = _("transport boxes (转运箱)")

    def __str__(self) -> str:
        return self.barcode

    def get_absolute_url(self) -> str:
        return reverse("testing:box_detail", args=[self.pk])


class Tube(BaseModel):
    """A sampling tube (采样管): one person (single) or up to the round's ratio (pooled)."""

    barcode = models.CharField(_("tube barcode"), max_length=40, unique=True)
    round = models.ForeignKey(
        ScreeningRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="tubes"
    )
    point = models.ForeignKey(
        TestingPoint, verbose_name=_("testing point"), on_delete=models.PROTECT,
        related_name="tubes",
    )  # fmt: skip
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The testing point's area."),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=8, choices=TubeKind.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    member_count = models.PositiveSmallIntegerField(_("swabs"), default=0)
    state = models.CharField(
        _("state"), max_length=12, choices=TubeState.choices, default=TubeState.OPEN
    )
    sampler = models.ForeignKey(
        USER, verbose_name=_("sampler"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    box = models.ForeignKey(
        Box, verbose_name=_("box"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tubes",
    )  # fmt: skip
    lab = models.ForeignKey(
        Lab, verbose_name=_("lab"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tubes",
    )  # fmt: skip
    first_sampled_at = models.DateTimeField(_("first swab at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    tested_at = models.DateTimeField(_("tested at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("tube (采样管)")
        verbose_name_plural = _("tubes (采样管)")
        indexes = [
            models.Index(fields=["round", "state"]),
            models.Index(fields=["point", "state"]),
            models.Index(fields=["state", "first_sampled_at"]),
        ]

    def __str__(self) -> str:
        return self.barcode

    def get_absolute_url(self) -> str:
        return reverse("testing:tube_detail", args=[self.pk])

    @property
    def is_full(self) -> bool:
        return self.member_count >= self.capacity


class TubeMember(models.Model):
    """One person's swab in a tube. ``client_uuid`` is the device's id for the scan, so a
    batch sent twice records once."""

    tube = models.ForeignKey(
        Tube, verbose_name=_("tube"), on_delete=models.CASCADE, related_name="members"
    )
    round = models.ForeignKey(
        ScreeningRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT,
        related_name="tube_memberships",
    )  # fmt: skip
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The person's area when sampled."),
    )  # fmt: skip
    sampled_at = models.DateTimeField(_("sampled at"))
    sampler = models.ForeignKey(
        USER, verbose_name=_("sampler"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    client_uuid = models.UUIDField(_("client id"), unique=True)
    repeat = models.BooleanField(
        _("sampled again in this round"), default=False,
        help_text=_("The person already had a swab in this round when this one was taken."),
    )  # fmt: skip

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("tube member (采样记录)")
        verbose_name_plural = _("tube members (采样记录)")
        indexes = [
            models.Index(fields=["round", "person"]),
            models.Index(fields=["person", "sampled_at"]),
            models.Index(fields=["round", "area", "person"]),
        ]

    def __str__(self) -> str:
        return f"{self.tube_id}:{self.person_id}"


class Result(BaseModel):
    """A lab's result for a tube, and whether it has been published (报告)."""

    tube = models.OneToOneField(
        Tube, verbose_name=_("tube"), on_delete=models.CASCADE, related_name="result"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    ct_values = models.JSONField(_("Ct values"), default=dict, blank=True)
    lab = models.ForeignKey(
        Lab, verbose_name=_("lab"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="results",
    )  # fmt: skip
    tested_at = models.DateTimeField(_("tested at"))
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    released = models.BooleanField(
        _("released to the persons sampled"), default=False,
        help_text=_("A negative pool releases every member's result; a positive pool none."),
    )  # fmt: skip

    objects = ScopedManager()
    scope_field = "tube__area"

    class Meta:
        verbose_name = _("result (检测结果)")
        verbose_name_plural = _("results (检测结果)")
        indexes = [models.Index(fields=["outcome", "reported_at"])]

    def __str__(self) -> str:
        return f"{self.tube_id}: {self.outcome}"


class RetestTask(BaseModel):
    """A single-tube retest (单采复核) to take at the person's door."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(
        _("reason"), max_length=16, choices=RetestReason.choices, default=RetestReason.POOL_POSITIVE
    )
    round = models.ForeignKey(
        ScreeningRound, verbose_name=_("round"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    source_tube = models.ForeignKey(
        Tube, verbose_name=_("positive tube"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="retests",
    )  # fmt: skip
    state = models.CharField(
        _("state"), max_length=10, choices=RetestState.choices, default=RetestState.OPEN
    )
    retest_tube = models.ForeignKey(
        Tube, verbose_name=_("retest tube"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        USER, verbose_name=_("done by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    # The temporary control (混管阳性待复核) this retest can end: only that episode, so an
    # old retest never ends a later one.
    episode = models.ForeignKey(
        "control.ControlEpisode", verbose_name=_("control episode"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("retest task (单采复核任务)")
        verbose_name_plural = _("retest tasks (单采复核任务)")
        indexes = [models.Index(fields=["area", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "source_tube"], name="uniq_retest_per_person_tube"
            ),
            models.UniqueConstraint(
                fields=["person", "round"],
                condition=Q(reason=RetestReason.NOT_SAMPLED, state=RetestState.OPEN),
                name="uniq_open_door_to_door_per_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_reason_display()})"


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
        Tube, verbose_name=_("tube"), on_delete=models.PROTECT, related_name="case_candidates"
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
        verbose_name = _("case candidate (阳性待核)")
        verbose_name_plural = _("case candidates (阳性待核)")
        indexes = [models.Index(fields=["area", "state"])]

    def __str__(self) -> str:
        return f"{self.person} ({self.tube})"


class Notification(models.Model):
    """A message to the command centre or someone in a person's chain, sent by the SMS
    gateway after the transaction that queued it commits."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    recipient_kind = models.CharField(_("recipient"), max_length=10, choices=RecipientKind.choices)
    recipient_name = models.CharField(_("name"), max_length=60, blank=True)
    recipient_user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = EncryptedTextField(_("phone"), kind="phone")
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    tube = models.ForeignKey(
        Tube, verbose_name=_("tube"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="notifications",
    )  # fmt: skip
    message = models.CharField(_("message"), max_length=500)
    state = models.CharField(
        _("state"), max_length=8, choices=NotificationState.choices,
        default=NotificationState.QUEUED,
    )  # fmt: skip
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("notification (通知)")
        verbose_name_plural = _("notifications (通知)")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.recipient_name}: {self.message[:40]}"


class ResultImportQuerySet(models.QuerySet):
    def visible_to(self, user: MaybeActor) -> ResultImportQuerySet:
        """The imports the user uploaded, those of the labs the user works in, and, for the
        command centre, every lab's import within its areas; nothing for anyone else."""
        if user is None or not user.is_authenticated or not user.is_active:
            return mark_visible(self.none(), user)
        q = Q(created_by=user) | Q(lab__in=Lab.objects.filter(technicians=user).values("pk"))
        if user.can("testing.result_import.view_all"):
            within = area_q(user, "lab__area")
            if within is not None:
                q |= within
        return mark_visible(self.filter(q), user)


class ResultImportJob(ImportJobBase):
    """A lab's results file (.xlsx/.csv), recorded in the background, part by part."""

    resumes_after_failure = True  # a failed run is retried and carries on where it stopped

    lab = models.ForeignKey(
        Lab, verbose_name=_("lab"), on_delete=models.PROTECT, related_name="result_imports"
    )
    recorded_count = models.PositiveIntegerField(_("results recorded"), default=0)
    positive_count = models.PositiveIntegerField(_("positive results"), default=0)

    objects = ResultImportQuerySet.as_manager()
    scope_field = "lab__area"

    class Meta:
        verbose_name = _("results import (结果导入)")
        verbose_name_plural = _("results imports (结果导入)")
        ordering = ["-created_at", "-id"]

    def get_absolute_url(self) -> str:
        return reverse("testing:result_import_detail", args=[self.pk])


class ResultImportRowError(ImportRowErrorBase):
    """A row of a results file not recorded: row number, tube barcode, column, reason."""

    job = models.ForeignKey(ResultImportJob, on_delete=models.CASCADE, related_name="row_errors")
    barcode = models.CharField(_("tube barcode"), max_length=40, blank=True)

    class Meta(ImportRowErrorBase.Meta):
        verbose_name = _("results import row error")
        verbose_name_plural = _("results import row errors")
