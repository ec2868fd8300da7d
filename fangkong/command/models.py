"""The models of command centre (指挥部): departments, directives (督办) and their
recipients' follow-up, and the archived daily reports (疫情防控工作日报)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.command.choices import OPEN_STATES, RecipientState, UpdateKind
from fangkong.core.models import BaseModel
from fangkong.core.scoping import ScopedManager, ScopedQuerySet, area_q, mark_visible

USER = "core.User"


class Department(BaseModel):
    """A department the command centre gives orders to (卫健局, 公安局, 交通局 …); its
    members act for it."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The area the department serves (usually the county)."),
    )  # fmt: skip
    members = models.ManyToManyField(  # type: ignore[var-annotated]
        USER, verbose_name=_("members"), blank=True, related_name="departments"
    )
    active = models.BooleanField(_("active"), default=True)

    # a department is a name and its members: no one's personal data
    scope_field = None

    class Meta:
        verbose_name = _("department (部门)")
        verbose_name_plural = _("departments (部门)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DirectiveQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> DirectiveQuerySet:
        """Directives issued in the user's areas, or with a recipient the user may see."""
        own = area_q(user, "area")
        theirs = area_q(user, "recipients__area")
        if own is None or theirs is None:
            return mark_visible(self.none(), user)
        ids = Directive.objects.filter(own | theirs).values("pk")
        return mark_visible(self.filter(pk__in=ids), user)


class Directive(BaseModel):
    """An order of the command centre (督办事项) to townships and departments, with a
    deadline."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what is to be done"))
    deadline = models.DateTimeField(_("deadline"))
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("issued in"), on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        USER, verbose_name=_("issued by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DirectiveQuerySet.as_manager()
    scope_field = "area"

    class Meta:
        verbose_name = _("directive (督办事项)")
        verbose_name_plural = _("directives (督办事项)")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("command:directive_detail", args=[self.pk])


class DirectiveRecipient(BaseModel):
    """One recipient of a directive, a township (area) or a department, and where it
    stands with it."""

    directive = models.ForeignKey(
        Directive, verbose_name=_("directive"), on_delete=models.CASCADE,
        related_name="recipients",
    )  # fmt: skip
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The township addressed, or the department's area."),
    )  # fmt: skip
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="directives",
    )  # fmt: skip
    state = models.CharField(
        _("state"), max_length=16, choices=RecipientState.choices, default=RecipientState.ISSUED
    )
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("directive recipient (承办单位)")
        verbose_name_plural = _("directive recipients (承办单位)")
        ordering = ["directive", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["directive", "area"], condition=Q(department__isnull=True),
                name="uniq_directive_area",
            ),
            models.UniqueConstraint(
                fields=["directive", "department"], condition=Q(department__isnull=False),
                name="uniq_directive_department",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["state", "directive"])]

    def __str__(self) -> str:
        return str(self.department or self.area)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class DirectiveUpdate(models.Model):
    """What a recipient (or the centre) did with a directive: acknowledged, reported
    progress with a note and a file, closed; the centre's escalations."""

    recipient = models.ForeignKey(
        DirectiveRecipient, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="updates",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=16, choices=UpdateKind.choices)
    note = models.TextField(_("note"), blank=True)
    attachment = models.FileField(_("file"), upload_to="directives/%Y/%m/", blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        USER, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_field = "recipient__area"

    class Meta:
        verbose_name = _("directive update (办理情况)")
        verbose_name_plural = _("directive updates (办理情况)")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class DailyReport(models.Model):
    """One archived version of the daily report (疫情防控工作日报) of an area for a day:
    the figures as built, the PDF and the Excel workbook. Never changed once written; a
    rebuild adds the next version with what changed."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    version = models.PositiveSmallIntegerField(_("version"))
    built_at = models.DateTimeField(_("built at"), auto_now_add=True)
    built_by = models.ForeignKey(
        USER, verbose_name=_("built by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    cutoff = models.DateTimeField(_("figures as of"))
    figures = models.JSONField(_("figures"))
    changes = models.JSONField(_("changes from the previous version"), default=list)
    pdf = models.BinaryField(_("PDF"))
    xlsx = models.BinaryField(_("Excel workbook"))

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("daily report (疫情防控工作日报)")
        verbose_name_plural = _("daily reports (疫情防控工作日报)")
        ordering = ["-day", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["area", "day", "version"], name="uniq_report_version")
        ]

    def __str__(self) -> str:
        return f"{self.day} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("command:report_detail", args=[self.pk])
