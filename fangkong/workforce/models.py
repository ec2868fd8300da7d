"""The models of essential workers and rosters (保供人员与排班): sectors (policy data),
employers and their workers with their closed-loop status and kept test compliance,
whitelist imports; staff pools, posts, rosters and their assignments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import BaseModel, ImportJobBase, ImportRowErrorBase
from fangkong.core.pii import EncryptedTextField
from fangkong.core.roles import Role
from fangkong.core.scoping import ScopedManager, ScopedQuerySet, mark_visible
from fangkong.testing.choices import Outcome
from fangkong.workforce.choices import AbsenceKind, LoopState, PoolKind, RosterStatus


class Sector(BaseModel):
    """A sector of essential work (保供行业) and its test frequency: policy data, seeded and
    edited by the command centre, never code."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    test_interval_days = models.PositiveSmallIntegerField(
        _("days between tests (检测间隔天数)"),
        default=3,
        help_text=_("1: a test every day; 3: twice a week."),
    )
    high_risk = models.BooleanField(_("high-risk post, closed loop (高风险岗位)"), default=False)
    active = models.BooleanField(_("active"), default=True)

    scope_field = None  # a sector's definition holds no one's data

    class Meta:
        verbose_name = _("sector (行业)")
        verbose_name_plural = _("sectors (行业)")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class EmployerQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The user's areas; an employer's account sees its own employers only."""
        qs = super().visible_to(user)
        if getattr(user, "is_authenticated", False) and user.has_role(Role.EMPLOYER):
            qs = mark_visible(qs.filter(accounts=user), user)
        return qs


class Employer(BaseModel):
    """An employer of essential workers (保供单位): a courier depot, a water works..."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("unified social credit code (统一社会信用代码)"), max_length=18)
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="employers"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("contact (联系人)"), max_length=60, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), kind="phone")
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employer accounts"),
        blank=True,
        related_name="employers",
    )

    objects = EmployerQuerySet.as_manager()
    scope_field = "area"

    class Meta:
        verbose_name = _("employer (保供单位)")
        verbose_name_plural = _("employers (保供单位)")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["code"], name="uniq_employer_code")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workforce:employer_detail", args=[self.pk])


class WorkerQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The user's areas; an employer's account sees its own workers only."""
        qs = super().visible_to(user)
        if getattr(user, "is_authenticated", False) and user.has_role(Role.EMPLOYER):
            qs = mark_visible(qs.filter(employer__accounts=user), user)
        return qs


class Worker(BaseModel):
    """A person on an employer's whitelist (白名单), with the closed-loop status and the test
    compliance kept from the testing pipeline (``services.compliance.sync``)."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="workers"
    )
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="workers"
    )
    area = models.ForeignKey(  # the employer's area: the township the figures count it in
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    post = models.CharField(_("post (岗位)"), max_length=60, blank=True)
    active = models.BooleanField(_("on the whitelist"), default=True)
    joined_on = models.DateField(_("on the whitelist since"))
    loop_state = models.CharField(
        _("closed loop"), max_length=12, choices=LoopState.choices, default=LoopState.NOT_IN_LOOP
    )
    loop_place = models.CharField(_("closed-loop place (闭环地点)"), max_length=100, blank=True)
    loop_since = models.DateTimeField(_("in this loop state since"), null=True, blank=True)
    # kept from the testing pipeline, never typed in
    last_sampled_at = models.DateTimeField(_("last sampled at"), null=True, blank=True)
    last_result = models.CharField(
        _("last result"), max_length=10, choices=Outcome.choices, blank=True
    )
    last_result_at = models.DateTimeField(_("last result at"), null=True, blank=True)
    next_due_on = models.DateField(_("next test due"), null=True, blank=True)
    pass_code = models.CharField(_("work pass code"), max_length=32, unique=True)

    objects = WorkerQuerySet.as_manager()
    scope_field = "area"

    class Meta:
        verbose_name = _("essential worker (保供人员)")
        verbose_name_plural = _("essential workers (保供人员)")
        ordering = ["employer", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(active=True), name="one_active_worker"
            )
        ]
        indexes = [
            models.Index(fields=["sector", "active", "next_due_on"]),
            # the compliance list of a sector, most overdue first: read in index order, the
            # first page is its first 50 entries (SQLite does not take a bare ``active`` as
            # an equality on the index above, and sorted the whole sector instead)
            models.Index(
                fields=["sector", "next_due_on"],
                condition=models.Q(active=True),
                name="worker_sector_due_active",
            ),
            # ...and its count, scoped by area, from the index alone
            models.Index(
                fields=["sector", "area"],
                condition=models.Q(active=True),
                name="worker_sector_area_active",
            ),
            models.Index(fields=["area", "active", "next_due_on"]),
            models.Index(fields=["employer", "active", "next_due_on"]),
            models.Index(fields=["person", "active"]),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id}:{self.person_id}"

    def get_absolute_url(self) -> str:
        return reverse("workforce:worker_detail", args=[self.pk])


class WhitelistImportQuerySet(models.QuerySet):
    def visible_to(self, user) -> WhitelistImportQuerySet:
        """A user follows the imports they started."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return mark_visible(self.none(), user)
        return mark_visible(self.filter(created_by=user), user)


class WhitelistImport(ImportJobBase):
    """An employer's whitelist (Excel) imported in the background."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing")
        GOOD_ROWS = "good", _("Good rows only")

    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.CASCADE, related_name="imports"
    )
    mode = models.CharField(_("mode"), max_length=4, choices=Mode.choices)
    created_count = models.PositiveIntegerField(_("workers added"), default=0)
    matched_count = models.PositiveIntegerField(_("already on the whitelist"), default=0)
    persons_created = models.PositiveIntegerField(_("persons registered"), default=0)

    objects = WhitelistImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("whitelist import (白名单导入)")
        verbose_name_plural = _("whitelist imports (白名单导入)")
        ordering = ["-created_at", "-id"]

    def get_absolute_url(self) -> str:
        return reverse("workforce:import_detail", args=[self.pk])


class WhitelistRowError(ImportRowErrorBase):
    job = models.ForeignKey(WhitelistImport, on_delete=models.CASCADE, related_name="row_errors")

    class Meta(ImportRowErrorBase.Meta):
        verbose_name = _("whitelist row error")
        verbose_name_plural = _("whitelist row errors")


# --- frontline rosters ------------------------------------------------------------------


def default_rules() -> dict:
    return {
        "max_hours_day": 12,
        "max_hours_week": 48,
        "min_rest_hours": 12,
        "min_days_off_week": 1,
    }


class StaffPool(BaseModel):
    """A pool of frontline staff (一线工作人员) at a site, checkpoint, testing point or
    transfer team, with its shift rules as data."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PoolKind.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    rules = models.JSONField(_("shift rules (排班规则)"), default=default_rules)

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("staff pool (人员池)")
        verbose_name_plural = _("staff pools (人员池)")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workforce:pool_detail", args=[self.pk])


class StaffMember(BaseModel):
    """One person of a pool: qualifications, closed-loop or not, the account that sees
    its published shifts."""

    pool = models.ForeignKey(
        StaffPool, verbose_name=_("pool"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("name"), max_length=60)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_memberships",
    )
    qualifications = models.JSONField(_("qualifications (资质)"), default=list, blank=True)
    closed_loop = models.BooleanField(_("closed-loop staff (闭环人员)"), default=False)
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()
    scope_field = "pool__area"

    class Meta:
        verbose_name = _("staff member (工作人员)")
        verbose_name_plural = _("staff members (工作人员)")
        ordering = ["pool", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Post(BaseModel):
    """A post of a pool (岗位) and its shifts: ``shifts`` is a list of
    ``{"name", "start" ("08:00"), "hours", "needed"}``."""

    pool = models.ForeignKey(
        StaffPool, verbose_name=_("pool"), on_delete=models.CASCADE, related_name="posts"
    )
    name = models.CharField(_("name"), max_length=60)
    closed_loop = models.BooleanField(_("closed-loop post (闭环岗位)"), default=False)
    qualification = models.CharField(_("qualification needed"), max_length=40, blank=True)
    shifts = models.JSONField(_("shifts (班次)"), default=list)

    objects = ScopedManager()
    scope_field = "pool__area"

    class Meta:
        verbose_name = _("post (岗位)")
        verbose_name_plural = _("posts (岗位)")
        ordering = ["pool", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Roster(BaseModel):
    """A solved roster of a pool for ``days`` days from ``start_date``; what it could not
    cover and, when the rules cannot all be kept, which rule and where."""

    pool = models.ForeignKey(
        StaffPool, verbose_name=_("pool"), on_delete=models.CASCADE, related_name="rosters"
    )
    start_date = models.DateField(_("first day"))
    days = models.PositiveSmallIntegerField(_("days"))
    status = models.CharField(
        _("status"), max_length=12, choices=RosterStatus.choices, default=RosterStatus.DRAFT
    )
    solver_status = models.CharField(_("solver status"), max_length=20, blank=True)
    seconds = models.FloatField(_("solve time, s"), default=0)
    spread_hours = models.FloatField(_("spread of hours (max - min)"), default=0)
    uncovered = models.JSONField(_("uncovered shifts"), default=list, blank=True)
    conflicts = models.JSONField(_("rules that cannot be kept"), default=list, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = ScopedManager()
    scope_field = "pool__area"

    class Meta:
        verbose_name = _("roster (排班表)")
        verbose_name_plural = _("rosters (排班表)")
        ordering = ["-start_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.pool_id} {self.start_date}"

    def get_absolute_url(self) -> str:
        return reverse("workforce:roster_detail", args=[self.pk])


class Assignment(models.Model):
    """One person on one shift of one post on one day."""

    roster = models.ForeignKey(
        Roster, verbose_name=_("roster"), on_delete=models.CASCADE, related_name="assignments"
    )
    member = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    shift = models.PositiveSmallIntegerField(_("shift"))
    starts_at = models.DateTimeField(_("starts at"))
    hours = models.FloatField(_("hours"))

    objects = ScopedManager()
    scope_field = "roster__pool__area"

    class Meta:
        verbose_name = _("shift assignment (排班)")
        verbose_name_plural = _("shift assignments (排班)")
        ordering = ["starts_at", "post", "pk"]
        indexes = [models.Index(fields=["member", "day"]), models.Index(fields=["roster", "day"])]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.post_id} {self.day}/{self.shift}"


class Absence(BaseModel):
    """A day a staff member cannot work (sick, leave, a swap): the next solve works
    around it."""

    member = models.ForeignKey(
        StaffMember,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=8, choices=AbsenceKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_field = "member__pool__area"

    class Meta:
        verbose_name = _("absence (缺勤)")
        verbose_name_plural = _("absences (缺勤)")
        ordering = ["day", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "day"], name="one_absence_per_member_day")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.day}"
